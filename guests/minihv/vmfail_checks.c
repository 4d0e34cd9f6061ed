/*
 * vmfail_checks.c - minihv's deliberate mistakes, each with the outcome the
 * SDM gives (Vol. 3C 31.2 conventions, 31.4 error numbers, 27.2-27.3 entry
 * checks): a wrong revision, VMPTRLD of the VMXON region, VMCLEAR of it,
 * VMREAD of a field L2 lacks, VMWRITE of a read-only field, VMRESUME of a
 * clear VMCS, invalid controls, host state and guest state. Where the SDM's
 * outcome depends on what L1 offers (a field that exists only with a
 * feature, IA32_VMX_MISC[29]), the check follows the capability MSRs, so the
 * same checks hold under any L1 (this hypervisor, KVM).
 */
#include "guest.h"
#include "minihv.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_ops.h"
#include "x86.h"

#define ENTRY_FAILED (1u << 31)
#define MISC_VMWRITE_ANY (1ull << 29) /* IA32_VMX_MISC: VMWRITE may write exit information */

static const char *const result_names[] = { "succeed", "fail-invalid", "fail-valid" };

/* Checks that r is 'want' and, for VMfailValid, that the VM-instruction error is 'err'. */
static bool expect(const char *name, enum vmx_status r, enum vmx_status want, unsigned err)
{
	uint64_t got = 0;

	if (r == VMX_FAIL_VALID)
		vmread_r(VMCS_VM_INSTRUCTION_ERROR, &got);
	return guest_check(name, r == want && (want != VMX_FAIL_VALID || got == err),
			   "got=%s want=%s error=%lu want_error=%u", result_names[r],
			   result_names[want], got, err);
}

/* The VMfail of VMLAUNCH/VMRESUME (vmx_run's RFLAGS) as a vm_result. */
static enum vmx_status run_result(uint64_t rflags)
{
	return rflags & 1 ? VMX_FAIL_INVALID : rflags & 0x40 ? VMX_FAIL_VALID : VMX_OK;
}

bool vmfail_checks_before_vmxon(void)
{
	/* A VMXON region of another revision: VMfailInvalid (no VMCS yet). */
	return expect("vmxon-bad-revision", vmxon(region(0, caps.revision ^ 1)), VMX_FAIL_INVALID, 0);
}

bool vmfail_checks(uint64_t vmxon_pa)
{
	uint64_t a = region(1, caps.revision), value = 0, ptr = 0;
	uint64_t desc[2] = { 0, 0 };
	struct l3_regs regs = { { 0 } };
	bool ok = true;

	ok &= expect("vmxon-twice", vmxon(vmxon_pa), VMX_FAIL_INVALID, 0);
	ok &= expect("vmptrld-bad-revision-no-vmcs", vmptrld(region(2, caps.revision | 0x100)),
		     VMX_FAIL_INVALID, 0);
	ok &= expect("vmread-no-vmcs", vmread_r(VMCS_GUEST_RIP, &value), VMX_FAIL_INVALID, 0);
	ok &= expect("vmclear", vmclear(a), VMX_OK, 0);
	ok &= expect("vmptrld", vmptrld(a), VMX_OK, 0);
	ok &= expect("vmptrst", vmptrst(&ptr), VMX_OK, 0);
	ok &= guest_check("vmptrst-value", ptr == a, "ptr=%#lx want=%#lx", ptr, a);
	ok &= expect("vmxon-in-root", vmxon(vmxon_pa), VMX_FAIL_VALID, 15);
	ok &= expect("vmptrld-bad-revision", vmptrld(region(2, caps.revision | 0x100)),
		     VMX_FAIL_VALID, 11);
	ok &= expect("vmptrld-vmxon-region", vmptrld(vmxon_pa), VMX_FAIL_VALID, 10);
	ok &= expect("vmptrld-unaligned", vmptrld(a + 8), VMX_FAIL_VALID, 9);
	ok &= expect("vmclear-vmxon-region", vmclear(vmxon_pa), VMX_FAIL_VALID, 3);
	ok &= expect("vmclear-unaligned", vmclear(a + 0x10), VMX_FAIL_VALID, 2);
	/* The virtual-APIC address exists only with use-TPR-shadow's 1-setting (Appendix B). */
	ok &= expect("vmread-unsupported", vmread_r(VMCS_VIRTUAL_APIC_ADDRESS, &value),
		     caps.proc >> 32 & PROC_USE_TPR_SHADOW ? VMX_OK : VMX_FAIL_VALID, 12);
	ok &= expect("vmread-no-such-field", vmread_r(0x7ffe, &value), VMX_FAIL_VALID, 12);
	/* 31.3 VMWRITE: read-only fields are writable where IA32_VMX_MISC[29] says so. */
	ok &= expect("vmwrite-read-only", vmwrite_r(VMCS_VM_EXIT_REASON, 1),
		     caps.misc & MISC_VMWRITE_ANY ? VMX_OK : VMX_FAIL_VALID, 13);
	ok &= expect("vmwrite", vmwrite_r(VMCS_GUEST_RIP, 0x123456789aull), VMX_OK, 0);
	ok &= expect("vmread-memory", vmread_m(VMCS_GUEST_RIP, &value), VMX_OK, 0);
	ok &= guest_check("vmread-value", value == 0x123456789aull, "value=%#lx", value);
	ok &= expect("vmwrite-16bit", vmwrite_r(VMCS_GUEST_CS_SELECTOR, 0xabcd1234), VMX_OK, 0);
	vmread_r(VMCS_GUEST_CS_SELECTOR, &value);
	ok &= guest_check("vmwrite-16bit-truncated", value == 0x1234, "value=%#lx", value);
	ok &= expect("vmresume-clear-vmcs", run_result(vmx_run(&regs, 0)), VMX_FAIL_VALID, 5);
	ok &= expect("invvpid-all", invvpid(2, desc), VMX_OK, 0);
	ok &= expect("invvpid-vpid0", invvpid(1, desc), VMX_FAIL_VALID, 28);
	ok &= expect("vmclear-current", vmclear(a), VMX_OK, 0);
	ok &= expect("vmread-after-vmclear", vmread_r(VMCS_GUEST_RIP, &value), VMX_FAIL_INVALID, 0);
	ok &= expect("vmlaunch-no-vmcs", run_result(vmx_run(&regs, 1)), VMX_FAIL_INVALID, 0);
	return ok;
}

/* Launches the current VMCS (built for l3_main) expecting a VMfailValid 'err'. */
static bool launch_fails_valid(const char *name, unsigned err)
{
	struct l3_regs regs = { { 0 } };

	return expect(name, run_result(vmx_run(&regs, 1)), VMX_FAIL_VALID, err);
}

/* Launches expecting a VM-entry failure exit with basic reason 'reason' and 'qual'. */
static bool launch_exits_failed(const char *name, unsigned reason, uint64_t qual)
{
	struct l3_regs regs = { { 0 } };
	uint64_t r = vmx_run(&regs, 1), got = 0, got_qual = 0;

	if (r == 0) {
		vmread_r(VMCS_VM_EXIT_REASON, &got);
		vmread_r(VMCS_EXIT_QUALIFICATION, &got_qual);
	}
	return guest_check(name, r == 0 && got == (ENTRY_FAILED | reason) && got_qual == qual,
			   "vmfail_rflags=%#lx exit_reason=%#lx qual=%lu want=%#x/%lu", r, got,
			   got_qual, ENTRY_FAILED | reason, qual);
}

/*
 * PROC with a setting the capability MSR forbids (A.3.2): use-TPR-shadow where
 * L1 does not offer it, else the lowest bit whose 1-setting is not allowed,
 * else the lowest bit that must be 1, cleared.
 */
static uint64_t forbidden_proc(uint64_t proc)
{
	uint32_t allowed1 = (uint32_t)(caps.proc >> 32), must1 = (uint32_t)caps.proc;

	if (!(allowed1 & PROC_USE_TPR_SHADOW))
		return proc | PROC_USE_TPR_SHADOW;
	if (~allowed1)
		return proc | (~allowed1 & -~allowed1);
	return proc & ~(uint64_t)(must1 & -must1);
}

bool entry_failure_checks(void)
{
	uint64_t proc = vmr(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	uint64_t cs_sel = vmr(VMCS_HOST_CS_SELECTOR), rflags = vmr(VMCS_GUEST_RFLAGS);
	uint64_t link = vmr(VMCS_VMCS_LINK_POINTER);
	bool ok = true;

	vmw(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, forbidden_proc(proc));
	ok &= launch_fails_valid("vmlaunch-bad-control", 7);
	vmw(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, proc);
	vmw(VMCS_HOST_CS_SELECTOR, 0);
	ok &= launch_fails_valid("vmlaunch-bad-host-state", 8);
	vmw(VMCS_HOST_CS_SELECTOR, cs_sel);
	vmw(VMCS_GUEST_RFLAGS, rflags & ~2ull);
	ok &= launch_exits_failed("vmlaunch-bad-guest-state", 33, 0);
	vmw(VMCS_GUEST_RFLAGS, rflags);
	vmw(VMCS_VMCS_LINK_POINTER, 0x1000);
	ok &= launch_exits_failed("vmlaunch-bad-link-pointer", 33, 4);
	vmw(VMCS_VMCS_LINK_POINTER, link);
	/* A failed VM entry leaves the VMCS clear: VMRESUME still refuses it. */
	ok &= expect("vmresume-after-failed-launch",
		     run_result(vmx_run(&(struct l3_regs){ { 0 } }, 0)), VMX_FAIL_VALID, 5);
	return ok;
}
