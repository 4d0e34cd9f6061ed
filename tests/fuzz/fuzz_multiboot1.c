/*
 * fuzz_multiboot1.c - libFuzzer target: the Multiboot v1 loader's header
 * search and load plan (hv/multiboot1.c, through ELF32 and ELF64 in
 * hv/elf64.c) on arbitrary bytes from an exact-size heap copy; whatever it
 * accepts must be loadable as planned: file bytes inside the image, every
 * segment below 4 GiB, the entry inside a segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multiboot1.h"

static struct mb1_kernel k;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	bool entry_inside = false;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (mb1_parse_kernel(copy, size, &k) == MB1_OK) {
		for (unsigned i = 0; i < k.img.n_seg; i++) {
			const struct elf64_segment *s = &k.img.seg[i];

			if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz ||
			    s->paddr + s->memsz > (1ull << 32))
				abort();
			entry_inside |= k.entry >= s->paddr && k.entry - s->paddr < s->memsz;
		}
		if (!entry_inside)
			abort();
	}
	free(copy);
	return 0;
}
