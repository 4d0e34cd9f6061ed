/*
 * io_bitmap.c - one pair of bitmaps shared by every vCPU.
 */
#include "boot_mem.h"
#include "io_bitmap.h"

static uint64_t bitmap_pa;

void io_bitmap_init(void)
{
	bitmap_pa = alloc_pages_or_panic(2, "I/O bitmaps");
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
