/*
 * test_irq_route.c - the device table (ISA overrides) and the steering
 * rule: kept, corrected to the first fitting CPU, or no CPU fits; IOAPIC
 * entries and MSI addresses.
 */
#include "check.h"
#include "irq/route.h"

static const uint32_t ids[3] = { 0, 2, 5 };

int main(void)
{
	struct irq_policy pol = { .intercept = 1u << 1 }; /* CPU 1 (APIC ID 2) intercepts */
	struct irq_cpus cpus = { .n = 3, .apic_id = ids, .policy = &pol };
	struct acpi_irq_override ov[] = { { .bus = 0, .source = 0, .gsi = 2 } };
	uint64_t out;

	CHECK_STR(irq_source_for_gsi(2, ov, 1)->name, "pit");
	CHECK(irq_source_for_gsi(0, ov, 1) == NULL);
	CHECK_STR(irq_source_for_gsi(0, NULL, 0)->name, "pit");
	CHECK_EQ(irq_sharing_for_gsi(4, ov, 1), IRQ_SHARED);
	CHECK_EQ(irq_sharing_for_gsi(8, ov, 1), IRQ_DEDICATED);
	CHECK_EQ(irq_sharing_for_gsi(19, ov, 1), IRQ_DEDICATED); /* PCI INTx */

	/* Dedicated to APIC ID 0 (direct): kept. */
	uint64_t rte = 0x30 | (0ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_KEPT);
	CHECK_EQ(out, rte);
	/* Dedicated to APIC ID 2 (intercept): moved to APIC ID 0, fixed physical. */
	rte = 0x31 | RTE_DELIVERY_LOWEST << 8 | (2ull << 56) | (1u << 15);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0x31 | (1u << 15));
	/* Shared to APIC ID 5 (direct): moved to APIC ID 2. */
	rte = 0x32 | (5ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_SHARED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0x32 | (2ull << 56));
	/* Logical and broadcast destinations cannot be resolved: physical to a fitting CPU. */
	rte = 0x33 | RTE_LOGICAL | (0xffull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_SHARED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0x33 | (2ull << 56));
	rte = 0x34 | (0xffull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0x34);
	/* Masked entries and NMI/ExtINT delivery are not steered. */
	rte = 0x35 | RTE_MASKED | (2ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_KEPT);
	CHECK_EQ(out, rte);
	rte = 7u << 8 | (2ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_KEPT);
	/* An unknown APIC ID breaks the rule too. */
	rte = 0x36 | (9ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_SHARED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0x36 | (2ull << 56));

	/* Every CPU the same: a logical destination fits, or nothing can. */
	pol.intercept = 0;
	rte = 0x40 | RTE_LOGICAL | (3ull << 56);
	CHECK_EQ(irq_route_rte(rte, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_KEPT);
	CHECK_EQ(irq_route_rte(rte, IRQ_SHARED, &cpus, &out), IRQ_ROUTE_NO_CPU);
	CHECK_EQ(out, rte);

	/* MSI: destination ID in bits 19:12, logical in bit 2. */
	pol.intercept = 1u << 1;
	uint64_t addr = 0xfee00000 | (5u << 12);
	CHECK_EQ(irq_route_msi(addr, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_KEPT);
	CHECK_EQ(irq_route_msi(addr, IRQ_SHARED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0xfee00000 | (2u << 12));
	addr = 0xfee00000 | (1u << 12) | MSI_ADDR_LOGICAL | 8;
	CHECK_EQ(irq_route_msi(addr, IRQ_DEDICATED, &cpus, &out), IRQ_ROUTE_CORRECTED);
	CHECK_EQ(out, 0xfee00000 | 8);
	CHECK_STR(irq_sharing_name(IRQ_SHARED), "shared");
	return check_failures ? 1 : 0;
}
