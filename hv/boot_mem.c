/*
 * boot_mem.c - carves the hypervisor's pool out of usable RAM and hands it
 * to the page allocator (bitmap at the pool's start). Everything the
 * allocator serves lies below 4 GiB, identity-mapped by the boot page tables.
 */
#include "boot_mem.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "log.h"
#include "panic.h"

#define LOW_RESERVED_END 0x100000ull
#define IDENTITY_MAPPED_END (4ull << 30)
#define POOL_ALIGN (2ull << 20)
#define MAX_RANGES (MB2_MAX_MMAP * 2)

extern char __hv_start[], __hv_end[];

struct page_alloc hv_pages;
static struct mem_range private_storage[8];
struct mem_ranges hv_private = { private_storage, 0, 8 };

static uint64_t pool_base, pool_end;

/* Available RAM below 4 GiB, minus the first MiB, the image, the info and modules. */
static void build_usable(const struct mb2_info *mbi, struct mem_ranges *usable)
{
	bool ok = true;

	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		if (e->type == MB2_MEM_AVAILABLE)
			ok &= mem_ranges_add(usable, e->base, e->base + e->len);
	}
	ok &= mem_ranges_remove(usable, 0, LOW_RESERVED_END);
	ok &= mem_ranges_remove(usable, IDENTITY_MAPPED_END, UINT64_MAX);
	ok &= mem_ranges_remove(usable, (uintptr_t)__hv_start, (uintptr_t)__hv_end);
	ok &= mem_ranges_remove(usable, mbi->info_addr, mbi->info_addr + mbi->total_size);
	for (unsigned i = 0; i < mbi->n_modules; i++)
		ok &= mem_ranges_remove(usable, mbi->modules[i].start, mbi->modules[i].end);
	mem_ranges_align(usable, PAGE_SIZE);
	if (!ok)
		panic("memory map has more ranges than the %zu the hypervisor holds", usable->cap);
}

void boot_mem_init(const struct mb2_info *mbi, uint64_t pool_mib)
{
	static struct mem_range usable_storage[MAX_RANGES];
	struct mem_ranges usable = { usable_storage, 0, MAX_RANGES };
	uint64_t size = pool_mib << 20, bitmap_bytes;

	build_usable(mbi, &usable);
	pool_base = mem_ranges_find_highest(&usable, size, POOL_ALIGN, IDENTITY_MAPPED_END);
	if (!pool_base)
		panic("no room for a %lu MiB hypervisor pool below 4 GiB (%lu MiB usable): "
		      "lower hvmem= or give the machine more memory", pool_mib,
		      mem_ranges_total(&usable) >> 20);
	pool_end = pool_base + size;
	bitmap_bytes = (page_alloc_bitmap_bytes(pool_base, pool_end) + PAGE_SIZE - 1) &
		       ~(PAGE_SIZE - 1);
	page_alloc_init(&hv_pages, pool_base, pool_end, (uint64_t *)(uintptr_t)pool_base);
	page_alloc_add_free(&hv_pages, pool_base + bitmap_bytes, pool_end);

	mem_ranges_add(&hv_private, (uintptr_t)__hv_start, (uintptr_t)__hv_end);
	mem_ranges_add(&hv_private, mbi->info_addr & ~(PAGE_SIZE - 1),
		       (mbi->info_addr + mbi->total_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	mem_ranges_add(&hv_private, pool_base, pool_end);

	log_info("memory: pool %lu MiB at %#lx-%#lx, image %#lx-%#lx, %lu MiB left for L2",
		 pool_mib, pool_base, pool_end, (uint64_t)(uintptr_t)__hv_start,
		 (uint64_t)(uintptr_t)__hv_end, (mem_ranges_total(&usable) - size) >> 20);
	log_mline("memory", "usable_kib=%lu pool_base=%#lx pool_end=%#lx free_pages=%lu "
		  "image_start=%#lx image_end=%#lx", mem_ranges_total(&usable) >> 10, pool_base,
		  pool_end, hv_pages.nfree, (uint64_t)(uintptr_t)__hv_start,
		  (uint64_t)(uintptr_t)__hv_end);
}

static struct spinlock pool_lock; /* CPUs allocate while they come up */

/* npages zeroed contiguous pages from the pool, or 0 if there are none. */
static uint64_t alloc_zeroed(uint64_t npages)
{
	uint64_t pa;

	spin_lock(&pool_lock);
	pa = page_alloc_alloc(&hv_pages, npages, 1);
	spin_unlock(&pool_lock);
	if (pa)
		memset((void *)(uintptr_t)pa, 0, npages * PAGE_SIZE);
	return pa;
}

uint64_t alloc_page_or_zero(void)
{
	return alloc_zeroed(1);
}

void free_page_to_pool(uint64_t pa)
{
	bool ok;

	spin_lock(&pool_lock);
	ok = page_alloc_free(&hv_pages, pa, 1);
	spin_unlock(&pool_lock);
	if (!ok)
		panic("freeing page %#lx, which is not allocated", pa);
}

uint64_t alloc_pages_or_panic(uint64_t npages, const char *what)
{
	uint64_t pa = alloc_zeroed(npages);

	if (!pa)
		panic("out of hypervisor memory allocating %s (raise hvmem=)", what);
	return pa;
}

uint64_t alloc_page_or_panic(const char *what)
{
	return alloc_pages_or_panic(1, what);
}

void boot_mem_pool_range(uint64_t *base, uint64_t *end)
{
	*base = pool_base;
	*end = pool_end;
}

bool hv_private_overlaps(uint64_t base, uint64_t len)
{
	for (size_t i = 0; i < hv_private.n; i++)
		if (base < hv_private.r[i].end && base + len > hv_private.r[i].base)
			return true;
	return false;
}

bool boot_mem_selftest(void)
{
	enum { N = 64 };
	uint64_t pages[N], before = hv_pages.nfree, big;
	bool ok = true;

	for (int i = 0; i < N; i++) {
		pages[i] = page_alloc_alloc(&hv_pages, 1, 1);
		ok &= pages[i] >= pool_base && pages[i] + PAGE_SIZE <= pool_end;
		if (pages[i])
			memset((void *)(uintptr_t)pages[i], i, PAGE_SIZE);
	}
	for (int i = 0; i < N && ok; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)pages[i];

		ok &= p[0] == (uint8_t)i && p[PAGE_SIZE - 1] == (uint8_t)i;
	}
	big = page_alloc_alloc(&hv_pages, 512, 512); /* one 2 MiB-aligned block */
	ok &= big && !(big & 0x1fffff) && big >= pool_base && big + (2u << 20) <= pool_end;
	ok &= hv_pages.nfree == before - N - 512;
	ok &= page_alloc_free(&hv_pages, big, 512);
	for (int i = 0; i < N; i++)
		ok &= page_alloc_free(&hv_pages, pages[i], 1);
	ok &= !page_alloc_free(&hv_pages, pages[0], 1); /* a double free is refused */
	ok &= hv_pages.nfree == before;

	log_mline("selftest", "name=page_alloc result=%s free_pages=%lu", ok ? "pass" : "fail",
		  hv_pages.nfree);
	return ok;
}
