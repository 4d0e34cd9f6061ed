/*
 * irq/queue.c - the per-vCPU pending-event queue: a 256-bit set of vectors
 * (a vector is pending once, as in the local APIC's IRR) and one NMI latch.
 */
#include "irq/queue.h"

bool irq_queue_raise(struct irq_queue *q, unsigned vector)
{
	if (vector > 255)
		return false;
	if (irq_queue_has(q, vector))
		q->merged++;
	q->pending[vector / 64] |= 1ull << (vector % 64);
	q->raised++;
	return true;
}

void irq_queue_raise_nmi(struct irq_queue *q)
{
	q->nmi = true;
	q->nmis_raised++;
}

int irq_queue_highest(const struct irq_queue *q)
{
	for (int w = 3; w >= 0; w--)
		if (q->pending[w])
			return w * 64 + 63 - __builtin_clzll(q->pending[w]);
	return -1;
}

bool irq_queue_has_intr(const struct irq_queue *q)
{
	return (q->pending[0] | q->pending[1] | q->pending[2] | q->pending[3]) != 0;
}

static void take(struct irq_queue *q, unsigned vector)
{
	q->pending[vector / 64] &= ~(1ull << (vector % 64));
	q->injected++;
	q->may_nest = irq_queue_has_intr(q);
}

struct irq_decision irq_queue_next(struct irq_queue *q, const struct irq_entry_state *s)
{
	struct irq_decision d = { .inject = IRQ_INJECT_NOTHING };
	bool shadow = s->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	int vector;

	if (s->wait_for_sipi)
		return d; /* no event reaches a CPU waiting for SIPI (SDM Vol. 3C 26.2) */
	if (q->nmi) {
		if (s->entry_busy || shadow || (s->interruptibility & INTERRUPTIBILITY_NMI)) {
			d.nmi_window = true;
		} else {
			q->nmi = false;
			q->nmis_injected++;
			d.inject = IRQ_INJECT_NMI;
		}
	}
	vector = irq_queue_highest(q);
	if (vector < 0)
		return d;
	if (d.inject != IRQ_INJECT_NOTHING || s->entry_busy || !s->rflags_if || shadow) {
		d.intr_window = true;
	} else if (vector >= 16 && ((unsigned)vector >> 4 <= s->tpr_class ||
				     (unsigned)vector >> 4 <= s->isr_class)) {
		/* 0-15 only come from an 8259 through ExtINT, which the PPR does not hold */
		d.held = ((unsigned)vector >> 4 <= s->tpr_class ? IRQ_HELD_TPR : 0) |
			 ((unsigned)vector >> 4 <= s->isr_class ? IRQ_HELD_ISR : 0);
	} else {
		take(q, (unsigned)vector);
		d.inject = IRQ_INJECT_INTR;
		d.vector = (uint8_t)vector;
		d.intr_window = q->may_nest; /* more wait: exit when the handler returns */
	}
	return d;
}

uint32_t irq_decision_info(const struct irq_decision *d)
{
	switch (d->inject) {
	case IRQ_INJECT_NMI:
		return INTR_INFO_VALID | INTR_TYPE_NMI << 8 | 2;
	case IRQ_INJECT_INTR:
		return INTR_INFO_VALID | INTR_TYPE_EXT_INTR << 8 | d->vector;
	default:
		return 0;
	}
}

#define DF 8
#define PF 14

/* #DE, #TS, #NP, #SS, #GP (SDM Vol. 3A Table 6-4). */
static bool contributory(unsigned vector)
{
	return vector == 0 || (vector >= 10 && vector <= 13);
}

enum irq_combine irq_combine(uint32_t vectoring, unsigned vector)
{
	unsigned first = INTR_INFO_VECTOR(vectoring);

	switch (INTR_INFO_TYPE(vectoring)) {
	case INTR_TYPE_EXT_INTR:
	case INTR_TYPE_NMI:
		return IRQ_COMBINE_REQUEUE;
	case INTR_TYPE_HW_EXCEPTION:
		break;
	default:
		return IRQ_COMBINE_DELIVER; /* INT n, INT3, INTO, INT1: the instruction runs again */
	}
	if (first == DF && (contributory(vector) || vector == PF))
		return IRQ_COMBINE_TRIPLE_FAULT;
	if ((contributory(first) && contributory(vector)) ||
	    (first == PF && (contributory(vector) || vector == PF)))
		return IRQ_COMBINE_DOUBLE_FAULT;
	return IRQ_COMBINE_DELIVER;
}
