/*
 * guest_stop.h - ending L2's run: its register dump (on failure), the
 * per-exit-reason counters, and the run's verdict.
 */
#ifndef HV_GUEST_STOP_H
#define HV_GUEST_STOP_H

#include <stdbool.h>

#include "vcpu.h"

/* Logs L2's state as a human dump and one "@hv guest-state" line. */
void guest_dump(struct vcpu *v);
/* Logs the exit counters ("@hv exit-count ..."), dumps L2 on failure, ends the run. */
__attribute__((noreturn)) void guest_stop(struct vcpu *v, bool pass, const char *reason);
/* The same for L2's write of 'code' to isa-debug-exit (power.h: hv_finish_exit_code). */
__attribute__((noreturn)) void guest_stop_exit_code(struct vcpu *v, uint32_t code);

#endif
