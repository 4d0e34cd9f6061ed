/*
 * mtrr.c - the MTRR type of a physical range (SDM Vol. 3A 12.11): fixed
 * ranges below 1 MiB, then the variable ranges, checked block by aligned
 * block so that a 1 GiB query costs a few mask tests, not 262144.
 */
#include <stdbool.h>
#include <stdint.h>

#include "mmu/mtrr.h"

#define GRANULE 0x1000ull	/* the MTRRs' finest granularity */
#define TYPE_NONE (-2)		/* no byte seen yet, in merge() */
#define MAXPHYADDR_MAX 52	/* the architectural limit (SDM Vol. 3A 4.1.4) */

const struct mtrr_fixed_msr mtrr_fixed_msrs[MTRR_FIXED_MSRS] = {
	{ 0x250, 0x00000, 0x10000 },	/* IA32_MTRR_FIX64K_00000 */
	{ 0x258, 0x80000, 0x4000 },	/* IA32_MTRR_FIX16K_80000 */
	{ 0x259, 0xa0000, 0x4000 },	/* IA32_MTRR_FIX16K_A0000 */
	{ 0x268, 0xc0000, 0x1000 },	/* IA32_MTRR_FIX4K_C0000 */
	{ 0x269, 0xc8000, 0x1000 },
	{ 0x26a, 0xd0000, 0x1000 },
	{ 0x26b, 0xd8000, 0x1000 },
	{ 0x26c, 0xe0000, 0x1000 },
	{ 0x26d, 0xe8000, 0x1000 },
	{ 0x26e, 0xf0000, 0x1000 },
	{ 0x26f, 0xf8000, 0x1000 },	/* IA32_MTRR_FIX4K_F8000 */
};

/* A type field as the precedence rules see it: reserved encodings are UC. */
static int type_of_field(uint64_t field)
{
	switch (field & 0xff) {
	case MTRR_WC:
	case MTRR_WT:
	case MTRR_WP:
	case MTRR_WB:
		return (int)(field & 0xff);
	default:
		return MTRR_UC;
	}
}

/* The type of the union of two pieces: their type if they agree, else -1. */
static int merge(int a, int b)
{
	if (a == TYPE_NONE)
		return b;
	return a == b ? a : -1;
}

/* The fixed ranges' type over [lo, hi), hi <= 1 MiB (SDM Vol. 3A 12.11.2.2). */
static int fixed_type(const struct mtrr_state *s, uint64_t lo, uint64_t hi)
{
	int type = TYPE_NONE;

	for (int i = 0; i < MTRR_FIXED_MSRS; i++) {
		const struct mtrr_fixed_msr *f = &mtrr_fixed_msrs[i];

		for (int j = 0; j < 8; j++) {
			uint64_t b = f->base + (uint64_t)j * f->unit;

			if (b < hi && b + f->unit > lo)
				type = merge(type, type_of_field(s->fixed[i] >> (8 * j)));
		}
	}
	return type;
}

/*
 * The type of an address matched by the variable ranges whose types are the
 * bits of 'types' (SDM Vol. 3A 12.11.4.1); the default type if none.
 */
static int precedence(const struct mtrr_state *s, unsigned int types)
{
	if (!types)
		return type_of_field(s->def_type);
	if (!(types & (types - 1)))
		return __builtin_ctz(types);
	if (types == (1u << MTRR_WT | 1u << MTRR_WB))
		return MTRR_WT;
	return MTRR_UC;	/* UC among them, or a mix the SDM leaves undefined */
}

/*
 * The variable ranges' type over the aligned block [a, a + 2^order). A range
 * whose mask leaves address bits inside the block unmatched covers only part
 * of it (masks need not be contiguous), so then each half is typed apart.
 */
static int block_type(const struct mtrr_state *s, uint64_t phys_mask,
		      uint64_t a, unsigned int order)
{
	uint64_t inside = (1ull << order) - 1;
	unsigned int nvar = s->cap & MTRRCAP_VCNT_MASK;
	unsigned int types = 0;

	if (nvar > MTRR_VAR_MAX)
		nvar = MTRR_VAR_MAX;
	for (unsigned int i = 0; i < nvar; i++) {
		uint64_t mask = s->var[i].mask & phys_mask;

		if (!(s->var[i].mask & MTRR_PHYSMASK_V) ||
		    ((a ^ s->var[i].base) & mask & ~inside))
			continue;
		if (mask & inside) {
			int lower = block_type(s, phys_mask, a, order - 1);

			if (lower < 0)
				return -1;
			return merge(lower, block_type(s, phys_mask,
						       a + (inside >> 1) + 1, order - 1));
		}
		types |= 1u << type_of_field(s->var[i].base);
	}
	return precedence(s, types);
}

/* The variable ranges' type over [lo, hi), both GRANULE-aligned. */
static int var_type(const struct mtrr_state *s, uint64_t lo, uint64_t hi)
{
	unsigned int bits = s->maxphyaddr < MAXPHYADDR_MAX ? s->maxphyaddr : MAXPHYADDR_MAX;
	uint64_t phys_mask = ((1ull << bits) - 1) & ~(GRANULE - 1);
	int type = TYPE_NONE;

	/* The largest aligned blocks that tile [lo, hi), lowest first. */
	while (lo < hi && type != -1) {
		unsigned int order = lo ? __builtin_ctzll(lo) : 63;

		while (hi - lo < 1ull << order)
			order--;
		type = merge(type, block_type(s, phys_mask, lo, order));
		lo += 1ull << order;
	}
	return type;
}

int mtrr_type_of_range(const struct mtrr_state *s, uint64_t base, uint64_t size)
{
	uint64_t lo = base & ~(GRANULE - 1);
	uint64_t hi = (base + size + GRANULE - 1) & ~(GRANULE - 1);
	int type = TYPE_NONE;

	if (!size || base + size < base || hi < base + size)
		return -1;
	if (!(s->def_type & MTRR_DEF_E))
		return MTRR_UC;	/* MTRRs disabled (SDM Vol. 3A 12.11.2.1) */
	if ((s->cap & MTRRCAP_FIX) && (s->def_type & MTRR_DEF_FE) &&
	    lo < MTRR_FIXED_END) {
		type = fixed_type(s, lo, hi < MTRR_FIXED_END ? hi : MTRR_FIXED_END);
		if (type < 0 || hi <= MTRR_FIXED_END)
			return type;
		lo = MTRR_FIXED_END;
	}
	return merge(type, var_type(s, lo, hi));
}
