/*
 * vcpu.h - one virtual CPU of L2: its general-purpose registers (saved by
 * vmx_entry.S on every exit, in the SDM's register-number order), its VMCS
 * and host stack, and the per-exit-reason counters.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcs/exit_reasons.h"

#define HOST_STACK_PAGES 4

/* SDM register numbering (Vol. 3C Table 28-3): index 4 (RSP) lives in the VMCS. */
enum gpr { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	   GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15 };

struct vcpu {
	uint64_t gpr[16];       /* at offset 0: vmx_entry.S depends on it */
	uint64_t vmcs_pa;
	uint64_t host_stack_top;
	unsigned index;
	bool launched;
	bool started;           /* L2 started it with a SIPI (exit_init_sipi.c) */
	uint64_t msr_scratch;   /* HV_MSR_SCRATCH */
	uint64_t exit_count[VMX_EXIT_REASON_COUNT];
	uint64_t exit_vmrw[VMX_EXIT_REASON_COUNT]; /* VMREAD+VMWRITE spent, summed */
	uint32_t exit_reason;   /* full exit reason of the exit being handled */
	uint32_t last_basic;    /* the previous exit's reason, charged at the next exit */
	uint64_t last_vmrw;     /* this CPU's VMREAD+VMWRITE count at the previous exit */
	struct nested_vcpu *nested; /* nested VMX (hv/vmcs/nested.h); NULL with nested=off */
};

_Static_assert(offsetof(struct vcpu, gpr) == 0, "vmx_entry.S expects gpr[] first");

#define MAX_VCPUS 64

extern struct vcpu vcpus[MAX_VCPUS];

/* Enters the guest for the first time; returns only if VMLAUNCH fails. */
void vmx_launch(struct vcpu *v);
/* Exits so far, all reasons. */
uint64_t vcpu_exits(const struct vcpu *v);
/* Charges the VMREAD/VMWRITE since the last exit to that exit's reason. */
static inline void vcpu_charge_vmrw(struct vcpu *v, uint64_t now)
{
	v->exit_vmrw[v->last_basic] += now - v->last_vmrw;
	v->last_vmrw = now;
}
/* Reports a failed VMLAUNCH with its VM-instruction error and ends the run. */
__attribute__((noreturn)) void vcpu_launch_failed(struct vcpu *v);
/* Puts the loaded VMCS's guest in real mode at cs_sel:rip (reset or SIPI state). */
void vcpu_enter_real_mode(struct vcpu *v, uint16_t cs_sel, uint64_t cs_base, uint64_t rip);

#endif
