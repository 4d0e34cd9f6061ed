/*
 * test_irq_eoi_held.c - level-triggered vectors held in the real ISR for L2
 * (irq_eoi=virtual): a real EOI is sent only for the highest held vector,
 * and a lower one L2 ends first waits for it.
 */
#include "check.h"
#include "irq/eoi_held.h"

static void test_in_order(void)
{
	struct irq_eoi_held h = { 0 };

	irq_eoi_held_add(&h, 0x41);
	CHECK(irq_eoi_held_has(&h, 0x41));
	CHECK(!irq_eoi_held_has(&h, 0x40));
	CHECK(!irq_eoi_held_has(&h, 256));
	CHECK_EQ(irq_eoi_held_end(&h, 0x41), 1);
	CHECK(!irq_eoi_held_has(&h, 0x41));
	/* Nested: the higher one acknowledged later, ended first, as natively. */
	irq_eoi_held_add(&h, 0x41);
	irq_eoi_held_add(&h, 0x93);
	CHECK_EQ(irq_eoi_held_end(&h, 0x93), 1);
	CHECK_EQ(irq_eoi_held_end(&h, 0x41), 1);
	CHECK_EQ(h.acks, 3);
	CHECK_EQ(h.eois, 3);
	CHECK_EQ(h.deferred, 0);
}

static void test_deferred(void)
{
	struct irq_eoi_held h = { 0 };

	/* 0x41 in service in L2, 0x93 (higher) acknowledged but not delivered yet. */
	irq_eoi_held_add(&h, 0x41);
	irq_eoi_held_add(&h, 0x93);
	/* L2 ends 0x41: the real EOI would end 0x93, so none is sent. */
	CHECK_EQ(irq_eoi_held_end(&h, 0x41), 0);
	CHECK_EQ(h.deferred, 1);
	CHECK(irq_eoi_held_has(&h, 0x41));
	/* 0x93's EOI ends both, highest first. */
	CHECK_EQ(irq_eoi_held_end(&h, 0x93), 2);
	CHECK(!irq_eoi_held_has(&h, 0x41) && !irq_eoi_held_has(&h, 0x93));
	/* Three levels, vectors in different 64-bit words; the middle one stays. */
	irq_eoi_held_add(&h, 0x30);
	irq_eoi_held_add(&h, 0x70);
	irq_eoi_held_add(&h, 0xe0);
	CHECK_EQ(irq_eoi_held_end(&h, 0x30), 0);
	CHECK_EQ(irq_eoi_held_end(&h, 0xe0), 1);
	CHECK(irq_eoi_held_has(&h, 0x30) && irq_eoi_held_has(&h, 0x70));
	CHECK_EQ(irq_eoi_held_end(&h, 0x70), 2);
	for (unsigned w = 0; w < 4; w++)
		CHECK(h.held[w] == 0 && h.ended[w] == 0);
}

static void test_unknown(void)
{
	struct irq_eoi_held h = { 0 };

	CHECK_EQ(irq_eoi_held_end(&h, 0x50), 0);
	CHECK_EQ(h.unknown, 1);
	CHECK_EQ(h.deferred, 0);
	/* Acknowledged again after an end: the stale 'ended' mark is gone. */
	irq_eoi_held_add(&h, 0x50);
	irq_eoi_held_add(&h, 0x60);
	CHECK_EQ(irq_eoi_held_end(&h, 0x50), 0);
	CHECK_EQ(irq_eoi_held_end(&h, 0x60), 2);
	irq_eoi_held_add(&h, 0x50);
	irq_eoi_held_add(&h, 0x40);
	CHECK_EQ(irq_eoi_held_end(&h, 0x40), 0);
	CHECK_EQ(irq_eoi_held_end(&h, 0x50), 2);
}

int main(void)
{
	test_in_order();
	test_deferred();
	test_unknown();
	return check_failures ? 1 : 0;
}
