/*
 * irq/eoi_held.h - the level-triggered vectors the hypervisor keeps in the
 * real local APIC's in-service register for L2 (irq_eoi=virtual, irq/apicv.c).
 *
 * With virtual-interrupt delivery L2's EOI ends the vector in its virtual
 * ISR (SDM Vol. 3C 29.1.4), never a real one. An edge-triggered vector is
 * ended on the real APIC as soon as it is acknowledged: nothing else waits
 * for its EOI. A level-triggered one must stay in service until L2 ends it:
 * its EOI is what lets the IOAPIC send it again (Vol. 3A 11.8.4, the TMR;
 * the IOAPIC's remote IRR), so sending it earlier re-delivers an interrupt
 * whose device L2 has not serviced yet. Its bit in the EOI-exit bitmap makes
 * L2's EOI of it exit (EOI-induced VM exit, 29.1.4), and the hypervisor ends
 * it on the real APIC then.
 *
 * The real APIC's EOI ends the highest vector in service (11.8.5), and the
 * real ISR holds only these vectors (the edge ones are ended at once). So
 * a vector L2 ends while a higher held one is still in service (acknowledged
 * later, not yet delivered or not yet ended by L2) cannot be ended on its
 * own: it is marked ended, and goes with the higher one's EOI. Until then its
 * line cannot interrupt again, no sooner than natively it could have been
 * delivered anyway (the higher vector is pending or in service).
 *
 * Pure logic: it also builds hosted, for tests/unit/test_irq_eoi_held.c.
 */
#ifndef HV_IRQ_EOI_HELD_H
#define HV_IRQ_EOI_HELD_H

#include <stdbool.h>
#include <stdint.h>

struct irq_eoi_held {
	uint64_t held[4];   /* in the real ISR for L2: acknowledged, real EOI not yet sent */
	uint64_t ended[4];  /* ... of which L2 has ended these (a higher one is still held) */
	uint64_t acks, eois, deferred; /* counters for the log */
	uint64_t unknown;   /* L2 ended a vector that was not held: a bug, for the log */
};

/* Vector V, level-triggered, was acknowledged and stays in the real ISR. */
void irq_eoi_held_add(struct irq_eoi_held *h, unsigned v);
/*
 * L2 ended vector V (an EOI-induced exit): how many EOIs to send to the real
 * APIC now, each ending the highest held vector (V and those ended below it
 * once V is the highest), possibly 0 (a higher one is still held). V not
 * held: 0, counted in 'unknown'.
 */
unsigned irq_eoi_held_end(struct irq_eoi_held *h, unsigned v);
/* Whether V is held. */
static inline bool irq_eoi_held_has(const struct irq_eoi_held *h, unsigned v)
{
	return v <= 255 && (h->held[v / 64] >> (v % 64) & 1);
}

#endif
