/*
 * ept.h - 4-level extended page tables (SDM Vol. 3C 29.3): map, unmap and
 * look up guest-physical ranges with the largest pages allowed, in tables
 * that come from the caller's page allocator.
 */
#ifndef HV_MMU_EPT_H
#define HV_MMU_EPT_H

#include <stdbool.h>
#include <stdint.h>

/* Access rights of an EPT entry, bits 2:0 (SDM Vol. 3C 29.3.2). */
#define EPT_R (1u << 0)
#define EPT_W (1u << 1)
#define EPT_X (1u << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)

/* Where the page tables come from; ctx is passed back to each call. */
struct ept_ops {
	/* A zeroed 4 KiB page's physical address, or 0 if none is left. */
	uint64_t (*alloc_page)(void *ctx);
	/*
	 * Takes back a table page no entry points to any more; NULL: tables
	 * are never freed. The CPU may still hold translations through it
	 * until the caller's next INVEPT (SDM Vol. 3C 29.4.3), so with the
	 * EPT in use the page must not be reused before then.
	 */
	void (*free_page)(uint64_t pa, void *ctx);
	void *(*phys_to_virt)(uint64_t pa, void *ctx);
};

struct ept {
	const struct ept_ops *ops;
	void *ctx;
	uint64_t pml4;			/* physical address of the PML4 table */
	unsigned int leaf_levels;	/* bit n: ept_map may write leaves at level n */
	/*
	 * Advanced (a release store) after every ept_map, ept_map_typed and
	 * ept_unmap, whatever they changed: whoever keeps translations derived
	 * from these tables (nested_ept.c's shadows of guest_ept) compares it
	 * with the value it built them at. Changes to one EPT are serialized by
	 * its users, so a plain increment is enough.
	 */
	uint64_t gen;
};

enum ept_error {
	EPT_OK = 0,
	EPT_ERR_NOMEM = -1,	/* alloc_page returned 0 */
	EPT_ERR_INVAL = -2,	/* unaligned, out of range, or bad perms or type */
};

/* One translation as ept_lookup finds it. */
struct ept_mapping {
	uint64_t hpa;		/* host-physical address of the looked-up byte */
	unsigned int perms;	/* EPT_R | EPT_W | EPT_X */
	unsigned int memtype;	/* 0 UC, 1 WC, 4 WT, 5 WP, 6 WB */
	bool ignore_pat;
	int level;		/* the leaf's level: 1 4 KiB, 2 2 MiB, 3 1 GiB */
};

/*
 * The type of host-physical [hpa, hpa + size), or -1 where not uniform:
 * e.g. mtrr_type_of_range behind a wrapper.
 */
typedef int (*ept_type_fn)(uint64_t hpa, uint64_t size, void *ctx);

/*
 * Allocates an empty PML4. allow_1g and allow_2m say which large pages the
 * CPU offers (IA32_VMX_EPT_VPID_CAP bits 17 and 16); 1 GiB pages need
 * 2 MiB ones, which splitting them produces. Returns 0 or an ept_error.
 */
int ept_init(struct ept *e, const struct ept_ops *ops, void *ctx,
	     bool allow_1g, bool allow_2m);

/*
 * Maps guest-physical [gpa, gpa + size) to [hpa, hpa + size), all 4 KiB
 * aligned, replacing what was there, each piece with the largest allowed
 * page that the alignment of both addresses and the size left permit. A
 * large page that the range covers only in part becomes a table of
 * entries with its old attributes first. perms must include EPT_R if it
 * includes EPT_W; EPT_X alone needs execute-only support (cap bit 0).
 * memtype is 0, 1, 4, 5 or 6 (SDM Vol. 3C 29.3.3.1).
 *
 * Returns 0 or an ept_error. On EPT_ERR_NOMEM the pages below the one that
 * failed are mapped as asked and the rest are as they were; a large page
 * being split still translates as before (whole, or as an equivalent
 * table), and tables allocated for the failed page may stay, empty. No
 * entry is ever visible half-built. Changing or removing a present
 * translation needs an INVEPT afterwards (SDM Vol. 3C 29.4.3).
 */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned int perms, unsigned int memtype, bool ignore_pat);

/*
 * ept_map with each page's memory type from type_of: a large page only
 * where the type is uniform over it. Ignore-PAT stays clear, so the guest's
 * PAT combines with the type as it would with the MTRRs on bare metal
 * (SDM Vol. 3C 29.3.7). EPT_ERR_INVAL if a 4 KiB page gets no valid type.
 */
int ept_map_typed(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
		  unsigned int perms, ept_type_fn type_of, void *ctx);

/*
 * Unmaps [gpa, gpa + size), splitting large pages it covers in part (so it
 * too may fail with EPT_ERR_NOMEM, leaving the pages below the failed one
 * unmapped) and freeing the tables of whole entries it clears. Tables that
 * unmapping 4 KiB pages one at a time empties stay until ept_destroy.
 */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size);

/* Walks the tables as the CPU would; false if gpa is not mapped. */
bool ept_lookup(const struct ept *e, uint64_t gpa, struct ept_mapping *m);

/*
 * The EPTP for these tables (SDM Vol. 3C 25.6.11): paging structures
 * accessed as WB, a 4-level walk, EPT A/D flags enabled if ad.
 */
uint64_t ept_eptp(const struct ept *e, bool ad);

/* Gives every table back through free_page (if any). */
void ept_destroy(struct ept *e);

#endif
