/*
 * shadow_format.h - the guest paging formats a shadow mirrors, and how a
 * guest table of each maps onto shadow tables. The shadows are always
 * 4-level (long mode) or PAE format, 512 8-byte entries a table, since the
 * CPU walks them in the format the real CR4/EFER say:
 *   long  4-level guest tables map one to one onto 4-level shadows
 *   pae   a PAE guest's directories and tables map one to one onto PAE
 *         shadows; its four PDPTEs are those its last CR3 load cached
 *         (Vol. 3A 4.4.1), not the memory, so the shadow root mirrors no
 *         guest table
 *   32bit a 32-bit guest's 1,024-entry directory is four shadow
 *         directories (one per shadow PDPTE; each guest entry is two shadow
 *         entries of 2 MiB) and each 1,024-entry page table two shadow
 *         tables: KVM's quadrants. The CPU runs it with PAE paging
 *         (CR4.PAE is the hypervisor's).
 * Pure logic, inline: the shadow's fault and fill paths use it for every
 * entry. Unit-tested on the host (tests/unit/test_shadow_pt.c).
 */
#ifndef HV_MMU_SHADOW_FORMAT_H
#define HV_MMU_SHADOW_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/walk.h"

enum shadow_format { SHADOW_FMT_LONG, SHADOW_FMT_PAE, SHADOW_FMT_32BIT };

#define SHADOW_FMT_PS (1ull << 7)
#define SHADOW_FMT_ADDR_64 0x000ffffffffff000ull
#define SHADOW_FMT_ADDR_32 0xfffff000ull

const char *shadow_format_name(enum shadow_format f);

/* The guest's paging format in mode m; false with paging off. */
static inline bool shadow_format_of(const struct walk_mode *m, enum shadow_format *f)
{
	if (!(m->cr0 & CR0_PG))
		return false;
	*f = m->efer & EFER_LMA ? SHADOW_FMT_LONG :
	     m->cr4 & CR4_PAE   ? SHADOW_FMT_PAE : SHADOW_FMT_32BIT;
	return true;
}

/* The shadow root's level: 4 (a PML4) or 3 (a PDPT of 4 entries). */
static inline unsigned shadow_format_top(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? 4 : 3;
}

/* The size of a guest entry: 8 or 4 bytes. */
static inline unsigned shadow_format_entry_size(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? 4 : 8;
}

/* The guest's address bits in a non-leaf entry. */
static inline uint64_t shadow_format_addr_mask(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? SHADOW_FMT_ADDR_32 : SHADOW_FMT_ADDR_64;
}

/* What identifies a root in the cache: the PML4, the PDPT (32 bytes) or the directory. */
static inline uint64_t shadow_format_root_key(enum shadow_format f, uint64_t cr3)
{
	return f == SHADOW_FMT_PAE ? cr3 & (SHADOW_FMT_ADDR_32 | 0xfe0)
				   : cr3 & shadow_format_addr_mask(f);
}

/* The index of va's entry in the guest table that a shadow table at level mirrors. */
static inline unsigned shadow_format_guest_index(enum shadow_format f, unsigned level,
						 uint64_t va)
{
	if (f == SHADOW_FMT_32BIT)
		return (unsigned)(va >> (level == 2 ? 22 : 12)) & 1023;
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

/* The first guest entry a shadow table at level for va mirrors. */
static inline unsigned shadow_format_first(enum shadow_format f, unsigned level, uint64_t va)
{
	if (f != SHADOW_FMT_32BIT)
		return 0;
	/* A shadow directory maps 1 GiB: a quarter of the guest's; a shadow table 2 MiB: half. */
	return level == 2 ? (unsigned)((va >> 30) & 3) * 256 : (unsigned)((va >> 21) & 1) * 512;
}

/* Shadow entries per guest entry at level: 2 for a 32-bit directory, else 1. */
static inline unsigned shadow_format_per(enum shadow_format f, unsigned level)
{
	return f == SHADOW_FMT_32BIT && level == 2 ? 2 : 1;
}

/* Whether guest entry e at level (not the root's) is a leaf: a page, or a large page. */
static inline bool shadow_format_leaf(enum shadow_format f, const struct walk_mode *m,
				      unsigned level, uint64_t e)
{
	if (level == 1)
		return true;
	/* 32-bit paging: PS counts with CR4.PSE only (Vol. 3A 4.3); PS is reserved in a PML4E. */
	return (e & SHADOW_FMT_PS) && level < 4 && (f != SHADOW_FMT_32BIT || (m->cr4 & CR4_PSE));
}

#endif
