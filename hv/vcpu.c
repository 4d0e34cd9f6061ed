/*
 * vcpu.c - the vCPUs (one per physical CPU) and the architectural reset
 * state an AP is in after INIT and SIPI: real mode, which runs natively
 * under unrestricted guest (SDM Vol. 3A 10.1.1 Table 10-1; 3C 27.3.1).
 */
#include "lib/string.h"
#include "log.h"
#include "power.h"
#include "vcpu.h"
#include "vmcs/vm_errors.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define CR0_RESET 0x60000010ull /* CD, NW, ET */

struct vcpu vcpus[MAX_VCPUS];

uint64_t vcpu_exits(const struct vcpu *v)
{
	uint64_t n = 0;

	for (unsigned r = 0; r < VMX_EXIT_REASON_COUNT; r++)
		n += v->exit_count[r];
	return n;
}

uint64_t vcpu_vmrw(const struct vcpu *v)
{
	uint64_t n = vmrw_count(); /* not charged yet */

	for (unsigned r = 0; r < VMX_EXIT_REASON_COUNT; r++)
		n += v->exit_vmrw[r];
	return n;
}

void vcpu_launch_failed(struct vcpu *v)
{
	uint32_t err = (uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR);

	log_error("VMLAUNCH of vCPU %u failed: VM-instruction error %u: %s", v->index, err,
		  vmx_instruction_error_str(err));
	hv_finish(false, "vmlaunch-failed");
}

void vcpu_enter_real_mode(struct vcpu *v, uint16_t cs_sel, uint64_t cs_base, uint64_t rip)
{
	vmcs_set_guest_cr0(CR0_RESET);
	vmcs_set_guest_cr4(0);
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_IA32_EFER, 0);
	vmcs_write(VMCS_VM_ENTRY_CONTROLS,
		   vmread(VMCS_VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST);
	vmcs_set_segment(VMCS_GUEST_CS_SELECTOR, cs_sel, cs_base, 0xffff, AR_CODE16);
	vmcs_set_data_segments(0, 0xffff, AR_DATA16);
	vmcs_set_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0xffff, AR_UNUSABLE);
	vmcs_set_segment(VMCS_GUEST_TR_SELECTOR, 0, 0, 0xffff, AR_TSS_BUSY);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, rip);
	/* Nothing blocks events after a reset (SDM Vol. 3C 27.3.1.5: SMI blocking outside SMM fails entry). */
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	memset(v->gpr, 0, sizeof(v->gpr));
	v->gpr[GPR_RDX] = cpuid(1, 0).eax; /* the reset signature */
}
