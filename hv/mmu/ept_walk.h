/*
 * ept_walk.h - walking a guest hypervisor's (L2's) EPT as the CPU would
 * (SDM Vol. 3C 29.3.2-29.3.3), to compose it with L1's for L3: the
 * translation and its combined rights, or the EPT violation or EPT
 * misconfiguration the CPU would report. Pure: L2's memory is read through
 * a callback.
 */
#ifndef HV_MMU_EPT_WALK_H
#define HV_MMU_EPT_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Reads the 8-byte entry at physical address pa; false if none is there. */
typedef bool (*ept_read_fn)(void *ctx, uint64_t pa, uint64_t *entry);

enum ept_walk_result {
	EPT_WALK_OK,
	EPT_WALK_VIOLATION,   /* not present, or the access not allowed */
	EPT_WALK_MISCONFIG,   /* reserved bits, write without read, bad memory type */
	EPT_WALK_NO_MEMORY,   /* a table outside L2's memory */
};

struct ept_walk {
	uint64_t pa;          /* the translation of the walked address */
	unsigned perms;       /* R W X the walk allows (bits 2:0, ANDed over the levels) */
	unsigned memtype;     /* the leaf's memory type */
	bool ignore_pat;
	int level;            /* the leaf's level: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB) */
};

/*
 * Walks eptp's 4-level tables for gpa and an access of 'access' (EPT_R,
 * EPT_W, EPT_X bits). execute_only: the CPU offers execute-only pages
 * (IA32_VMX_EPT_VPID_CAP bit 0); maxphyaddr: the address width. On
 * EPT_WALK_VIOLATION, w->perms holds the rights of the (partial) walk,
 * which the exit qualification reports in bits 5:3 (SDM Table 28-7).
 */
enum ept_walk_result ept_walk(uint64_t eptp, uint64_t gpa, unsigned access, bool execute_only,
			      unsigned maxphyaddr, ept_read_fn read, void *ctx,
			      struct ept_walk *w);

/* A leaf of a composed EPT: guest-physical [gpa, gpa + size) onto host-physical hpa. */
struct ept_leaf {
	uint64_t gpa, hpa, size;
};

/*
 * The largest leaf a shadow EPT may map for gpa, where L2's walk ended in
 * a leaf of level l2_level and L1's EPT maps the translation with a leaf of
 * level l1_level onto l1_hpa (levels: 1 4 KiB, 2 2 MiB, 3 1 GiB): a page of
 * the smallest of the two and max_level (what the shadow's CPU offers).
 * Both leaves are naturally aligned and each translates every address of
 * it alike, so the offset of gpa within that page is l1_hpa's too.
 */
struct ept_leaf ept_compose_leaf(uint64_t gpa, uint64_t l1_hpa, int l2_level, int l1_level,
				 int max_level);

/* Whether an EPTP is one the CPU accepts: WB or UC walks, 4 levels, no A/D (27.2.1.1). */
bool ept_eptp_valid(uint64_t eptp, uint64_t ept_caps, unsigned maxphyaddr);

#endif
