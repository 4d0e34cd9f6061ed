/*
 * cpuid_checks.c - CPUID as L2 sees it: leaf 1 with the hypervisor bit set
 * and VMX clear (nested VMX is not offered), and the hypervisor's leaves:
 * 0x40000000 its signature and highest leaf, 0x40000010 the TSC in kHz.
 */
#include "guest.h"
#include "hvcheck.h"
#include "lib/string.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_TSC 0x40000010u
#define HV_SIGNATURE "NestedHVisor"

bool cpuid_checks(void)
{
	struct cpuid_regs one = cpuid(1, 0), base = cpuid(HV_LEAF_BASE, 0);
	uint32_t tsc_khz = cpuid(HV_LEAF_TSC, 0).eax;
	char sig[13];
	bool ok = true;

	memcpy(sig, &base.ebx, 4);
	memcpy(sig + 4, &base.ecx, 4);
	memcpy(sig + 8, &base.edx, 4);
	sig[12] = '\0';
	ok &= guest_check("cpuid-hypervisor-bit", one.ecx & CPUID1_ECX_HYPERVISOR,
			  "ecx=%#x", one.ecx);
	ok &= guest_check("cpuid-vmx-hidden", !(one.ecx & CPUID1_ECX_VMX), "ecx=%#x", one.ecx);
	ok &= guest_check("cpuid-signature", !strcmp(sig, HV_SIGNATURE), "sig=\"%s\"", sig);
	ok &= guest_check("cpuid-max-leaf", base.eax >= HV_LEAF_TSC, "eax=%#x", base.eax);
	ok &= guest_check("cpuid-tsc-khz", tsc_khz != 0, "khz=%u", tsc_khz);
	return ok;
}
