/*
 * ept_entry.h - the format of one EPT paging-structure entry (SDM Vol. 3C
 * 29.3.2) and the arithmetic of the 4-level walk, shared by the tables
 * (ept.c) and the views built on them (ept_view.c).
 */
#ifndef HV_MMU_EPT_ENTRY_H
#define HV_MMU_EPT_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/ept.h"
#include "page_alloc.h"

#define EPT_ENTRIES 512
#define EPT_LEVELS 4

/* Entry bits besides R/W/X (SDM Vol. 3C 29.3.2). */
#define EPT_MEMTYPE_SHIFT 3		/* bits 5:3, leaves only */
#define EPT_IGNORE_PAT (1ull << 6)	/* leaves only */
#define EPT_LARGE (1ull << 7)		/* a leaf in a PDPTE or PDE */
#define EPT_ADDR_MASK 0x000ffffffffff000ull	/* bits 51:12 */
/*
 * Bit 11 is ignored by the CPU in every EPT paging-structure entry (SDM
 * Vol. 3C 29.3.2, the entry formats).
 * A view sets it in a non-leaf entry that points to a table of its own,
 * as opposed to one it shares with its base (ept_view.c).
 */
#define EPT_VIEW_OWN (1ull << 11)

/* Bytes one entry at 'level' maps: 4 KiB at 1, 2 MiB at 2, ... */
static inline uint64_t ept_level_size(int level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

/* An entry is present if it grants any access (29.3.2). */
static inline bool ept_present(uint64_t entry)
{
	return entry & EPT_RWX;
}

/* Whether an entry at 'level' maps memory itself rather than a table. */
static inline bool ept_is_leaf(uint64_t entry, int level)
{
	return level == 1 || (entry & EPT_LARGE);
}

/* The index of gpa's entry in a table whose entries are at 'level'. */
static inline unsigned ept_index(uint64_t gpa, int level)
{
	return (unsigned)((gpa / ept_level_size(level)) % EPT_ENTRIES);
}

#endif
