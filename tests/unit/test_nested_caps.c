/*
 * test_nested_caps.c - host unit test of L2's VMX capability MSRs (a
 * consistent subset of L0's) and of the virtual VMCS's VMREAD/VMWRITE
 * semantics (widths, high halves, operand sizes).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "example_vmx_msrs.h"
#include "vmcs/nested_caps.h"
#include "vmcs/vvmcs.h"
#include "vmx_bits.h"


/* L2's control word: a subset of L0's may-be-1 bits, L0's must-be-1 bits kept. */
static void check_subset(uint64_t l2, uint64_t l0, uint32_t offered)
{
	CHECK_EQ((uint32_t)l2, (uint32_t)l0);
	CHECK_EQ((l2 >> 32) & ~(l0 >> 32), 0);
	CHECK_EQ((l2 >> 32) & ~((uint64_t)offered | (uint32_t)l0), 0);
}

/* Unrestricted guest needs EPT (27.2.1.1): an L0 without EPT offers neither. */
static void check_unrestricted_needs_ept(void)
{
	struct vmx_cap_msrs l0 = example_l0_msrs, l2;

	l0.procbased2 &= ~((uint64_t)PROC2_ENABLE_EPT << 32);
	nested_caps_compute(&l0, &l2);
	CHECK(!(l2.procbased2 >> 32 & PROC2_UNRESTRICTED_GUEST));
}

static void check_caps(void)
{
	struct vmx_cap_msrs l2;
	uint64_t v;

	nested_caps_compute(&example_l0_msrs, &l2);
	CHECK_EQ(l2.basic & 0x7fffffff, NESTED_VMCS_REVISION);
	CHECK_EQ((l2.basic >> 32) & 0x1fff, 4096);
	CHECK_EQ((l2.basic >> 55) & 1, 1);
	check_subset(l2.pinbased, example_l0_msrs.pinbased, nested_offered_pin);
	check_subset(l2.procbased, example_l0_msrs.procbased, nested_offered_proc);
	check_subset(l2.procbased2, example_l0_msrs.procbased2, nested_offered_proc2);
	check_subset(l2.exit, example_l0_msrs.exit, nested_offered_exit);
	check_subset(l2.entry, example_l0_msrs.entry, nested_offered_entry);
	check_subset(l2.true_procbased, example_l0_msrs.true_procbased, nested_offered_proc);
	CHECK(l2.procbased >> 32 & PROC_HLT_EXITING);
	CHECK(!(l2.procbased >> 32 & PROC_USE_TPR_SHADOW));
	CHECK(l2.procbased2 >> 32 & PROC2_ENABLE_EPT);
	CHECK(l2.procbased2 >> 32 & PROC2_UNRESTRICTED_GUEST); /* L0 has it, and EPT */
	CHECK(!(l2.procbased2 >> 32 & PROC2_VMCS_SHADOWING));
	CHECK(l2.procbased2 >> 32 & PROC2_ENABLE_VPID);
	CHECK(!(l2.pinbased >> 32 & PIN_ACTIVATE_PREEMPTION_TIMER));
	/* L0's 0x00000f0106f34141: INVVPID types, INVEPT, WB, UC, 2M, 1G, 4 levels, X-only; no A/D. */
	CHECK_EQ(l2.ept_vpid_cap, 0x00000f0106134141ull);
	CHECK_EQ(l2.ept_vpid_cap & EPT_CAP_AD, 0);
	CHECK_EQ(l2.misc & 0x1f, 0);   /* no preemption timer rate */
	CHECK_EQ(l2.misc & (1u << 7 | 1u << 8), 0); /* HLT only */
	CHECK_EQ(l2.cr0_fixed0, example_l0_msrs.cr0_fixed0);
	CHECK_EQ(l2.vmcs_enum, 0x15 << 1); /* GUEST_IA32_SYSENTER_CS has the highest index */
	CHECK(nested_caps_rdmsr(&l2, 0x480, &v) && v == l2.basic);
	CHECK(nested_caps_rdmsr(&l2, 0x48b, &v) && v == l2.procbased2);
	CHECK(nested_caps_rdmsr(&l2, 0x490, &v) && v == l2.true_entry);
	CHECK(!nested_caps_rdmsr(&l2, 0x491, &v)); /* no VM functions */
	CHECK(!nested_caps_rdmsr(&l2, 0x47f, &v));
	CHECK(!nested_caps_rdmsr(&l2, 0x492, &v));
}

static void check_vvmcs(void)
{
	static struct vvmcs vv;
	const struct vmcs_field *rip = vmcs_field_find(VMCS_GUEST_RIP);
	const struct vmcs_field *cs = vmcs_field_find(VMCS_GUEST_CS_SELECTOR);
	const struct vmcs_field *lim = vmcs_field_find(VMCS_GUEST_CS_LIMIT);
	const struct vmcs_field *link = vmcs_field_find(VMCS_VMCS_LINK_POINTER);

	memset(&vv, 0, sizeof(vv));
	vvmcs_write(&vv, rip, false, 0x1122334455667788ull);
	CHECK_EQ(vvmcs_read(&vv, rip, false, 64), 0x1122334455667788ull);
	CHECK_EQ(vvmcs_read(&vv, rip, false, 32), 0x55667788u);
	vvmcs_write(&vv, cs, false, 0xabcd1234);
	CHECK_EQ(vvmcs_read(&vv, cs, false, 64), 0x1234);
	vvmcs_write(&vv, lim, false, 0xfffffffffull);
	CHECK_EQ(vvmcs_read(&vv, lim, false, 64), 0xffffffffu);
	vvmcs_write(&vv, link, false, ~0ull);
	vvmcs_write(&vv, link, true, 0x12345678);
	CHECK_EQ(vvmcs_read(&vv, link, false, 64), 0x12345678ffffffffull);
	CHECK_EQ(vvmcs_read(&vv, link, true, 64), 0x12345678);
	CHECK_EQ(vv.field[VMCS_IDX_GUEST_RIP], 0x1122334455667788ull);
	CHECK(vmcs_field_read_only(vmcs_field_find(VMCS_VM_EXIT_REASON)));
	CHECK(!vmcs_field_read_only(rip));
}

int main(void)
{
	check_caps();
	check_unrestricted_needs_ept();
	check_vvmcs();
	return check_report("nested_caps");
}
