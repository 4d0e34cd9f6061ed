/*
 * irq/queue.h - the events waiting to be injected into one vCPU (external
 * interrupts by vector, NMIs) and the decision, at each VM entry, of what to
 * inject and which window to open (SDM Vol. 3C 27.6 event injection, 26.7.5
 * interrupt-window and 26.7.6 NMI-window exiting, 25.4.2 interruptibility).
 * Pure logic: it also builds hosted, for tests/unit/test_irq_queue.c.
 */
#ifndef HV_IRQ_QUEUE_H
#define HV_IRQ_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

/* Guest interruptibility state (SDM Vol. 3C Table 25-3). */
#define INTERRUPTIBILITY_STI	(1u << 0)
#define INTERRUPTIBILITY_MOV_SS	(1u << 1)
#define INTERRUPTIBILITY_SMI	(1u << 2)
#define INTERRUPTIBILITY_NMI	(1u << 3)

/* VM-entry/VM-exit interruption information (SDM Vol. 3C Table 25-17, 25-19). */
#define INTR_INFO_VALID		(1u << 31)
#define INTR_INFO_ERROR_VALID	(1u << 11)
#define INTR_INFO_NMI_UNBLOCKED	(1u << 12) /* exit info only: NMI unblocking due to IRET */
#define INTR_INFO_VECTOR(info)	((info) & 0xff)
#define INTR_INFO_TYPE(info)	(((info) >> 8) & 7)
#define INTR_TYPE_EXT_INTR	0
#define INTR_TYPE_NMI		2
#define INTR_TYPE_HW_EXCEPTION	3
#define INTR_TYPE_SOFT_INTR	4
#define INTR_TYPE_PRIV_SOFT_EXC	5
#define INTR_TYPE_SOFT_EXC	6

struct irq_queue {
	uint64_t pending[4]; /* a bit per vector: acknowledged, not yet injected */
	bool nmi;            /* an NMI waits; more collapse into one, like the CPU's NMI latch */
	/*
	 * An interrupt was injected while another stayed queued, and the queue
	 * has not run out of interrupts since: only then may L2 have one in
	 * service at or above a queued one's priority class (the local APIC
	 * delivered each queued vector above the priority of the moment), so
	 * only then must the caller find L2's in-service class.
	 */
	bool may_nest;
	uint64_t raised, injected, nmis_raised, nmis_injected; /* counters for the log */
	uint64_t merged;     /* raised while the same vector still waited */
};

/* What the guest is at the coming VM entry: only what the decision reads. */
struct irq_entry_state {
	bool entry_busy;        /* VM-entry interruption information already valid (re-injection) */
	bool rflags_if;
	bool wait_for_sipi;     /* activity state: no event may be injected (SDM 27.3.1.5) */
	uint8_t tpr_class;      /* the guest's TPR bits 7:4 */
	uint32_t interruptibility;
	uint8_t isr_class;      /* ISRV[7:4]: the guest's highest class in service (0: none) */
};

enum irq_inject { IRQ_INJECT_NOTHING, IRQ_INJECT_NMI, IRQ_INJECT_INTR };

#define IRQ_HELD_TPR 1u /* the highest interrupt waits for the guest to lower its TPR */
#define IRQ_HELD_ISR 2u /* ... for the guest's EOI of the one in service */

/* 8 bytes: returned in one register on the interrupt exit's path. */
struct irq_decision {
	enum irq_inject inject;
	uint8_t vector;         /* IRQ_INJECT_INTR: the vector, taken off the queue */
	bool intr_window;       /* an interrupt still waits for RFLAGS.IF and no STI/MOV-SS blocking */
	bool nmi_window;        /* the NMI waits for the end of NMI (or STI/MOV-SS) blocking */
	/*
	 * IRQ_HELD_*: the highest interrupt waits for the guest's processor
	 * priority to fall below its class, for a lower TPR, for the EOI of
	 * the interrupt in service, or both.
	 */
	uint8_t held;
};

/*
 * Queues external interrupt VECTOR; false for a vector above 255. Any
 * vector is an interrupt's: the local APIC never delivers 0-15 (SDM Vol. 3A
 * 11.5.2), but an 8259 behind ExtINT may.
 */
bool irq_queue_raise(struct irq_queue *q, unsigned vector);
void irq_queue_raise_nmi(struct irq_queue *q);
/* Whether VECTOR waits already (a second one merges with it, as in an IRR). */
static inline bool irq_queue_has(const struct irq_queue *q, unsigned vector)
{
	return vector <= 255 && (q->pending[vector / 64] >> (vector % 64) & 1);
}
/* The highest pending vector (the highest priority, SDM Vol. 3A 11.8.3), or -1. */
int irq_queue_highest(const struct irq_queue *q);
bool irq_queue_has_intr(const struct irq_queue *q);
static inline bool irq_queue_empty(const struct irq_queue *q)
{
	return !q->nmi && !irq_queue_has_intr(q);
}

/*
 * What to inject at the coming VM entry, the injected event taken off the
 * queue. NMIs go before interrupts (SDM Vol. 3C 27.6 and Vol. 3A 7.9: NMI
 * has the higher priority). An NMI is held while NMI, MOV-SS or STI
 * blocking is on (the last as KVM does: some processors block NMIs after
 * STI, and an NMI injected there may fail the entry); an interrupt while
 * RFLAGS.IF is 0 or STI/MOV-SS blocking is on (27.3.1.5 forbids injecting
 * it then), or its priority class is not above the TPR's (11.8.3.1).
 */
struct irq_decision irq_queue_next(struct irq_queue *q, const struct irq_entry_state *s);

/* The interruption-information word that injects the decided event. */
uint32_t irq_decision_info(const struct irq_decision *d);

/*
 * An intercepted exception VECTOR raised while delivering the event of
 * IDT-vectoring information VECTORING (SDM Vol. 3C 28.2.4): what the CPU
 * would have done natively (Vol. 3A 6.15, Table 6-5).
 */
enum irq_combine {
	IRQ_COMBINE_DELIVER,      /* deliver the exception; the first event re-arises by itself */
	IRQ_COMBINE_REQUEUE,      /* deliver the exception, then the interrupted NMI/interrupt */
	IRQ_COMBINE_DOUBLE_FAULT, /* deliver #DF (error code 0) instead */
	IRQ_COMBINE_TRIPLE_FAULT, /* a fault while delivering #DF: shutdown */
};

enum irq_combine irq_combine(uint32_t vectoring, unsigned vector);

#endif
