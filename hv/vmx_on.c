/*
 * vmx_on.c - enters VMX root operation on this CPU (SDM Vol. 3C 24.7-24.8):
 * IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, VMXON region with the revision.
 */
#include "boot_mem.h"
#include "l0.h"
#include "log.h"
#include "panic.h"
#include "vmx.h"
#include "vmx_on.h"
#include "x86.h"

#define FC_LOCK (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CR4_OSXSAVE (1ull << 18)

/* Locks IA32_FEATURE_CONTROL with VMX allowed if firmware left it open. */
static void enable_feature_control(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FC_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
		return;
	}
	if (!(fc & FC_VMX_OUTSIDE_SMX))
		panic("IA32_FEATURE_CONTROL is locked with VMX off (%#lx): enable VMX in L0", fc);
}

void vmx_on_this_cpu(void)
{
	const struct vmx_caps *c = &l0.caps;
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	uint64_t region = alloc_page_or_panic("VMXON region");
	enum vmx_status st;

	enable_feature_control();
	/* SDM 24.8: CR0/CR4 must honour the fixed bits in VMX operation. */
	cr0 = (cr0 | c->cr0_fixed0) & c->cr0_fixed1;
	cr4 = (cr4 | c->cr4_fixed0 | CR4_VMXE) & c->cr4_fixed1;
	/* XSETBV exits are emulated by executing XSETBV here, which needs OSXSAVE. */
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	write_cr0(cr0);
	write_cr4(cr4);

	*(uint32_t *)(uintptr_t)region = c->revision;
	st = vmxon(region);
	if (st != VMX_OK)
		panic("VMXON failed (%s) on CPU %u", st == VMX_FAIL_INVALID ?
		      "VMfailInvalid: bad region or revision" : "VMfailValid", this_cpu()->index);
	this_cpu()->vmxon_pa = region;
	log_info("CPU %u: VMX on (VMXON region %#lx, revision %#x)", this_cpu()->index, region,
		 c->revision);
}
