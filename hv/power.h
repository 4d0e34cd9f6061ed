/*
 * power.h - ending the hypervisor's run: the verdict line the launcher
 * judges by, then power-off.
 */
#ifndef HV_POWER_H
#define HV_POWER_H

#include <stdbool.h>

#include "lib/poweroff.h"

/* Prints "@hv verdict result=pass|fail reason=..." and powers off. */
__attribute__((noreturn)) void hv_finish(bool pass, const char *reason);

#endif
