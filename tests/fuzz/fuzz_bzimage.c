/*
 * fuzz_bzimage.c - libFuzzer target: the bzImage setup-header checks
 * (hv/bzimage.c) on arbitrary bytes, then, for an accepted image, the
 * loader's placement over a 3 GiB machine's RAM and the zero page. What the
 * placement picks must satisfy the zero page's own checks: a disagreement
 * between the two is a finding, like a sanitizer report.
 */
#include "bzimage.h"
#include "fuzz_common.h"
#include "mem_ranges.h"

#define MiB 0x100000ull

static struct bzimage_info info;
static uint8_t zero_page[4096];
static const struct e820_entry e820[] = { { 0, 0x9fc00, 1 }, { MiB, 0xbff00000 - MiB, 1 } };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_range r[4];
	struct mem_ranges ram = { r, 0, 4 };
	uint8_t *copy = fuzz_copy(data, size);
	struct bzimage_load load = { .cmdline_gpa = 0x20000, .e820 = e820, .n_e820 = 2 };

	if (!copy)
		return 0;
	if (bzimage_parse(copy, size, &info) != BZIMAGE_OK)
		goto out;
	if (info.kernel_offset + info.kernel_size != size)
		abort(); /* the loader copies exactly these bytes */
	mem_ranges_add(&ram, MiB, 0xbff00000);
	load.kernel_gpa = bzimage_kernel_addr(&info, &ram);
	if (!load.kernel_gpa)
		goto out;
	/* The initrd's size from the image's last bytes: any size, placed or refused. */
	load.initrd_size = size >= 8 ? (uint64_t)data[size - 1] << 24 | data[size - 2] << 16 : 0;
	load.initrd_gpa = bzimage_initrd_addr(&info, &ram, load.kernel_gpa, load.initrd_size);
	if (!load.initrd_gpa)
		load.initrd_size = 0;
	if (bzimage_build_params(&info, &load, zero_page) != BZIMAGE_OK)
		abort();
out:
	free(copy);
	return 0;
}
