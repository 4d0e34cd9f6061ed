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

#include "irq/eoi_held.h"
#include "irq/queue.h"
#include "vmcs/exit_reasons.h"
#include "vmx.h"

#define HOST_STACK_PAGES 4

/* SDM register numbering (Vol. 3C Table 28-3): index 4 (RSP) lives in the VMCS. */
enum gpr { GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	   GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15 };

struct vcpu {
	uint64_t gpr[16];       /* at offset 0: vmx_entry.S depends on it */
	/* Per exit reason, at fixed offsets for vmx_entry.S's fast paths (exit_fast.h). */
	uint64_t exit_count[VMX_EXIT_REASON_COUNT];
	uint64_t exit_vmrw[VMX_EXIT_REASON_COUNT]; /* VMREAD+VMWRITE spent, summed */
	uint64_t vmcs_pa;
	uint64_t host_stack_top;
	unsigned index;
	bool launched;
	bool started;           /* L2 started it with a SIPI (exit_init_sipi.c) */
	uint64_t msr_scratch;   /* HV_MSR_SCRATCH */
	uint32_t exit_reason;   /* full exit reason of the exit being handled */
	uint32_t last_basic;    /* the previous exit's reason, charged at the next exit */
	/* Interrupts (irq/event.c). */
	bool intercept_irq;     /* irq= policy: external-interrupt exiting on */
	bool virtual_nmis;      /* NMIs exit and L2's NMI blocking is virtual: NMI windows work */
	bool root_nmi;          /* an NMI came in VMX root operation; to be queued (atomic) */
	/*
	 * False only if irq is empty and root_nmi is false (atomic): set with
	 * every event raised, recomputed by irq_inject_pending. The HLT exit
	 * reads this one byte instead of the queue.
	 */
	bool events_waiting;
	/*
	 * The VMCS's primary processor-based controls. After VM launch they are
	 * written only through irq/event.c, which keeps this copy and the VMCS in
	 * step with an NMI handler that may set NMI-window exiting at any time.
	 */
	uint32_t proc_ctls;
	struct irq_queue irq;   /* events waiting for injection */
	struct nested_vcpu *nested; /* nested VMX (hv/vmcs/nested.h); NULL with nested=off */
	/* The watch on L2's priority while an interrupt waits for it (irq/ppr_watch.c). */
	bool ppr_watch;
	uint64_t vapic_pa;      /* the virtual-APIC page (VTPR), 0 where L0 lacks the TPR shadow */
	uint64_t apic_access_pa; /* L2's xAPIC page while watched */
	uint64_t ppr_watches;   /* watches started, for the log */
	/* irq_eoi=virtual (irq/apicv.c): virtual-interrupt delivery on this vCPU. */
	bool apicv;
	struct irq_eoi_held eoi_held; /* level-triggered vectors in the real ISR for L2 */
};

_Static_assert(offsetof(struct vcpu, gpr) == 0, "vmx_entry.S expects gpr[] first");

#define MAX_VCPUS 64

extern struct vcpu vcpus[MAX_VCPUS];

/* Enters the guest for the first time; returns only if VMLAUNCH fails. */
void vmx_launch(struct vcpu *v);
/* Exits so far, all reasons. */
uint64_t vcpu_exits(const struct vcpu *v);
/* VMREAD+VMWRITE so far on v's exit paths, the current exit's included. */
uint64_t vcpu_vmrw(const struct vcpu *v);
/*
 * Charges this CPU's VMREAD/VMWRITE since the last generic exit to that
 * exit's reason and restarts the count at 'carry' (those the exit being
 * handled already spent). A fast path charges its own at once and leaves
 * the CPU's count be.
 */
static inline void vcpu_charge_vmrw(struct vcpu *v, uint64_t carry)
{
	v->exit_vmrw[v->last_basic] += vmrw_count();
	vmrw_restart(carry);
}
/* Reports a failed VMLAUNCH with its VM-instruction error and ends the run. */
__attribute__((noreturn)) void vcpu_launch_failed(struct vcpu *v);
/* Puts the loaded VMCS's guest in real mode at cs_sel:rip (reset or SIPI state). */
void vcpu_enter_real_mode(struct vcpu *v, uint16_t cs_sel, uint64_t cs_base, uint64_t rip);

#endif
