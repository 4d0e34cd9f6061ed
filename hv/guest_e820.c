/*
 * guest_e820.c - each available entry is cut at every private range it
 * touches; the cut pieces become reserved entries in place, so the output
 * keeps the input's order. Non-RAM entries are copied as they are.
 */
#include "guest_e820.h"

/* Appends one entry; false if out is full. */
static bool put(struct mb2_mmap_entry *out, size_t cap, size_t *n, uint64_t base,
		uint64_t end, uint32_t type)
{
	if (base >= end)
		return true;
	if (*n == cap)
		return false;
	out[(*n)++] = (struct mb2_mmap_entry){ base, end - base, type };
	return true;
}

/* Splits available [base, end) at the private ranges (sorted, disjoint). */
static bool split(const struct mem_ranges *private, uint64_t base, uint64_t end,
		  struct mb2_mmap_entry *out, size_t cap, size_t *n)
{
	uint64_t at = base;

	for (size_t i = 0; i < private->n && at < end; i++) {
		uint64_t pb = private->r[i].base, pe = private->r[i].end;

		if (pe <= at || pb >= end)
			continue;
		if (!put(out, cap, n, at, pb > at ? pb : at, MB2_MEM_AVAILABLE) ||
		    !put(out, cap, n, pb > at ? pb : at, pe < end ? pe : end, MB2_MEM_RESERVED))
			return false;
		at = pe < end ? pe : end;
	}
	return put(out, cap, n, at, end, MB2_MEM_AVAILABLE);
}

size_t guest_e820_build(const struct mb2_mmap_entry *in, size_t n,
			const struct mem_ranges *private, struct mb2_mmap_entry *out,
			size_t cap)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t base = in[i].base, end = in[i].base + in[i].len;
		bool ok = in[i].type == MB2_MEM_AVAILABLE ?
				  split(private, base, end, out, cap, &count) :
				  put(out, cap, &count, base, end, in[i].type);

		if (!ok)
			return 0;
	}
	return count;
}
