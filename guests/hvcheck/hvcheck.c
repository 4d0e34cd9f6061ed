/*
 * hvcheck.c - a test guest that checks, from L2, the face the hypervisor
 * shows its guest (CPUID, MSRs, VMX instructions, hypercalls) and ends the
 * run through HC_EXIT with code 0 only if every check passed.
 */
#include "guest.h"
#include "hvcheck.h"
#include "vmcall.h"

bool guest_main(const char *cmdline)
{
	bool pass = true;

	(void)cmdline;
	pass &= cpuid_checks();
	pass &= vmx_checks();
	pass &= hypercall_checks();
	pass &= intercept_checks();
	guest_mline("hvcheck", "result=%s", pass ? "pass" : "fail");
	vmcall(HC_EXIT, pass ? 0 : 1, 0, 0);
	return guest_check("hc-exit", false, "reason=\"HC_EXIT returned\"");
}
