/*
 * guest_load_linux.h - L2 as an unmodified Linux: module 0 a bzImage with
 * the kernel's command line, module 1 (optional) its initrd.
 */
#ifndef HV_GUEST_LOAD_LINUX_H
#define HV_GUEST_LOAD_LINUX_H

#include "guest_boot.h"
#include "multiboot2.h"

/* Loads the kernel and initrd and fills 'boot'; stops the run on failure. */
void guest_load_linux(const struct mb2_info *mbi, struct guest_boot *boot);

#endif
