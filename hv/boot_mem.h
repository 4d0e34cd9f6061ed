/*
 * boot_mem.h - turns the firmware memory map into the page allocator:
 * usable RAM minus the hypervisor image, the boot information, the modules
 * and the first MiB (BIOS data, real-mode trampolines).
 */
#ifndef HV_BOOT_MEM_H
#define HV_BOOT_MEM_H

#include "multiboot2.h"
#include "page_alloc.h"

extern struct page_alloc hv_pages;

/* Sets up hv_pages from the boot information; panics if it cannot. */
void boot_mem_init(const struct mb2_info *mbi);
/* Allocates, scribbles on, frees and re-checks pages; logs the result. */
bool boot_mem_selftest(const struct mb2_info *mbi);

#endif
