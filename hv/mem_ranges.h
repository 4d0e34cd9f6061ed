/*
 * mem_ranges.h - sorted lists of disjoint physical address ranges [base, end):
 * the usable RAM from the firmware map, minus what the hypervisor must keep.
 */
#ifndef HV_MEM_RANGES_H
#define HV_MEM_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_range {
	uint64_t base, end;
};

struct mem_ranges {
	struct mem_range *r;
	size_t n, cap;
};

/* Adds [base, end), merging with overlapping or touching ranges. */
bool mem_ranges_add(struct mem_ranges *m, uint64_t base, uint64_t end);
/* Removes [base, end) from every range, splitting where needed. */
bool mem_ranges_remove(struct mem_ranges *m, uint64_t base, uint64_t end);
/* Shrinks every range inward to 'align' boundaries, dropping empty ones. */
void mem_ranges_align(struct mem_ranges *m, uint64_t align);
uint64_t mem_ranges_total(const struct mem_ranges *m);
/* Lowest 'align'-aligned base of a free block of 'size' bytes; 0 if none. */
uint64_t mem_ranges_find(const struct mem_ranges *m, uint64_t size, uint64_t align);
/* Highest 'align'-aligned base of a block of 'size' bytes ending at or below 'limit'; 0 if none. */
uint64_t mem_ranges_find_highest(const struct mem_ranges *m, uint64_t size, uint64_t align,
				 uint64_t limit);

#endif
