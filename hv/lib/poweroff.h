/*
 * poweroff.h - ending a run on either L0, for the hypervisor and for test
 * guests booted directly on L0.
 */
#ifndef HV_LIB_POWEROFF_H
#define HV_LIB_POWEROFF_H

#include <stdbool.h>
#include <stdint.h>

/* Powers the machine off (Bochs shutdown port, QEMU isa-debug-exit). */
__attribute__((noreturn)) void power_off(bool pass);
/* The same, QEMU exiting with status (code << 1) | 1. */
__attribute__((noreturn)) void power_off_code(uint32_t code);

#endif
