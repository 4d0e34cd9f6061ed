/*
 * watchdog.h - watchdog=<ms>: the VMX-preemption timer turns an L2 vCPU
 * that stops making progress into a reported failure instead of a hang.
 */
#ifndef HV_WATCHDOG_H
#define HV_WATCHDOG_H

#include "vcpu.h"

/* Checks L0 offers the timer and converts the period; before any VMCS is set up. */
void watchdog_init(void);
/* Arms the timer in the current VMCS (its controls already written). */
void watchdog_setup_vmcs(void);
/* The VMX-preemption timer expired (exit reason 52). */
void handle_preemption_timer(struct vcpu *v);

#endif
