/*
 * kvmrun_mmio.h - kvmrun's KVM_EXIT_MMIO on the test MMIO device: the
 * hypervisor's own model (hv/emul/test_mmio.c, boot option mmio_test=on) at
 * the same guest-physical page, so trapbench's MMIO rows time the same
 * accesses in the kvm column as in the hv column.
 */
#ifndef GUESTS_LINUX_KVMRUN_MMIO_H
#define GUESTS_LINUX_KVMRUN_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/test_mmio_dev.h"

/*
 * One access of 'len' (1, 2, 4 or 8) bytes at 'gpa' to or from 'data' (the
 * kvm_run bytes); false if 'gpa' is not the device's (the caller ends the
 * run). As under the hypervisor (hv/emul/emul_exit.c), a read the model
 * refuses sees all ones and a refused write is dropped; *refused counts both.
 */
bool kvmrun_mmio(struct mmio_device *d, uint64_t gpa, uint8_t *data, unsigned len, bool write,
		 uint64_t *refused);

#endif
