/*
 * host_pt.h - the page tables the hypervisor itself runs on (4-level, SDM
 * Vol. 3A 4.5): an identity map in which every page has exactly the access
 * its contents need (text read+execute, read-only data, data read+write and
 * never executable, guard pages absent), built from the caller's pages.
 */
#ifndef HV_MMU_HOST_PT_H
#define HV_MMU_HOST_PT_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_PT_P (1ull << 0)
#define HOST_PT_W (1ull << 1)
#define HOST_PT_U (1ull << 2)
#define HOST_PT_PS (1ull << 7)
#define HOST_PT_NX (1ull << 63)

/* What a page may be used for; never user-accessible but for the SMEP/SMAP test. */
enum host_prot {
	HOST_PROT_NONE, /* not present: a guard page */
	HOST_PROT_R,    /* read-only data */
	HOST_PROT_RW,   /* data */
	HOST_PROT_RX,   /* code */
	HOST_PROT_USER_RWX, /* a user page: only to prove that SMEP and SMAP fault */
};

struct host_pt_ops {
	/* A zeroed 4 KiB page's physical address, or 0 if none is left. */
	uint64_t (*alloc_page)(void *ctx);
	void *(*phys_to_virt)(uint64_t pa, void *ctx);
};

struct host_pt {
	const struct host_pt_ops *ops;
	void *ctx;
	uint64_t pml4;  /* physical address: what CR3 gets */
	bool nx;        /* the CPU has EFER.NXE: else no page can be non-executable */
	unsigned pages; /* table pages taken from alloc_page */
};

enum host_pt_error {
	HOST_PT_OK = 0,
	HOST_PT_ERR_NOMEM = -1, /* alloc_page returned 0 */
	HOST_PT_ERR_INVAL = -2, /* unaligned or past 512 GiB */
};

/* An empty table (nothing mapped). */
enum host_pt_error host_pt_init(struct host_pt *pt, const struct host_pt_ops *ops, void *ctx,
				bool nx);
/*
 * Identity-maps [base, end) (4 KiB aligned) with 'prot'. 2 MiB pages where a
 * whole aligned 2 MiB lies inside and 'small' is false; a 2 MiB page that is
 * only partly remapped is split first, its 4 KiB pages keeping its access.
 */
enum host_pt_error host_pt_map(struct host_pt *pt, uint64_t base, uint64_t end,
			       enum host_prot prot, bool small);
/* The leaf entry that maps 'va' (0 if none) and its level (1: 4 KiB, 2: 2 MiB). */
uint64_t host_pt_lookup(const struct host_pt *pt, uint64_t va, int *level);
/* The access a leaf entry gives (HOST_PROT_NONE for 0 or not present). */
enum host_prot host_pt_prot(const struct host_pt *pt, uint64_t entry);
const char *host_prot_name(enum host_prot prot);

#endif
