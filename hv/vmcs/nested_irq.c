/*
 * nested_irq.c - external interrupts that arrive while L3 runs on a CPU
 * whose interrupts L1 intercepts (irq=N:intercept). vmcs02 then exits on
 * every external interrupt and acknowledges it (SDM Vol. 3C 25.6.1, 25.7.1),
 * whatever L2 asked for; the vector joins the vCPU's queue (irq/queue.h),
 * which stands for the local APIC's IRR of L2's world, and goes where it
 * would have gone natively, under L2's own controls:
 *
 * - L2 set external-interrupt exiting: a VM exit to L2 (reason 1). With L2's
 *   "acknowledge interrupt on exit" the vector leaves the queue into the
 *   exit's interruption information; without it that field is invalid and
 *   the vector stays queued, injected into L2 once L2 enables interrupts
 *   (28.2.2), as the IRR would deliver it.
 * - L2 did not: the interrupt is L3's, injected into L3 through vmcs02 when
 *   L3 can take it (RFLAGS.IF, no STI/MOV-SS blocking, no event already
 *   being injected, its priority above the TPR), else when vmcs02's
 *   interrupt window, which L1 then owns, opens.
 *
 * An interrupt queued while L2 ran (acknowledged by vmcs01's exit) and still
 * waiting when L2 enters L3 is handled the same way at that entry: injected
 * into L3, or, if L2 exits on interrupts, an immediate VM exit after the
 * entry's own event injection (VMX-preemption timer at 0, 27.7.4; L2 is
 * never offered the timer, so every timer exit of L3 is L1's: this one, or
 * the watchdog's, which watches L3 as it does L2). Whatever is
 * still queued at a reflected exit is L2's (nested_exit.c). NMIs stay under
 * L2's controls: L1 takes none of its own (irq/irq.c), so an NMI during L3
 * exits to L2 or enters L3 as L2 decided; one that came while L1 ran is
 * queued for L2.
 */
#include "irq/irq.h"
#include "l0.h"
#include "vmcs/nested.h"
#include "vmcs/nested_exit.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "watchdog.h"
#include "x86.h"

#define VV(n, name) ((n)->vv->field[VMCS_IDX_##name])

uint32_t nested_irq_pin_controls(const struct vcpu *v, uint32_t l2_pin)
{
	return l2_pin | (v->intercept_irq ? PIN_EXT_INTR_EXITING : 0);
}

uint32_t nested_irq_exit_controls(const struct vcpu *v, uint32_t l2_exit)
{
	return (l2_exit & EXIT_ACK_INTR_ON_EXIT) | (v->intercept_irq ? EXIT_ACK_INTR_ON_EXIT : 0);
}

/* Whether L2 exits on L3's external interrupts. */
static bool l2_exits_on_interrupts(const struct nested_vcpu *n)
{
	return VV(n, PIN_BASED_VM_EXECUTION_CONTROLS) & PIN_EXT_INTR_EXITING;
}

/* Sets or clears the interrupt-window exiting L1 asks for in vmcs02 (current). */
static void l1_window(const struct nested_vcpu *n, bool open)
{
	uint64_t proc = vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	bool l2s = VV(n, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC_INTR_WINDOW_EXITING;

	if (open && !(proc & PROC_INTR_WINDOW_EXITING))
		vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
			   proc | PROC_INTR_WINDOW_EXITING);
	else if (!open && !l2s && (proc & PROC_INTR_WINDOW_EXITING))
		vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
			   proc & ~PROC_INTR_WINDOW_EXITING);
}

/*
 * The highest queued interrupt into L3 if L3 can take it now (vmcs02
 * current), else vmcs02's interrupt window. A queued NMI is held (NMI
 * blocking as seen here): it is L2's, injected after the next reflected exit.
 */
static void inject_into_l3(struct vcpu *v, struct nested_vcpu *n)
{
	uint32_t activity = (uint32_t)vmread(VMCS_GUEST_ACTIVITY_STATE);
	struct irq_entry_state s = {
		.entry_busy = vmread(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD) & INTR_INFO_VALID,
		.rflags_if = vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF,
		.wait_for_sipi = activity == ACTIVITY_WAIT_FOR_SIPI,
		.interruptibility = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) |
				    INTERRUPTIBILITY_NMI,
		.tpr_class = (unsigned)read_cr8() & 0xf, /* L3's moves to CR8 reach the APIC */
	};
	struct irq_decision d = irq_queue_next(&v->irq, &s);

	if (d.inject == IRQ_INJECT_INTR) {
		vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, irq_decision_info(&d));
		if (activity == ACTIVITY_HLT) /* the interrupt ends L3's HLT, as natively */
			vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
		n->l3_injected++;
	}
	/* A TPR that holds the interrupt back: it waits for the next exit to L2. */
	l1_window(n, d.intr_window);
}

/*
 * An external-interrupt VM exit to L2 (SDM 28.2.2) on the L3 exit just
 * taken: with L2's acknowledge interrupt on exit, the highest queued vector
 * in the exit's interruption information; without it, none (invalid).
 */
static void reflect_interrupt(struct vcpu *v, struct nested_vcpu *n)
{
	uint32_t info = 0;

	if (VV(n, PRIMARY_VM_EXIT_CONTROLS) & EXIT_ACK_INTR_ON_EXIT) {
		/* Taken off the queue whatever L3's IF and TPR: the APIC accepted it already. */
		struct irq_entry_state any = { .rflags_if = true,
					       .interruptibility = INTERRUPTIBILITY_NMI };
		struct irq_decision d = irq_queue_next(&v->irq, &any);

		if (d.inject == IRQ_INJECT_INTR) /* always, but for a vector below 16 */
			info = INTR_INFO_VALID | INTR_TYPE_EXT_INTR << 8 | d.vector;
	}
	n->l2_interrupt_exits++;
	nested_reflect(v);
	nested_set_exit_field(v, VMCS_IDX_VM_EXIT_REASON, EXIT_REASON_EXTERNAL_INTERRUPT);
	nested_set_exit_field(v, VMCS_IDX_EXIT_QUALIFICATION, 0);
	nested_set_exit_field(v, VMCS_IDX_VM_EXIT_INTERRUPTION_INFORMATION, info);
}

/* The queued interrupts where they go now (vmcs02 current, L3 between two entries). */
static void deliver(struct vcpu *v, struct nested_vcpu *n)
{
	if (!irq_queue_has_intr(&v->irq)) {
		l1_window(n, false);
		nested_redeliver_interrupted_event();
	} else if (l2_exits_on_interrupts(n)) {
		reflect_interrupt(v, n);
	} else {
		nested_redeliver_interrupted_event();
		inject_into_l3(v, n);
	}
}

/*
 * Arms the immediate exit (the VMX-preemption timer at 0 in vmcs02), or
 * disarms it, giving the timer back to the watchdog if it runs.
 */
static void immediate_exit(struct nested_vcpu *n, bool on)
{
	uint64_t pin = vmread(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS);

	n->immediate_exit = on;
	if (on)
		vmcs_write(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0);
	vmcs_write(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS,
		   on ? pin | PIN_ACTIVATE_PREEMPTION_TIMER : pin & ~PIN_ACTIVATE_PREEMPTION_TIMER);
	if (!on)
		watchdog_setup_vmcs();
}

void nested_irq_entry(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;

	if (!irq_queue_has_intr(&v->irq))
		return;
	if (!l2_exits_on_interrupts(n))
		inject_into_l3(v, n);
	else if (l0.caps.has[VMXF_PREEMPTION_TIMER])
		immediate_exit(n, true);
	/* Else L2 sees it at L3's next exit (reflected exits inject what waits). */
}

void nested_irq_exit(struct vcpu *v, uint32_t reason)
{
	struct nested_vcpu *n = v->nested;
	uint32_t info;

	switch (reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT: /* vmcs02 acknowledged it for L1 */
		info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);
		if (info & INTR_INFO_VALID)
			irq_queue_acknowledged(v, INTR_INFO_VECTOR(info));
		n->l3_interrupts++;
		deliver(v, n);
		return;
	case EXIT_REASON_INTERRUPT_WINDOW: /* L1's only: L2's are reflected */
		deliver(v, n);
		return;
	default: /* the VMX-preemption timer: L1's immediate exit, or the watchdog's */
		if (!n->immediate_exit) {
			handle_preemption_timer(v);
			return;
		}
		immediate_exit(n, false);
		deliver(v, n);
	}
}
