/*
 * io_bitmap.h - which I/O ports exit (SDM Vol. 3C 25.6.4): two 4 KiB
 * bitmaps, ports 0-0x7fff then 0x8000-0xffff; a set bit exits.
 */
#ifndef HV_IO_BITMAP_H
#define HV_IO_BITMAP_H

#include <stdint.h>

/* Allocates both bitmaps with every port passed through. */
void io_bitmap_init(void);
/* Makes ports [port, port + count) exit. */
void io_bitmap_intercept(uint16_t port, unsigned count);
uint64_t io_bitmap_pa(void);

#endif
