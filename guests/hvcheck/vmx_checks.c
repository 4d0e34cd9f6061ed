/*
 * vmx_checks.c - VMX hidden from L2 as on a CPU without it: the capability
 * MSRs #GP, IA32_FEATURE_CONTROL reads locked with VMX off and refuses
 * writes, CR4.VMXE cannot be set, and VMXON is #UD (SDM Vol. 3C 31.3).
 */
#include "guest.h"
#include "hvcheck.h"
#include "trap.h"
#include "x86.h"

#define UD 6
#define GP 13
#define FEATURE_CONTROL_LOCKED 1ull

/* Tries to set CR4.VMXE, putting CR4 back if that worked; true if it faulted. */
static bool set_cr4_vmxe_faults(void)
{
	uint64_t cr4 = read_cr4();
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("mov %[v], %%cr4")
			 : [fault] "+qm"(fault)
			 : [v] "r"(cr4 | CR4_VMXE)
			 : "memory");
	if (!fault)
		write_cr4(cr4);
	return fault;
}

/* Runs VMXON on a zeroed region pointer; true if it faulted. */
static bool vmxon_faults(void)
{
	static const uint64_t region_pa;
	uint8_t fault = 0;

	__asm__ volatile(EXTABLE_INSN("vmxon %[pa]")
			 : [fault] "+qm"(fault)
			 : [pa] "m"(region_pa)
			 : "cc", "memory");
	return fault;
}

bool vmx_checks(void)
{
	uint64_t basic, fc = 0;
	bool ok = true, f;

	f = rdmsr_safe(MSR_IA32_VMX_BASIC, &basic);
	ok &= guest_check("rdmsr-vmx-basic-gp", faulted_with(f, GP), "faulted=%d vector=%lu",
			  f, guest_last_fault.vector);
	f = rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc);
	ok &= guest_check("rdmsr-feature-control", !f && fc == FEATURE_CONTROL_LOCKED,
			  "faulted=%d value=%#lx", f, fc);
	f = wrmsr_safe(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCKED);
	ok &= guest_check("wrmsr-feature-control-gp", faulted_with(f, GP),
			  "faulted=%d vector=%lu", f, guest_last_fault.vector);
	f = set_cr4_vmxe_faults();
	ok &= guest_check("cr4-vmxe-gp", faulted_with(f, GP), "faulted=%d vector=%lu", f,
			  guest_last_fault.vector);
	f = vmxon_faults();
	ok &= guest_check("vmxon-ud", faulted_with(f, UD), "faulted=%d vector=%lu", f,
			  guest_last_fault.vector);
	return ok;
}
