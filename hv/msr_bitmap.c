/*
 * msr_bitmap.c - one bitmap shared by every vCPU.
 */
#include "boot_mem.h"
#include "msr_bitmap.h"
#include "panic.h"

#define READ_LOW 0
#define READ_HIGH 1024
#define WRITE_LOW 2048
#define WRITE_HIGH 3072

static uint64_t bitmap_pa;

void msr_bitmap_init(void)
{
	bitmap_pa = alloc_page_or_panic("MSR bitmap");
}

/* Sets or clears one bit; atomically, as vCPUs run with the bitmap. */
static void set_bit(unsigned base, uint32_t index, bool on)
{
	uint8_t *byte = (uint8_t *)(uintptr_t)bitmap_pa + base + index / 8;
	uint8_t bit = (uint8_t)(1u << (index % 8));

	if (on)
		__atomic_or_fetch(byte, bit, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch(byte, (uint8_t)~bit, __ATOMIC_RELEASE);
}

static void set_range(uint32_t msr, unsigned count, bool read, bool write, bool on)
{
	for (uint32_t m = msr; m < msr + count; m++) {
		bool high = m >= 0xc0000000u;
		uint32_t index = m - (high ? 0xc0000000u : 0);

		if (index > 0x1fff)
			continue; /* outside the bitmap: exits anyway */
		if (read)
			set_bit(high ? READ_HIGH : READ_LOW, index, on);
		if (write)
			set_bit(high ? WRITE_HIGH : WRITE_LOW, index, on);
	}
}

void msr_bitmap_intercept(uint32_t msr, unsigned count, bool read, bool write)
{
	set_range(msr, count, read, write, true);
}

void msr_bitmap_release(uint32_t msr, unsigned count, bool read, bool write)
{
	set_range(msr, count, read, write, false);
}

uint64_t msr_bitmap_pa(void)
{
	return bitmap_pa;
}
