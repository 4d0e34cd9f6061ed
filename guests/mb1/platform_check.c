/*
 * platform_check.c - what else a kernel for QEMU expects of the PC it boots
 * on: the ACPI RSDP in the BIOS area (ACPI 6.5, 5.2.5.1) with its MADT (the
 * CPUs) and FADT (the PM timer, counting at 3.579545 MHz), and COM1's line
 * status register. Found and read the way such a kernel would, with the
 * hypervisor's own ACPI parser (pure code); reported, judged by the tests.
 */
#include <stdint.h>

#include "acpi.h"
#include "guest.h"
#include "lib/uart16550.h"
#include "platform_check.h"
#include "x86.h"

#define FADT_PM_TMR_BLK 76 /* u32 port (ACPI 6.5, Table 5.9) */
#define PM_TMR_MASK 0xffffffu /* 24 bits unless FADT TMR_VAL_EXT */
#define PM_TMR_READS 1000
#define COM1_LSR (COM1_PORT + 5)
#define IDENTITY_MAPPED_END (4ull << 30)

/* boot64.S identity-maps the low 4 GiB. */
static const void *identity(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	if (phys >= IDENTITY_MAPPED_END || len > IDENTITY_MAPPED_END - phys)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* Ticks the PM timer advanced over PM_TMR_READS reads of it; 0 if it stood still. */
static uint32_t pm_timer_ticks(uint16_t port)
{
	uint32_t first = inl(port) & PM_TMR_MASK, last = first;

	for (int i = 0; i < PM_TMR_READS; i++)
		last = inl(port) & PM_TMR_MASK;
	return (last - first) & PM_TMR_MASK;
}

/* The FADT's PM timer port: a kernel's first clock. */
static void report_pm_timer(const struct acpi_root *root)
{
	struct acpi_table fadt;
	uint32_t port = 0;

	if (acpi_find_table(root, "FACP", &fadt) == ACPI_OK && fadt.length >= FADT_PM_TMR_BLK + 4)
		port = *(const uint32_t *)((const uint8_t *)fadt.data + FADT_PM_TMR_BLK);
	if (!port || port > 0xfffc) {
		guest_mline("pm-timer", "port=%#x skipped=\"no PM timer in the FADT\"", port);
		return;
	}
	guest_mline("pm-timer", "port=%#x ticks=%u reads=%u", port, pm_timer_ticks((uint16_t)port),
		    PM_TMR_READS);
}

unsigned report_platform(void)
{
	struct acpi_root root;
	struct acpi_table madt_table;
	static struct acpi_madt madt;
	uint64_t rsdp = 0;
	unsigned cpus = 0;
	enum acpi_error err = acpi_rsdp_find(identity, NULL, &rsdp);

	uart_flush(COM1_PORT);
	guest_mline("com1", "port=%#x lsr=%#x", COM1_PORT, inb(COM1_LSR));
	if (!err)
		err = acpi_init(&root, identity(rsdp, 36, NULL), 36, identity, NULL);
	if (!err)
		err = acpi_find_table(&root, "APIC", &madt_table);
	if (!err)
		err = acpi_parse_madt(madt_table.data, madt_table.length, &madt);
	if (err) {
		guest_mline("acpi", "rsdp=%#lx error=\"%s\"", rsdp, acpi_strerror(err));
		return 0;
	}
	for (unsigned i = 0; i < madt.n_cpus; i++)
		cpus += madt.cpus[i].enabled;
	guest_mline("acpi", "rsdp=%#lx oem=\"%s\" revision=%u madt_cpus=%u ioapics=%u lapic=%#lx",
		    rsdp, root.oem_id, root.revision, cpus, madt.n_ioapics, madt.lapic_addr);
	report_pm_timer(&root);
	return cpus;
}
