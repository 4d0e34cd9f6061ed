/*
 * test_mtrr.c - MTRR types of ranges from hand-built MSR values: disabled,
 * default type, all 88 fixed sub-ranges, variable masks, overlap
 * precedence, and ranges that straddle two types.
 */
#include <stdint.h>

#include "check.h"
#include "mmu/mtrr.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAXPHYADDR 39
#define FIXED_SUBRANGES 88

/* An MTRR state with fixed ranges and 8 variable pairs offered, none set. */
static struct mtrr_state state(uint64_t def_type)
{
	return (struct mtrr_state){
		.cap = MTRRCAP_FIX | 8,
		.def_type = def_type,
		.maxphyaddr = MAXPHYADDR,
	};
}

/* Makes variable pair n cover [base, base + size), size a power of two. */
static void set_var(struct mtrr_state *s, int n, uint64_t base, uint64_t size, int type)
{
	s->var[n].base = base | (uint64_t)type;
	s->var[n].mask = (~(size - 1) & ((1ull << MAXPHYADDR) - 1)) | MTRR_PHYSMASK_V;
}

/* Sets every byte of every fixed-range MSR to type. */
static void set_all_fixed(struct mtrr_state *s, int type)
{
	for (int i = 0; i < MTRR_FIXED_MSRS; i++)
		s->fixed[i] = 0x0101010101010101ull * (uint64_t)type;
}

/* Fixed sub-range k as SDM Vol. 3A 12.11.2.2 lays them out. */
static void subrange(int k, uint64_t *base, uint64_t *size)
{
	if (k < 8) {
		*size = 64 * KiB;
		*base = k * *size;
	} else if (k < 24) {
		*size = 16 * KiB;
		*base = 0x80000 + (k - 8) * *size;
	} else {
		*size = 4 * KiB;
		*base = 0xc0000 + (k - 24) * *size;
	}
}

/* A type per sub-range such that neighbours always differ. */
static int pattern(int k)
{
	static const int types[] = { MTRR_UC, MTRR_WC, MTRR_WT, MTRR_WP, MTRR_WB };

	return types[(k + k / 8) % 5];
}

static void test_disabled(void)
{
	struct mtrr_state s = state(MTRR_DEF_FE | MTRR_WB);

	set_all_fixed(&s, MTRR_WB);
	set_var(&s, 0, 0, 4 * GiB, MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 4 * KiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 0xa0000, 1), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 8 * GiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 0), -1);
}

static void test_default(void)
{
	struct mtrr_state s = state(MTRR_DEF_E | MTRR_WB);

	CHECK_EQ(mtrr_type_of_range(&s, 0, 16 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0xa0000, 4 * KiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0x12345, 3), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 0), -1);
	CHECK_EQ(mtrr_type_of_range(&s, UINT64_MAX - 0xfff, 0x1000), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB, UINT64_MAX), -1);
	s.def_type = MTRR_DEF_E | MTRR_UC;
	CHECK_EQ(mtrr_type_of_range(&s, 0, 16 * GiB), MTRR_UC);
	s.def_type = MTRR_DEF_E | 3;	/* reserved encoding */
	CHECK_EQ(mtrr_type_of_range(&s, 0, 4 * KiB), MTRR_UC);

	/* Pairs at or above VCNT are not there, whatever they hold. */
	s = state(MTRR_DEF_E | MTRR_WB);
	set_var(&s, 0, 0, 4 * GiB, MTRR_UC);
	s.cap = MTRRCAP_FIX;
	CHECK_EQ(mtrr_type_of_range(&s, 0, 4 * KiB), MTRR_WB);
	s.cap = MTRRCAP_FIX | 1;
	CHECK_EQ(mtrr_type_of_range(&s, 0, 4 * KiB), MTRR_UC);
}

static void test_fixed_msrs(void)
{
	static const uint32_t msrs[MTRR_FIXED_MSRS] = {
		0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
	};

	for (int i = 0; i < MTRR_FIXED_MSRS; i++)
		CHECK_EQ(mtrr_fixed_msrs[i].msr, msrs[i]);
}

static void test_fixed(void)
{
	struct mtrr_state s = state(MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB);
	uint64_t base, size;

	for (int k = 0; k < FIXED_SUBRANGES; k++)
		s.fixed[k / 8] |= (uint64_t)pattern(k) << (8 * (k % 8));
	set_var(&s, 0, 0, 1 * MiB, MTRR_UC);	/* fixed ranges take precedence */
	for (int k = 0; k < FIXED_SUBRANGES; k++) {
		subrange(k, &base, &size);
		CHECK_EQ(mtrr_type_of_range(&s, base, size), pattern(k));
		CHECK_EQ(mtrr_type_of_range(&s, base + size / 2, 1), pattern(k));
		CHECK_EQ(mtrr_type_of_range(&s, base, size + 1), -1);
	}
	/* The last sub-range and the first megabyte above it. */
	CHECK_EQ(mtrr_type_of_range(&s, 0xff000, 8 * KiB), -1);

	/* FE clear, or no fixed ranges offered: the variable ranges apply. */
	s.def_type = MTRR_DEF_E | MTRR_WB;
	CHECK_EQ(mtrr_type_of_range(&s, 0x80000, 4 * KiB), MTRR_UC);
	s.def_type |= MTRR_DEF_FE;
	s.cap &= ~MTRRCAP_FIX;
	CHECK_EQ(mtrr_type_of_range(&s, 0x80000, 4 * KiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 2 * MiB), -1);

	/* A uniform type across the 1 MiB line. */
	s = state(MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB);
	set_all_fixed(&s, MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 2 * MiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 1 * GiB), MTRR_WB);
	s.def_type = MTRR_DEF_E | MTRR_DEF_FE | MTRR_UC;
	CHECK_EQ(mtrr_type_of_range(&s, 0, 2 * MiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 1 * MiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 1 * MiB, 1 * MiB), MTRR_UC);
}

static void test_variable(void)
{
	struct mtrr_state s = state(MTRR_DEF_E | MTRR_UC);

	set_var(&s, 0, 0, 2 * GiB, MTRR_WB);
	set_var(&s, 1, 4 * GiB, 4 * GiB, MTRR_WB);
	set_var(&s, 2, 0xe0000000, 256 * MiB, MTRR_WC);
	set_var(&s, 3, 0, 1 * GiB, MTRR_UC);
	s.var[3].mask &= ~MTRR_PHYSMASK_V;	/* not valid: ignored */

	CHECK_EQ(mtrr_type_of_range(&s, 0, 2 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 1 * GiB, 1 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB - 4 * KiB, 4 * KiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB - 4 * KiB, 8 * KiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB - 1, 2), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 0x12345, 7), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB, 1 * GiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 0xe0000000, 256 * MiB), MTRR_WC);
	CHECK_EQ(mtrr_type_of_range(&s, 0xe8000000, 2 * MiB), MTRR_WC);
	CHECK_EQ(mtrr_type_of_range(&s, 0xe0000000, 512 * MiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 3 * GiB, 1 * GiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 4 * GiB, 4 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 6 * GiB, 1 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 6 * GiB, 4 * GiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 8 * GiB, 1 * GiB), MTRR_UC);

	/*
	 * A mask with a hole: below 4 GiB, the 2 MiB blocks whose address
	 * bit 21 is clear (legal, though the SDM discourages it).
	 */
	s = state(MTRR_DEF_E | MTRR_UC);
	set_var(&s, 0, 0, 4 * GiB, MTRR_WB);
	s.var[0].mask |= 2 * MiB;
	CHECK_EQ(mtrr_type_of_range(&s, 0, 2 * MiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * MiB, 2 * MiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 4 * MiB, 2 * MiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 4 * MiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 1 * GiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 4 * GiB, 2 * MiB), MTRR_UC);
}

static void test_overlaps(void)
{
	struct mtrr_state s = state(MTRR_DEF_E | MTRR_WB);

	set_var(&s, 0, 0, 4 * GiB, MTRR_WB);
	set_var(&s, 1, 3 * GiB, 1 * GiB, MTRR_UC);
	set_var(&s, 2, 1 * GiB, 1 * GiB, MTRR_WT);
	set_var(&s, 3, 1 * GiB, 2 * MiB, MTRR_UC);
	set_var(&s, 4, 512 * MiB, 256 * MiB, MTRR_WC);
	set_var(&s, 5, 8 * GiB, 1 * GiB, MTRR_WB);
	set_var(&s, 6, 8 * GiB, 2 * MiB, MTRR_WB);
	set_var(&s, 7, 16 * GiB, 1 * GiB, 2);	/* reserved encoding */

	/* UC wins over WB, and over WT and WB together. */
	CHECK_EQ(mtrr_type_of_range(&s, 3 * GiB, 1 * GiB), MTRR_UC);
	CHECK_EQ(mtrr_type_of_range(&s, 1 * GiB, 2 * MiB), MTRR_UC);
	/* WT and WB give WT. */
	CHECK_EQ(mtrr_type_of_range(&s, 1 * GiB + 2 * MiB, 2 * MiB), MTRR_WT);
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB - 2 * MiB, 2 * MiB), MTRR_WT);
	CHECK_EQ(mtrr_type_of_range(&s, 1 * GiB, 1 * GiB), -1);
	/* WC and WB: undefined, taken as UC. */
	CHECK_EQ(mtrr_type_of_range(&s, 512 * MiB, 256 * MiB), MTRR_UC);
	/* The same type twice is that type. */
	CHECK_EQ(mtrr_type_of_range(&s, 8 * GiB, 1 * GiB), MTRR_WB);
	CHECK_EQ(mtrr_type_of_range(&s, 16 * GiB, 4 * KiB), MTRR_UC);
	/* Straddling two types. */
	CHECK_EQ(mtrr_type_of_range(&s, 2 * GiB, 2 * GiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 1 * GiB), -1);
	CHECK_EQ(mtrr_type_of_range(&s, 0, 512 * MiB), MTRR_WB);
}

int main(void)
{
	test_disabled();
	test_default();
	test_fixed_msrs();
	test_fixed();
	test_variable();
	test_overlaps();
	return check_report("mtrr");
}
