/*
 * targets.c - where the hypervisor's memory is, seen from L2: its image at
 * the fixed load address, and its pool, which L2's memory map shows as the
 * highest reserved range carved out of RAM.
 */
#include "probe.h"

#define HV_LOAD_ADDR 0x200000ull   /* hv/hv.ld */
#define LOW_MEM_END 0x100000ull    /* below 1 MiB: firmware's reserved ranges */
#define UNMAPPED_ADDR (4ull << 30) /* boot64.S maps only the low 4 GiB */

/* Whether reserved 'r' lies below available RAM or directly on top of it. */
static bool inside_ram(const struct mb2_info *mbi, const struct mb2_mmap_entry *r)
{
	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *a = &mbi->mmap[i];

		if (a->type == MB2_MEM_AVAILABLE &&
		    (a->base >= r->base + r->len || a->base + a->len == r->base))
			return true;
	}
	return false;
}

/* The base of the highest reserved range above 1 MiB inside RAM; 0 if none. */
static uint64_t pool_addr(const struct mb2_info *mbi)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		if (e->type == MB2_MEM_RESERVED && e->base >= LOW_MEM_END && e->base > best &&
		    inside_ram(mbi, e))
			best = e->base;
	}
	return best;
}

uint64_t probe_target_addr(enum probe_target target, const struct mb2_info *mbi)
{
	switch (target) {
	case TARGET_IMAGE:
		return HV_LOAD_ADDR;
	case TARGET_POOL:
		return pool_addr(mbi);
	case TARGET_UNMAPPED:
		return UNMAPPED_ADDR;
	case TARGET_SWEEP:
		break;
	}
	return 0;
}
