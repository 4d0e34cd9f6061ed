/*
 * test_ept_view.c - EPT views built on a base EPT in malloc'd pages: the
 * rights of every 4 KiB page compared between view and base, the pages a
 * view owns and those it shares with the base, the base left untouched,
 * two views side by side, and running out of pages part-way.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mmu/ept.h"
#include "mmu/ept_entry.h"
#include "mmu/ept_view.h"
#include "mmu/mtrr.h"
#include "page_pool.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define KiB4 4096ull

/*
 * The base: [0, 4 GiB) RWX WB in 1 GiB pages, but with a hole at
 * 2 MiB + 4 KiB (so [0, 1 GiB) is a PD and [2, 4) MiB a PT); [8 GiB,
 * 8 GiB + 16 MiB) R+X UC and [16 GiB, 16 GiB + 4 MiB) RWX WB in 2 MiB pages.
 */
static void build_base(struct ept *e, struct pool *p)
{
	memset(p, 0, sizeof(*p));
	p->budget = -1;
	CHECK_EQ(ept_init(e, &pool_ept_ops, p, true, true), EPT_OK);
	CHECK_EQ(ept_map(e, 0, 0, 4 * GiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_EQ(ept_unmap(e, 2 * MiB + KiB4, KiB4), EPT_OK);
	CHECK_EQ(ept_map(e, 8 * GiB, 8 * GiB, 16 * MiB, EPT_R | EPT_X, MTRR_UC, false), EPT_OK);
	CHECK_EQ(ept_map(e, 16 * GiB, 16 * GiB, 4 * MiB, EPT_RWX, MTRR_WB, false), EPT_OK);
}

static const struct prot_table table = {
	.policy = PROT_INJECT_PF,
	.n = 5,
	.r = {
		{ 1 * GiB + KiB4, 2 * KiB4, EPT_R },		/* splits 1 GiB, then 2 MiB */
		{ 2 * GiB, 1 * GiB, 0 },			/* a whole 1 GiB leaf */
		{ 2 * MiB, 2 * MiB, EPT_R | EPT_X },		/* a whole PT, holed */
		{ 8 * GiB + 2 * MiB, 2 * MiB, EPT_R | EPT_W },	/* R+X base: R left */
		{ 1 * GiB + 2 * KiB4, KiB4, EPT_R },		/* same rights, overlapping */
	},
};

/* Compares view and base at every 4 KiB page of [lo, hi). */
static void compare_range(const struct ept_view *v, const struct ept *base,
			  const struct prot_table *t, uint64_t lo, uint64_t hi)
{
	for (uint64_t gpa = lo; gpa < hi; gpa += KiB4) {
		struct ept_mapping b, w;
		bool in_base = ept_lookup(base, gpa, &b);
		bool in_view = ept_lookup(&v->ept, gpa, &w);
		unsigned want = in_base ? b.perms & prot_table_rights(t, gpa, EPT_RWX) : 0;

		if (in_view != (want != 0) || (in_view && (w.perms != want || w.hpa != b.hpa ||
							   w.memtype != b.memtype))) {
			CHECK_EQ(gpa, ~0ull); /* names the first page that differs */
			return;
		}
	}
}

static void compare_all(const struct ept_view *v, const struct ept *base,
			const struct prot_table *t)
{
	compare_range(v, base, t, 0, 4 * GiB);
	compare_range(v, base, t, 8 * GiB - 2 * MiB, 8 * GiB + 18 * MiB);
	compare_range(v, base, t, 16 * GiB - 2 * MiB, 16 * GiB + 6 * MiB);
}

/* Pages reached from 'pa' (entries at 'level') through own entries, and shared pointers. */
static void count_tables(uint64_t pa, int level, unsigned *own, unsigned *shared)
{
	const uint64_t *t = (const uint64_t *)(uintptr_t)(pa & EPT_ADDR_MASK);

	++*own;
	for (int i = 0; level > 1 && i < EPT_ENTRIES; i++) {
		if (!ept_present(t[i]) || ept_is_leaf(t[i], level))
			continue;
		if (t[i] & EPT_VIEW_OWN)
			count_tables(t[i], level - 1, own, shared);
		else
			++*shared;
	}
}

/* The entry for gpa at 'level' (4 = PML4E), through whatever tables are there. */
static uint64_t entry_at(uint64_t root, uint64_t gpa, int level)
{
	uint64_t e = root;

	for (int l = EPT_LEVELS; l >= level; l--)
		e = ((const uint64_t *)(uintptr_t)(e & EPT_ADDR_MASK))[ept_index(gpa, l)];
	return e;
}

static void test_rights_everywhere(void)
{
	struct pool p;
	struct ept base;
	struct ept_view v;
	unsigned own = 0, shared = 0;
	int base_pages;

	build_base(&base, &p);
	base_pages = p.live;
	CHECK_EQ(ept_view_build(&v, &base, &table, &pool_ept_ops, &p), EPT_OK);
	compare_all(&v, &base, &table);
	/* Unchanged by the view: the base's own rights everywhere. */
	compare_range(&v, &base, &table, 3 * GiB, 3 * GiB + 64 * MiB);
	{
		static const struct prot_table none = { .policy = PROT_STOP };

		compare_range(&v, &base, &none, 3 * GiB, 4 * GiB);
	}

	/*
	 * Own: root, PDPT 0, the PD of [0, 1 GiB) and its PT at 2 MiB, the
	 * 1 GiB page at 1 GiB split to a PD and its 2 MiB page at 1 GiB to a
	 * PT, the PD at 8 GiB: 7. Shared: the PD at 16 GiB.
	 */
	count_tables(v.ept.pml4, EPT_LEVELS, &own, &shared);
	CHECK_EQ(own, 7);
	CHECK_EQ(v.own_pages, 7);
	CHECK_EQ(shared, 1);
	CHECK_EQ(p.live, base_pages + 7);
	CHECK_EQ(entry_at(v.ept.pml4, 16 * GiB, 3), entry_at(base.pml4, 16 * GiB, 3));
	CHECK(entry_at(v.ept.pml4, 8 * GiB, 3) != entry_at(base.pml4, 8 * GiB, 3));
	/* The whole 1 GiB page at 2 GiB: one PDPTE, no access, nothing allocated for it. */
	CHECK_EQ(entry_at(v.ept.pml4, 2 * GiB, 3) & EPT_RWX, 0);
	CHECK(entry_at(v.ept.pml4, 2 * GiB, 3) & EPT_LARGE);

	ept_view_destroy(&v);
	CHECK_EQ(p.live, base_pages);
	CHECK_EQ(v.ept.pml4, 0);
	/* The base still maps what it mapped, with its own rights. */
	{
		struct ept_mapping m;

		CHECK(ept_lookup(&base, 2 * GiB, &m) && m.perms == EPT_RWX && m.level == 3);
		CHECK(ept_lookup(&base, GiB + KiB4, &m) && m.perms == EPT_RWX && m.level == 3);
		CHECK(!ept_lookup(&base, 2 * MiB + KiB4, &m));
		CHECK(ept_lookup(&base, 8 * GiB + 2 * MiB, &m) && m.perms == (EPT_R | EPT_X));
	}
	ept_destroy(&base);
	CHECK_EQ(p.live, 0);
}

static void test_two_views(void)
{
	static const struct prot_table other = {
		.policy = PROT_INJECT_GP,
		.n = 2,
		.r = { { 1 * GiB + KiB4, KiB4, EPT_R | EPT_W }, { 16 * GiB, 2 * MiB, EPT_R } },
	};
	struct pool p;
	struct ept base;
	struct ept_view a, b;
	int base_pages;

	build_base(&base, &p);
	base_pages = p.live;
	CHECK_EQ(ept_view_build(&a, &base, &table, &pool_ept_ops, &p), EPT_OK);
	CHECK_EQ(ept_view_build(&b, &base, &other, &pool_ept_ops, &p), EPT_OK);
	/* root, PDPT 0, the split 1 GiB and 2 MiB pages, the PD at 16 GiB */
	CHECK_EQ(b.own_pages, 5);
	compare_all(&a, &base, &table);
	compare_all(&b, &base, &other);
	ept_view_destroy(&a);
	compare_all(&b, &base, &other);
	CHECK_EQ(p.live, base_pages + 5);
	ept_view_destroy(&b);
	CHECK_EQ(p.live, base_pages);
	ept_destroy(&base);
}

/* Remaps one base page with 'perms' (as the xAPIC write trap does), then refreshes v. */
static void change_base(struct ept *base, struct ept_view *v, uint64_t gpa, unsigned perms)
{
	CHECK_EQ(ept_map(base, gpa, gpa, KiB4, perms, MTRR_WB, false), EPT_OK);
	CHECK_EQ(ept_view_refresh_page(v, &table, gpa), EPT_OK);
	compare_all(v, base, &table);
}

static void test_refresh(void)
{
	struct pool p;
	struct ept base;
	struct ept_view v;
	uint64_t own;

	build_base(&base, &p);
	CHECK_EQ(ept_view_build(&v, &base, &table, &pool_ept_ops, &p), EPT_OK);
	own = v.own_pages;
	/* In a PT of the view's own (the split 2 MiB page at 1 GiB): its entry follows. */
	change_base(&base, &v, GiB + MiB, EPT_R | EPT_X);
	CHECK_EQ(v.own_pages, own);
	change_base(&base, &v, GiB + MiB, EPT_RWX);
	/* Under a PD the view shares (16 GiB): the base's split is the view's too. */
	change_base(&base, &v, 16 * GiB + KiB4, EPT_R);
	CHECK_EQ(v.own_pages, own);
	/* A 1 GiB leaf the view copied (3 GiB): split in the view too, a PD and a PT. */
	change_base(&base, &v, 3 * GiB + 2 * KiB4, EPT_R | EPT_X);
	CHECK_EQ(v.own_pages, own + 2);
	/* Where the table gives nothing (2 GiB) the page stays out of reach. */
	change_base(&base, &v, 2 * GiB + KiB4, EPT_R);
	ept_view_destroy(&v);
	ept_destroy(&base);
	CHECK_EQ(p.live, 0);
}

static void test_no_large_pages(void)
{
	struct pool p;
	struct ept base;
	struct ept_view v;

	memset(&p, 0, sizeof(p));
	p.budget = -1;
	CHECK_EQ(ept_init(&base, &pool_ept_ops, &p, false, false), EPT_OK);
	CHECK_EQ(ept_map(&base, 0, 0, 8 * MiB, EPT_RWX, MTRR_WB, false), EPT_OK);
	CHECK_EQ(ept_view_build(&v, &base, &table, &pool_ept_ops, &p), EPT_OK);
	compare_range(&v, &base, &table, 0, 8 * MiB);
	/* root, PDPT, PD, the PT at 2 MiB */
	CHECK_EQ(v.own_pages, 4);
	ept_view_destroy(&v);
	ept_destroy(&base);
	CHECK_EQ(p.live, 0);
}

static void test_out_of_pages(void)
{
	for (int budget = 0; budget < 7; budget++) {
		struct pool p;
		struct ept base;
		struct ept_view v;
		int base_pages;

		build_base(&base, &p);
		base_pages = p.live;
		p.budget = budget;
		CHECK_EQ(ept_view_build(&v, &base, &table, &pool_ept_ops, &p), EPT_ERR_NOMEM);
		CHECK_EQ(p.live, base_pages);
		CHECK_EQ(v.ept.pml4, 0);
		p.budget = -1;
		ept_destroy(&base);
		CHECK_EQ(p.live, 0);
	}
}

int main(void)
{
	test_rights_everywhere();
	test_two_views();
	test_refresh();
	test_no_large_pages();
	test_out_of_pages();
	return check_report("ept_view");
}
