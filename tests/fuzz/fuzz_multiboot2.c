/*
 * fuzz_multiboot2.c - libFuzzer target: the Multiboot2 boot information
 * parser (hv/multiboot2.c) on arbitrary bytes, from an exact-size, 8-byte
 * aligned heap copy, so that ASan sees any read past what it was given.
 */
#include "fuzz_common.h"
#include "multiboot2.h"

static struct mb2_info info;

/* Reads every byte the parsed result points at, so ASan checks those too. */
static size_t touch(const struct mb2_info *m)
{
	size_t n = strlen(m->cmdline) + strlen(m->loader_name);

	for (unsigned i = 0; i < m->n_modules; i++)
		n += strlen(m->modules[i].cmdline);
	for (uint32_t i = 0; m->rsdp && i < m->rsdp_len; i++)
		n += ((const uint8_t *)m->rsdp)[i];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = fuzz_copy(data, size); /* malloc's alignment is 16 */
	size_t bad = 0;

	if (!copy)
		return 0;
	if (((uintptr_t)copy & 7) == 0 &&
	    mb2_parse(MB2_BOOTLOADER_MAGIC, copy, size, &info, &bad) == MB2_OK) {
		volatile size_t sink = touch(&info);
		(void)sink;
	}
	free(copy);
	return 0;
}
