/*
 * boot_mem.h - who owns which machine memory. The hypervisor keeps its image,
 * the boot information and one contiguous pool (hvmem= MiB, placed as high
 * as possible below 4 GiB) from which its page allocator serves; every other
 * byte of RAM belongs to L2.
 */
#ifndef HV_BOOT_MEM_H
#define HV_BOOT_MEM_H

#include "mem_ranges.h"
#include "multiboot2.h"
#include "page_alloc.h"

extern struct page_alloc hv_pages;
/* Memory L2 must never reach: image, boot information, pool (sorted). */
extern struct mem_ranges hv_private;

/* Sets up the pool and hv_pages from the boot information; panics if it cannot. */
void boot_mem_init(const struct mb2_info *mbi, uint64_t pool_mib);
/* Allocates, scribbles on, frees and re-checks pages; logs the result. */
bool boot_mem_selftest(void);
/* Zeroed contiguous pages from the pool, or panic: the hypervisor cannot run without them. */
uint64_t alloc_pages_or_panic(uint64_t npages, const char *what);
uint64_t alloc_page_or_panic(const char *what);
/* A zeroed page, or 0 when the pool is empty: for what L2 asks for, whose failure is L2's. */
uint64_t alloc_page_or_zero(void);
/* Gives back a page of the pool; panics if it was not allocated. */
void free_page_to_pool(uint64_t pa);
/* True if [base, base + len) touches hypervisor-private memory. */
bool hv_private_overlaps(uint64_t base, uint64_t len);
/* The page pool's physical range [*base, *end). */
void boot_mem_pool_range(uint64_t *base, uint64_t *end);

#endif
