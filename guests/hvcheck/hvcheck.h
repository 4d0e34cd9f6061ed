/*
 * hvcheck.h - the groups of checks of what L2 sees of the hypervisor; each
 * check prints "@guest check name=... result=..." and the group returns
 * the AND of its checks.
 */
#ifndef GUESTS_HVCHECK_HVCHECK_H
#define GUESTS_HVCHECK_HVCHECK_H

#include <stdbool.h>

/* CPUID: the hypervisor bit, VMX hidden, our leaves from 0x40000000. */
bool cpuid_checks(void);
/* VMX hidden: its MSRs, IA32_FEATURE_CONTROL, CR4.VMXE and VMXON. */
bool vmx_checks(void);
/* The VMCALL ABI of hv/hypercall.h, all but HC_EXIT. */
bool hypercall_checks(void);
/* The synthetic MSR and exception reflection (exc_intercept=6). */
bool intercept_checks(void);

#endif
