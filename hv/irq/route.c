/*
 * irq/route.c - the device table of a PC's legacy interrupt sources and the
 * destination check behind IOAPIC and MSI steering.
 *
 * COM1 is shared: the hypervisor writes its log there too (polled; it takes
 * no interrupt of its own, so its serial and clock work under every policy).
 * Every other source is L2's alone, dedicated.
 */
#include <stddef.h>

#include "irq/route.h"

static const struct irq_source sources[] = {
	{ "pit", 0, IRQ_DEDICATED },
	{ "keyboard", 1, IRQ_DEDICATED },
	{ "com2", 3, IRQ_DEDICATED },
	{ "com1", 4, IRQ_SHARED },
	{ "rtc", 8, IRQ_DEDICATED },
	{ "acpi-sci", 9, IRQ_DEDICATED },
	{ "mouse", 12, IRQ_DEDICATED },
	{ "ide0", 14, IRQ_DEDICATED },
	{ "ide1", 15, IRQ_DEDICATED },
};

#define N_SOURCES (sizeof(sources) / sizeof(sources[0]))
#define BROADCAST_ID 0xff

/* ISA IRQ to GSI: identity unless an override moves it (ACPI 5.2.12.5). */
static unsigned isa_gsi(uint8_t irq, const struct acpi_irq_override *ov, unsigned n_ov)
{
	for (unsigned i = 0; i < n_ov; i++)
		if (ov[i].bus == 0 && ov[i].source == irq)
			return ov[i].gsi;
	return irq;
}

const struct irq_source *irq_source_for_gsi(unsigned gsi, const struct acpi_irq_override *ov,
					    unsigned n_ov)
{
	for (size_t i = 0; i < N_SOURCES; i++)
		if (isa_gsi(sources[i].isa_irq, ov, n_ov) == gsi)
			return &sources[i];
	return NULL;
}

enum irq_sharing irq_sharing_for_gsi(unsigned gsi, const struct acpi_irq_override *ov,
				     unsigned n_ov)
{
	const struct irq_source *s = irq_source_for_gsi(gsi, ov, n_ov);

	return s ? s->sharing : IRQ_DEDICATED;
}

static bool fits(const struct irq_cpus *c, unsigned cpu, enum irq_sharing s)
{
	return irq_policy_intercepts(c->policy, cpu) == (s == IRQ_SHARED);
}

/* The index of the CPU with APIC ID id, or -1. */
static int cpu_of(const struct irq_cpus *c, unsigned id)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->apic_id[i] == id)
			return (int)i;
	return -1;
}

/*
 * A destination (physical APIC ID, or a logical set we cannot resolve: we
 * do not know the LDRs L2 will program) checked against the rule; *dest the
 * fitting CPU's APIC ID when it must move.
 */
static enum irq_route_result check_dest(unsigned id, bool logical, enum irq_sharing s,
					const struct irq_cpus *c, unsigned *dest)
{
	int cpu = logical || id == BROADCAST_ID ? -1 : cpu_of(c, id);
	bool any_fits = false, all_fit = true;

	for (unsigned i = 0; i < c->n; i++) {
		any_fits |= fits(c, i, s);
		all_fit &= fits(c, i, s);
	}
	if (all_fit || (cpu >= 0 && fits(c, (unsigned)cpu, s)))
		return IRQ_ROUTE_KEPT;
	if (!any_fits)
		return IRQ_ROUTE_NO_CPU;
	for (unsigned i = 0; i < c->n; i++) {
		if (fits(c, i, s)) {
			*dest = c->apic_id[i];
			break;
		}
	}
	return IRQ_ROUTE_CORRECTED;
}

enum irq_route_result irq_route_rte(uint64_t rte, enum irq_sharing sharing,
				    const struct irq_cpus *cpus, uint64_t *out)
{
	unsigned dest = 0;
	enum irq_route_result r;

	*out = rte;
	if ((rte & RTE_MASKED) || (RTE_DELIVERY(rte) != RTE_DELIVERY_FIXED &&
				   RTE_DELIVERY(rte) != RTE_DELIVERY_LOWEST))
		return IRQ_ROUTE_KEPT; /* SMI, NMI, INIT, ExtINT: not steered */
	r = check_dest(RTE_DEST(rte), rte & RTE_LOGICAL, sharing, cpus, &dest);
	if (r == IRQ_ROUTE_CORRECTED)
		*out = (rte & ~(RTE_LOGICAL | 0xffull << RTE_DEST_SHIFT) & ~(7ull << 8)) |
		       (uint64_t)dest << RTE_DEST_SHIFT; /* fixed, physical */
	return r;
}

enum irq_route_result irq_route_msi(uint64_t addr, enum irq_sharing sharing,
				    const struct irq_cpus *cpus, uint64_t *out)
{
	unsigned dest = 0;
	enum irq_route_result r;

	*out = addr;
	r = check_dest((unsigned)((addr & MSI_ADDR_DEST_MASK) >> MSI_ADDR_DEST_SHIFT),
		       addr & MSI_ADDR_LOGICAL, sharing, cpus, &dest);
	if (r == IRQ_ROUTE_CORRECTED)
		*out = (addr & ~(MSI_ADDR_DEST_MASK | MSI_ADDR_LOGICAL)) |
		       (uint64_t)dest << MSI_ADDR_DEST_SHIFT;
	return r;
}

const char *irq_sharing_name(enum irq_sharing s)
{
	return s == IRQ_SHARED ? "shared" : "dedicated";
}
