/*
 * power.h - ending the hypervisor's run: the verdict line the launcher
 * judges by, then power-off.
 */
#ifndef HV_POWER_H
#define HV_POWER_H

#include <stdbool.h>

#include "lib/poweroff.h"

#include <stdint.h>

/* Prints "@hv verdict result=pass|fail reason=..." and powers off. */
__attribute__((noreturn)) void hv_finish(bool pass, const char *reason);
/*
 * L2 wrote 'code' to isa-debug-exit: the verdict passes for code 0 only and
 * adds code= and qemu_status= ((code << 1) | 1, what QEMU would exit with);
 * under QEMU as L0 the hypervisor exits through that device with the same code.
 */
__attribute__((noreturn)) void hv_finish_exit_code(uint32_t code);

#endif
