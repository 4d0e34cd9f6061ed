/*
 * fuzz_multiboot1.c - libFuzzer target: the Multiboot v1 kernel checks
 * (hv/multiboot1.c: the header search, the a.out-kludge addresses, the ELF
 * fallback) on arbitrary bytes from an exact-size heap copy; every accepted
 * segment must lie inside the image and below 4 GiB.
 */
#include "fuzz_common.h"
#include "multiboot1.h"

static struct mb1_kernel kernel;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size);

	if (!copy)
		return 0;
	if (mb1_parse_kernel(copy, size, &kernel) == MB1_OK)
		fuzz_check_segments(&kernel.img, size, 1ull << 32);
	free(copy);
	return 0;
}
