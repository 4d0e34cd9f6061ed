/*
 * qemu_devices.h - the small QEMU devices the hypervisor plays for L2, so
 * kernels written for QEMU run unmodified: isa-debug-exit at 0xf4 (exit_io.c
 * ends the run with its code) and fw_cfg at 0x510/0x511 (L2's CPU count and
 * RAM, not L0's).
 */
#ifndef HV_QEMU_DEVICES_H
#define HV_QEMU_DEVICES_H

#include "multiboot2.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define QEMU_DEBUG_EXIT_LEN 4

/*
 * Claims the fw_cfg ports (exit_io.h) and fills its items from L2's CPUs
 * (smp_cpus: call after smp_start_aps) and memory map; logs one `@hv
 * device` line per device.
 */
void qemu_devices_init(const struct mb2_info *mbi);

#endif
