/*
 * page_words.h - whole 4 KiB pages zeroed, copied and compared 8 bytes at a
 * time: the page pool's hot operations, which the byte-at-a-time
 * lib/string.c would make 8 times longer (every instruction counts under
 * Bochs). Pages are 8-byte aligned.
 */
#ifndef HV_MMU_PAGE_WORDS_H
#define HV_MMU_PAGE_WORDS_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_WORDS 512u

static inline void page_zero(void *page)
{
	uint64_t *d = page;

	for (unsigned i = 0; i < PAGE_WORDS; i++)
		d[i] = 0;
}

static inline void page_copy(void *dst, const void *src)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (unsigned i = 0; i < PAGE_WORDS; i++)
		d[i] = s[i];
}

static inline bool page_equal(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	for (unsigned i = 0; i < PAGE_WORDS; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

#endif
