/*
 * guest_e820.h - L2's memory map: the firmware's, with every hypervisor
 * range turned from RAM into "reserved", sorted and without overlaps.
 */
#ifndef HV_GUEST_E820_H
#define HV_GUEST_E820_H

#include <stddef.h>

#include "mem_ranges.h"
#include "multiboot2.h"

/*
 * Writes into 'out' (capacity 'cap') the entries of 'in' with the parts of
 * available ones that 'private' covers split off as MB2_MEM_RESERVED.
 * Returns the number written, or 0 if 'cap' is too small.
 */
size_t guest_e820_build(const struct mb2_mmap_entry *in, size_t n,
			const struct mem_ranges *private, struct mb2_mmap_entry *out,
			size_t cap);

#endif
