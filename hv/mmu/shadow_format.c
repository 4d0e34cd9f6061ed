/*
 * shadow_format.c - the guest paging formats of shadow_format.h: index
 * arithmetic per format.
 */
#include "mmu/shadow_format.h"

#define PS (1ull << 7)
#define ADDR_64 0x000ffffffffff000ull
#define ADDR_32 0xfffff000ull

bool shadow_format_of(const struct walk_mode *m, enum shadow_format *f)
{
	if (!(m->cr0 & CR0_PG))
		return false;
	*f = m->efer & EFER_LMA ? SHADOW_FMT_LONG :
	     m->cr4 & CR4_PAE   ? SHADOW_FMT_PAE : SHADOW_FMT_32BIT;
	return true;
}

const char *shadow_format_name(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? "4-level" : f == SHADOW_FMT_PAE ? "pae" : "32-bit";
}

unsigned shadow_format_top(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? 4 : 3;
}

unsigned shadow_format_entry_size(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? 4 : 8;
}

uint64_t shadow_format_addr_mask(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? ADDR_32 : ADDR_64;
}

uint64_t shadow_format_root_key(enum shadow_format f, uint64_t cr3)
{
	return f == SHADOW_FMT_PAE ? cr3 & (ADDR_32 | 0xfe0) : cr3 & shadow_format_addr_mask(f);
}

unsigned shadow_format_guest_index(enum shadow_format f, unsigned level, uint64_t va)
{
	if (f == SHADOW_FMT_32BIT)
		return (unsigned)(va >> (level == 2 ? 22 : 12)) & 1023;
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

unsigned shadow_format_first(enum shadow_format f, unsigned level, uint64_t va)
{
	if (f != SHADOW_FMT_32BIT)
		return 0;
	/* A shadow directory maps 1 GiB: a quarter of the guest's; a shadow table 2 MiB: half. */
	return level == 2 ? (unsigned)((va >> 30) & 3) * 256 : (unsigned)((va >> 21) & 1) * 512;
}

unsigned shadow_format_per(enum shadow_format f, unsigned level)
{
	return f == SHADOW_FMT_32BIT && level == 2 ? 2 : 1;
}

bool shadow_format_leaf(enum shadow_format f, const struct walk_mode *m, unsigned level,
			uint64_t e)
{
	if (level == 1)
		return true;
	/* 32-bit paging: PS counts with CR4.PSE only (Vol. 3A 4.3); PS is reserved in a PML4E. */
	return (e & PS) && level < 4 && (f != SHADOW_FMT_32BIT || (m->cr4 & CR4_PSE));
}
