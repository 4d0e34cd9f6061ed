/*
 * test_ept.c - EPT tables in malloc'd pages: entry formats and the EPTP,
 * page-size choice, holes punched into large pages, MTRR-typed mapping,
 * allocation failures part-way, bad arguments, and the generation
 * that tells holders of derived translations (nested EPT) about changes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/ept.h"
#include "mmu/mtrr.h"
#include "page_alloc.h"
#include "page_pool.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

/* EPT entry bits, spelled out from SDM Vol. 3C 29.3.2 independently of ept.c. */
#define MT(t) ((uint64_t)(t) << 3)
#define IPAT (1ull << 6)
#define LARGE (1ull << 7)

/* A fresh EPT over an unlimited pool; the pool must outlive it. */
static void setup(struct ept *e, struct pool *p, bool allow_1g, bool allow_2m)
{
	memset(p, 0, sizeof(*p));
	p->budget = -1;
	CHECK_EQ(ept_init(e, &pool_ept_ops, p, allow_1g, allow_2m), EPT_OK);
}

/* Tears down and checks that every table page came back. */
static void teardown(struct ept *e, struct pool *p)
{
	ept_destroy(e);
	CHECK_EQ(p->live, 0);
}

/* Entry i of the table an entry (or the PML4 address) points to. */
static uint64_t raw(uint64_t entry, int i)
{
	return ((const uint64_t *)(uintptr_t)(entry & 0x000ffffffffff000ull))[i];
}

#define CHECK_MAP(e, gpa, want_hpa, want_perms, want_type, want_ipat, want_level) \
	do {                                                                  \
		struct ept_mapping m_ = { 0 };                                \
		CHECK(ept_lookup((e), (gpa), &m_));                           \
		CHECK_EQ(m_.hpa, (want_hpa));                                 \
		CHECK_EQ(m_.perms, (want_perms));                             \
		CHECK_EQ(m_.memtype, (want_type));                            \
		CHECK_EQ(m_.ignore_pat, (want_ipat));                         \
		CHECK_EQ(m_.level, (want_level));                             \
	} while (0)

/* Identity-mapped RWX WB without ignore-PAT, at 'level'. */
#define CHECK_ID(e, gpa, level) CHECK_MAP(e, gpa, gpa, EPT_RWX, MTRR_WB, false, level)

#define CHECK_UNMAPPED(e, gpa)                                                \
	do {                                                                  \
		struct ept_mapping m_;                                        \
		CHECK(!ept_lookup((e), (gpa), &m_));                          \
	} while (0)

static void test_format(void)
{
	struct pool p;
	struct ept e;
	uint64_t pml4;

	setup(&e, &p, true, true);
	pml4 = e.pml4;
	CHECK(pml4 && !(pml4 & 0xfff));
	CHECK_EQ(p.live, 1);
	CHECK_EQ(ept_eptp(&e, false), pml4 | 6 | 3 << 3);
	CHECK_EQ(ept_eptp(&e, true), pml4 | 6 | 3 << 3 | 1 << 6);

	/* A 1 GiB leaf in PDPT entry 1, under a non-leaf PML4 entry 0. */
	CHECK_EQ(ept_map(&e, 1 * GiB, 2 * GiB, 1 * GiB, EPT_R | EPT_W, MTRR_WB, true), EPT_OK);
	CHECK_EQ(raw(pml4, 0) & 0xfff, EPT_RWX);
	CHECK_EQ(raw(raw(pml4, 0), 1), 2 * GiB | EPT_R | EPT_W | MT(MTRR_WB) | IPAT | LARGE);
	CHECK_EQ(p.live, 2);

	/* A 4 KiB leaf at 512 GiB + 4 KiB: PML4 entry 1, PTE 1, no bit 7. */
	CHECK_EQ(ept_map(&e, 512 * GiB + 0x1000, 0x7000, 0x1000, EPT_R | EPT_X, MTRR_UC, false),
		 EPT_OK);
	CHECK_EQ(raw(raw(raw(raw(pml4, 1), 0), 0), 1), 0x7000 | EPT_R | EPT_X | MT(MTRR_UC));
	CHECK_EQ(raw(raw(raw(pml4, 1), 0), 0) & 0xfff, EPT_RWX);
	CHECK_EQ(p.live, 5);
	CHECK_MAP(&e, 512 * GiB + 0x1abc, 0x7abc, EPT_R | EPT_X, MTRR_UC, false, 1);
	CHECK_MAP(&e, 1 * GiB + 0x12345678, 2 * GiB + 0x12345678, EPT_R | EPT_W, MTRR_WB, true, 3);
	CHECK_UNMAPPED(&e, 512 * GiB);
	CHECK_UNMAPPED(&e, 0);
	CHECK_UNMAPPED(&e, 256ull << 40);	/* beyond a 4-level walk */
	teardown(&e, &p);
}

/* Maps [1 GiB, 2 GiB) to hpa and returns the leaf level used. */
static int level_for(bool allow_1g, bool allow_2m, uint64_t hpa, int *pages)
{
	struct ept_mapping m = { 0 };
	struct pool p;
	struct ept e;

	setup(&e, &p, allow_1g, allow_2m);
	CHECK_EQ(ept_map(&e, 1 * GiB, hpa, 1 * GiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK(ept_lookup(&e, 1 * GiB + 0x345678, &m));
	CHECK_EQ(m.hpa, hpa + 0x345678);
	CHECK(ept_lookup(&e, 2 * GiB - 1, &m));
	CHECK_EQ(m.hpa, hpa + 1 * GiB - 1);
	CHECK_UNMAPPED(&e, 2 * GiB);
	CHECK_UNMAPPED(&e, 1 * GiB - 1);
	*pages = p.live;
	teardown(&e, &p);
	return m.level;
}

static void test_page_sizes(void)
{
	struct pool p;
	struct ept e;
	int pages;

	CHECK_EQ(level_for(true, true, 3 * GiB, &pages), 3);
	CHECK_EQ(pages, 2);
	CHECK_EQ(level_for(false, true, 3 * GiB, &pages), 2);
	CHECK_EQ(pages, 3);
	CHECK_EQ(level_for(false, false, 3 * GiB, &pages), 1);
	CHECK_EQ(pages, 3 + 512);
	/* The host side must be aligned too. */
	CHECK_EQ(level_for(true, true, 3 * GiB + 2 * MiB, &pages), 2);
	CHECK_EQ(level_for(true, true, 3 * GiB + 4 * KiB, &pages), 1);
	CHECK_EQ(ept_init(&e, &pool_ept_ops, &p, true, false), EPT_ERR_INVAL);

	/* Unaligned edges: 4 KiB up to 2 MiB, 2 MiB pages, 4 KiB after. */
	setup(&e, &p, true, true);
	CHECK_EQ(ept_map(&e, 0x1000, 0x1000, 0x40200000, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_UNMAPPED(&e, 0);
	CHECK_UNMAPPED(&e, 0xfff);
	CHECK_ID(&e, 0x1000, 1);
	CHECK_ID(&e, 0x1ff000, 1);
	CHECK_ID(&e, 0x200000, 2);
	CHECK_ID(&e, 0x3fe00000, 2);
	CHECK_ID(&e, 0x3fffffff, 2);
	CHECK_ID(&e, 0x40000000, 2);
	CHECK_ID(&e, 0x401fffff, 2);
	CHECK_ID(&e, 0x40200000, 1);
	CHECK_ID(&e, 0x40200fff, 1);
	CHECK_UNMAPPED(&e, 0x40201000);
	CHECK_EQ(p.live, 6);	/* PML4, PDPT, two PDs, two PTs */

	/* 2 MiB, then a whole aligned 1 GiB, then 2 MiB. */
	CHECK_EQ(ept_map(&e, 0x7fe00000, 0x7fe00000, 1 * GiB + 4 * MiB, EPT_RWX, MTRR_WB, false),
		 EPT_OK);
	CHECK_ID(&e, 0x7fe00000, 2);
	CHECK_ID(&e, 0x80000000, 3);
	CHECK_ID(&e, 0xbfffffff, 3);
	CHECK_ID(&e, 0xc01fffff, 2);
	CHECK_UNMAPPED(&e, 0xc0200000);
	teardown(&e, &p);
}

static void test_hole(void)
{
	const uint64_t hpa = 4 * GiB, hole = 0x12345000, split = 0x12200000;
	const unsigned int rw = EPT_R | EPT_W;
	struct pool p;
	struct ept e;

	setup(&e, &p, true, true);
	CHECK_EQ(ept_map(&e, 0, hpa, 1 * GiB, rw, MTRR_WB, true), EPT_OK);
	CHECK_EQ(p.live, 2);
	CHECK_EQ(ept_unmap(&e, hole, 0x1000), EPT_OK);
	CHECK_EQ(p.live, 4);	/* a PD for the 1 GiB page, a PT for one 2 MiB */

	CHECK_UNMAPPED(&e, hole);
	CHECK_UNMAPPED(&e, hole + 0xfff);
	for (uint64_t gpa = 0; gpa < 1 * GiB; gpa += 2 * MiB)
		CHECK_MAP(&e, gpa + 0x1234, hpa + gpa + 0x1234, rw, MTRR_WB, true,
			  gpa == split ? 1 : 2);
	for (uint64_t gpa = split; gpa < split + 2 * MiB; gpa += 4 * KiB)
		if (gpa != hole)
			CHECK_MAP(&e, gpa, hpa + gpa, rw, MTRR_WB, true, 1);
	/* The split entries' bits as the CPU reads them. */
	CHECK_EQ(raw(raw(e.pml4, 0), 0) & 0xfff, EPT_RWX);
	CHECK_EQ(raw(raw(raw(e.pml4, 0), 0), 0), hpa | rw | MT(MTRR_WB) | IPAT | LARGE);
	CHECK_EQ(raw(raw(raw(raw(e.pml4, 0), 0), split >> 21), 0x144),
		 (hpa + hole - 0x1000) | rw | MT(MTRR_WB) | IPAT);

	/* A whole 2 MiB entry goes without another table. */
	CHECK_EQ(ept_unmap(&e, 512 * MiB, 2 * MiB), EPT_OK);
	CHECK_UNMAPPED(&e, 512 * MiB);
	CHECK_UNMAPPED(&e, 514 * MiB - 1);
	CHECK_MAP(&e, 514 * MiB, hpa + 514 * MiB, rw, MTRR_WB, true, 2);
	CHECK_EQ(p.live, 4);

	/* Filling the hole with a 2 MiB page frees the PT. */
	CHECK_EQ(ept_map(&e, split, hpa + split, 2 * MiB, rw, MTRR_WB, true), EPT_OK);
	CHECK_MAP(&e, hole, hpa + hole, rw, MTRR_WB, true, 2);
	CHECK_EQ(p.live, 3);

	/* Unmapping nothing allocates nothing; unmapping the 1 GiB frees the PD. */
	CHECK_EQ(ept_unmap(&e, 512 * GiB, 1 * GiB + 4 * KiB), EPT_OK);
	CHECK_EQ(p.live, 3);
	CHECK_EQ(ept_unmap(&e, 0, 1 * GiB), EPT_OK);
	CHECK_UNMAPPED(&e, 0);
	CHECK_UNMAPPED(&e, hole);
	CHECK_EQ(p.live, 2);
	teardown(&e, &p);
}

static int mtrr_type(uint64_t hpa, uint64_t size, void *ctx)
{
	return mtrr_type_of_range(ctx, hpa, size);
}

static int constant_type(uint64_t hpa, uint64_t size, void *ctx)
{
	(void)hpa;
	(void)size;
	return *(const int *)ctx;
}

static void test_typed(void)
{
	/* Raw MSR values, MAXPHYADDR 39; masks have the valid bit (11) set. */
	struct mtrr_state s = {
		.cap = MTRRCAP_FIX | 8,
		.def_type = MTRR_DEF_E | MTRR_DEF_FE | MTRR_WB,
		.var = {
			{ 0xc0000000 | MTRR_UC, 0x7fc0000800 }, /* 3-4 GiB MMIO hole */
			{ 0x140200000 | MTRR_UC, 0x7fffe00800 }, /* 2 MiB at 5 GiB + 2 MiB */
			{ 0x180000000 | MTRR_WC, 0x7fff000800 }, /* 16 MiB frame buffer */
		},
		.maxphyaddr = 39,
	};
	struct pool p;
	struct ept e;
	int bad;

	/* Below 1 MiB: WB, but VGA memory UC (fixed[2] stays 0), ROMs WP. */
	s.fixed[0] = s.fixed[1] = 0x0606060606060606ull;
	for (int i = 3; i < MTRR_FIXED_MSRS; i++)
		s.fixed[i] = 0x0505050505050505ull;

	setup(&e, &p, true, true);
	CHECK_EQ(ept_map_typed(&e, 0, 0, 8 * GiB, EPT_RWX, mtrr_type, &s), EPT_OK);
	CHECK_ID(&e, 0, 1);
	CHECK_ID(&e, 0x9f000, 1);
	CHECK_MAP(&e, 0xa0000, 0xa0000, EPT_RWX, MTRR_UC, false, 1);
	CHECK_MAP(&e, 0xbf000, 0xbf000, EPT_RWX, MTRR_UC, false, 1);
	CHECK_MAP(&e, 0xc0000, 0xc0000, EPT_RWX, MTRR_WP, false, 1);
	CHECK_MAP(&e, 0xff000, 0xff000, EPT_RWX, MTRR_WP, false, 1);
	CHECK_ID(&e, 0x100000, 1);
	CHECK_ID(&e, 0x1ff000, 1);
	CHECK_ID(&e, 0x200000, 2);
	CHECK_ID(&e, 0x3fe00000, 2);
	CHECK_ID(&e, 1 * GiB, 3);
	CHECK_ID(&e, 3 * GiB - 1, 3);
	CHECK_MAP(&e, 3 * GiB, 3 * GiB, EPT_RWX, MTRR_UC, false, 3);
	CHECK_MAP(&e, 4 * GiB - 1, 4 * GiB - 1, EPT_RWX, MTRR_UC, false, 3);
	CHECK_ID(&e, 4 * GiB, 3);
	CHECK_ID(&e, 5 * GiB, 2);
	CHECK_MAP(&e, 5 * GiB + 2 * MiB, 5 * GiB + 2 * MiB, EPT_RWX, MTRR_UC, false, 2);
	CHECK_ID(&e, 5 * GiB + 4 * MiB, 2);
	CHECK_MAP(&e, 6 * GiB, 6 * GiB, EPT_RWX, MTRR_WC, false, 2);
	CHECK_MAP(&e, 6 * GiB + 14 * MiB, 6 * GiB + 14 * MiB, EPT_RWX, MTRR_WC, false, 2);
	CHECK_ID(&e, 6 * GiB + 16 * MiB, 2);
	CHECK_ID(&e, 7 * GiB, 3);
	CHECK_UNMAPPED(&e, 8 * GiB);

	/* The type is the host page's, wherever the guest sees it. */
	CHECK_EQ(ept_map_typed(&e, 16 * GiB, 0xa0000, 0x1000, EPT_R, mtrr_type, &s), EPT_OK);
	CHECK_MAP(&e, 16 * GiB, 0xa0000, EPT_R, MTRR_UC, false, 1);

	/* No type for a 4 KiB page, or a reserved one: refused, nothing mapped. */
	bad = -1;
	CHECK_EQ(ept_map_typed(&e, 32 * GiB, 0, 0x1000, EPT_R, constant_type, &bad),
		 EPT_ERR_INVAL);
	bad = 2;
	CHECK_EQ(ept_map_typed(&e, 32 * GiB, 0, 0x1000, EPT_R, constant_type, &bad),
		 EPT_ERR_INVAL);
	CHECK_UNMAPPED(&e, 32 * GiB);
	teardown(&e, &p);
}

static void test_out_of_memory(void)
{
	struct pool p;
	struct ept e;

	/* No table for the split: the 1 GiB page stays whole. */
	setup(&e, &p, true, true);
	CHECK_EQ(ept_map(&e, 0, 0, 1 * GiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	p.budget = 0;
	CHECK_EQ(ept_map(&e, 0x5000, 0x9000, 0x1000, EPT_R, MTRR_UC, false), EPT_ERR_NOMEM);
	CHECK_ID(&e, 0x5000, 3);
	CHECK_EQ(ept_unmap(&e, 0x5000, 0x1000), EPT_ERR_NOMEM);
	CHECK_ID(&e, 0x5000, 3);
	CHECK_EQ(p.live, 2);

	/* A PD but no PT: the 1 GiB page is now 2 MiB pages, same translation. */
	p.budget = 1;
	CHECK_EQ(ept_map(&e, 0x5000, 0x9000, 0x1000, EPT_R, MTRR_UC, false), EPT_ERR_NOMEM);
	CHECK_ID(&e, 0x5000, 2);
	CHECK_ID(&e, 1 * GiB - 1, 2);
	CHECK_EQ(p.live, 3);
	p.budget = -1;
	CHECK_EQ(ept_map(&e, 0x5000, 0x9000, 0x1000, EPT_R, MTRR_UC, false), EPT_OK);
	CHECK_MAP(&e, 0x5000, 0x9000, EPT_R, MTRR_UC, false, 1);
	CHECK_ID(&e, 0x4000, 1);
	CHECK_ID(&e, 0x200000, 2);
	teardown(&e, &p);

	/* Part-way: the pages below the failed one are mapped, none above. */
	setup(&e, &p, false, true);
	p.budget = 3;	/* PDPT, PD, the first PT; not the second PT */
	CHECK_EQ(ept_map(&e, 0x1000, 0x1000, 4 * MiB, EPT_RWX, MTRR_WB, false), EPT_ERR_NOMEM);
	CHECK_ID(&e, 0x1000, 1);
	CHECK_ID(&e, 0x1ff000, 1);
	CHECK_ID(&e, 0x200000, 2);
	CHECK_UNMAPPED(&e, 0x400000);
	CHECK_EQ(p.live, 4);
	teardown(&e, &p);

	/* Not even a PML4. */
	memset(&p, 0, sizeof(p));
	CHECK_EQ(ept_init(&e, &pool_ept_ops, &p, true, true), EPT_ERR_NOMEM);
	CHECK_EQ(e.pml4, 0);
	teardown(&e, &p);
}

static void test_no_free_page(void)
{
	static const struct ept_ops keep = { pool_alloc, NULL, pool_virt };
	struct pool p = { .budget = -1 };
	struct ept e;

	CHECK_EQ(ept_init(&e, &keep, &p, true, true), EPT_OK);
	CHECK_EQ(ept_map(&e, 0, 0, 4 * KiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_EQ(ept_map(&e, 0, 0, 1 * GiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_ID(&e, 0x1000, 3);
	ept_destroy(&e);
	CHECK_EQ(p.live, 4);	/* nothing given back */
	pool_drain(&p);
}

static void test_invalid(void)
{
	static const unsigned int bad_types[] = { 2, 3, 7, 8, 0x106 };
	struct ept_mapping m;
	struct pool p;
	struct ept e;

	setup(&e, &p, true, true);
	CHECK_EQ(ept_map(&e, 0x800, 0, 0x1000, EPT_R, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0x800, 0x1000, EPT_R, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 0x800, EPT_R, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 0x1000, 0, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_W, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_W | EPT_X, MTRR_WB, false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_RWX | 8, MTRR_WB, false), EPT_ERR_INVAL);
	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++)
		CHECK_EQ(ept_map(&e, 0, 0, 0x1000, EPT_R, bad_types[i], false), EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, (1ull << 48) - 0x1000, 0, 0x2000, EPT_R, MTRR_WB, false),
		 EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0, (1ull << 52) - 0x1000, 0x2000, EPT_R, MTRR_WB, false),
		 EPT_ERR_INVAL);
	CHECK_EQ(ept_map(&e, 0x1000, 0, UINT64_MAX - 0xfff, EPT_R, MTRR_WB, false),
		 EPT_ERR_INVAL);
	CHECK_EQ(ept_unmap(&e, 0x800, 0x1000), EPT_ERR_INVAL);
	CHECK_EQ(ept_unmap(&e, 1ull << 48, 0x1000), EPT_ERR_INVAL);
	CHECK_EQ(p.live, 1);
	CHECK(!ept_lookup(&e, 0, &m));

	/* Edges that are fine: nothing to do, the last page, execute-only. */
	CHECK_EQ(ept_map(&e, 0, 0, 0, EPT_R, MTRR_WB, false), EPT_OK);
	CHECK_EQ(p.live, 1);
	CHECK_EQ(ept_map(&e, (1ull << 48) - 0x1000, (1ull << 52) - 0x1000, 0x1000, EPT_X,
			 MTRR_WB, false), EPT_OK);
	CHECK_MAP(&e, (1ull << 48) - 1, (1ull << 52) - 1, EPT_X, MTRR_WB, false, 1);
	teardown(&e, &p);
}

/* MTRR-typed mapping's type_of: write-back everywhere. */
static int all_wb(uint64_t hpa, uint64_t size, void *ctx)
{
	(void)hpa;
	(void)size;
	(void)ctx;
	return MTRR_WB;
}

/*
 * e.gen moves on with every change, narrowing or not, failed part-way or
 * not (nested_ept.c drops its shadows of guest_ept on it); reading doesn't.
 */
static void test_generation(void)
{
	struct ept_mapping m;
	struct pool p;
	struct ept e;
	uint64_t gen;

	setup(&e, &p, true, true);
	CHECK_EQ(e.gen, 0);
	CHECK_EQ(ept_map(&e, 0, 0, 1 * GiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_EQ(e.gen, 1);
	CHECK(ept_lookup(&e, 0x5000, &m));
	(void)ept_eptp(&e, false);
	CHECK_EQ(e.gen, 1);
	/* Write-protecting a page (the xAPIC trap): a narrowing. */
	CHECK_EQ(ept_map(&e, 0x5000, 0x5000, 0x1000, EPT_R | EPT_X, MTRR_UC, false), EPT_OK);
	CHECK_EQ(e.gen, 2);
	/* Remapping a page elsewhere (the shared page), with the same rights. */
	CHECK_EQ(ept_map(&e, 0x6000, 0x9000, 0x1000, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_EQ(e.gen, 3);
	CHECK_EQ(ept_map_typed(&e, 0x5000, 0x5000, 0x1000, EPT_RWX, all_wb, NULL), EPT_OK);
	CHECK_EQ(e.gen, 4);
	CHECK_EQ(ept_unmap(&e, 0x7000, 0x1000), EPT_OK);
	CHECK_EQ(e.gen, 5);
	/* A failure part-way may have changed something: it counts too. */
	gen = e.gen;
	p.budget = 0;
	CHECK_EQ(ept_unmap(&e, 0x400000 + 0x7000, 0x1000), EPT_ERR_NOMEM); /* splits a 2 MiB page */
	CHECK(e.gen != gen);
	p.budget = -1;
	teardown(&e, &p);
}

int main(void)
{
	test_format();
	test_page_sizes();
	test_hole();
	test_typed();
	test_out_of_memory();
	test_no_free_page();
	test_invalid();
	test_generation();
	return check_report("ept");
}
