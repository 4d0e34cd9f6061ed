/*
 * boot_mem.c - builds the list of RAM the hypervisor may allocate from and
 * places the allocator's bitmap in it. Everything the allocator may hand
 * out is identity-mapped by the boot page tables (the low 4 GiB).
 */
#include "boot_mem.h"
#include "lib/string.h"
#include "log.h"
#include "mem_ranges.h"
#include "panic.h"

#define LOW_RESERVED_END 0x100000ull
#define IDENTITY_MAPPED_END (4ull << 30)

extern char __hv_start[], __hv_end[];

struct page_alloc hv_pages;

static struct mem_range usable_storage[MB2_MAX_MMAP * 2];
static struct mem_ranges usable = { usable_storage, 0, MB2_MAX_MMAP * 2 };

/* Collects available RAM, then cuts out everything that is already in use. */
static void build_usable(const struct mb2_info *mbi)
{
	bool ok = true;

	for (unsigned i = 0; i < mbi->n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mbi->mmap[i];

		if (e->type == MB2_MEM_AVAILABLE)
			ok &= mem_ranges_add(&usable, e->base, e->base + e->len);
	}
	ok &= mem_ranges_remove(&usable, 0, LOW_RESERVED_END);
	ok &= mem_ranges_remove(&usable, IDENTITY_MAPPED_END, UINT64_MAX);
	ok &= mem_ranges_remove(&usable, (uintptr_t)__hv_start, (uintptr_t)__hv_end);
	ok &= mem_ranges_remove(&usable, mbi->info_addr, mbi->info_addr + mbi->total_size);
	for (unsigned i = 0; i < mbi->n_modules; i++)
		ok &= mem_ranges_remove(&usable, mbi->modules[i].start, mbi->modules[i].end);
	mem_ranges_align(&usable, PAGE_SIZE);
	if (!ok)
		panic("memory map has more ranges than the %zu the hypervisor holds", usable.cap);
}

void boot_mem_init(const struct mb2_info *mbi)
{
	uint64_t lo, hi, bitmap_bytes, bitmap;

	build_usable(mbi);
	if (!usable.n)
		panic("no usable RAM in the memory map");
	lo = usable.r[0].base;
	hi = usable.r[usable.n - 1].end;
	bitmap_bytes = (page_alloc_bitmap_bytes(lo, hi) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bitmap = mem_ranges_find(&usable, bitmap_bytes, PAGE_SIZE);
	if (!bitmap)
		panic("no room for the page bitmap (%lu bytes)", bitmap_bytes);
	mem_ranges_remove(&usable, bitmap, bitmap + bitmap_bytes);

	page_alloc_init(&hv_pages, lo, hi, (uint64_t *)(uintptr_t)bitmap);
	for (size_t i = 0; i < usable.n; i++)
		page_alloc_add_free(&hv_pages, usable.r[i].base, usable.r[i].end);

	log_info("memory: %lu MiB usable in %zu ranges, image %#lx-%#lx, bitmap at %#lx",
		 mem_ranges_total(&usable) >> 20, usable.n, (uint64_t)(uintptr_t)__hv_start,
		 (uint64_t)(uintptr_t)__hv_end, bitmap);
	log_mline("memory", "usable_kib=%lu ranges=%zu free_pages=%lu image_start=%#lx image_end=%#lx",
		  mem_ranges_total(&usable) >> 10, usable.n, hv_pages.nfree,
		  (uint64_t)(uintptr_t)__hv_start, (uint64_t)(uintptr_t)__hv_end);
}

/* True if [a, a+len) overlaps memory the allocator must never hand out. */
static bool overlaps_reserved(const struct mb2_info *mbi, uint64_t a, uint64_t len)
{
	uint64_t e = a + len;

	if (a < LOW_RESERVED_END || (a < (uintptr_t)__hv_end && e > (uintptr_t)__hv_start))
		return true;
	if (a < mbi->info_addr + mbi->total_size && e > mbi->info_addr)
		return true;
	for (unsigned i = 0; i < mbi->n_modules; i++)
		if (a < mbi->modules[i].end && e > mbi->modules[i].start)
			return true;
	return false;
}

bool boot_mem_selftest(const struct mb2_info *mbi)
{
	enum { N = 64 };
	uint64_t pages[N], before = hv_pages.nfree, big;
	bool ok = true;

	for (int i = 0; i < N; i++) {
		pages[i] = page_alloc_alloc(&hv_pages, 1, 1);
		ok &= pages[i] && !overlaps_reserved(mbi, pages[i], PAGE_SIZE);
		if (pages[i])
			memset((void *)(uintptr_t)pages[i], i, PAGE_SIZE);
	}
	for (int i = 0; i < N && ok; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)pages[i];

		ok &= p[0] == (uint8_t)i && p[PAGE_SIZE - 1] == (uint8_t)i;
	}
	big = page_alloc_alloc(&hv_pages, 512, 512); /* one 2 MiB-aligned block */
	ok &= big && !(big & 0x1fffff) && !overlaps_reserved(mbi, big, 512 * PAGE_SIZE);
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
