/*
 * kvmrun_mmio.c - the test MMIO page of kvmrun_mmio.h.
 */
#include <string.h>

#include "kvmrun_mmio.h"

#define MMIO_ID 0x4f494d4dull /* "MMIO" */
#define REG_ID 0x000
#define REG_COUNTER 0x008
#define REG_LAST_WIDTH 0x010
#define REG_LAST_OFFSET 0x018
#define REG_REFUSED 0x020

/* A register read: a narrower or unaligned read sees its bytes from 'off' on. */
static uint64_t read_register(struct mmio_page *p, uint64_t off)
{
	uint64_t reg;

	switch (off & ~7ull) {
	case REG_ID: reg = MMIO_ID; break;
	case REG_COUNTER: reg = p->counter++; break;
	case REG_LAST_WIDTH: reg = p->last_width; break;
	case REG_LAST_OFFSET: reg = p->last_offset; break;
	case REG_REFUSED: reg = p->refused; break;
	default: reg = ~0ull; break;
	}
	return reg >> (8 * (off & 7));
}

bool mmio_page_access(struct mmio_page *p, uint64_t gpa, uint8_t *data, unsigned len,
		      bool write)
{
	uint64_t off = gpa - MMIO_PAGE_BASE, reg;

	if (gpa < MMIO_PAGE_BASE || off >= MMIO_PAGE_SIZE || len > 8 ||
	    off + len > MMIO_PAGE_SIZE)
		return false;
	if (off >= MMIO_PAGE_SCRATCH) {
		uint8_t *cell = p->scratch + (off - MMIO_PAGE_SCRATCH);

		if (write)
			memcpy(cell, data, len);
		else
			memcpy(data, cell, len);
		p->last_width = len;
		p->last_offset = off;
		return true;
	}
	if (write) {
		p->refused++;
		return true;
	}
	reg = read_register(p, off);
	memcpy(data, &reg, len); /* little-endian: the low 'len' bytes */
	return true;
}
