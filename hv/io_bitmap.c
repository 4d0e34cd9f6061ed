/*
 * io_bitmap.c - one pair of bitmaps shared by every vCPU.
 */
#include "boot_mem.h"
#include "io_bitmap.h"
#include "panic.h"

static uint64_t bitmap_pa;

void io_bitmap_init(void)
{
	bitmap_pa = page_alloc_alloc(&hv_pages, 2, 1);
	if (!bitmap_pa)
		panic("out of hypervisor memory for the I/O bitmaps");
	for (unsigned i = 0; i < 2 * PAGE_SIZE; i++)
		((uint8_t *)(uintptr_t)bitmap_pa)[i] = 0;
}

void io_bitmap_intercept(uint16_t port, unsigned count)
{
	uint8_t *bits = (uint8_t *)(uintptr_t)bitmap_pa;

	for (uint32_t p = port; p < (uint32_t)port + count && p <= 0xffff; p++)
		bits[p / 8] |= (uint8_t)(1u << (p % 8));
}

uint64_t io_bitmap_pa(void)
{
	return bitmap_pa;
}
