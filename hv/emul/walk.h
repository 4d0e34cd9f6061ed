/*
 * walk.h - the guest's paging walked in software, for the hypervisor's own
 * accesses to guest memory (instruction fetch, emulated operands): every
 * mode (paging off, 32-bit with and without PSE, PAE, 4-level), accessed
 * and dirty bits set as the CPU sets them, U/S, R/W with CR0.WP, NX with
 * EFER.NXE, SMEP and SMAP checked, and the #PF error code on a fault
 * (SDM Vol. 3A 4.3-4.7). Pure: tables are read and written through
 * callbacks on guest-physical addresses, so tests/unit/test_walk.c builds
 * them by hand. A small translation cache (struct walk_tlb) sits on top.
 */
#ifndef HV_EMUL_WALK_H
#define HV_EMUL_WALK_H

#include <stdbool.h>
#include <stdint.h>

#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* #PF error code bits (Vol. 3A 4.7). */
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)

enum walk_access { WALK_READ, WALK_WRITE, WALK_FETCH };

#define WALK_MAX_LEVELS 4 /* 4-level paging; PAE reads 3 (its PDPTE and 2), 32-bit 2 */

/* The paging state a translation depends on. */
struct walk_mode {
	uint64_t cr0, cr3, cr4, efer;
	uint8_t cpl;        /* 3: user-mode access */
	bool ac;            /* RFLAGS.AC: SMAP off for this data access */
	uint8_t maxphyaddr; /* bits; 0 means 52 */
	/*
	 * PAE paging: the four PDPTEs the CPU holds, loaded at the last CR3 load
	 * (or CR0/CR4 write) and not read again (Vol. 3A 4.4.1); NULL: read them
	 * at CR3, as the memory holds them now.
	 */
	const uint64_t *pdpte;
};

struct walk_ops {
	/* Reads/writes a 4- or 8-byte table entry at a guest-physical address. */
	bool (*read)(void *ctx, uint64_t gpa, uint64_t *val, unsigned size);
	bool (*write)(void *ctx, uint64_t gpa, uint64_t val, unsigned size);
};

enum walk_status {
	WALK_OK,
	WALK_PAGE_FAULT, /* the guest's own fault: inject #PF with 'error' */
	WALK_BAD_TABLE,  /* a table outside the guest's RAM: the caller decides */
};

struct walk_result {
	uint64_t gpa;      /* of the linear address given */
	uint32_t error;    /* #PF error code when WALK_PAGE_FAULT */
	uint64_t leaf_gpa; /* where the leaf entry is (0 with paging off) */
	uint64_t leaf;     /* its value after A/D were set */
	uint8_t leaf_size; /* 4 or 8 */
	uint8_t page_shift;  /* 12, 21, 22, 30 */
	uint8_t user, writable, nx; /* combined over every level */
};

/* Every entry a walk read, top first (PAE: the PDPTE first), as it left them. */
struct walk_path {
	uint8_t levels;
	uint64_t gpa[WALK_MAX_LEVELS], val[WALK_MAX_LEVELS];
};

enum walk_status walk_guest(const struct walk_mode *m, uint64_t la, enum walk_access acc,
			    const struct walk_ops *ops, void *ctx, struct walk_result *res);
/* The same, and the entries it read into *path (when it returns WALK_OK). */
enum walk_status walk_guest_path(const struct walk_mode *m, uint64_t la, enum walk_access acc,
				 const struct walk_ops *ops, void *ctx, struct walk_result *res,
				 struct walk_path *path);
/* Whether the combined rights in res allow acc for mode m; else the #PF error code. */
bool walk_allows(const struct walk_mode *m, const struct walk_result *res,
		 enum walk_access acc, uint32_t *error);

/*
 * The translation cache (seed 001): direct-mapped, per vCPU. Keyed by CR3,
 * the linear page and the mode bits that change rights; a hit is validated
 * by re-reading every entry the walk read (loads, no address arithmetic and
 * no rights to combine), so a guest that edits any level without an exit we
 * see (CR3 loads and INVLPG do not exit) is never served a stale
 * translation: a PDE pointed at another table whose entry is unchanged
 * counts too. walk_tlb_flush on EPT changes.
 */
#define WALK_TLB_ENTRIES 64 /* walk.c's hash takes 6 bits */

struct walk_tlb_entry {
	uint64_t cr3, page, mode_key, gen;
	uint8_t mapped;                          /* every level_ptr set: a hit only loads */
	const void *level_ptr[WALK_MAX_LEVELS];  /* map() of each entry read, or NULL */
	struct walk_path path;
	struct walk_result r;
};

struct walk_tlb {
	struct walk_tlb_entry e[WALK_TLB_ENTRIES];
	uint64_t gen; /* entries of an older generation are invalid */
	uint64_t hits, misses;
	/* Optional: where the entry at gpa is, for a hit's revalidation by loads. */
	const void *(*map)(void *ctx, uint64_t gpa, unsigned size);
};

void walk_tlb_flush(struct walk_tlb *t);
enum walk_status walk_cached(struct walk_tlb *t, const struct walk_mode *m, uint64_t la,
			     enum walk_access acc, const struct walk_ops *ops, void *ctx,
			     struct walk_result *res);

#endif
