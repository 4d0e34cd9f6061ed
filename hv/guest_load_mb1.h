/*
 * guest_load_mb1.h - L2 as a Multiboot v1 kernel (what QEMU's -kernel boots):
 * module 0 the kernel with its command line, the modules after it its own.
 */
#ifndef HV_GUEST_LOAD_MB1_H
#define HV_GUEST_LOAD_MB1_H

#include "guest_boot.h"
#include "multiboot2.h"

/* Loads the kernel, writes its boot information, fills 'boot'; stops the run on failure. */
void guest_load_mb1(const struct mb2_info *mbi, struct guest_boot *boot);

#endif
