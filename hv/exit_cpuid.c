/*
 * exit_cpuid.c - CPUID: L0's answer with VMX hidden unless nested=on offers
 * it (hv/vmcs/nested.h), the hypervisor bit set, OSXSAVE and OSPKE from L2's CR4,
 * fast-string features only where fast strings are on, the TSC frequency
 * the hypervisor measured in leaves 0x15 and 0x16 (the only ones Linux
 * trusts for it on Intel), and our leaves from 0x40000000: 0x40000000 the
 * signature "NestedHVisor" and the highest leaf, 0x40000010 the TSC
 * frequency in kHz (the leaf VMware and KVM use). MONITOR/MWAIT is hidden
 * once a CPU intercepts interrupts (irq/irq.c), and x2APIC while
 * intercepting CPUs use irq_eoi=virtual (irq/apicv.c).
 * Unedited basic leaves are served by vmx_entry.S's fast path (exit_fast.h)
 * with the same answer; this is the C path for the rest, and for all
 * leaves when the fast path is off: the VMREAD of the exit reason plus
 * skip_instruction's 2 VMREAD + 1 VMWRITE, 4 in all (leaves 1 and 7 add
 * the VMREAD of L2's CR4).
 */
#include "exit.h"
#include "exit_fast.h"
#include "extable.h"
#include "irq/irq.h"
#include "options.h"
#include "shadow_mode.h"
#include "tsc.h"
#include "vmx.h"
#include "x86.h"

#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_ERMS (1u << 9)
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID7_EDX_FSRM (1u << 4)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRING 1u
#define LEAF_TSC_CRYSTAL 0x15u
#define LEAF_FREQUENCY 0x16u
#define HV_LEAF_BASE 0x40000000u
#define HV_LEAF_TSC 0x40000010u

/* "NestedHVisor" as EBX, ECX, EDX. */
static const uint32_t signature[3] = { 0x7473654e, 0x56486465, 0x726f7369 };

/*
 * Leaf 0x15: TSC = crystal * EBX / EAX, crystal in ECX (SDM Vol. 2A, CPUID).
 * The crystal is the TSC itself, 1:1. Linux also takes the crystal as the
 * local APIC timer's clock (native_calibrate_tsc); under Bochs that timer
 * does count at the TSC's rate.
 * Leaf 0x16: base, maximum and bus frequency in MHz.
 */
static struct cpuid_regs tsc_leaf(uint32_t leaf)
{
	uint32_t mhz = (uint32_t)((tsc_hz + 500000) / 1000000);

	if (leaf == LEAF_TSC_CRYSTAL)
		return (struct cpuid_regs){ 1, 1, (uint32_t)tsc_hz, 0 };
	return (struct cpuid_regs){ mhz, mhz, mhz, 0 };
}

/* Whether L0 has basic leaf 'leaf': leaves past the maximum are not ours to add. */
static bool has_basic_leaf(uint32_t leaf)
{
	static uint32_t max_basic;

	if (!max_basic)
		max_basic = cpuid(0, 0).eax;
	return leaf <= max_basic;
}

/*
 * Whether IA32_MISC_ENABLE has fast strings on, as L2 reads it (SDM Vol. 4,
 * Table 2-2). Bochs has no such MSR; Linux reads that as "off" and drops
 * ERMS but not FSRM, and its memmove then skips the short-copy check
 * (6.1's ALTERNATIVE on FSRM), so L2 must see neither.
 */
static bool fast_strings_on(void)
{
	static int on = -1;
	uint64_t misc;

	if (on < 0)
		on = !rdmsr_safe(MSR_IA32_MISC_ENABLE, &misc) && (misc & MISC_ENABLE_FAST_STRING);
	return on;
}

/* Sets 'bit' in *reg exactly when L2's CR4 has 'cr4_bit'. */
static void from_guest_cr4(uint32_t *reg, uint32_t bit, uint64_t cr4_bit)
{
	if (vmread(VMCS_GUEST_CR4) & cr4_bit)
		*reg |= bit;
	else
		*reg &= ~bit;
}

/*
 * L0's answer, as L2 must see it. The bits that mirror CR4 (SDM Vol. 2A,
 * CPUID) were the hypervisor's, as CPUID ran here: they become L2's.
 */
static struct cpuid_regs l0_leaf(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = cpuid(leaf, sub);

	if (leaf == 1) {
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		if (!hv_opts.nested)
			r.ecx &= ~CPUID1_ECX_VMX;
		if (irq_any_intercept()) /* L2 idles with HLT (irq/irq.c) */
			r.ecx &= ~CPUID1_ECX_MONITOR;
		if (apicv_hides_x2apic()) /* irq_eoi=virtual virtualizes xAPIC mode only */
			r.ecx &= ~CPUID1_ECX_X2APIC;
		from_guest_cr4(&r.ecx, CPUID1_ECX_OSXSAVE, CR4_OSXSAVE);
	}
	shadow_mode_cpuid(leaf, sub, &r.ebx, &r.ecx);
	if (leaf == 7 && sub == 0) {
		from_guest_cr4(&r.ecx, CPUID7_ECX_OSPKE, CR4_PKE);
		if (!fast_strings_on()) {
			r.ebx &= ~CPUID7_EBX_ERMS;
			r.edx &= ~CPUID7_EDX_FSRM;
		}
	}
	return r;
}

/* Leaves below 32 whose answer is not L0's as it is; vmx_entry.S reads it too. */
const uint8_t cpuid_basic_edited[32] = {
	[1] = 1, [7] = 1, [LEAF_TSC_CRYSTAL] = 1, [LEAF_FREQUENCY] = 1,
};

/* The answer for a leaf the hypervisor edits or owns (the cold side). */
__attribute__((noinline)) static struct cpuid_regs edited_leaf(uint32_t leaf, uint32_t sub)
{
	if (leaf == HV_LEAF_BASE)
		return (struct cpuid_regs){ HV_LEAF_TSC, signature[0], signature[1], signature[2] };
	if (leaf == HV_LEAF_TSC)
		return (struct cpuid_regs){ (uint32_t)(tsc_hz / 1000), 0, 0, 0 };
	if (leaf > HV_LEAF_BASE)
		return (struct cpuid_regs){ 0, 0, 0, 0 };
	if ((leaf == LEAF_TSC_CRYSTAL || leaf == LEAF_FREQUENCY) && has_basic_leaf(leaf))
		return tsc_leaf(leaf);
	return l0_leaf(leaf, sub);
}

/*
 * CPUID straight into L2's registers. RBX is the hypervisor's (callee-saved):
 * it is parked in a scratch register instead of pushed, and the 32-bit
 * results zero-extend as L2 expects.
 */
static inline void cpuid_into(uint64_t *gpr, uint64_t leaf, uint64_t sub)
{
	uint64_t ebx;

	__asm__ volatile("movq %%rbx, %[b]\n\t"
			 "cpuid\n\t"
			 "xchgq %%rbx, %[b]"
			 : "+a"(leaf), [b] "=&r"(ebx), "+c"(sub), "=d"(gpr[GPR_RDX]));
	gpr[GPR_RAX] = leaf;
	gpr[GPR_RBX] = ebx;
	gpr[GPR_RCX] = sub;
}

/* The hot path: one range test, CPUID on the CPU, four stores, the RIP update. */
void handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->gpr[GPR_RAX], sub = (uint32_t)v->gpr[GPR_RCX];
	bool edited = leaf < 32 ? cpuid_basic_edited[leaf] : leaf - HV_LEAF_BASE <= 0x10;

	if (__builtin_expect(edited, 0)) {
		struct cpuid_regs r = edited_leaf(leaf, sub);

		v->gpr[GPR_RAX] = r.eax;
		v->gpr[GPR_RBX] = r.ebx;
		v->gpr[GPR_RCX] = r.ecx;
		v->gpr[GPR_RDX] = r.edx;
	} else {
		cpuid_into(v->gpr, leaf, sub);
	}
	skip_instruction();
}
