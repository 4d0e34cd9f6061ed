/*
 * guest_load.h - putting L2 into its memory: the first Multiboot2 module is
 * the guest kernel (a Linux bzImage, or a test guest: an ELF64 Multiboot2
 * kernel), the modules after it are the guest's own modules.
 */
#ifndef HV_GUEST_LOAD_H
#define HV_GUEST_LOAD_H

#include "guest_boot.h"
#include "log.h"
#include "multiboot2.h"
#include "power.h"

/* Guest-physical address of the boot information built for a test guest. */
#define GUEST_INFO_GPA 0x8000ull
#define GUEST_INFO_MAX 0x8000ull

/* A loader's failure: the error line, then the verdict guest-load-failed. */
#define guest_load_fail(...)                                   \
	do {                                                   \
		log_error(__VA_ARGS__);                        \
		hv_finish(false, "guest-load-failed");         \
	} while (0)

/* Loads the guest and fills 'boot'; stops the run with the reason on failure. */
void guest_load(const struct mb2_info *mbi, struct guest_boot *boot);

#endif
