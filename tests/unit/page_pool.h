/*
 * page_pool.h - paging-structure pages for host unit tests: malloc'd,
 * counted and checked on free, with an optional allocation budget to test
 * running out. "Physical" addresses are the pointers.
 */
#ifndef TESTS_UNIT_PAGE_POOL_H
#define TESTS_UNIT_PAGE_POOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/ept.h"
#include "page_alloc.h"

#define MAX_PAGES 1024

/* Table pages from malloc; "physical" addresses are the pointers. */
struct pool {
	void *pages[MAX_PAGES];
	int live;	/* allocated, not yet freed */
	int budget;	/* allocations still allowed; negative: no limit */
};

static inline uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *page;
	int i = 0;

	if (!p->budget)
		return 0;
	while (i < MAX_PAGES && p->pages[i])
		i++;
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (i == MAX_PAGES || !page) {
		free(page);
		return 0;
	}
	memset(page, 0, PAGE_SIZE);
	p->pages[i] = page;
	p->live++;
	if (p->budget > 0)
		p->budget--;
	return (uint64_t)(uintptr_t)page;
}

static inline void pool_free(uint64_t pa, void *ctx)
{
	struct pool *p = ctx;

	for (int i = 0; i < MAX_PAGES; i++) {
		if (p->pages[i] == (void *)(uintptr_t)pa) {
			free(p->pages[i]);
			p->pages[i] = NULL;
			p->live--;
			return;
		}
	}
	CHECK(!"freed a page the pool never gave out");
}

static inline void *pool_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

/* Frees what an EPT without free_page left behind. */
static inline void pool_drain(struct pool *p)
{
	for (int i = 0; i < MAX_PAGES; i++)
		free(p->pages[i]);
	memset(p, 0, sizeof(*p));
}

static const struct ept_ops pool_ept_ops = { pool_alloc, pool_free, pool_virt };

#endif
