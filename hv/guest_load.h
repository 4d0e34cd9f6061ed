/*
 * guest_load.h - putting L2 into its memory: the first Multiboot2 module is
 * the guest kernel (a Linux bzImage, a test guest: an ELF64 Multiboot2
 * kernel, or a Multiboot v1 kernel), the modules after it are the guest's own.
 */
#ifndef HV_GUEST_LOAD_H
#define HV_GUEST_LOAD_H

#include "elf64.h"
#include "guest_boot.h"
#include "log.h"
#include "multiboot2.h"
#include "power.h"

/* Guest-physical address of the boot information built for a test guest. */
#define GUEST_INFO_GPA 0x8000ull
#define GUEST_INFO_MAX 0x8000ull
/* The selectors a Multiboot guest starts with (both specs leave them undefined). */
#define GUEST_CODE_SEL 0x08
#define GUEST_DATA_SEL 0x10

/* A loader's failure: the error line, then the verdict guest-load-failed. */
#define guest_load_fail(...)                                   \
	do {                                                   \
		log_error(__VA_ARGS__);                        \
		hv_finish(false, "guest-load-failed");         \
	} while (0)

/* Loads the guest and fills 'boot'; stops the run with the reason on failure. */
void guest_load(const struct mb2_info *mbi, struct guest_boot *boot);

/*
 * The guest's modules (modules 1..n of 'mbi') into 'mods', each left where
 * GRUB put it unless the kernel's segments 'img' or the boot information
 * would overwrite it: then moved to free L2 RAM below 4 GiB, as GRUB places
 * modules clear of the kernel. Returns their count; stops the run if there is
 * no room. Call before guest_load_segments.
 */
unsigned guest_load_place_modules(const struct mb2_info *mbi, const struct elf64_image *img,
				  struct mb2_module *mods);
/*
 * Copies module 0's segments 'img' into L2's RAM (zeroing past filesz), from
 * a copy if they overlap module 0 itself; stops the run if one is not L2's
 * RAM or would overwrite the boot information.
 */
void guest_load_segments(const struct mb2_info *mbi, const struct elf64_image *img);
/* L2's memory map (the firmware's without the hypervisor's ranges); *n entries. */
const struct mb2_mmap_entry *guest_load_mmap(const struct mb2_info *mbi, unsigned *n);

#endif
