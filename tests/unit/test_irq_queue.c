/*
 * test_irq_queue.c - the pending-event queue: priority order, the NMI latch,
 * and every rule that holds an event back (IF, STI/MOV-SS and NMI blocking,
 * the processor priority (TPR and the class in service), an event already
 * being re-injected, wait-for-SIPI).
 */
#include "check.h"
#include "irq/queue.h"

static const struct irq_entry_state open_state = { .rflags_if = true };

static void test_priority(void)
{
	struct irq_queue q = { 0 };
	struct irq_decision d;

	CHECK(irq_queue_empty(&q));
	CHECK_EQ(irq_queue_highest(&q), (uint64_t)-1);
	CHECK(!irq_queue_raise(&q, 256));
	CHECK(irq_queue_raise(&q, 0x30));
	CHECK(irq_queue_raise(&q, 0xef));
	CHECK(irq_queue_raise(&q, 0x41));
	CHECK(irq_queue_raise(&q, 0x41)); /* pending once, like an IRR bit */
	CHECK(irq_queue_raise(&q, 8)); /* an 8259's vector, through ExtINT */
	CHECK(irq_queue_raise(&q, 255));
	CHECK_EQ(irq_queue_highest(&q), 255);
	static const unsigned order[] = { 255, 0xef, 0x41, 0x30, 8 };
	for (unsigned i = 0; i < 5; i++) {
		d = irq_queue_next(&q, &open_state);
		CHECK_EQ(d.inject, IRQ_INJECT_INTR);
		CHECK_EQ(d.vector, order[i]);
		CHECK_EQ(d.intr_window, i < 4); /* more wait: exit when the handler returns */
		CHECK_EQ(irq_decision_info(&d), INTR_INFO_VALID | order[i]);
	}
	CHECK(irq_queue_empty(&q));
	CHECK_EQ(q.raised, 6);
	CHECK_EQ(q.merged, 1);
	CHECK(irq_queue_has(&q, 0x30) == false && !irq_queue_has(&q, 300));
	CHECK_EQ(q.injected, 5);
	d = irq_queue_next(&q, &open_state);
	CHECK_EQ(d.inject, IRQ_INJECT_NOTHING);
	CHECK(!d.intr_window && !d.nmi_window && !(d.held & IRQ_HELD_TPR));
	CHECK_EQ(irq_decision_info(&d), 0);
}

static void test_interrupt_blocking(void)
{
	struct irq_queue q = { 0 };
	struct irq_entry_state s = open_state;
	struct irq_decision d;

	irq_queue_raise(&q, 0x50);
	s.rflags_if = false;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.intr_window);
	s = open_state;
	s.interruptibility = INTERRUPTIBILITY_STI;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.intr_window);
	s.interruptibility = INTERRUPTIBILITY_MOV_SS;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.intr_window);
	s.interruptibility = INTERRUPTIBILITY_NMI; /* NMI blocking does not hold interrupts */
	d = irq_queue_next(&q, &s);
	CHECK_EQ(d.inject, IRQ_INJECT_INTR);
	irq_queue_raise(&q, 0x50);
	s = open_state;
	s.entry_busy = true; /* a re-injected event goes first */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.intr_window);
	s = open_state;
	s.wait_for_sipi = true;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && !d.intr_window);
}

static void test_tpr(void)
{
	struct irq_queue q = { 0 };
	struct irq_entry_state s = open_state;
	struct irq_decision d;

	irq_queue_raise(&q, 0x5f);
	s.tpr_class = 5; /* class 5 is not above TPR class 5 */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && (d.held & IRQ_HELD_TPR) && !d.intr_window);
	CHECK(!(d.held & IRQ_HELD_ISR));
	s.tpr_class = 4;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_INTR && d.vector == 0x5f && !(d.held & IRQ_HELD_TPR));
}

/*
 * Two vectors acknowledged while L2 had interrupts off: the higher goes
 * first; while it is in service the lower must wait for its EOI, even with
 * interrupts on again (a handler that re-enables them), as the local APIC
 * holds it in the IRR until then (SDM Vol. 3A 11.8.3.1: PPR[7:4] =
 * max(TPR[7:4], ISRV[7:4]), delivery only above it).
 */
static void test_in_service(void)
{
	struct irq_queue q = { 0 };
	struct irq_entry_state s = open_state;
	struct irq_decision d;

	irq_queue_raise(&q, 0x61);
	irq_queue_raise(&q, 0x71);
	CHECK(!q.may_nest);
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_INTR && d.vector == 0x71 && d.intr_window);
	CHECK(q.may_nest); /* 0x71 went in with 0x61 queued: the caller must look */
	s.isr_class = 7;   /* 0x71 in service, the handler did STI */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.held == IRQ_HELD_ISR);
	CHECK(!d.intr_window);
	s.isr_class = 6;   /* the same class in service holds it too */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && (d.held & IRQ_HELD_ISR));
	s.tpr_class = 6;   /* both */
	d = irq_queue_next(&q, &s);
	CHECK(d.held == (IRQ_HELD_ISR | IRQ_HELD_TPR));
	irq_queue_raise(&q, 8); /* an 8259's vector through ExtINT: not held by the PPR */
	s.tpr_class = 0;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && (d.held & IRQ_HELD_ISR)); /* the highest first */
	s.isr_class = 0;   /* L2's EOI ended 0x71 */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_INTR && d.vector == 0x61 && q.may_nest);
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_INTR && d.vector == 8 && !q.may_nest);
	irq_queue_raise(&q, 0x40); /* alone: nothing can be in service above it */
	CHECK(!q.may_nest);
}

static void test_nmi(void)
{
	struct irq_queue q = { 0 };
	struct irq_entry_state s = open_state;
	struct irq_decision d;

	irq_queue_raise_nmi(&q);
	irq_queue_raise_nmi(&q); /* collapses into one */
	irq_queue_raise(&q, 0x80);
	s.interruptibility = INTERRUPTIBILITY_NMI;
	d = irq_queue_next(&q, &s);
	/* The NMI waits for its window; the interrupt is not held by NMI blocking. */
	CHECK(d.nmi_window && d.inject == IRQ_INJECT_INTR && d.vector == 0x80);
	s.interruptibility = INTERRUPTIBILITY_STI;
	d = irq_queue_next(&q, &s);
	CHECK(d.nmi_window && d.inject == IRQ_INJECT_NOTHING);
	s.interruptibility = INTERRUPTIBILITY_MOV_SS;
	d = irq_queue_next(&q, &s);
	CHECK(d.nmi_window && d.inject == IRQ_INJECT_NOTHING);
	irq_queue_raise(&q, 0x81);
	s = open_state;
	s.rflags_if = false; /* IF does not hold an NMI */
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NMI && !d.nmi_window && d.intr_window);
	CHECK_EQ(irq_decision_info(&d), INTR_INFO_VALID | INTR_TYPE_NMI << 8 | 2);
	/* NMI first, then the interrupt at the next entry. */
	irq_queue_raise_nmi(&q);
	s = open_state;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NMI && d.intr_window);
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_INTR && d.vector == 0x81);
	CHECK_EQ(q.nmis_raised, 3);
	CHECK_EQ(q.nmis_injected, 2);
	irq_queue_raise_nmi(&q);
	s.entry_busy = true;
	d = irq_queue_next(&q, &s);
	CHECK(d.inject == IRQ_INJECT_NOTHING && d.nmi_window);
}

static void test_combine(void)
{
	uint32_t hw = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION << 8;

	CHECK_EQ(irq_combine(INTR_INFO_VALID | 0x30, 14), IRQ_COMBINE_REQUEUE);
	CHECK_EQ(irq_combine(INTR_INFO_VALID | INTR_TYPE_NMI << 8 | 2, 13), IRQ_COMBINE_REQUEUE);
	CHECK_EQ(irq_combine(INTR_INFO_VALID | INTR_TYPE_SOFT_INTR << 8 | 0x80, 14),
		 IRQ_COMBINE_DELIVER);
	CHECK_EQ(irq_combine(INTR_INFO_VALID | INTR_TYPE_SOFT_EXC << 8 | 3, 13),
		 IRQ_COMBINE_DELIVER);
	CHECK_EQ(irq_combine(hw | 13, 11), IRQ_COMBINE_DOUBLE_FAULT); /* contributory twice */
	CHECK_EQ(irq_combine(hw | 14, 14), IRQ_COMBINE_DOUBLE_FAULT);
	CHECK_EQ(irq_combine(hw | 14, 0), IRQ_COMBINE_DOUBLE_FAULT);
	CHECK_EQ(irq_combine(hw | 13, 14), IRQ_COMBINE_DELIVER);      /* contributory, then #PF */
	CHECK_EQ(irq_combine(hw | 6, 13), IRQ_COMBINE_DELIVER);       /* benign first */
	CHECK_EQ(irq_combine(hw | 14, 6), IRQ_COMBINE_DELIVER);       /* benign second */
	CHECK_EQ(irq_combine(hw | 8, 14), IRQ_COMBINE_TRIPLE_FAULT);
	CHECK_EQ(irq_combine(hw | 8, 13), IRQ_COMBINE_TRIPLE_FAULT);
	CHECK_EQ(irq_combine(hw | 8, 3), IRQ_COMBINE_DELIVER);
}

int main(void)
{
	test_combine();
	test_priority();
	test_interrupt_blocking();
	test_tpr();
	test_in_service();
	test_nmi();
	return check_failures ? 1 : 0;
}
