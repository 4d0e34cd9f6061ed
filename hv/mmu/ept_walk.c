/*
 * ept_walk.c - the EPT walk of ept_walk.h. A misconfiguration is checked
 * before rights at each level (SDM 29.3.3.1): reserved bits (51:maxphyaddr,
 * and 7:3 in a PML4E, 6:3 in a non-leaf entry, 6:3 memory type 2, 3 or 7 of
 * a leaf), write without read, execute-only without the capability. A/D
 * flags are neither set nor offered.
 */
#include "mmu/ept.h"
#include "mmu/ept_walk.h"

#define EPT_PS (1ull << 7)
#define EPT_IGNORE_PAT (1ull << 6)
#define ADDR_BITS 0x000ffffffffff000ull

/* Whether entry e (present) at 'level' is misconfigured; leaf: it maps a page. */
static bool misconfigured(uint64_t e, int level, bool leaf, bool execute_only,
			  unsigned maxphyaddr)
{
	unsigned rwx = e & 7, type = (e >> 3) & 7;

	if ((rwx & EPT_W) && !(rwx & EPT_R))
		return true;
	if (rwx == EPT_X && !execute_only)
		return true;
	if (maxphyaddr < 52 && (e & ADDR_BITS) >> maxphyaddr)
		return true;
	if (level == 4 && (e & (0x1full << 3)))
		return true; /* PS and memory type reserved */
	if (!leaf)
		return (e & (0xfull << 3)) != 0;
	if (type == 2 || type == 3 || type == 7)
		return true;
	/* A large page's address bits below its size are reserved. */
	return level > 1 && (e & ADDR_BITS & ((1ull << (12 + 9 * (level - 1))) - 1));
}

enum ept_walk_result ept_walk(uint64_t eptp, uint64_t gpa, unsigned access, bool execute_only,
			      unsigned maxphyaddr, ept_read_fn read, void *ctx,
			      struct ept_walk *w)
{
	uint64_t table = eptp & ADDR_BITS;

	w->perms = EPT_RWX;
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t e;
		bool leaf;

		if (!read(ctx, table + ((gpa >> shift) & 0x1ff) * 8, &e))
			return EPT_WALK_NO_MEMORY;
		if (!(e & EPT_RWX)) {
			w->perms = 0;
			return EPT_WALK_VIOLATION;
		}
		leaf = level == 1 || ((level == 2 || level == 3) && (e & EPT_PS));
		if (misconfigured(e, level, leaf, execute_only, maxphyaddr))
			return EPT_WALK_MISCONFIG;
		w->perms &= e & EPT_RWX;
		if (leaf) {
			uint64_t page = (1ull << shift) - 1;

			w->pa = (e & ADDR_BITS & ~page) | (gpa & page);
			w->memtype = (e >> 3) & 7;
			w->ignore_pat = e & EPT_IGNORE_PAT;
			w->level = level;
			return (access & ~w->perms) ? EPT_WALK_VIOLATION : EPT_WALK_OK;
		}
		table = e & ADDR_BITS;
	}
	return EPT_WALK_VIOLATION; /* not reached: level 1 is always a leaf */
}

bool ept_eptp_valid(uint64_t eptp, uint64_t ept_caps, unsigned maxphyaddr)
{
	unsigned type = eptp & 7;

	if (!((type == 0 && (ept_caps >> 8 & 1)) || (type == 6 && (ept_caps >> 14 & 1))))
		return false;
	if (((eptp >> 3) & 7) != 3 || (eptp & (1ull << 6)) || (eptp & (0x1full << 7)))
		return false;
	return maxphyaddr >= 64 || eptp >> maxphyaddr == 0;
}

struct ept_leaf ept_compose_leaf(uint64_t gpa, uint64_t l1_hpa, int l2_level, int l1_level,
				 int max_level)
{
	int level = l2_level < l1_level ? l2_level : l1_level;
	uint64_t size;

	if (level > max_level)
		level = max_level;
	if (level < 1)
		level = 1;
	size = 4096ull << (9 * (level - 1));
	return (struct ept_leaf){ gpa & ~(size - 1), l1_hpa & ~(size - 1), size };
}
