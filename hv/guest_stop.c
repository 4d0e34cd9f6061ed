/*
 * guest_stop.c - what every run under the hypervisor ends with. The exit
 * counters include the VMREAD+VMWRITE each reason cost on average, the
 * number that decides the exit path's cost under KVM as L0.
 */
#include "emul/emul_exit.h"
#include "exit.h"
#include "guest_pool.h"
#include "shadow_mode.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "log.h"
#include "x86.h"
#include "power.h"
#include "prot.h"
#include "smp.h"
#include "vmcs/nested.h"
#include "vmx.h"

void guest_dump(struct vcpu *v)
{
	const uint64_t *r = v->gpr;
	uint64_t rip = vmread(VMCS_GUEST_RIP), rsp = vmread(VMCS_GUEST_RSP);

	log_raw("  L2 rip=%016lx rsp=%016lx rflags=%08lx exit=%u qual=%#lx\n", rip, rsp,
		vmread(VMCS_GUEST_RFLAGS), vmx_exit_reason_basic(v->exit_reason),
		vmread(VMCS_EXIT_QUALIFICATION));
	log_raw("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", r[GPR_RAX], r[GPR_RBX],
		r[GPR_RCX], r[GPR_RDX]);
	log_raw("  rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", r[GPR_RSI], r[GPR_RDI],
		r[GPR_RBP], r[GPR_R8]);
	log_raw("  r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", r[GPR_R9], r[GPR_R10],
		r[GPR_R11], r[GPR_R12]);
	log_raw("  r13=%016lx r14=%016lx r15=%016lx\n", r[GPR_R13], r[GPR_R14], r[GPR_R15]);
	log_raw("  cr0=%08lx cr3=%016lx cr4=%08lx efer=%lx cs=%04lx ss=%04lx\n",
		vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR3), vmread(VMCS_GUEST_CR4),
		vmread(VMCS_GUEST_IA32_EFER), vmread(VMCS_GUEST_CS_SELECTOR),
		vmread(VMCS_GUEST_SS_SELECTOR));
	log_mline("guest-state", "vcpu=%u rip=%#lx rsp=%#lx cr0=%#lx cr3=%#lx exit=%u", v->index,
		  rip, rsp, vmread(VMCS_GUEST_CR0), vmread(VMCS_GUEST_CR3),
		  vmx_exit_reason_basic(v->exit_reason));
}

static void log_exit_counters(const struct vcpu *v)
{
	log_mline("exits", "vcpu=%u total=%lu", v->index, vcpu_exits(v));
	for (unsigned r = 0; r < VMX_EXIT_REASON_COUNT; r++) {
		if (!v->exit_count[r])
			continue;
		log_info("  %-28s %10lu exits, %lu VMREAD+VMWRITE each", vmx_exit_reason_name(r),
			 v->exit_count[r], v->exit_vmrw[r] / v->exit_count[r]);
		log_mline("exit-count", "vcpu=%u reason=%u name=\"%s\" n=%lu vmrw_avg=%lu", v->index, r,
			  vmx_exit_reason_name(r), v->exit_count[r],
			  v->exit_vmrw[r] / v->exit_count[r]);
	}
	nested_log_stats(v);
}

/* Everything before the verdict; only the first CPU to stop the run returns. */
static void stop_report(struct vcpu *v, bool pass)
{
	static volatile uint32_t stopping;

	/* The first CPU to stop the run reports; any other waits to be powered off. */
	if (__atomic_exchange_n(&stopping, 1, __ATOMIC_ACQ_REL))
		cpu_halt_forever();
	if (!pass)
		guest_dump(v);
	vcpu_charge_vmrw(v, 0); /* the exit that ends the run */
	for (unsigned i = 0; i < smp_cpus; i++) {
		log_exit_counters(&vcpus[i]);
		irq_log_counters(&vcpus[i]);
	}
	irq_msi_log_counters();
	emul_log_counters();
	exit_fault_summary();
	guest_pool_report();
	prot_log_counters();
	shadow_mode_report();
}

void guest_stop(struct vcpu *v, bool pass, const char *reason)
{
	stop_report(v, pass);
	hv_finish(pass, reason);
}

void guest_stop_exit_code(struct vcpu *v, uint32_t code)
{
	stop_report(v, code == 0);
	hv_finish_exit_code(code);
}
