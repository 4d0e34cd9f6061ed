/*
 * fuzz_elf64.c - libFuzzer target: the ELF64 loader's checks (hv/elf64.c)
 * and its Multiboot2-header search, on arbitrary bytes from an exact-size
 * heap copy; every accepted segment must lie inside the image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf64.h"

static struct elf64_image img;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	(void)elf64_has_multiboot2(copy, size);
	if (elf64_parse(copy, size, &img) == ELF64_OK) {
		for (unsigned i = 0; i < img.n_seg; i++) {
			const struct elf64_segment *s = &img.seg[i];

			/* What the loader will copy: it must be inside the image. */
			if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz)
				abort();
		}
	}
	free(copy);
	return 0;
}
