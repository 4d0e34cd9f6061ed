/*
 * guest_boot_info.h - the Multiboot2 boot information (spec 3.6) the
 * hypervisor gives a test guest, built into a buffer that the caller then
 * places, 8-byte aligned, in the guest's memory.
 */
#ifndef HV_GUEST_BOOT_INFO_H
#define HV_GUEST_BOOT_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "multiboot2.h"

#define GUEST_BOOT_LOADER_NAME "nested-hv"
#define GUEST_BOOT_RSDP_V1_LEN 20 /* ACPI 1.0 RSDP (ACPI 6.5, 5.2.5.3) */
/* mem_lower counts at most 640 KiB from 0, mem_upper from 1 MiB (both Multiboot specs). */
#define GUEST_BOOT_LOWER_MEM_MAX (640ull * 1024)
#define GUEST_BOOT_UPPER_MEM_BASE 0x100000ull
#define GUEST_BOOT_UPPER_MEM_MAX ((uint64_t)UINT32_MAX * 1024)

struct guest_boot_info {
	const char *cmdline; /* NULL: empty */
	/* Also the source of the basic meminfo tag's mem_lower and mem_upper. */
	const struct mb2_mmap_entry *mmap;
	unsigned n_mmap;
	/* Guest-physical, below 4 GiB: the tag's fields are 32 bits. */
	const struct mb2_module *modules;
	unsigned n_modules;
	const void *rsdp_v1; /* GUEST_BOOT_RSDP_V1_LEN bytes, or NULL */
};

/*
 * KiB of available memory from 'addr' up in the map entry holding it, 'max'
 * bytes at most; 0 if no available entry holds 'addr'. Multiboot's mem_lower
 * and mem_upper.
 */
uint32_t guest_boot_avail_kb(const struct mb2_mmap_entry *mmap, unsigned n_mmap,
			     uint64_t addr, uint64_t max);

/*
 * Writes the info into the 'cap' bytes at 'buf': cmdline, loader name,
 * basic meminfo, memory map (if any), modules, ACPI 1.0 RSDP (if any), end.
 * Returns its total_size, or 0 if it does not fit or a module cannot be
 * described (above 4 GiB, or ending before it starts).
 */
size_t guest_boot_info_build(const struct guest_boot_info *gbi, void *buf,
			     size_t cap);

#endif
