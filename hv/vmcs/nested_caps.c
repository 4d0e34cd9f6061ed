/*
 * nested_caps.c - L2's VMX capability MSRs. Each control word keeps L0's
 * must-be-1 bits (allowed-0 settings) and allows as 1 only what L0 allows
 * and the emulation implements; everything else reads as L0 has it,
 * narrowed the same way (SDM Vol. 3D A.1-A.11).
 */
#include "vmcs/fields.h"
#include "vmcs/nested_caps.h"
#include "vmx_bits.h"

#define MSR_VMX_BASIC 0x480
#define MSR_VMX_VMFUNC 0x491

/* IA32_VMX_BASIC (A.1): VMCS size 4096, write-back, INS/OUTS information, TRUE_ MSRs. */
#define BASIC_SIZE_4K (4096ull << 32)
#define BASIC_MEMTYPE_WB (6ull << 50)
#define BASIC_INSOUTS (1ull << 54)
#define BASIC_TRUE_CTLS (1ull << 55)

/* IA32_VMX_MISC (A.6): LMA stored on exit, HLT activity, CR3 targets, MSR-list size. */
#define MISC_STORE_LMA (1ull << 5)
#define MISC_ACTIVITY_HLT (1ull << 6)
#define MISC_CR3_TARGETS (0x1ffull << 16)
#define MISC_MSR_LIST (7ull << 25)

/*
 * IA32_VMX_EPT_VPID_CAP (A.10): INVVPID and its four types; EPT with
 * execute-only pages, 4-level walks, UC and WB, 2 MiB and 1 GiB pages,
 * INVEPT single-context and all-context; no A/D flags (ept_walk.c).
 */
#define VPID_CAPS (VPID_CAP_INVVPID | 0xfull << 40)
#define EPT_CAPS (1ull << 0 | EPT_CAP_WALK_4LEVEL | 1ull << 8 | EPT_CAP_WB | EPT_CAP_2M | \
		  EPT_CAP_1G | EPT_CAP_INVEPT | 1ull << 25 | 1ull << 26)

/* Pin-based: external-interrupt and NMI exiting, virtual NMIs. */
const uint32_t nested_offered_pin = PIN_EXT_INTR_EXITING | 1u << 3 | 1u << 5;
/*
 * Primary: interrupt/NMI-window exiting, TSC offsetting, HLT, INVLPG,
 * MWAIT, RDPMC, RDTSC, CR3/CR8 load and store, MOV DR, I/O (unconditional
 * or bitmaps), MSR bitmaps, MONITOR, PAUSE, secondary controls. Not: TPR
 * shadow (its APIC virtualization is not emulated), monitor trap flag.
 */
const uint32_t nested_offered_proc = 1u << 2 | PROC_USE_TSC_OFFSETTING | PROC_HLT_EXITING |
	1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 | PROC_CR3_LOAD_EXITING |
	PROC_CR3_STORE_EXITING | PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | 1u << 22 |
	1u << 23 | PROC_UNCOND_IO_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
	1u << 29 | 1u << 30 | PROC_ACTIVATE_SECONDARY;
/*
 * Secondary: EPT (composed with L1's: nested_ept.c), descriptor-table
 * exiting, RDTSCP, VPID, unrestricted guest (with EPT only: 27.2.1.1),
 * WBINVD exiting, INVPCID.
 */
const uint32_t nested_offered_proc2 = PROC2_ENABLE_EPT | 1u << 2 | PROC2_ENABLE_RDTSCP |
	PROC2_ENABLE_VPID | 1u << 6 | PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_INVPCID;
/* VM-exit: debug controls, host address-space size, acknowledge interrupt, PAT, EFER. */
const uint32_t nested_offered_exit = EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE |
	EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER;
/* VM-entry: debug controls, IA-32e mode guest, PAT, EFER. */
const uint32_t nested_offered_entry = ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE_GUEST |
	ENTRY_LOAD_PAT | ENTRY_LOAD_EFER;

/* A control MSR narrowed to 'offered': L0's must-be-1 bits stay, allowed-1 shrinks. */
static uint64_t narrow(uint64_t l0, uint32_t offered)
{
	uint32_t must1 = (uint32_t)l0, may1 = (uint32_t)(l0 >> 32) & (offered | must1);

	return (uint64_t)may1 << 32 | must1;
}

/* IA32_VMX_VMCS_ENUM (A.9): the highest field index (encoding bits 9:1) L2 has. */
static uint64_t vmcs_enum(void)
{
	uint32_t top = 0;

	for (size_t i = 0; i < vmcs_field_count(); i++) {
		const struct vmcs_field *f = vmcs_field_at(i);
		uint32_t index = (f->encoding >> 1) & 0x1ff;

		if (f->l2 != VMCS_L2_NO && index > top)
			top = index;
	}
	return (uint64_t)top << 1;
}

void nested_caps_compute(const struct vmx_cap_msrs *l0, struct vmx_cap_msrs *l2)
{
	*l2 = (struct vmx_cap_msrs){ 0 };
	l2->basic = NESTED_VMCS_REVISION | BASIC_SIZE_4K | BASIC_MEMTYPE_WB |
		    (l0->basic & (BASIC_INSOUTS | BASIC_TRUE_CTLS));
	l2->pinbased = narrow(l0->pinbased, nested_offered_pin);
	l2->procbased = narrow(l0->procbased, nested_offered_proc);
	l2->exit = narrow(l0->exit, nested_offered_exit);
	l2->entry = narrow(l0->entry, nested_offered_entry);
	l2->misc = l0->misc & (MISC_STORE_LMA | MISC_ACTIVITY_HLT | MISC_CR3_TARGETS |
			       MISC_MSR_LIST);
	l2->cr0_fixed0 = l0->cr0_fixed0;
	l2->cr0_fixed1 = l0->cr0_fixed1;
	l2->cr4_fixed0 = l0->cr4_fixed0;
	l2->cr4_fixed1 = l0->cr4_fixed1;
	l2->vmcs_enum = vmcs_enum();
	if (l2->procbased >> 32 & PROC_ACTIVATE_SECONDARY) {
		l2->procbased2 = narrow(l0->procbased2, nested_offered_proc2);
		if (!(l2->procbased2 >> 32 & PROC2_ENABLE_EPT))
			l2->procbased2 &= ~((uint64_t)PROC2_UNRESTRICTED_GUEST << 32);
		if (l2->procbased2 >> 32 & PROC2_ENABLE_VPID)
			l2->ept_vpid_cap |= l0->ept_vpid_cap & VPID_CAPS;
		if (l2->procbased2 >> 32 & PROC2_ENABLE_EPT)
			l2->ept_vpid_cap |= l0->ept_vpid_cap & EPT_CAPS;
	}
	if (l2->basic & BASIC_TRUE_CTLS) {
		l2->true_pinbased = narrow(l0->true_pinbased, nested_offered_pin);
		l2->true_procbased = narrow(l0->true_procbased, nested_offered_proc);
		l2->true_exit = narrow(l0->true_exit, nested_offered_exit);
		l2->true_entry = narrow(l0->true_entry, nested_offered_entry);
	}
}

bool nested_caps_rdmsr(const struct vmx_cap_msrs *l2, uint32_t msr, uint64_t *value)
{
	/* struct vmx_cap_msrs lists 0x480-0x491 in MSR order. */
	const uint64_t *words = &l2->basic;
	bool secondary = l2->procbased >> 32 & PROC_ACTIVATE_SECONDARY;
	bool true_ctls = l2->basic & BASIC_TRUE_CTLS;

	_Static_assert(sizeof(struct vmx_cap_msrs) == 18 * 8, "0x480-0x491, one word each");
	if (msr < MSR_VMX_BASIC || msr > MSR_VMX_VMFUNC)
		return false;
	if ((msr == 0x48b && !secondary) || (msr == 0x48c && !l2->ept_vpid_cap) ||
	    (msr >= 0x48d && msr <= 0x490 && !true_ctls) || msr == MSR_VMX_VMFUNC)
		return false;
	*value = words[msr - MSR_VMX_BASIC];
	return true;
}
