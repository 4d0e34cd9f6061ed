/*
 * ept_checks.c - minihv runs L3 with an EPT of its own: 0-1 GiB identity in
 * 2 MiB pages but for a hole at 512 MiB, which it maps on L3's first touch
 * (an EPT violation reflected by L1 with the guest-physical address), then
 * remaps to another page with INVEPT (L1 must drop the translation it
 * built), and a write-only entry at 514 MiB (an EPT misconfiguration).
 * invept_checks: two EPTPs over the same tables; INVEPT single-context of
 * one must leave L1's shadow of the other alone, all-context drop both
 * (counted with L1's HC_NESTED_STATS: skipped under another L1).
 * l1_ept_checks: L1 changes its own EPT under a page L3 has used (the
 * shared page of HC_SHARED_MAP takes the place of L2's RAM page there);
 * L3 must read the new page, with no INVEPT by minihv, whose EPT did not
 * change (this project's L1 only).
 */
#include "guest.h"
#include "lib/string.h"
#include "minihv.h"
#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmcall.h"
#include "vmx_ops.h"
#include "x86.h"

#define HOLE 0x20000000ull
#define PAGE_A 0x2000000ull  /* L2-physical 32 MiB: free RAM of L2 */
#define PAGE_B 0x2200000ull
#define MAGIC_A 0x4141414141414141ull
#define MAGIC_B 0x4242424242424242ull
#define PAGE_C 0x2400000ull  /* L2-physical 36 MiB: free RAM of L2, then the shared page */
#define MAGIC_C 0x4343434343434343ull
#define EPT_LARGE_WB (7u | 6u << 3 | 1u << 7)
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49
#define EXIT_VMCALL 18
#define EXIT_HLT 12

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pml4_b[512] __attribute__((aligned(4096))); /* invept_checks' second EPTP */
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

uint64_t ept_build(void)
{
	pml4[0] = (uint64_t)(uintptr_t)pdpt | 7;
	pdpt[0] = (uint64_t)(uintptr_t)pd | 7;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = i << 21 | EPT_LARGE_WB;
	pd[HOLE >> 21] = 0;
	pd[(HOLE >> 21) + 1] = (PAGE_A) | 2 | 6u << 3 | 1u << 7; /* write-only: misconfigured */
	*(volatile uint64_t *)PAGE_A = MAGIC_A;
	*(volatile uint64_t *)PAGE_B = MAGIC_B;
	return (uint64_t)(uintptr_t)pml4 | 6 | 3 << 3;
}

void vmcs_build_ept(uint64_t vmcs, void (*l3_entry)(void), void *l3_stack_top, uint64_t eptp,
		    uint32_t proc2)
{
	vmclear(vmcs);
	vmptrld(vmcs);
	vmcs_build(l3_entry, (uint64_t)(uintptr_t)l3_stack_top - 8);
	vmw(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
	    vmr(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) | PROC_ACTIVATE_SECONDARY);
	vmw(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, PROC2_ENABLE_EPT | proc2);
	vmw(VMCS_EPT_POINTER, eptp);
}

/* What the run saw. */
struct ept_log {
	unsigned violations, misconfigs;
	uint64_t gpa, qual, misconfig_gpa;
	enum vmx_status invept_bad, invept_ok;
	uint64_t invept_error;
};

/* Handles one exit; false at L3's HLT or an unexpected exit. */
static bool ept_exit(struct ept_log *log, uint64_t eptp)
{
	uint64_t desc[2] = { eptp, 0 };

	switch ((uint32_t)vmr(VMCS_VM_EXIT_REASON)) {
	case EXIT_EPT_VIOLATION:
		log->violations++;
		log->gpa = vmr(VMCS_GUEST_PHYSICAL_ADDRESS);
		log->qual = vmr(VMCS_EXIT_QUALIFICATION);
		pd[HOLE >> 21] = PAGE_A | EPT_LARGE_WB;
		return true;
	case EXIT_EPT_MISCONFIG:
		log->misconfigs++;
		log->misconfig_gpa = vmr(VMCS_GUEST_PHYSICAL_ADDRESS);
		pd[(HOLE >> 21) + 1] = PAGE_A | EPT_LARGE_WB;
		log->invept_ok = invept(2, desc);
		return true;
	case EXIT_VMCALL:
		pd[HOLE >> 21] = PAGE_B | EPT_LARGE_WB;
		log->invept_bad = invept(0, desc);
		log->invept_error = vmr(VMCS_VM_INSTRUCTION_ERROR);
		log->invept_ok = invept(1, desc);
		skip();
		return true;
	default:
		return false;
	}
}

bool ept_checks(uint64_t vmcs, void *l3_stack_top)
{
	struct l3_regs regs = { { 0 } };
	struct ept_log log = { 0 };
	uint64_t eptp, rflags, reason = 0;
	bool ok = true, launch = true;

	if (!guest_check("ept-offered", caps.proc2 >> 32 & PROC2_ENABLE_EPT, "proc2=%#lx ept_caps=%#lx",
			 caps.proc2, caps.ept_vpid))
		return false;
	eptp = ept_build();
	vmcs_build_ept(vmcs, l3_ept_main, l3_stack_top, eptp, 0);
	for (;;) {
		rflags = vmx_run(&regs, launch);
		launch = false;
		if (rflags || !ept_exit(&log, eptp))
			break;
	}
	if (!rflags)
		reason = vmr(VMCS_VM_EXIT_REASON);
	ok &= guest_check("ept-l3-ran", !rflags && reason == EXIT_HLT, "rflags=%#lx reason=%lu",
			  rflags, reason);
	ok &= guest_check("ept-violation-reflected", log.violations == 1 && log.gpa == HOLE &&
			  (log.qual & 7) == 1 && (log.qual & 0x38) == 0,
			  "violations=%u gpa=%#lx qual=%#lx", log.violations, log.gpa, log.qual);
	ok &= guest_check("ept-mapped-on-demand", l3_results[0] == MAGIC_A, "value=%#lx",
			  l3_results[0]);
	ok &= guest_check("invept-bad-type", log.invept_bad == VMX_FAIL_VALID &&
			  log.invept_error == 28, "status=%d error=%lu", log.invept_bad,
			  log.invept_error);
	ok &= guest_check("invept-remap", log.invept_ok == VMX_OK && l3_results[1] == MAGIC_B,
			  "status=%d value=%#lx", log.invept_ok, l3_results[1]);
	ok &= guest_check("ept-misconfig-reflected", log.misconfigs == 1 &&
			  log.misconfig_gpa == HOLE + 0x200000 && l3_results[2] == MAGIC_A,
			  "misconfigs=%u gpa=%#lx value=%#lx", log.misconfigs, log.misconfig_gpa,
			  l3_results[2]);
	return ok;
}

/* L3 for invept_checks: touches its stack and halts. */
static void l3_touch_main(void)
{
	l3_results[7]++;
	__asm__ volatile("hlt");
}

/* Runs l3_touch_main under eptp on VMCS vmcs; the exits L1 handled itself (EPT fills). */
static uint64_t l1_handled_run(uint64_t vmcs, void *l3_stack_top, uint64_t eptp)
{
	struct hc_result s0, s1;
	uint64_t rflags;

	vmcs_build_ept(vmcs, l3_touch_main, l3_stack_top, eptp, 0);
	s0 = vmcall(HC_NESTED_STATS, 0, 0, 0);
	rflags = vmx_run(&(struct l3_regs){ { 0 } }, 1);
	s1 = vmcall(HC_NESTED_STATS, 0, 0, 0);
	if (rflags || vmr(VMCS_VM_EXIT_REASON) != EXIT_HLT)
		return ~0ull;
	return (s1.rbx - s0.rbx) - (s1.rcx - s0.rcx); /* L3's exits less the reflected */
}

bool invept_checks(uint64_t vmcs, void *l3_stack_top)
{
	uint64_t a = ept_build(), b, desc[2] = { 0, 0 };
	uint64_t warm_a, warm_b, a_kept, b_dropped, a_dropped;
	enum vmx_status st1, st2;

	if (!hv_present()) { /* L1's counters are this project's hypercall */
		guest_mline("skip", "name=invept-single-targeted reason=\"not under this hypervisor\"");
		return true;
	}
	memcpy(pml4_b, pml4, sizeof(pml4_b));
	b = (uint64_t)(uintptr_t)pml4_b | 6 | 3 << 3;
	l1_handled_run(vmcs, l3_stack_top, a);
	warm_a = l1_handled_run(vmcs, l3_stack_top, a);
	l1_handled_run(vmcs, l3_stack_top, b);
	warm_b = l1_handled_run(vmcs, l3_stack_top, b);
	desc[0] = b;
	st1 = invept(1, desc);
	a_kept = l1_handled_run(vmcs, l3_stack_top, a);
	b_dropped = l1_handled_run(vmcs, l3_stack_top, b);
	st2 = invept(2, desc);
	a_dropped = l1_handled_run(vmcs, l3_stack_top, a);
	return guest_check("invept-single-targeted", st1 == VMX_OK && st2 == VMX_OK &&
			   warm_a == 0 && warm_b == 0 && a_kept == 0 && b_dropped >= 1 &&
			   b_dropped != ~0ull && a_dropped >= 1 && a_dropped != ~0ull,
			   "warm_a=%lu warm_b=%lu a_after_single_b=%lu b_after_single_b=%lu "
			   "a_after_all=%lu", warm_a, warm_b, a_kept, b_dropped, a_dropped);
}

/* L3 for l1_ept_checks: reads PAGE_C, exits (L1's EPT changes there), reads it again. */
static void l3_l1_ept_main(void)
{
	l3_results[3] = *(volatile uint64_t *)PAGE_C;
	__asm__ volatile("vmcall" : : "a"(0ull) : "memory");
	l3_results[4] = *(volatile uint64_t *)PAGE_C;
	__asm__ volatile("hlt");
}

bool l1_ept_checks(uint64_t vmcs, void *l3_stack_top)
{
	uint64_t rflags, reason = 0;
	int64_t map = 1; /* HC_SHARED_MAP's answer: 1 until asked */
	bool launch = true;

	if (!hv_present()) { /* HC_SHARED_MAP is this project's hypercall */
		guest_mline("skip", "name=nested-ept-l1-change reason=\"not under this hypervisor\"");
		return true;
	}
	*(volatile uint64_t *)PAGE_C = MAGIC_C;
	vmcs_build_ept(vmcs, l3_l1_ept_main, l3_stack_top, ept_build(), 0);
	for (;;) {
		rflags = vmx_run(&(struct l3_regs){ { 0 } }, launch);
		launch = false;
		if (rflags || (uint32_t)vmr(VMCS_VM_EXIT_REASON) != EXIT_VMCALL || map != 1)
			break;
		map = vmcall(HC_SHARED_MAP, PAGE_C, 0, 0).ret; /* L1 remaps L2's PAGE_C */
		skip();
	}
	if (!rflags)
		reason = vmr(VMCS_VM_EXIT_REASON);
	return guest_check("nested-ept-l1-change", !rflags && reason == EXIT_HLT && map == HC_OK &&
			   l3_results[3] == MAGIC_C && l3_results[4] == HV_SHARED_MAGIC &&
			   *(volatile uint64_t *)PAGE_C == HV_SHARED_MAGIC,
			   "rflags=%#lx reason=%lu map=%ld before=%#lx after=%#lx", rflags, reason,
			   map, l3_results[3], l3_results[4]);
}
