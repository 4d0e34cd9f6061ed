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
 * Pure logic, unit-tested on the host (tests/unit/test_shadow_format.c).
 */
#ifndef HV_MMU_SHADOW_FORMAT_H
#define HV_MMU_SHADOW_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/walk.h"

enum shadow_format { SHADOW_FMT_LONG, SHADOW_FMT_PAE, SHADOW_FMT_32BIT };

/* The guest's paging format in mode m; false with paging off. */
bool shadow_format_of(const struct walk_mode *m, enum shadow_format *f);
const char *shadow_format_name(enum shadow_format f);
/* The shadow root's level: 4 (a PML4) or 3 (a PDPT of 4 entries). */
unsigned shadow_format_top(enum shadow_format f);
/* The size of a guest entry: 8 or 4 bytes. */
unsigned shadow_format_entry_size(enum shadow_format f);
/* The guest's address bits in a non-leaf entry. */
uint64_t shadow_format_addr_mask(enum shadow_format f);
/* What identifies a root in the cache: the PML4, the PDPT (32 bytes) or the directory. */
uint64_t shadow_format_root_key(enum shadow_format f, uint64_t cr3);
/* The index of va's entry in the guest table that a shadow table at level mirrors. */
unsigned shadow_format_guest_index(enum shadow_format f, unsigned level, uint64_t va);
/* The first guest entry a shadow table at level for va mirrors. */
unsigned shadow_format_first(enum shadow_format f, unsigned level, uint64_t va);
/* Shadow entries per guest entry at level: 2 for a 32-bit directory, else 1. */
unsigned shadow_format_per(enum shadow_format f, unsigned level);
/* Whether guest entry e at level (not the root's) is a leaf: a page, or a large page. */
bool shadow_format_leaf(enum shadow_format f, const struct walk_mode *m, unsigned level,
			uint64_t e);

#endif
