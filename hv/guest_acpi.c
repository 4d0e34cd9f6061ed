/*
 * guest_acpi.c - reads the ACPI tables through L2's eyes: only memory below
 * 4 GiB (the hypervisor's identity map) that is not the hypervisor's own, so
 * the hypervisor relies on no table that L2 could not read itself.
 */
#include "boot_mem.h"
#include "guest_acpi.h"
#include "log.h"

#define IDENTITY_MAPPED_END (4ull << 30)
#define RSDP_LEN 36 /* an ACPI 2.0+ RSDP; a 1.0 one is the first 20 bytes (5.2.5.3) */

static struct guest_acpi tables;
static bool looked;

/* acpi_map_fn: physical memory L2 can read, as the hypervisor sees it. */
static const void *guest_visible(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	if (phys >= IDENTITY_MAPPED_END || len > IDENTITY_MAPPED_END - phys ||
	    hv_private_overlaps(phys, len))
		return NULL;
	return (const void *)(uintptr_t)phys;
}

/* The FADT under the RSDP at tables.rsdp_phys, if it is there and sound. */
static enum acpi_error find_fadt(void)
{
	struct acpi_root root;
	struct acpi_table fadt;
	enum acpi_error err;
	const void *rsdp = guest_visible(tables.rsdp_phys, RSDP_LEN, NULL);

	err = acpi_init(&root, rsdp, rsdp ? RSDP_LEN : 0, guest_visible, NULL);
	if (!err)
		err = acpi_find_table(&root, "FACP", &fadt);
	if (!err)
		err = acpi_parse_fadt(fadt.data, fadt.length, &tables.fadt);
	tables.has_fadt = err == ACPI_OK;
	return err;
}

/* Logs the registers that power-off and reset go through. */
static void log_fadt(void)
{
	const struct acpi_fadt *f = &tables.fadt;

	log_info("L2 ACPI: RSDP at %#lx, FADT revision %u: PM1a_CNT %#lx, PM1b_CNT %#lx, "
		 "reset register %s %#lx", tables.rsdp_phys, f->revision, f->pm1a_cnt.addr,
		 f->pm1b_cnt.addr, f->reset_supported ? "at" : "none", f->reset_reg.addr);
	log_mline("guest-acpi", "rsdp=%#lx fadt_rev=%u pm1a_cnt=%#lx pm1a_space=%u "
		  "pm1b_cnt=%#lx reset_reg=%#lx reset_space=%u reset_value=%#x",
		  tables.rsdp_phys, f->revision, f->pm1a_cnt.addr, f->pm1a_cnt.space,
		  f->pm1b_cnt.addr, f->reset_supported ? f->reset_reg.addr : 0,
		  f->reset_reg.space, f->reset_value);
}

const struct guest_acpi *guest_acpi_get(void)
{
	enum acpi_error err;

	if (looked)
		return &tables;
	looked = true;
	err = acpi_rsdp_find(guest_visible, NULL, &tables.rsdp_phys);
	if (!err)
		err = find_fadt();
	if (err)
		log_warn("L2 ACPI: no usable FADT (%s): ACPI power-off and reset are not "
			 "watched", acpi_strerror(err));
	else
		log_fadt();
	return &tables;
}
