/*
 * minihv.h - the mini guest hypervisor (L2): turns VMX on, builds VMCSs
 * for a tiny 64-bit L3 in its own address space, runs it, handles its
 * exits, and checks the VMX instructions' failure paths deliberately.
 */
#ifndef GUESTS_MINIHV_MINIHV_H
#define GUESTS_MINIHV_MINIHV_H

#include <stdbool.h>
#include <stdint.h>

/* L3's general-purpose registers in SDM order (RSP unused: it is in the VMCS). */
struct l3_regs {
	uint64_t gpr[16];
};

enum { R_RAX, R_RCX, R_RDX, R_RBX, R_RSP, R_RBP, R_RSI, R_RDI };

/* run.S: runs L3 until its next VM exit (0), or returns RFLAGS if the entry VMfailed. */
uint64_t vmx_run(struct l3_regs *regs, int launch);
extern char vmx_exit_stub[];
/* run.S: the current VMCS changed (VMPTRLD): its HOST_RSP must be written again. */
void vmx_run_new_vmcs(void);

/* The VMX capability MSRs minihv was offered, and its VMCS revision. */
struct minihv_caps {
	uint32_t revision;
	uint64_t pin, proc, proc2, exit, entry, cr0_fixed0, cr4_fixed0, ept_vpid, misc;
};
extern struct minihv_caps caps;
/* vmcs_build.c: reads them (TRUE_ controls) into caps. */
void caps_read(void);

/* A 4 KiB VMX region (VMXON region or VMCS) stamped with 'revision'. */
uint64_t region(unsigned i, uint32_t revision);

/* vmcs_build.c: fills the current VMCS to run l3_entry on its own stack. */
void vmcs_build(void (*l3_entry)(void), uint64_t l3_stack_top);
/* vmcs_build.c: the GDT with a TSS minihv and L3 share (host TR must be non-null). */
void gdt_with_tss_init(void);
/* What minihv's exit handler saw, for the checks. */
struct exit_log {
	unsigned cpuid, vmcall, io, rdmsr, ud, other;
	uint8_t io_value;
	uint64_t other_reason;
};

/* minihv.c: this project's hypervisor is L1 (its hypercalls are there). */
extern bool under_hv;
/* minihv.c: runs L3 from the current VMCS until it halts; false if an entry VMfailed. */
bool run_l3(struct exit_log *log, bool launch, bool inject_nmi);

/* l3.c: the payload and what it saw. */
void l3_main(void);
extern volatile uint64_t l3_results[8];
extern volatile uint32_t l3_event_count;

/* l3.c: l3_bench times l3_bench_iters round trips of one kind into l3_samples. */
#define L3_BENCH_MAX 1000
enum l3_bench_test { L3_BENCH_CPUID, L3_BENCH_VMCALL, L3_BENCH_PIO, L3_BENCH_TESTS };
void l3_bench(void);
extern volatile uint64_t l3_bench_iters;
extern volatile uint32_t l3_bench_test;
extern uint64_t l3_samples[L3_BENCH_MAX];
/* bench.c: every round trip kind on VMCS 'vmcs', L3 on the stack below 'l3_stack_top'. */
bool bench(uint64_t vmcs, void *l3_stack_top, uint64_t iters);
/* Moves L3 past the instruction that exited. */
void skip(void);
/* ept_checks.c: L3 under minihv's own EPT (nested EPT in L1). */
bool ept_checks(uint64_t vmcs, void *l3_stack_top);
/* ept_checks.c: INVEPT single-context drops L1's shadow of that EPTP only. */
bool invept_checks(uint64_t vmcs, void *l3_stack_top);
/* ept_checks.c: a change L1 makes to its own EPT reaches L3 (L1's shadow EPT is rebuilt). */
bool l1_ept_checks(uint64_t vmcs, void *l3_stack_top);
/* ept_checks.c: VMCLEAR, VMPTRLD and vmcs_build of vmcs, L3 under eptp (EPT | proc2). */
void vmcs_build_ept(uint64_t vmcs, void (*l3_entry)(void), void *l3_stack_top, uint64_t eptp,
		    uint32_t proc2);
/* ept_checks.c: minihv's EPT for L3 (0-1 GiB identity, 2 MiB pages, but at 512 MiB); its EPTP. */
uint64_t ept_build(void);
/* urg_checks.c: L3 as an unrestricted guest, real mode and paging off (minihv urg=1). */
bool urg_checks(uint64_t vmcs, void *l3_stack_top);
void l3_ept_main(void);
/* irq_checks.c: an interrupt that fires while L3 runs (minihv irq=1). */
bool irq_checks(uint64_t vmcs, void *l3_stack_top);
/* vmfail_checks.c */
bool vmfail_checks_before_vmxon(void);
bool vmfail_checks(uint64_t vmxon_pa);
bool entry_failure_checks(void);

#endif
