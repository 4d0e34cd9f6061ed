/*
 * test_page_alloc.c - the page allocator over 1 MiB..64 MiB with holes, its
 * bitmap in host memory: what is handed out, alignment, exhaustion, and
 * frees that must be refused without changing anything.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "page_alloc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MiB (1ull << 20)
#define LO (1 * MiB)
#define HI (64 * MiB)
#define NPAGES ((HI - LO) / PAGE_SIZE)

struct span {
	uint64_t base, end;
};

/* What add_free is given, malformed parts included ... */
static const struct span added[] = {
	{ LO + 0x800, 2 * MiB },		/* unaligned base */
	{ 0, LO + MiB / 2 },			/* starts below the covered area */
	{ 4 * MiB, 8 * MiB },
	{ 4 * MiB, 8 * MiB },			/* the same again */
	{ 16 * MiB, 48 * MiB + 0x123 },		/* unaligned end */
	{ 60 * MiB, 128 * MiB },		/* ends above it */
	{ 128 * MiB, 256 * MiB },		/* wholly above it */
	{ 3 * MiB, 2 * MiB },			/* backwards */
	{ 3 * MiB, 3 * MiB + 0xfff },		/* no whole frame */
	{ UINT64_MAX - 100, UINT64_MAX },	/* base + 4095 would wrap */
};

/* ... and the free frames that should come of it. */
static const struct span usable[] = {
	{ LO, 2 * MiB }, { 4 * MiB, 8 * MiB }, { 16 * MiB, 48 * MiB }, { 60 * MiB, HI },
};

#define NUSABLE ((1 + 4 + 32 + 4) * MiB / PAGE_SIZE) /* 10496 pages */

static uint64_t *setup(struct page_alloc *pa)
{
	uint64_t *bitmap = malloc(page_alloc_bitmap_bytes(LO, HI));

	CHECK(bitmap != NULL);
	page_alloc_init(pa, LO, HI, bitmap);
	CHECK_EQ(pa->nfree, 0);
	CHECK(!page_alloc_alloc(pa, 1, 1));
	for (size_t i = 0; i < ARRAY_SIZE(added); i++)
		page_alloc_add_free(pa, added[i].base, added[i].end);
	return bitmap;
}

static bool in_usable(uint64_t addr, uint64_t npages)
{
	for (size_t i = 0; i < ARRAY_SIZE(usable); i++)
		if (addr >= usable[i].base && addr + npages * PAGE_SIZE <= usable[i].end)
			return true;
	return false;
}

static void test_init(void)
{
	static const struct {
		uint64_t addr;
		bool free;
	} t[] = {
		{ 0, false },			{ LO - PAGE_SIZE, false },
		{ LO, true },			{ LO + PAGE_SIZE, true },
		{ 2 * MiB - PAGE_SIZE, true },	{ 2 * MiB, false },
		{ 3 * MiB, false },		{ 4 * MiB - PAGE_SIZE, false },
		{ 4 * MiB + 0xabc, true },	{ 48 * MiB - 1, true },
		{ 48 * MiB, false },		{ 60 * MiB, true },
		{ HI - 1, true },		{ HI, false },
		{ 128 * MiB, false },		{ UINT64_MAX, false },
	};
	struct page_alloc pa;
	uint64_t *bitmap = setup(&pa);

	CHECK_EQ(pa.npages, NPAGES);
	CHECK_EQ(pa.nfree, NUSABLE);
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (page_alloc_is_free(&pa, t[i].addr) != t[i].free)
			fprintf(stderr, "  is_free(%#" PRIx64 ")\n", t[i].addr);
		CHECK_EQ(page_alloc_is_free(&pa, t[i].addr), t[i].free);
	}
	free(bitmap);
}

/* Allocates single pages until none is left: each one usable, and only once. */
static void test_exhaust(void)
{
	static bool seen[NPAGES];
	struct page_alloc pa;
	uint64_t *bitmap = setup(&pa);
	uint64_t n = 0, addr, bad = 0;

	while ((addr = page_alloc_alloc(&pa, 1, 1))) {
		uint64_t i = (addr - LO) / PAGE_SIZE;

		if (addr % PAGE_SIZE || !in_usable(addr, 1) || seen[i] ||
		    page_alloc_is_free(&pa, addr))
			bad++;
		else
			seen[i] = true;
		n++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(n, NUSABLE);
	CHECK_EQ(pa.nfree, 0);
	CHECK(!page_alloc_alloc(&pa, 1, 1));

	CHECK(page_alloc_free(&pa, 5 * MiB, 1));
	CHECK_EQ(pa.nfree, 1);
	CHECK_EQ(page_alloc_alloc(&pa, 1, 1), 5 * MiB);
	CHECK(!page_alloc_alloc(&pa, 1, 1));
	free(bitmap);
}

/* Checks one allocation: its frames were free, usable and aligned, now in use. */
static uint64_t alloc_ok(struct page_alloc *pa, uint64_t npages, uint64_t align)
{
	uint64_t nfree = pa->nfree;
	uint64_t addr = page_alloc_alloc(pa, npages, align);

	CHECK(addr != 0);
	CHECK_EQ(addr % (align * PAGE_SIZE), 0);
	CHECK(in_usable(addr, npages));
	CHECK_EQ(pa->nfree, nfree - npages);
	for (uint64_t k = 0; k < npages; k++)
		CHECK(!page_alloc_is_free(pa, addr + k * PAGE_SIZE));
	return addr;
}

static void test_contiguous(void)
{
	struct page_alloc pa;
	uint64_t *bitmap = setup(&pa);
	int blocks = 0;

	CHECK_EQ(alloc_ok(&pa, 512, 512), 4 * MiB);
	CHECK(page_alloc_is_free(&pa, 6 * MiB));
	/* 2 MiB blocks: 1 more in 4..8 MiB, 16 in 16..48, 2 in 60..64 */
	for (; blocks < 19 && pa.nfree >= 512; blocks++)
		alloc_ok(&pa, 512, 512);
	CHECK_EQ(blocks, 19);
	CHECK_EQ(pa.nfree, 256);
	CHECK(!page_alloc_alloc(&pa, 512, 512));
	/* 1..2 MiB is left: cut it in two runs of 127 pages */
	CHECK_EQ(alloc_ok(&pa, 1, 128), LO);
	CHECK_EQ(alloc_ok(&pa, 1, 128), LO + MiB / 2);
	CHECK(!page_alloc_alloc(&pa, 128, 1));
	CHECK(!page_alloc_alloc(&pa, 2, 128));
	CHECK_EQ(pa.nfree, 254);
	alloc_ok(&pa, 127, 1);
	alloc_ok(&pa, 127, 1);
	CHECK(!page_alloc_alloc(&pa, 1, 1));

	CHECK(page_alloc_free(&pa, 18 * MiB, 512));
	CHECK_EQ(alloc_ok(&pa, 3, 8), 18 * MiB);
	CHECK_EQ(alloc_ok(&pa, 1, 1), 18 * MiB + 3 * PAGE_SIZE);
	CHECK_EQ(alloc_ok(&pa, 2, 4), 18 * MiB + 4 * PAGE_SIZE);
	CHECK_EQ(alloc_ok(&pa, 8, 8), 18 * MiB + 8 * PAGE_SIZE);
	free(bitmap);
}

static void test_bad_alloc_args(void)
{
	static const uint64_t t[][2] = {
		{ 0, 1 }, { 1, 0 }, { 1, 3 }, { 2, 6 }, { NUSABLE + 1, 1 }, { UINT64_MAX, 1 },
		{ 1, 1ull << 63 },
	};
	struct page_alloc pa;
	uint64_t *bitmap = setup(&pa);

	CHECK(page_alloc_is_free(&pa, 4 * MiB));
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		CHECK(!page_alloc_alloc(&pa, t[i][0], t[i][1]));
	CHECK_EQ(pa.nfree, NUSABLE);
	free(bitmap);
}

/* A refused free returns false and leaves the bitmap and the count alone. */
static void check_free_refused(struct page_alloc *pa, uint64_t addr, uint64_t npages)
{
	size_t bytes = page_alloc_bitmap_bytes(LO, HI);
	uint64_t *before = malloc(bytes), nfree = pa->nfree;

	memcpy(before, pa->bitmap, bytes);
	if (page_alloc_free(pa, addr, npages))
		fprintf(stderr, "  free(%#" PRIx64 ", %" PRIu64 ") accepted\n", addr, npages);
	CHECK(!memcmp(before, pa->bitmap, bytes));
	CHECK_EQ(pa->nfree, nfree);
	free(before);
}

static void test_free(void)
{
	struct page_alloc pa;
	uint64_t *bitmap = setup(&pa);
	uint64_t a = alloc_ok(&pa, 4, 4), b = alloc_ok(&pa, 1, 8);

	check_free_refused(&pa, a, 5);			/* the fifth frame is free */
	check_free_refused(&pa, a + 0x800, 1);		/* unaligned */
	check_free_refused(&pa, a + 1, 1);
	check_free_refused(&pa, 3 * MiB, 1);		/* in a hole: never free */
	check_free_refused(&pa, 2 * MiB, MiB / PAGE_SIZE); /* the whole hole */
	check_free_refused(&pa, LO - PAGE_SIZE, 1);	/* below the covered area */
	check_free_refused(&pa, 0, 1);
	check_free_refused(&pa, HI, 1);			/* above it */
	check_free_refused(&pa, HI - PAGE_SIZE, 2);	/* across its end */
	check_free_refused(&pa, UINT64_MAX & ~(PAGE_SIZE - 1), 1);
	check_free_refused(&pa, a, UINT64_MAX);
	check_free_refused(&pa, a, NPAGES + 1);

	/* adding a range again does not free what was allocated from it */
	page_alloc_add_free(&pa, LO, 2 * MiB);
	CHECK_EQ(pa.nfree, NUSABLE - 5);
	CHECK(!page_alloc_is_free(&pa, a));

	CHECK(page_alloc_free(&pa, a, 4));
	CHECK_EQ(pa.nfree, NUSABLE - 1);
	CHECK(page_alloc_is_free(&pa, a + 3 * PAGE_SIZE));
	check_free_refused(&pa, a, 4);			/* double free */
	check_free_refused(&pa, a + PAGE_SIZE, 1);
	check_free_refused(&pa, b, 2);
	CHECK(page_alloc_free(&pa, b, 1));
	CHECK_EQ(pa.nfree, NUSABLE);
	check_free_refused(&pa, b, 1);
	free(bitmap);
}

/* Covering from address 0: frame 0 is never handed out, nor accepted back. */
static void test_frame_zero(void)
{
	uint64_t *bitmap = malloc(page_alloc_bitmap_bytes(0, 16 * PAGE_SIZE));
	struct page_alloc pa;
	uint64_t n = 0;

	CHECK(bitmap != NULL);
	page_alloc_init(&pa, 0, 16 * PAGE_SIZE, bitmap);
	page_alloc_add_free(&pa, 0, 16 * PAGE_SIZE);
	CHECK_EQ(pa.nfree, 15);
	CHECK(!page_alloc_is_free(&pa, 0));
	CHECK(!page_alloc_free(&pa, 0, 1));
	while (page_alloc_alloc(&pa, 1, 1))
		n++;
	CHECK_EQ(n, 15);
	CHECK(!page_alloc_free(&pa, 0, 1));
	CHECK(!page_alloc_alloc(&pa, 1, 1));
	free(bitmap);
}

int main(void)
{
	test_init();
	test_exhaust();
	test_contiguous();
	test_bad_alloc_args();
	test_free();
	test_frame_zero();
	return check_report("page_alloc");
}
