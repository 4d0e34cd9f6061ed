/*
 * page_alloc.c - first-fit over the bitmap, starting where the previous
 * search ended so repeated single-page allocations stay cheap; whole 64-bit
 * words are skipped when full.
 */
#include "lib/string.h"
#include "page_alloc.h"

/*
 * The bitmap buffer holds two maps of npages bits, each rounded up to whole
 * words: "in use", then "usable" (ever given to add_free). Only usable frames
 * may be freed, so a stray free can never hand out a hole or frame 0.
 */
static uint64_t usable_bit(const struct page_alloc *pa, uint64_t i)
{
	return (pa->npages + 63) / 64 * 64 + i;
}

static bool bit_get(const struct page_alloc *pa, uint64_t i)
{
	return pa->bitmap[i / 64] >> (i % 64) & 1;
}

static void bits_set(struct page_alloc *pa, uint64_t i, uint64_t n, bool used)
{
	for (uint64_t k = i; k < i + n; k++) {
		if (used)
			pa->bitmap[k / 64] |= 1ull << (k % 64);
		else
			pa->bitmap[k / 64] &= ~(1ull << (k % 64));
	}
}

size_t page_alloc_bitmap_bytes(uint64_t lo, uint64_t hi)
{
	uint64_t pages = (hi >> PAGE_SHIFT) - (lo >> PAGE_SHIFT);

	return (size_t)((pages + 63) / 64 * 8 * 2);
}

void page_alloc_init(struct page_alloc *pa, uint64_t lo, uint64_t hi, uint64_t *bitmap)
{
	size_t half = page_alloc_bitmap_bytes(lo, hi) / 2;

	pa->base_pfn = lo >> PAGE_SHIFT;
	pa->npages = (hi >> PAGE_SHIFT) - pa->base_pfn;
	pa->bitmap = bitmap;
	pa->nfree = 0;
	pa->hint = 0;
	memset(bitmap, 0xff, half);
	memset((char *)bitmap + half, 0, half);
}

void page_alloc_add_free(struct page_alloc *pa, uint64_t base, uint64_t end)
{
	uint64_t first = (base >> PAGE_SHIFT) + !!(base & (PAGE_SIZE - 1)); /* no wrap */
	uint64_t last = end >> PAGE_SHIFT; /* exclusive */

	if (first == 0)
		first = 1; /* frame 0 is never handed out: address 0 means failure */
	if (first < pa->base_pfn)
		first = pa->base_pfn;
	if (last > pa->base_pfn + pa->npages)
		last = pa->base_pfn + pa->npages;
	for (uint64_t pfn = first; pfn < last; pfn++) {
		uint64_t i = pfn - pa->base_pfn;

		if (!bit_get(pa, usable_bit(pa, i))) {
			bits_set(pa, usable_bit(pa, i), 1, true);
			bits_set(pa, i, 1, false);
			pa->nfree++;
		}
	}
}

/* True if frames [i, i+n) are all free. */
static bool run_free(const struct page_alloc *pa, uint64_t i, uint64_t n)
{
	for (uint64_t k = i; k < i + n; k++)
		if (bit_get(pa, k))
			return false;
	return true;
}

/* Searches frames [from, to) for an aligned free run; returns index or -1. */
static int64_t search(const struct page_alloc *pa, uint64_t from, uint64_t to, uint64_t n,
		      uint64_t align)
{
	uint64_t i = from;

	while (i + n <= to) {
		uint64_t pfn = pa->base_pfn + i;

		if (pfn & (align - 1)) {
			i += align - (pfn & (align - 1));
			continue;
		}
		if (n == 1 && align == 1 && pa->bitmap[i / 64] == ~0ull) {
			i = (i / 64 + 1) * 64; /* whole word in use */
			continue;
		}
		if (run_free(pa, i, n))
			return (int64_t)i;
		i += align;
	}
	return -1;
}

uint64_t page_alloc_alloc(struct page_alloc *pa, uint64_t npages, uint64_t align_pages)
{
	int64_t i;

	if (!npages || !align_pages || (align_pages & (align_pages - 1)) || npages > pa->nfree)
		return 0;
	i = search(pa, pa->hint * 64, pa->npages, npages, align_pages);
	if (i < 0)
		i = search(pa, 0, pa->npages, npages, align_pages);
	if (i < 0)
		return 0;
	bits_set(pa, (uint64_t)i, npages, true);
	pa->nfree -= npages;
	pa->hint = (uint64_t)i / 64;
	return (pa->base_pfn + (uint64_t)i) << PAGE_SHIFT;
}

bool page_alloc_free(struct page_alloc *pa, uint64_t addr, uint64_t npages)
{
	uint64_t pfn = addr >> PAGE_SHIFT;

	if (addr & (PAGE_SIZE - 1) || pfn < pa->base_pfn || npages > pa->npages ||
	    pfn - pa->base_pfn > pa->npages - npages)
		return false;
	for (uint64_t k = 0; k < npages; k++)
		if (!bit_get(pa, pfn - pa->base_pfn + k) ||
		    !bit_get(pa, usable_bit(pa, pfn - pa->base_pfn + k)))
			return false;
	bits_set(pa, pfn - pa->base_pfn, npages, false);
	pa->nfree += npages;
	return true;
}

bool page_alloc_is_free(const struct page_alloc *pa, uint64_t addr)
{
	uint64_t pfn = addr >> PAGE_SHIFT;

	return pfn >= pa->base_pfn && pfn - pa->base_pfn < pa->npages &&
	       !bit_get(pa, pfn - pa->base_pfn);
}
