/*
 * page_alloc.h - the hypervisor's physical page allocator: one bit per 4 KiB
 * frame between the lowest and highest usable address, set = in use. Frames
 * start in use; only ranges handed to page_alloc_add_free become allocatable,
 * so holes, the image and the modules can never be handed out.
 */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12

struct page_alloc {
	uint64_t base_pfn;  /* first frame covered */
	uint64_t npages;    /* frames covered */
	uint64_t *bitmap;   /* "in use" bits, then "usable" bits (see page_alloc.c) */
	uint64_t nfree;
	uint64_t hint;      /* word index where the last search ended */
};

/* Bytes of bitmap (both maps) needed to cover [lo, hi). */
size_t page_alloc_bitmap_bytes(uint64_t lo, uint64_t hi);
/* Covers [lo, hi) with every frame in use; 'bitmap' holds the bytes above. */
void page_alloc_init(struct page_alloc *pa, uint64_t lo, uint64_t hi, uint64_t *bitmap);
/* Makes the whole frames inside [base, end) allocatable. */
void page_alloc_add_free(struct page_alloc *pa, uint64_t base, uint64_t end);
/*
 * Allocates 'npages' contiguous frames whose first frame is aligned to
 * 'align_pages' (a power of two); returns the physical address or 0.
 */
uint64_t page_alloc_alloc(struct page_alloc *pa, uint64_t npages, uint64_t align_pages);
/* Frees frames; false (and nothing changed) if any of them was not in use. */
bool page_alloc_free(struct page_alloc *pa, uint64_t addr, uint64_t npages);
bool page_alloc_is_free(const struct page_alloc *pa, uint64_t addr);

#endif
