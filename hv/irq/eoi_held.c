/*
 * irq/eoi_held.c - the level-triggered vectors held in the real ISR for L2
 * and the order their real EOIs may be sent in (see eoi_held.h).
 */
#include "irq/eoi_held.h"

static int highest(const uint64_t set[4])
{
	for (int w = 3; w >= 0; w--)
		if (set[w])
			return w * 64 + 63 - __builtin_clzll(set[w]);
	return -1;
}

void irq_eoi_held_add(struct irq_eoi_held *h, unsigned v)
{
	if (v > 255)
		return;
	h->held[v / 64] |= 1ull << (v % 64);
	h->ended[v / 64] &= ~(1ull << (v % 64));
	h->acks++;
}

unsigned irq_eoi_held_end(struct irq_eoi_held *h, unsigned v)
{
	unsigned n = 0;
	int top;

	if (!irq_eoi_held_has(h, v)) {
		h->unknown++;
		return 0;
	}
	h->ended[v / 64] |= 1ull << (v % 64);
	/* The real EOI ends the highest held vector: send it while that one is ended. */
	while ((top = highest(h->held)) >= 0 && (h->ended[top / 64] >> (top % 64) & 1)) {
		h->held[top / 64] &= ~(1ull << (top % 64));
		h->ended[top / 64] &= ~(1ull << (top % 64));
		n++;
	}
	if (!n)
		h->deferred++;
	h->eois += n;
	return n;
}
