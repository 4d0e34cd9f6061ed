/*
 * fuzz_elf64.c - libFuzzer target: the ELF loader's checks (hv/elf64.c)
 * and its Multiboot2-header search, on arbitrary bytes from an exact-size
 * heap copy; every accepted segment must lie inside the image.
 */
#include "fuzz_common.h"

static struct elf64_image img;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size);

	if (!copy)
		return 0;
	(void)elf64_has_multiboot2(copy, size);
	if (elf64_parse(copy, size, &img) == ELF64_OK)
		fuzz_check_segments(&img, size, UINT64_MAX);
	free(copy);
	return 0;
}
