/*
 * msr_bitmap.h - which RDMSR/WRMSR exit (SDM Vol. 3C 25.6.9): one 4 KiB page
 * of read-low, read-high, write-low, write-high bitmaps; MSRs outside
 * 0-0x1fff and 0xc0000000-0xc0001fff always exit.
 */
#ifndef HV_MSR_BITMAP_H
#define HV_MSR_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Allocates the bitmap with every covered MSR passed through. */
void msr_bitmap_init(void);
/* Makes reads and/or writes of MSRs [msr, msr + count) exit. */
void msr_bitmap_intercept(uint32_t msr, unsigned count, bool read, bool write);
/* Makes them L2's directly again. */
void msr_bitmap_release(uint32_t msr, unsigned count, bool read, bool write);
uint64_t msr_bitmap_pa(void);

#endif
