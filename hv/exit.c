/*
 * exit.c - dispatch of every VM exit: read the exit reason (the one VMREAD
 * every exit pays), count it, call its handler. An exit without a handler
 * stops the guest with a register dump: nothing is silently skipped.
 */
#include "exit.h"
#include "guest_stop.h"
#include "log.h"
#include "vmcs/vm_errors.h"
#include "vmcs_setup.h"
#include "vmx.h"

#define INTR_INFO_VALID (1u << 31)
#define INTR_TYPE_HW_EXCEPTION (3u << 8)
#define INTR_DELIVER_ERROR (1u << 11)

static const exit_handler_fn handlers[VMX_EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_OR_NMI] = handle_exception,
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
};

void skip_instruction(void)
{
	vmcs_write(VMCS_GUEST_RIP,
		   vmread(VMCS_GUEST_RIP) + vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
}

void inject_exception(unsigned vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	if (has_error) {
		info |= INTR_DELIVER_ERROR;
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, info);
}

/* A VM entry that failed after VMLAUNCH/VMRESUME succeeded (SDM 27.8). */
static void entry_failed(struct vcpu *v)
{
	char words[128], qual[128];

	vmx_exit_reason_format(words, sizeof(words), v->exit_reason);
	vmx_entry_failure_qual_str(qual, sizeof(qual), v->exit_reason,
				   vmread(VMCS_EXIT_QUALIFICATION));
	log_error("L2 VM entry failed: %s; qualification: %s", words, qual);
	guest_stop(v, false, "vm-entry-failed");
}

struct vcpu *vmexit_handler(struct vcpu *v)
{
	struct percpu *cpu = this_cpu();
	uint64_t vmrw = cpu->vmreads + cpu->vmwrites;
	uint32_t basic;

	v->exit_reason = (uint32_t)vmread(VMCS_VM_EXIT_REASON);
	basic = vmx_exit_reason_basic(v->exit_reason);
	v->exits++;
	if (v->exit_reason & EXIT_REASON_FAILED_VMENTRY)
		entry_failed(v);
	if (basic >= VMX_EXIT_REASON_COUNT || !handlers[basic]) {
		log_error("L2 exit %u (%s) has no handler", basic, vmx_exit_reason_name(basic));
		guest_stop(v, false, "unhandled-exit");
	}
	v->exit_count[basic]++;
	handlers[basic](v);
	v->exit_vmrw[basic] += cpu->vmreads + cpu->vmwrites - vmrw;
	return v;
}

void vmresume_failed(struct vcpu *v)
{
	uint32_t err = (uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR);

	log_error("VMRESUME failed: VM-instruction error %u: %s", err,
		  vmx_instruction_error_str(err));
	guest_stop(v, false, "vmresume-failed");
}
