/*
 * irq/ioapic.c - the IOAPIC model: the indirect register window and the
 * policy check of every redirection entry L2 programs.
 */
#include "irq/ioapic.h"

#define VERSION_MAX_ENTRY(v)	(((v) >> 16) & 0xff)
#define RTE_READ_ONLY		(RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)

void ioapic_model_init(struct ioapic_model *m, const struct ioapic_hw *hw, uint32_t gsi_base,
		       const struct irq_cpus *cpus, const struct acpi_irq_override *ov,
		       unsigned n_ov, ioapic_note_fn note)
{
	unsigned pins;

	*m = (struct ioapic_model){ .gsi_base = gsi_base, .hw = *hw, .cpus = cpus,
				    .overrides = ov, .n_overrides = n_ov, .note = note };
	pins = VERSION_MAX_ENTRY(hw->read(hw->ctx, IOAPIC_REG_VERSION)) + 1;
	m->n_pins = pins > IOAPIC_MAX_PINS ? IOAPIC_MAX_PINS : pins;
	for (unsigned p = 0; p < m->n_pins; p++)
		m->rte[p] = hw->read(hw->ctx, IOAPIC_REG_RTE0 + 2 * p) |
			    (uint64_t)hw->read(hw->ctx, IOAPIC_REG_RTE0 + 2 * p + 1) << 32;
}

/* The pin of redirection register REG, or -1. */
static int rte_pin(const struct ioapic_model *m, uint32_t reg)
{
	if (reg < IOAPIC_REG_RTE0 || reg >= IOAPIC_REG_RTE0 + 2 * m->n_pins)
		return -1;
	return (int)((reg - IOAPIC_REG_RTE0) / 2);
}

static uint32_t window_read(struct ioapic_model *m)
{
	uint32_t reg = m->ioregsel;
	int pin = rte_pin(m, reg);
	uint64_t rte;

	if (pin < 0)
		return m->hw.read(m->hw.ctx, reg); /* ID, version, arbitration, or nothing */
	rte = m->rte[pin];
	if (reg & 1)
		return (uint32_t)(rte >> 32);
	return ((uint32_t)rte & ~(uint32_t)RTE_READ_ONLY) |
	       (m->hw.read(m->hw.ctx, reg) & (uint32_t)RTE_READ_ONLY);
}

/* Programs PIN's entry checked against the policy: masked half first, unmasking half last. */
static void program(struct ioapic_model *m, unsigned pin)
{
	uint32_t reg = IOAPIC_REG_RTE0 + 2 * pin;
	enum irq_sharing s = irq_sharing_for_gsi(m->gsi_base + pin, m->overrides, m->n_overrides);
	uint64_t out;
	enum irq_route_result r = irq_route_rte(m->rte[pin], s, m->cpus, &out);

	if (r != IRQ_ROUTE_KEPT) {
		if (out != m->rte[pin])
			m->corrections++;
		if (m->note)
			m->note(m, pin, m->rte[pin], out, r);
	}
	if (out & RTE_MASKED) {
		m->hw.write(m->hw.ctx, reg, (uint32_t)out);
		m->hw.write(m->hw.ctx, reg + 1, (uint32_t)(out >> 32));
	} else {
		m->hw.write(m->hw.ctx, reg + 1, (uint32_t)(out >> 32));
		m->hw.write(m->hw.ctx, reg, (uint32_t)out);
	}
}

static void window_write(struct ioapic_model *m, uint32_t value)
{
	uint32_t reg = m->ioregsel;
	int pin = rte_pin(m, reg);

	if (pin < 0) {
		if (reg == IOAPIC_REG_ID)
			m->hw.write(m->hw.ctx, reg, value); /* version, arbitration: read-only */
		return;
	}
	if (reg & 1)
		m->rte[pin] = (m->rte[pin] & 0xffffffffull) | (uint64_t)value << 32;
	else
		m->rte[pin] = (m->rte[pin] & ~0xffffffffull) | (value & ~(uint32_t)RTE_READ_ONLY);
	program(m, (unsigned)pin);
}

bool ioapic_model_read(struct ioapic_model *m, uint64_t offset, unsigned width, uint64_t *value)
{
	if (width != 4)
		return false;
	switch (offset) {
	case IOAPIC_IOREGSEL:
		*value = m->ioregsel;
		return true;
	case IOAPIC_IOWIN:
		*value = window_read(m);
		return true;
	default:
		return false;
	}
}

bool ioapic_model_write(struct ioapic_model *m, uint64_t offset, unsigned width, uint64_t value)
{
	if (width != 4)
		return false;
	switch (offset) {
	case IOAPIC_IOREGSEL:
		m->ioregsel = (uint32_t)value & 0xff;
		return true;
	case IOAPIC_IOWIN:
		window_write(m, (uint32_t)value);
		return true;
	case IOAPIC_EOI:
		m->hw.eoi(m->hw.ctx, (uint32_t)value & 0xff);
		return true;
	default:
		return false;
	}
}

static bool dev_read(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
		     uint64_t *value)
{
	(void)v;
	return ioapic_model_read(d->priv, offset, width, value);
}

static bool dev_write(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
		      uint64_t value)
{
	(void)v;
	return ioapic_model_write(d->priv, offset, width, value);
}

void ioapic_model_device(struct ioapic_model *m, uint64_t base, struct mmio_device *d)
{
	*d = (struct mmio_device){ .name = "ioapic", .base = base, .size = IOAPIC_MMIO_SIZE,
				   .read = dev_read, .write = dev_write, .priv = m };
}
