/*
 * irq/route.h - the device table and the steering rule of DESIGN.md
 * section 3: each interrupt source is dedicated to L2 or shared with the
 * hypervisor; a dedicated source's IOAPIC redirection entry or MSI address
 * must point at a CPU whose interception is off (direct), a shared one's at
 * a CPU whose interception is on. A route that breaks the rule is corrected
 * to the first CPU that fits (physical destination mode) and the caller logs
 * it. Local interrupts (LAPIC timer, IPIs, LINT0/1) are per CPU: they follow
 * that CPU's policy and are not routed.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_route.c.
 */
#ifndef HV_IRQ_ROUTE_H
#define HV_IRQ_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"
#include "irq/policy.h"

enum irq_sharing { IRQ_DEDICATED, IRQ_SHARED };

struct irq_source {
	const char *name;
	uint8_t isa_irq;         /* the ISA IRQ; its GSI comes from the MADT's overrides */
	enum irq_sharing sharing;
};

/* The machine's CPUs as routes name them, and their policy. */
struct irq_cpus {
	unsigned n;
	const uint32_t *apic_id; /* by CPU index */
	const struct irq_policy *policy;
};

enum irq_route_result {
	IRQ_ROUTE_KEPT,          /* within the policy, or nothing to route (masked, NMI, INIT...) */
	IRQ_ROUTE_CORRECTED,     /* *out differs: the destination was moved */
	IRQ_ROUTE_NO_CPU,        /* breaks the policy, but no CPU has the needed mode: kept */
};

/* IOAPIC redirection-table entry fields (82093AA datasheet 3.2.4). */
#define RTE_VECTOR(rte)		((unsigned)(rte) & 0xff)
#define RTE_DELIVERY(rte)	(((unsigned)(rte) >> 8) & 7)
#define RTE_DELIVERY_FIXED	0
#define RTE_DELIVERY_LOWEST	1
#define RTE_LOGICAL		(1ull << 11)
#define RTE_DELIVERY_STATUS	(1ull << 12) /* read-only */
#define RTE_REMOTE_IRR		(1ull << 14) /* read-only */
#define RTE_MASKED		(1ull << 16)
#define RTE_DEST_SHIFT		56
#define RTE_DEST(rte)		((unsigned)((rte) >> RTE_DEST_SHIFT))

/* MSI address fields (SDM Vol. 3A 11.11.1). */
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DEST_MASK	(0xffull << MSI_ADDR_DEST_SHIFT)
#define MSI_ADDR_LOGICAL	(1ull << 2)

/* The source wired to GSI (ISA IRQs moved by the MADT's OVERRIDES), or NULL. */
const struct irq_source *irq_source_for_gsi(unsigned gsi, const struct acpi_irq_override *ov,
					    unsigned n_ov);
/* A GSI's sharing: its source's, dedicated for every other (PCI INTx) line. */
enum irq_sharing irq_sharing_for_gsi(unsigned gsi, const struct acpi_irq_override *ov,
				     unsigned n_ov);

/* Checks redirection entry RTE of a source with SHARING; *out the entry to program. */
enum irq_route_result irq_route_rte(uint64_t rte, enum irq_sharing sharing,
				    const struct irq_cpus *cpus, uint64_t *out);
/* The same for an MSI address (the data word holds nothing routed). */
enum irq_route_result irq_route_msi(uint64_t addr, enum irq_sharing sharing,
				    const struct irq_cpus *cpus, uint64_t *out);

const char *irq_sharing_name(enum irq_sharing s);

#endif
