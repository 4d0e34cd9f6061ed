/*
 * fuzz_multiboot1.c - libFuzzer target: the Multiboot v1 kernel checks
 * (hv/multiboot1.c: the header search, the a.out-kludge addresses, the ELF
 * fallback) on arbitrary bytes from an exact-size heap copy; every accepted
 * segment must lie inside the image and below 4 GiB.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multiboot1.h"

static struct mb1_kernel kernel;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (mb1_parse_kernel(copy, size, &kernel) == MB1_OK) {
		for (unsigned i = 0; i < kernel.img.n_seg; i++) {
			const struct elf64_segment *s = &kernel.img.seg[i];

			if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz ||
			    s->paddr >= (1ull << 32) || s->memsz > (1ull << 32) - s->paddr)
				abort(); /* the loader would copy outside the image or above 4 GiB */
		}
	}
	free(copy);
	return 0;
}
