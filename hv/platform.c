/*
 * platform.c - ACPI discovery through the identity map: every table below
 * 4 GiB is readable where it lies. Without usable tables the hypervisor
 * runs on the boot CPU alone and says so.
 */
#include "log.h"
#include "platform.h"

#define IDENTITY_MAPPED_END (4ull << 30)

struct acpi_root platform_acpi;
struct acpi_madt platform_madt;
bool platform_has_madt;

static const void *identity_map(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	if (phys >= IDENTITY_MAPPED_END || len > IDENTITY_MAPPED_END - phys)
		return NULL;
	return (const void *)(uintptr_t)phys;
}

void platform_init(const struct mb2_info *mbi)
{
	struct acpi_table madt;
	enum acpi_error err = ACPI_ERR_NOT_FOUND;

	if (mbi->rsdp)
		err = acpi_init(&platform_acpi, mbi->rsdp, mbi->rsdp_len, identity_map, NULL);
	if (err == ACPI_OK)
		err = acpi_find_table(&platform_acpi, "APIC", &madt);
	if (err == ACPI_OK)
		err = acpi_parse_madt(madt.data, madt.length, &platform_madt);
	platform_has_madt = err == ACPI_OK;
	if (!platform_has_madt) {
		log_warn("no usable ACPI MADT (%s): running on the boot CPU only",
			 mbi->rsdp ? acpi_strerror(err) : "no RSDP from the boot loader");
		return;
	}
	log_info("ACPI: OEM \"%s\", %u CPUs, %u IOAPICs, local APIC at %#lx",
		 platform_acpi.oem_id, platform_madt.n_cpus, platform_madt.n_ioapics,
		 platform_madt.lapic_addr);
	log_mline("acpi", "oem=\"%s\" cpus=%u ioapics=%u lapic=%#lx", platform_acpi.oem_id,
		  platform_madt.n_cpus, platform_madt.n_ioapics, platform_madt.lapic_addr);
}
