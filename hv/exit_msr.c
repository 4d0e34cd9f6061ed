/*
 * exit_msr.c - RDMSR/WRMSR of the MSRs the bitmap intercepts: the VMX
 * capability MSRs and IA32_FEATURE_CONTROL, which look like a CPU without
 * VMX, or with nested=on like one with the VMX L2 is offered (locked, VMX
 * outside SMX on; hv/vmcs/nested_caps.h), and the synthetic
 * HV_MSR_SCRATCH. MSRs outside the bitmap's ranges exit too; they run on
 * the CPU, and a #GP there becomes L2's.
 */
#include "exit.h"
#include "exit_setup.h"
#include "extable.h"
#include "hypercall.h"
#include "log.h"
#include "msr_bitmap.h"
#include "vmcs/nested.h"
#include "vmcs/nested_caps.h"
#include "x86.h"

#define MSR_VMX_FIRST 0x480
#define MSR_VMX_LAST 0x491
#define FEATURE_CONTROL_LOCKED 1ull
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX 4ull
#define X2APIC_ICR_MSR 0x830 /* exits while L2 starts its APs (exit_apic.c) */

void msr_intercepts_init(void)
{
	msr_bitmap_init();
	msr_bitmap_intercept(MSR_IA32_FEATURE_CONTROL, 1, true, true);
	msr_bitmap_intercept(MSR_VMX_FIRST, MSR_VMX_LAST - MSR_VMX_FIRST + 1, true, true);
}

static bool is_vmx_msr(uint32_t msr)
{
	return msr >= MSR_VMX_FIRST && msr <= MSR_VMX_LAST;
}

/* RDMSR's result into EDX:EAX, and L2 past the instruction. */
static inline void rdmsr_result(struct vcpu *v, uint64_t value)
{
	v->gpr[GPR_RAX] = (uint32_t)value;
	v->gpr[GPR_RDX] = value >> 32;
	skip_instruction();
}

/*
 * A VMX capability MSR: L2's with nested=on, else #GP as on a CPU without
 * VMX. Out of line: its result through memory would cost every RDMSR exit
 * a stack frame.
 */
__attribute__((noinline)) static void rdmsr_vmx(struct vcpu *v, uint32_t msr)
{
	uint64_t value;

	if (!v->nested || !nested_caps_rdmsr(&nested_caps, msr, &value)) {
		inject_exception(13, true, 0);
		return;
	}
	rdmsr_result(v, value);
}

void handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t value;

	if (is_vmx_msr(msr)) {
		rdmsr_vmx(v, msr);
		return;
	}
	if (msr == MSR_IA32_FEATURE_CONTROL)
		value = v->nested ? FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX :
				    FEATURE_CONTROL_LOCKED;
	else if (msr == HV_MSR_SCRATCH)
		value = v->msr_scratch;
	else if (rdmsr_safe(msr, &value)) {
		inject_exception(13, true, 0);
		return;
	}
	rdmsr_result(v, value);
}

void handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	uint64_t value = (uint32_t)v->gpr[GPR_RAX] | v->gpr[GPR_RDX] << 32;

	if (msr == HV_MSR_SCRATCH) {
		v->msr_scratch = value;
		skip_instruction();
		return;
	}
	if (msr == X2APIC_ICR_MSR) {
		x2apic_icr_exit(v, value);
		return;
	}
	/* Locked IA32_FEATURE_CONTROL and the read-only VMX MSRs: #GP, as on hardware. */
	if (msr == MSR_IA32_FEATURE_CONTROL || is_vmx_msr(msr) || wrmsr_safe(msr, value)) {
		inject_exception(13, true, 0);
		return;
	}
	skip_instruction();
}
