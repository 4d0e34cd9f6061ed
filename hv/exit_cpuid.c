/*
 * exit_cpuid.c - CPUID: L0's answer with VMX hidden (nested VMX is not
 * offered yet), the hypervisor bit set, and our leaves from 0x40000000:
 * 0x40000000 the signature "NestedHVisor" and the highest leaf, 0x40000010
 * the TSC frequency in kHz (the leaf VMware and KVM use for it).
 * The hot path: the dispatcher's VMREAD of the exit reason plus
 * skip_instruction's 2 VMREAD + 1 VMWRITE, 4 in all.
 */
#include "exit.h"
#include "tsc.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_TSC 0x40000010u

/* "NestedHVisor" as EBX, ECX, EDX. */
static const uint32_t signature[3] = { 0x7473654e, 0x56486465, 0x726f7369 };

void handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX], sub = (uint32_t)v->gpr[GPR_RCX];
	struct cpuid_regs r;

	if (leaf == HV_LEAF_BASE) {
		r = (struct cpuid_regs){ HV_LEAF_TSC, signature[0], signature[1], signature[2] };
	} else if (leaf > HV_LEAF_BASE && leaf <= HV_LEAF_TSC) {
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		if (leaf == HV_LEAF_TSC)
			r.eax = (uint32_t)(tsc_hz / 1000);
	} else {
		r = cpuid(leaf, sub);
		if (leaf == 1)
			r.ecx = (r.ecx & ~CPUID1_ECX_VMX) | CPUID1_ECX_HYPERVISOR;
	}
	v->gpr[GPR_RAX] = r.eax;
	v->gpr[GPR_RBX] = r.ebx;
	v->gpr[GPR_RCX] = r.ecx;
	v->gpr[GPR_RDX] = r.edx;
	skip_instruction();
}
