/*
 * test_host_pt.c - the hypervisor's own page tables in malloc'd pages: the
 * 4 GiB identity map in 2 MiB pages, an image split into text, read-only
 * data and data with a guard page, entry bits, no-NX CPUs, running out of
 * pages and bad arguments.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/host_pt.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MAX_PAGES 64

/* Table pages from malloc; "physical" addresses are the pointers. */
struct pool {
	void *pages[MAX_PAGES];
	int n;
	int budget; /* allocations still allowed; negative: no limit */
};

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *page;

	if (!p->budget || p->n == MAX_PAGES)
		return 0;
	p->budget--;
	page = aligned_alloc(4 * KiB, 4 * KiB);
	memset(page, 0, 4 * KiB);
	p->pages[p->n++] = page;
	return (uint64_t)(uintptr_t)page;
}

static void *to_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct host_pt_ops ops = { pool_alloc, to_virt };

static void pool_free(struct pool *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->pages[i]);
	memset(p, 0, sizeof(*p));
}

/* The access at 'va' and the level of its leaf. */
static enum host_prot prot_at(const struct host_pt *pt, uint64_t va, int *level)
{
	return host_pt_prot(pt, host_pt_lookup(pt, va, level));
}

static void test_identity_2m(void)
{
	struct pool p = { .budget = -1 };
	struct host_pt pt;
	int level = 0;
	uint64_t e;

	CHECK_EQ(host_pt_init(&pt, &ops, &p, true), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, 0, 4 * GiB, HOST_PROT_RW, false), HOST_PT_OK);
	CHECK_EQ(pt.pages, 1 + 1 + 4); /* PML4, PDPT, four PDs */
	e = host_pt_lookup(&pt, 3 * GiB + 5 * MiB + 123, &level);
	CHECK_EQ(level, 2);
	CHECK_EQ(e, (3 * GiB + 4 * MiB) | HOST_PT_P | HOST_PT_W | HOST_PT_PS | HOST_PT_NX);
	CHECK(!(e & HOST_PT_U));
	CHECK_EQ(host_pt_lookup(&pt, 4 * GiB, &level), 0);
	pool_free(&p);
}

/* A 2 MiB image at 2 MiB: text, rodata, a guard page, a stack, data. */
static void test_image_split(void)
{
	struct pool p = { .budget = -1 };
	struct host_pt pt;
	int level = 0;
	uint64_t text = 2 * MiB, rodata = text + 64 * KiB, data = rodata + 16 * KiB;
	uint64_t guard = data + 8 * KiB, end = 4 * MiB - 4 * KiB;

	host_pt_init(&pt, &ops, &p, true);
	CHECK_EQ(host_pt_map(&pt, 0, 4 * GiB, HOST_PROT_RW, false), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, text, rodata, HOST_PROT_RX, true), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, rodata, data, HOST_PROT_R, true), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, guard, guard + 4 * KiB, HOST_PROT_NONE, true), HOST_PT_OK);
	CHECK_EQ(pt.pages, 7); /* one page table for the split 2 MiB */
	CHECK_EQ(prot_at(&pt, text, &level), HOST_PROT_RX);
	CHECK_EQ(level, 1);
	CHECK_EQ(host_pt_lookup(&pt, text + 4 * KiB, &level), (text + 4 * KiB) | HOST_PT_P);
	CHECK_EQ(prot_at(&pt, rodata - 1, &level), HOST_PROT_RX);
	CHECK_EQ(prot_at(&pt, rodata, &level), HOST_PROT_R);
	CHECK_EQ(host_pt_lookup(&pt, rodata, &level), rodata | HOST_PT_P | HOST_PT_NX);
	CHECK_EQ(prot_at(&pt, data, &level), HOST_PROT_RW); /* kept from the 2 MiB page */
	CHECK_EQ(prot_at(&pt, guard + 100, &level), HOST_PROT_NONE);
	CHECK_EQ(host_pt_lookup(&pt, guard, &level), 0);
	CHECK_EQ(level, 1);
	CHECK_EQ(prot_at(&pt, guard + 4 * KiB, &level), HOST_PROT_RW);
	CHECK_EQ(prot_at(&pt, end, &level), HOST_PROT_RW);
	CHECK_EQ(level, 1);
	CHECK_EQ(prot_at(&pt, 4 * MiB, &level), HOST_PROT_RW); /* the next 2 MiB stays whole */
	CHECK_EQ(level, 2);
	CHECK_EQ(host_pt_map(&pt, end, end + 4 * KiB, HOST_PROT_USER_RWX, true), HOST_PT_OK);
	CHECK_EQ(host_pt_lookup(&pt, end, &level), end | HOST_PT_P | HOST_PT_W | HOST_PT_U);
	CHECK_EQ(prot_at(&pt, end, &level), HOST_PROT_USER_RWX);
	/* A page is a user page only if every level says so: upper levels all do. */
	CHECK(((uint64_t *)(uintptr_t)pt.pml4)[0] & HOST_PT_U);
	/* A 2 MiB page mapped over a split one stays split: nothing is lost. */
	CHECK_EQ(host_pt_map(&pt, 2 * MiB, 4 * MiB, HOST_PROT_RW, false), HOST_PT_OK);
	CHECK_EQ(prot_at(&pt, text, &level), HOST_PROT_RW);
	CHECK_EQ(level, 1);
	pool_free(&p);
}

/* Without NX every present page is executable; the tables carry no NX bit. */
static void test_no_nx(void)
{
	struct pool p = { .budget = -1 };
	struct host_pt pt;
	int level;

	host_pt_init(&pt, &ops, &p, false);
	host_pt_map(&pt, 0, 4 * MiB, HOST_PROT_RW, false);
	host_pt_map(&pt, 2 * MiB, 2 * MiB + 4 * KiB, HOST_PROT_R, true);
	CHECK(!(host_pt_lookup(&pt, 0, &level) & HOST_PT_NX));
	CHECK(!(host_pt_lookup(&pt, 2 * MiB, &level) & HOST_PT_NX));
	CHECK_EQ(prot_at(&pt, 2 * MiB, &level), HOST_PROT_RX);
	pool_free(&p);
}

static void test_errors(void)
{
	struct pool p = { .budget = 0 };
	struct host_pt pt;

	CHECK_EQ(host_pt_init(&pt, &ops, &p, true), HOST_PT_ERR_NOMEM);
	p.budget = 3; /* PML4, PDPT, PD: no page table for a split */
	CHECK_EQ(host_pt_init(&pt, &ops, &p, true), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, 0, 2 * MiB, HOST_PROT_RW, false), HOST_PT_OK);
	CHECK_EQ(host_pt_map(&pt, 0, 4 * KiB, HOST_PROT_NONE, true), HOST_PT_ERR_NOMEM);
	CHECK_EQ(host_pt_map(&pt, 1, 4 * KiB, HOST_PROT_RW, true), HOST_PT_ERR_INVAL);
	CHECK_EQ(host_pt_map(&pt, 8 * KiB, 4 * KiB, HOST_PROT_RW, true), HOST_PT_ERR_INVAL);
	CHECK_EQ(host_pt_map(&pt, 0, 513 * GiB, HOST_PROT_RW, false), HOST_PT_ERR_INVAL);
	CHECK_STR(host_prot_name(HOST_PROT_RX), "rx");
	CHECK_STR(host_prot_name(HOST_PROT_USER_RWX), "user-rwx");
	CHECK_STR(host_prot_name(HOST_PROT_NONE), "none");
	pool_free(&p);
}

int main(void)
{
	test_identity_2m();
	test_image_split();
	test_no_nx();
	test_errors();
	return check_report("host_pt");
}
