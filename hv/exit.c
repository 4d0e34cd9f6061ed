/*
 * exit.c - dispatch of every VM exit the fast paths (vmx_entry.S) leave to
 * C: count it under the reason vmx_entry.S read, call its handler. An exit
 * without a handler stops the guest with a register dump: nothing is
 * silently skipped.
 */
#include <stddef.h>

#include "exit.h"
#include "exit_fast.h"
#include "guest_stop.h"
#include "hypercall.h"
#include "log.h"
#include "prot.h"
#include "vmcs/vm_errors.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "watchdog.h"

static void handle_unknown(struct vcpu *v);

/* vmx_entry.S reads these as plain numbers (exit_fast.h). */
_Static_assert(offsetof(struct percpu, fast_cpuid) == PERCPU_FAST_CPUID, "exit_fast.h");
_Static_assert(offsetof(struct percpu, fast_vmcall) == PERCPU_FAST_VMCALL, "exit_fast.h");
_Static_assert(offsetof(struct vcpu, exit_count) == VCPU_EXIT_COUNT, "exit_fast.h");
_Static_assert(offsetof(struct vcpu, exit_vmrw) == VCPU_EXIT_VMRW, "exit_fast.h");
_Static_assert(VMCS_VM_EXIT_REASON == ENC_VM_EXIT_REASON, "exit_fast.h");
_Static_assert(VMCS_VM_EXIT_INSTRUCTION_LENGTH == ENC_VM_EXIT_INSTRUCTION_LENGTH, "exit_fast.h");
_Static_assert(VMCS_GUEST_SS_ACCESS_RIGHTS == ENC_GUEST_SS_ACCESS_RIGHTS, "exit_fast.h");
_Static_assert(VMCS_GUEST_RIP == ENC_GUEST_RIP, "exit_fast.h");
_Static_assert(VMCS_GUEST_INTERRUPTIBILITY_STATE == ENC_GUEST_INTERRUPTIBILITY_STATE &&
	       INTERRUPTIBILITY_SMI == BLOCKING_BY_SMI, "exit_fast.h");
_Static_assert(VMX_EXIT_REASON_COUNT == FAST_REASON_COUNT, "exit_fast.h");
_Static_assert(EXIT_REASON_CPUID == REASON_CPUID && EXIT_REASON_VMCALL == REASON_VMCALL,
	       "exit_fast.h");
_Static_assert(HC_VERSION == FAST_HC_VERSION && HC_ABI_VERSION == FAST_HC_ABI_VERSION &&
	       HC_SIGNATURE_LOW == FAST_HC_SIGNATURE_LOW &&
	       HC_SIGNATURE_HIGH == FAST_HC_SIGNATURE_HIGH, "exit_fast.h");

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* every slot first, then the real ones */
static const exit_handler_fn handlers[VMX_EXIT_REASON_COUNT] = {
	[0 ... VMX_EXIT_REASON_COUNT - 1] = handle_unknown,
	[EXIT_REASON_EXCEPTION_OR_NMI] = handle_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = handle_tpr_below_threshold,
	[EXIT_REASON_APIC_ACCESS] = handle_apic_access,
	[EXIT_REASON_VIRTUALIZED_EOI] = handle_virtualized_eoi,
	[EXIT_REASON_APIC_WRITE] = handle_apic_write,
	[EXIT_REASON_NMI_WINDOW] = handle_nmi_window,
	[EXIT_REASON_MWAIT] = handle_mwait,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL] = handle_init,
	[EXIT_REASON_SIPI] = handle_sipi,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_INVD] = handle_invd,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD] = handle_vmx_instruction,
	[EXIT_REASON_VMPTRST] = handle_vmx_instruction,
	[EXIT_REASON_VMREAD] = handle_vmx_instruction,
	[EXIT_REASON_VMRESUME] = handle_vmx_instruction,
	[EXIT_REASON_VMWRITE] = handle_vmx_instruction,
	[EXIT_REASON_VMXOFF] = handle_vmx_instruction,
	[EXIT_REASON_VMXON] = handle_vmx_instruction,
	[EXIT_REASON_INVEPT] = handle_vmx_instruction,
	[EXIT_REASON_INVVPID] = handle_vmx_instruction,
	[EXIT_REASON_CONTROL_REGISTER_ACCESSES] = handle_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_RDMSR] = handle_rdmsr,
	[EXIT_REASON_WRMSR] = handle_wrmsr,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIGURATION] = handle_ept_misconfig,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_INVLPG] = handle_invlpg,
	[EXIT_REASON_INVPCID] = handle_invpcid,
	[EXIT_REASON_VMFUNC] = handle_vmfunc,
	[EXIT_REASON_VMX_PREEMPTION_TIMER_EXPIRED] = handle_preemption_timer,
};
#pragma GCC diagnostic pop

void skip_instruction(void)
{
	vmcs_write(VMCS_GUEST_RIP,
		   vmread(VMCS_GUEST_RIP) + vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
}

/* An exit reason without a handler: the run stops, with the reason in words. */
static void handle_unknown(struct vcpu *v)
{
	char words[128];

	vmx_exit_reason_format(words, sizeof(words), v->exit_reason);
	log_error("L2 exit %s has no handler", words);
	guest_stop(v, false, "unhandled-exit");
}

/*
 * The exits the table cannot index: a failed VM entry (SDM 27.8: the
 * instruction error is in the exit qualification's words), or flag bits.
 */
__attribute__((noinline, cold)) static void exit_slow_path(struct vcpu *v)
{
	char words[128], qual[128];

	if (!(v->exit_reason & EXIT_REASON_FAILED_VMENTRY))
		handle_unknown(v);
	vmx_exit_reason_format(words, sizeof(words), v->exit_reason);
	vmx_entry_failure_qual_str(qual, sizeof(qual), v->exit_reason,
				   vmread(VMCS_EXIT_QUALIFICATION));
	log_error("L2 VM entry failed: %s; qualification: %s", words, qual);
	guest_stop(v, false, "vm-entry-failed");
}

void exit_fastpath_set(bool on)
{
	struct percpu *c = this_cpu();

	c->fast_cpuid = on ? EXIT_REASON_CPUID : FASTPATH_OFF;
	c->fast_vmcall = on ? EXIT_REASON_VMCALL : FASTPATH_OFF;
}

/*
 * The generic path: one compare, the counters, one indirect call. The
 * previous generic exit's VMREAD/VMWRITE are charged now, so handlers need
 * no epilogue here and the call is a tail call.
 */
void vmexit_handler(struct vcpu *v, uint64_t reason)
{
	vcpu_charge_vmrw(v, 1); /* 1: vmx_entry.S's VMREAD of this exit's reason */
	v->exit_reason = (uint32_t)reason;
	if (__builtin_expect(reason >= VMX_EXIT_REASON_COUNT, 0)) {
		exit_slow_path(v);
		return;
	}
	v->last_basic = (uint32_t)reason;
	v->exit_count[reason]++;
	handlers[reason](v);
}

void vmresume_failed(struct vcpu *v)
{
	uint32_t err = (uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR);

	log_error("VMRESUME failed: VM-instruction error %u: %s", err,
		  vmx_instruction_error_str(err));
	guest_stop(v, false, "vmresume-failed");
}
