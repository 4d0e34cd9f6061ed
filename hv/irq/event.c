/*
 * irq/event.c - event injection at VM entry (SDM Vol. 3C 27.6) in one
 * place: the exceptions handlers raise, the re-injection of an event whose
 * delivery a VM exit interrupted (IDT-vectoring information, 28.2.4), and
 * the vCPU's pending queue (irq/queue.h) with its interrupt and NMI windows
 * (26.7.5, 26.7.6). And the exits that feed and drain the queue: an
 * external interrupt (acknowledged on exit: the vector is in the exit
 * information), an NMI, the two windows, MOV to CR8 while the TPR holds an
 * interrupt back, and NMIs that arrive in VMX root operation.
 *
 * Nothing here runs on the common exit path: only the handlers of these
 * exits and HLT with events waiting call it.
 */
#include "exit.h"
#include "gdt.h"
#include "lapic.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "log.h"
#include "percpu.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

/* The controls this file sets at each entry (the TPR shadow: irq/ppr_watch.c). */
#define WINDOWS (PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING | PROC_CR8_LOAD_EXITING | \
		 PROC_USE_TPR_SHADOW)
#define GP 13
#define ENTRY_INFO_BITS (INTR_INFO_VALID | INTR_INFO_ERROR_VALID | 0x7ff) /* 30:12 must be 0 */

static inline uint64_t vmptrst(void)
{
	uint64_t pa;

	__asm__ volatile("vmptrst %0" : "=m"(pa) : : "cc");
	return pa;
}

void irq_unblock_nmis(void)
{
	uint64_t scratch;

	__asm__ volatile("movq %%rsp, %0\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %0\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %0\n\t"
			 "pushq %0\n\t"
			 "iretq\n"
			 "1:"
			 : "=&r"(scratch)
			 : [ss] "i"(GDT_DATA), [cs] "i"(GDT_CODE64)
			 : "memory");
}

void inject_exception(unsigned vector, bool has_error, uint32_t error)
{
	uint32_t info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8 | vector;

	if (has_error) {
		info |= INTR_INFO_ERROR_VALID;
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, info);
}

/*
 * Sets and clears primary controls in the copy and the VMCS. An NMI in
 * root operation may OR NMI-window exiting into both at any instant
 * (irq_nmi_in_root): the loop writes until the VMCS holds the copy's latest.
 */
static void proc_update(struct vcpu *v, uint32_t clear, uint32_t set)
{
	uint32_t old = __atomic_load_n(&v->proc_ctls, __ATOMIC_RELAXED), ctl;

	do
		ctl = (old & ~clear) | set;
	while (!__atomic_compare_exchange_n(&v->proc_ctls, &old, ctl, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED));
	if (ctl == old)
		return;
	for (;;) {
		vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, ctl);
		old = __atomic_load_n(&v->proc_ctls, __ATOMIC_ACQUIRE);
		if (old == ctl)
			return;
		ctl = old;
	}
}

void irq_proc_update(struct vcpu *v, uint32_t clear, uint32_t set)
{
	proc_update(v, clear, set);
}

/* Queues external interrupt VECTOR for V (events_waiting: vcpu.h). */
static void raise_intr(struct vcpu *v, unsigned vector)
{
	irq_queue_raise(&v->irq, vector);
	__atomic_store_n(&v->events_waiting, true, __ATOMIC_RELAXED);
}

/* Queues an NMI for V. */
static void raise_nmi(struct vcpu *v)
{
	irq_queue_raise_nmi(&v->irq);
	__atomic_store_n(&v->events_waiting, true, __ATOMIC_RELAXED);
}

bool irq_reinject_vectoring(void)
{
	uint32_t vec = (uint32_t)vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD);
	unsigned type = INTR_INFO_TYPE(vec);

	if (!(vec & INTR_INFO_VALID))
		return false;
	if (vec & INTR_INFO_ERROR_VALID)
		vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmread(VMCS_IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SOFT_EXC ||
	    type == INTR_TYPE_SOFT_EXC)
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH,
			   vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
	if (type == INTR_TYPE_NMI) /* its delivery never finished: not blocked yet (27.3.1.5) */
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) & ~INTERRUPTIBILITY_NMI);
	vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, vec & ENTRY_INFO_BITS);
	return true;
}

/*
 * Queues an acknowledged VECTOR. One that still waits merges with it, as
 * in an IRR, but its acknowledgment set the vector's ISR bit a second time
 * and L2 will EOI it only once: it is ended here at once (it is the
 * highest bit in service, or the APIC would not have delivered it). Without
 * this, an EOI L2 meant for a lower vector in service (the APIC ends the
 * highest) leaves that vector's bit set for good and blocks its priority
 * class: the timer stops. A spurious interrupt is never in service.
 */
static void raise_acknowledged(struct vcpu *v, unsigned vector)
{
	bool again = irq_queue_has(&v->irq, vector);

	if (v->apicv) { /* per vector: irq/apicv.c; a spurious or ExtINT vector is queued */
		if (!apicv_acknowledged(v, vector))
			raise_intr(v, vector);
		return;
	}
	raise_intr(v, vector);
	if (again && vector != lapic_spurious_vector())
		lapic_eoi();
}

void irq_queue_acknowledged(struct vcpu *v, unsigned vector)
{
	raise_acknowledged(v, vector);
}

void irq_root_interrupt(uint64_t vector);
void irq_root_interrupt(uint64_t vector)
{
	struct vcpu *v = this_cpu()->vcpu;

	if (v)
		raise_acknowledged(v, (unsigned)vector);
}

/*
 * Before injecting an interrupt that waited for L2 to enable interrupts:
 * what the local APIC would deliver now joins the queue (through
 * irq_root_interrupt), so a higher-priority interrupt that arrived
 * meanwhile goes first. Natively it would have exited at once; Bochs 2.7
 * holds back an interrupt that arrives after a VM entry with RFLAGS.IF = 0
 * until L2 sets IF, though external-interrupt exiting makes IF irrelevant
 * (SDM Vol. 3C 26.3), and the interrupt-window exit then comes first
 * (26.7.5). Direct CPUs leave their interrupts to L2.
 */
static void collect_waiting(const struct vcpu *v)
{
	if (v->intercept_irq)
		__asm__ volatile("sti\n\tnop\n\tcli" ::: "memory");
}

void irq_inject_pending(struct vcpu *v)
{
	uint32_t activity = (uint32_t)vmread(VMCS_GUEST_ACTIVITY_STATE);
	struct irq_entry_state s = {
		.entry_busy = vmread(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD) & INTR_INFO_VALID,
		.rflags_if = vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF,
		.wait_for_sipi = activity == ACTIVITY_WAIT_FOR_SIPI,
		.interruptibility = (uint32_t)vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE),
		.tpr_class = (uint8_t)ppr_watch_tpr_class(v),
		/* only when L2 may have one in service above a queued one (irq/queue.h) */
		.isr_class = v->irq.may_nest ? (uint8_t)irq_in_service_class(v) : 0,
	};

	for (;;) {
		struct irq_decision d;

		if (__atomic_exchange_n(&v->root_nmi, false, __ATOMIC_ACQ_REL))
			raise_nmi(v);
		d = irq_queue_next(&v->irq, &s);
		if (d.inject != IRQ_INJECT_NOTHING) {
			vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, irq_decision_info(&d));
			s.entry_busy = true;
			if (activity == ACTIVITY_HLT) { /* the event ends the HLT, as natively */
				vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
				activity = ACTIVITY_ACTIVE;
			}
		}
		/* irq_eoi=virtual keeps ppr_watch on: nothing more to test on the count path */
		proc_update(v, WINDOWS, (d.intr_window ? PROC_INTR_WINDOW_EXITING : 0) |
					(d.nmi_window ? PROC_NMI_WINDOW_EXITING : 0) |
					(d.held || v->ppr_watch ? (v->apicv ? apicv_controls(&s) :
								   ppr_watch_update(v, &d)) : 0));
		/* An NMI handled from here on sets it again (irq_nmi_in_root), or is seen below. */
		__atomic_store_n(&v->events_waiting, !irq_queue_empty(&v->irq), __ATOMIC_RELAXED);
		if (!__atomic_load_n(&v->root_nmi, __ATOMIC_ACQUIRE))
			return;
	}
}

void handle_external_interrupt(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);

	if (!(info & INTR_INFO_VALID)) {
		log_error("vCPU %u: external-interrupt exit without a vector (not acknowledged)",
			  v->index);
		guest_stop(v, false, "irq-not-acknowledged");
	}
	irq_reinject_vectoring();
	raise_acknowledged(v, INTR_INFO_VECTOR(info));
	irq_inject_pending(v);
}

void irq_nmi_exit(struct vcpu *v)
{
	irq_unblock_nmis(); /* one more NMI, already waiting, is taken here (irq_nmi_in_root) */
	irq_reinject_vectoring();
	raise_nmi(v);
	irq_inject_pending(v);
}

void handle_interrupt_window(struct vcpu *v)
{
	collect_waiting(v);
	irq_inject_pending(v);
}

void irq_hlt(struct vcpu *v)
{
	collect_waiting(v);
	irq_inject_pending(v);
}

void handle_nmi_window(struct vcpu *v)
{
	irq_inject_pending(v);
}

void handle_mwait(struct vcpu *v)
{
	(void)v;
	skip_instruction(); /* a wake-up at once (see irq.c) */
}

void irq_cr8_write(struct vcpu *v, uint64_t value)
{
	if (value >> 4) {
		inject_exception(GP, true, 0); /* reserved bits (SDM Vol. 3A 2.8, MOV CR8) */
		return;
	}
	write_cr8(value); /* the TPR is L2's own */
	skip_instruction();
	irq_inject_pending(v);
}

enum irq_combine irq_exception_during_delivery(struct vcpu *v, uint32_t vectoring,
					       unsigned vector)
{
	enum irq_combine c = irq_combine(vectoring, vector);
	bool nmi = INTR_INFO_TYPE(vectoring) == INTR_TYPE_NMI;

	if (c != IRQ_COMBINE_REQUEUE)
		return c;
	if (nmi) {
		raise_nmi(v);
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, /* its delivery never finished */
			   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) & ~INTERRUPTIBILITY_NMI);
	} else {
		raise_intr(v, INTR_INFO_VECTOR(vectoring));
	}
	/* The exception goes first; the window brings the event back after it. */
	proc_update(v, 0, nmi ? PROC_NMI_WINDOW_EXITING : PROC_INTR_WINDOW_EXITING);
	return c;
}

bool irq_nmi_in_root(void)
{
	struct vcpu *v = this_cpu()->vcpu;
	uint32_t ctl;

	if (!v || !v->virtual_nmis)
		return false;
	__atomic_store_n(&v->root_nmi, true, __ATOMIC_RELEASE);
	__atomic_store_n(&v->events_waiting, true, __ATOMIC_RELAXED);
	ctl = __atomic_or_fetch(&v->proc_ctls, PROC_NMI_WINDOW_EXITING, __ATOMIC_ACQ_REL);
	if (vmptrst() == v->vmcs_pa) /* another VMCS (a nested guest's) learns at the next exit */
		vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, ctl);
	return true;
}
