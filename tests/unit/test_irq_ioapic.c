/*
 * test_irq_ioapic.c - the IOAPIC model against a fake IOAPIC: the register
 * window, L2's view of its own entries with live read-only bits, the order
 * halves reach the hardware, policy corrections and their notes, refusals.
 */
#include "check.h"
#include "irq/ioapic.h"

struct fake {
	uint32_t regs[0x100];
	uint32_t log[64]; /* registers written, in order */
	unsigned n_log;
	uint32_t eoi;
};

static uint32_t fake_read(void *ctx, uint32_t reg)
{
	return ((struct fake *)ctx)->regs[reg];
}

static void fake_write(void *ctx, uint32_t reg, uint32_t value)
{
	struct fake *f = ctx;

	f->regs[reg] = value;
	if (f->n_log < 64)
		f->log[f->n_log++] = reg;
}

static void fake_eoi(void *ctx, uint32_t vector)
{
	((struct fake *)ctx)->eoi = vector;
}

static unsigned notes;
static uint64_t noted_wrote, noted_programmed;

static void note(struct ioapic_model *m, unsigned pin, uint64_t wrote, uint64_t programmed,
		 enum irq_route_result r)
{
	(void)m;
	(void)pin;
	(void)r;
	notes++;
	noted_wrote = wrote;
	noted_programmed = programmed;
}

static uint64_t rd(struct ioapic_model *m, uint32_t reg)
{
	uint64_t v = ~0ull;

	CHECK(ioapic_model_write(m, IOAPIC_IOREGSEL, 4, reg));
	CHECK(ioapic_model_read(m, IOAPIC_IOWIN, 4, &v));
	return v;
}

static void wr(struct ioapic_model *m, uint32_t reg, uint32_t value)
{
	CHECK(ioapic_model_write(m, IOAPIC_IOREGSEL, 4, reg));
	CHECK(ioapic_model_write(m, IOAPIC_IOWIN, 4, value));
}

int main(void)
{
	static const uint32_t ids[2] = { 0, 1 };
	struct irq_policy pol = { .intercept = 2 }; /* CPU 1 intercepts */
	struct irq_cpus cpus = { .n = 2, .apic_id = ids, .policy = &pol };
	struct acpi_irq_override ov[] = { { .bus = 0, .source = 0, .gsi = 2 } };
	static struct fake f;
	struct ioapic_hw hw = { fake_read, fake_write, fake_eoi, &f };
	struct ioapic_model m;
	struct mmio_device d;
	uint64_t v;

	f.regs[IOAPIC_REG_ID] = 1u << 24;
	f.regs[IOAPIC_REG_VERSION] = 23u << 16 | 0x20;
	f.regs[0x10 + 2 * 5] = RTE_MASKED | 0x25; /* left by the firmware */
	ioapic_model_init(&m, &hw, 0, &cpus, ov, 1, note);
	CHECK_EQ(m.n_pins, 24);
	CHECK_EQ(rd(&m, IOAPIC_REG_VERSION), 23u << 16 | 0x20);
	CHECK_EQ(rd(&m, IOAPIC_REG_ID), 1u << 24);
	CHECK_EQ(rd(&m, 0x10 + 2 * 5), RTE_MASKED | 0x25);
	CHECK(ioapic_model_read(&m, IOAPIC_IOREGSEL, 4, &v) && v == 0x10 + 2 * 5);

	/* The PIT (GSI 2, dedicated) to CPU 0: within the policy, programmed as written. */
	f.n_log = 0;
	wr(&m, 0x15, 0);               /* high: destination APIC ID 0 */
	wr(&m, 0x14, 0x30);            /* low: vector 0x30, unmasked */
	CHECK_EQ(f.regs[0x14], 0x30);
	CHECK_EQ(f.regs[0x15], 0);
	CHECK_EQ(notes, 0);
	/* The entry is programmed whole on each half: unmasking low half last. */
	CHECK_EQ(f.n_log, 4);
	CHECK(f.log[2] == 0x15 && f.log[3] == 0x14);

	/* COM1 (GSI 4, shared) to CPU 0 (direct): corrected to CPU 1, noted. */
	wr(&m, 0x19, 0);
	CHECK_EQ(notes, 1); /* masked still (the fake's entry was 0 -> unmasked vector 0) */
	notes = 0;
	wr(&m, 0x18, 0x34);
	CHECK_EQ(notes, 1);
	CHECK_EQ(noted_wrote, 0x34);
	CHECK_EQ(noted_programmed, 0x34 | (1ull << 56));
	CHECK_EQ(f.regs[0x19], 1u << 24);
	CHECK_EQ(rd(&m, 0x19), 0); /* L2 sees what it wrote */
	CHECK(m.corrections >= 1);

	/* Masking writes the low half first. */
	f.n_log = 0;
	wr(&m, 0x18, RTE_MASKED | 0x34);
	CHECK(f.log[0] == 0x18 && f.log[1] == 0x19);

	/* Read-only bits: live from the hardware, never stored from L2's writes. */
	f.regs[0x14] |= RTE_REMOTE_IRR | RTE_DELIVERY_STATUS;
	CHECK_EQ(rd(&m, 0x14), 0x30 | RTE_REMOTE_IRR | RTE_DELIVERY_STATUS);
	wr(&m, 0x14, 0x30 | RTE_REMOTE_IRR);
	CHECK_EQ(m.rte[2] & RTE_REMOTE_IRR, 0);

	/* The version register is read-only; the ID is forwarded. */
	wr(&m, IOAPIC_REG_VERSION, 0);
	CHECK_EQ(f.regs[IOAPIC_REG_VERSION], 23u << 16 | 0x20);
	wr(&m, IOAPIC_REG_ID, 3u << 24);
	CHECK_EQ(f.regs[IOAPIC_REG_ID], 3u << 24);
	/* Beyond the last entry: the hardware's answer, nothing stored. */
	wr(&m, 0x10 + 2 * 24, 0x55);
	CHECK_EQ(f.regs[0x10 + 2 * 24], 0);

	/* EOI register, refusals of odd widths and offsets. */
	CHECK(ioapic_model_write(&m, IOAPIC_EOI, 4, 0x134));
	CHECK_EQ(f.eoi, 0x34);
	CHECK(!ioapic_model_write(&m, IOAPIC_IOWIN, 1, 0));
	CHECK(!ioapic_model_read(&m, IOAPIC_IOWIN, 8, &v));
	CHECK(!ioapic_model_read(&m, 0x20, 4, &v));
	CHECK(!ioapic_model_write(&m, 0x44, 4, 0));

	/* As an mmio_device. */
	ioapic_model_device(&m, 0xfec00000, &d);
	CHECK_EQ(d.size, IOAPIC_MMIO_SIZE);
	CHECK(d.write(&d, NULL, IOAPIC_IOREGSEL, 4, IOAPIC_REG_VERSION));
	CHECK(d.read(&d, NULL, IOAPIC_IOWIN, 4, &v) && v == (23u << 16 | 0x20));
	return check_failures ? 1 : 0;
}
