/*
 * mem_ranges.c - the range list keeps its ranges sorted, disjoint and
 * non-adjacent, so totals and searches are single passes. Every operation
 * returns false instead of overflowing the caller's array.
 */
#include "lib/string.h"
#include "mem_ranges.h"

static void remove_at(struct mem_ranges *m, size_t i)
{
	memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(m->r[0]));
	m->n--;
}

static bool insert_at(struct mem_ranges *m, size_t i, uint64_t base, uint64_t end)
{
	if (m->n == m->cap)
		return false;
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(m->r[0]));
	m->r[i] = (struct mem_range){ base, end };
	m->n++;
	return true;
}

bool mem_ranges_add(struct mem_ranges *m, uint64_t base, uint64_t end)
{
	size_t i = 0;

	if (base >= end)
		return true;
	while (i < m->n && m->r[i].end < base)
		i++;
	/* Absorb every range that overlaps or touches [base, end). */
	while (i < m->n && m->r[i].base <= end) {
		if (m->r[i].base < base)
			base = m->r[i].base;
		if (m->r[i].end > end)
			end = m->r[i].end;
		remove_at(m, i);
	}
	return insert_at(m, i, base, end);
}

bool mem_ranges_remove(struct mem_ranges *m, uint64_t base, uint64_t end)
{
	if (base >= end)
		return true;
	for (size_t i = 0; i < m->n; i++) {
		struct mem_range *r = &m->r[i];

		if (r->end <= base || r->base >= end)
			continue;
		if (r->base < base && r->end > end) { /* split in two */
			uint64_t old_end = r->end;

			r->end = base;
			return insert_at(m, i + 1, end, old_end);
		}
		if (r->base >= base && r->end <= end) { /* swallowed whole */
			remove_at(m, i--);
			continue;
		}
		if (r->base < base)
			r->end = base;
		else
			r->base = end;
	}
	return true;
}

void mem_ranges_align(struct mem_ranges *m, uint64_t align)
{
	for (size_t i = 0; i < m->n; i++) {
		uint64_t base = (m->r[i].base + align - 1) & ~(align - 1);
		uint64_t end = m->r[i].end & ~(align - 1);

		if (base < m->r[i].base || base >= end) { /* overflowed or empty */
			remove_at(m, i--);
			continue;
		}
		m->r[i].base = base;
		m->r[i].end = end;
	}
}

uint64_t mem_ranges_total(const struct mem_ranges *m)
{
	uint64_t total = 0;

	for (size_t i = 0; i < m->n; i++)
		total += m->r[i].end - m->r[i].base;
	return total;
}

uint64_t mem_ranges_find(const struct mem_ranges *m, uint64_t size, uint64_t align)
{
	for (size_t i = 0; i < m->n; i++) {
		uint64_t base = (m->r[i].base + align - 1) & ~(align - 1);

		if (!base) /* 0 means "none": try the next aligned address */
			base = align;
		if (base && base >= m->r[i].base && base <= m->r[i].end &&
		    m->r[i].end - base >= size)
			return base;
	}
	return 0;
}

uint64_t mem_ranges_find_highest(const struct mem_ranges *m, uint64_t size, uint64_t align,
				 uint64_t limit)
{
	for (size_t i = m->n; i-- > 0;) {
		uint64_t end = m->r[i].end < limit ? m->r[i].end : limit;
		uint64_t base;

		if (end < size || end - size < m->r[i].base)
			continue;
		base = (end - size) & ~(align - 1);
		if (base && base >= m->r[i].base)
			return base;
	}
	return 0;
}
