/*
 * fuzz_common.h - what the host fuzz targets share: the input in an
 * exact-size heap copy (so ASan sees any read past it), and the check that
 * a loader's accepted segments lie inside the image.
 */
#ifndef TESTS_FUZZ_FUZZ_COMMON_H
#define TESTS_FUZZ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"

/* A malloc'd copy of the input, exactly 'size' bytes (1 for an empty one); NULL if none. */
static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (copy)
		memcpy(copy, data, size);
	return copy;
}

/*
 * Aborts (a finding) if a segment's file bytes run past the image, exceed
 * its memory size, or its memory ends above 'paddr_limit'.
 */
static inline void fuzz_check_segments(const struct elf64_image *img, size_t size,
				       uint64_t paddr_limit)
{
	for (unsigned i = 0; i < img->n_seg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz ||
		    s->paddr > paddr_limit || s->memsz > paddr_limit - s->paddr)
			abort();
	}
}

#endif
