/*
 * test_entry_checks.c - host unit test of the VM-entry checks on a guest
 * hypervisor's VMCS: a valid 64-bit L3 under a 64-bit L2 passes, and each
 * broken rule fails the SDM's way (controls -> 7, host state -> 8, guest
 * state -> exit 33 with its qualification).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "example_vmcs.h"
#include "example_vmx_msrs.h"
#include "vmcs/entry_checks.h"
#include "vmcs/nested_caps.h"
#include "vmcs/vm_errors.h"
#include "vmx_bits.h"


static struct vmx_cap_msrs caps;
static uint64_t f[VMCS_FIELD_ROWS];
static uint64_t phys_head = NESTED_VMCS_REVISION; /* what read_phys returns */

static uint64_t get(void *arg, enum vmcs_index idx)
{
	(void)arg;
	return f[idx];
}

static bool read_phys(void *arg, uint64_t pa, uint64_t *value)
{
	(void)arg;
	(void)pa;
	*value = phys_head;
	return true;
}

static const struct entry_check_env env = { &caps, 39, true, get, read_phys, NULL };

#define SET(name, v) (f[VMCS_IDX_##name] = (v))

static void valid_vmcs(void)
{
	example_valid_vmcs(f, &caps);
}

/*
 * valid_vmcs, turned into an unrestricted guest in real mode (CR0.PE and PG
 * clear, under EPT) at CS base 0x10000, or with pe, in protected mode
 * without paging on flat 32-bit segments.
 */
static void unrestricted_vmcs(bool pe)
{
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_ACTIVATE_SECONDARY;
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
	    PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST);
	SET(EPT_POINTER, 0x5000 | 6 | 3 << 3);
	f[VMCS_IDX_VM_ENTRY_CONTROLS] &= ~(uint64_t)ENTRY_IA32E_MODE_GUEST;
	SET(GUEST_CR0, pe ? 0x31 : 0x30);
	SET(GUEST_CR4, 0x2000);
	SET(GUEST_IA32_EFER, 0);
	SET(GUEST_CS_SELECTOR, pe ? 8 : 0x1000);
	SET(GUEST_CS_BASE, pe ? 0 : 0x10000);
	SET(GUEST_CS_LIMIT, pe ? 0xffffffff : 0xffff);
	SET(GUEST_CS_ACCESS_RIGHTS, pe ? 0xc09b : 0x9b);
	for (unsigned i = 0; i < 6; i++) {
		if (i == 1)
			continue;
		f[VMCS_IDX_GUEST_ES_SELECTOR + i] = pe ? 16 : 0;
		f[VMCS_IDX_GUEST_ES_LIMIT + i] = pe ? 0xffffffff : 0xffff;
		f[VMCS_IDX_GUEST_ES_ACCESS_RIGHTS + i] = pe ? 0xc093 : 0x93;
	}
	SET(GUEST_RIP, pe ? 0x2000000 : 0);
}

static void expect(enum entry_check_kind kind, uint32_t qual, int line)
{
	struct entry_check_result r = entry_check_controls_and_host(&env);

	if (r.kind == ENTRY_CHECK_OK)
		r = entry_check_guest(&env);
	if (r.kind != kind || r.qual != qual)
		fprintf(stderr, "line %d: got kind %d qual %u (%s)\n", line, r.kind, r.qual,
			r.what ? r.what : "ok");
	CHECK_EQ(r.kind, kind);
	CHECK_EQ(r.qual, qual);
	valid_vmcs();
}

#define EXPECT(kind, qual) expect(kind, qual, __LINE__)

int main(void)
{
	nested_caps_compute(&example_l0_msrs, &caps);
	valid_vmcs();
	EXPECT(ENTRY_CHECK_OK, 0);

	/* Controls: VMfailValid(7). */
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_USE_TPR_SHADOW;
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	f[VMCS_IDX_PIN_BASED_VM_EXECUTION_CONTROLS] &= ~0x16ull; /* must-be-1 bits */
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_USE_MSR_BITMAPS;
	SET(ADDRESS_OF_MSR_BITMAPS, 0x1234);
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_ACTIVATE_SECONDARY;
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_UNRESTRICTED_GUEST);
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_ACTIVATE_SECONDARY;
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_ENABLE_VPID);
	EXPECT(ENTRY_CHECK_CONTROL, 0); /* VPID 0 */
	SET(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, 0x8000030d); /* #GP, no error code */
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	SET(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, 0x80000b0d);
	EXPECT(ENTRY_CHECK_OK, 0);
	SET(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, 0x80000430); /* INT 0x30, length 0 */
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_ACTIVATE_SECONDARY;
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_ENABLE_EPT);
	SET(EPT_POINTER, 0x5000 | 6 | 3 << 3);
	EXPECT(ENTRY_CHECK_OK, 0);
	f[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] |= PROC_ACTIVATE_SECONDARY;
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_ENABLE_EPT);
	SET(EPT_POINTER, 0x5000 | 6 | 3 << 3 | 1 << 6); /* A/D: not offered */
	EXPECT(ENTRY_CHECK_CONTROL, 0);
	SET(VM_ENTRY_MSR_LOAD_COUNT, 1);
	SET(VM_ENTRY_MSR_LOAD_ADDRESS, 0x1008);
	EXPECT(ENTRY_CHECK_CONTROL, 0);

	/* Host state: VMfailValid(8). */
	SET(HOST_CR4, 0x20); /* no VMXE */
	EXPECT(ENTRY_CHECK_HOST, 0);
	SET(HOST_CS_SELECTOR, 0);
	EXPECT(ENTRY_CHECK_HOST, 0);
	SET(HOST_TR_SELECTOR, 0x1b);
	EXPECT(ENTRY_CHECK_HOST, 0);
	SET(HOST_RIP, 0x800000000000ull);
	EXPECT(ENTRY_CHECK_HOST, 0);
	f[VMCS_IDX_PRIMARY_VM_EXIT_CONTROLS] &= ~EXIT_HOST_ADDR_SPACE_SIZE; /* L2 is in IA-32e mode */
	EXPECT(ENTRY_CHECK_HOST, 0);
	f[VMCS_IDX_PRIMARY_VM_EXIT_CONTROLS] |= EXIT_LOAD_EFER;
	SET(HOST_IA32_EFER, 0x100); /* LME without LMA */
	EXPECT(ENTRY_CHECK_HOST, 0);
	f[VMCS_IDX_PRIMARY_VM_EXIT_CONTROLS] |= EXIT_LOAD_PAT;
	SET(HOST_IA32_PAT, 0x0007040600070402ull);
	EXPECT(ENTRY_CHECK_HOST, 0);

	/* Unrestricted guest (27.2.1.1, 27.3.1.1-2). */
	unrestricted_vmcs(false);
	EXPECT(ENTRY_CHECK_OK, 0); /* real mode */
	unrestricted_vmcs(true);
	EXPECT(ENTRY_CHECK_OK, 0); /* protected mode, paging off */
	unrestricted_vmcs(false);
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_UNRESTRICTED_GUEST);
	EXPECT(ENTRY_CHECK_CONTROL, 0); /* without EPT */
	unrestricted_vmcs(false);
	SET(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_ENABLE_EPT);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* CR0.PE clear, restricted */
	unrestricted_vmcs(false);
	SET(GUEST_CR0, 0x80000030);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* PG without PE */
	unrestricted_vmcs(false);
	SET(GUEST_CS_ACCESS_RIGHTS, 0x93);
	EXPECT(ENTRY_CHECK_OK, 0); /* CS of type 3, DPL 0 */
	unrestricted_vmcs(false);
	SET(GUEST_CS_ACCESS_RIGHTS, 0xb3);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* CS of type 3, DPL 1 */
	unrestricted_vmcs(false);
	SET(GUEST_SS_ACCESS_RIGHTS, 0xf3);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* SS.DPL 3 in real mode */
	unrestricted_vmcs(true);
	SET(GUEST_SS_SELECTOR, 0x13);
	EXPECT(ENTRY_CHECK_OK, 0); /* SS.RPL != CS.RPL: allowed */
	SET(GUEST_SS_SELECTOR, 0x13);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* ...but not restricted */
	SET(GUEST_CS_ACCESS_RIGHTS, 0xa093);
	EXPECT(ENTRY_CHECK_GUEST, 0); /* CS of type 3, restricted */

	/* Guest state: exit 33. */
	SET(GUEST_CR0, 0x33); /* no PG */
	EXPECT(ENTRY_CHECK_GUEST, ENTRY_QUAL_NONE);
	SET(GUEST_CS_ACCESS_RIGHTS, 0xa093);
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_CS_ACCESS_RIGHTS, 0xe09b); /* L and D/B */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_TR_ACCESS_RIGHTS, 0x89); /* available TSS */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_SS_SELECTOR, 19); /* RPL 3 */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_DS_ACCESS_RIGHTS, 0xc092); /* not accessed */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_DS_ACCESS_RIGHTS, 0x10000); /* unusable: fine */
	EXPECT(ENTRY_CHECK_OK, 0);
	SET(GUEST_RIP, 0x800000000000ull);
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_RFLAGS, 0);
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_ACTIVITY_STATE, 3); /* wait-for-SIPI: not offered */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_ACTIVITY_STATE, 1);
	EXPECT(ENTRY_CHECK_OK, 0);
	SET(GUEST_INTERRUPTIBILITY_STATE, 1); /* STI blocking with IF clear */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_INTERRUPTIBILITY_STATE, 4); /* SMI */
	EXPECT(ENTRY_CHECK_GUEST, 0);
	SET(GUEST_INTERRUPTIBILITY_STATE, 1);
	SET(GUEST_RFLAGS, 0x202);
	SET(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, 0x80000202); /* NMI under STI */
	EXPECT(ENTRY_CHECK_GUEST, ENTRY_QUAL_NMI_STI);
	SET(VMCS_LINK_POINTER, 0x5000);
	phys_head = 0x4;
	EXPECT(ENTRY_CHECK_GUEST, ENTRY_QUAL_VMCS_LINK_POINTER);
	phys_head = NESTED_VMCS_REVISION;
	SET(VMCS_LINK_POINTER, 0x5000);
	EXPECT(ENTRY_CHECK_OK, 0);
	SET(GUEST_IA32_EFER, 0x100); /* LME without LMA in IA-32e mode */
	f[VMCS_IDX_VM_ENTRY_CONTROLS] |= ENTRY_LOAD_EFER;
	EXPECT(ENTRY_CHECK_GUEST, 0);
	/* PAE outside IA-32e mode: PDPTEs from memory, reserved bits -> qualification 2. */
	f[VMCS_IDX_VM_ENTRY_CONTROLS] &= ~ENTRY_IA32E_MODE_GUEST;
	SET(GUEST_CS_ACCESS_RIGHTS, 0xc09b);
	SET(GUEST_RIP, 0x1000);
	phys_head = 0x1000 | 1 | 1u << 5; /* present, bit 5 reserved */
	EXPECT(ENTRY_CHECK_GUEST, ENTRY_QUAL_PDPTE);
	phys_head = NESTED_VMCS_REVISION;

	/* MSR-list values the VMCS would take for a switched MSR: only what WRMSR takes. */
	CHECK(entry_check_msr_value(0xc0000080u, 0xd01));
	CHECK(!entry_check_msr_value(0xc0000080u, 0xd01 | 1ull << 12));
	CHECK(entry_check_msr_value(0x277, 0x0007040600070406ull));
	CHECK(!entry_check_msr_value(0x277, 0x0007040600070402ull));
	CHECK(!entry_check_msr_value(0x1d9, 1ull << 16));
	CHECK(!entry_check_msr_value(0x175, 0x0000800000000000ull));
	CHECK(entry_check_msr_value(0x176, 0xffff800000000000ull));
	CHECK(entry_check_msr_value(0x174, ~0ull)); /* SYSENTER_CS: any */
	return check_report("entry_checks");
}
