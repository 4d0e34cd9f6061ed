/*
 * irq/ecam.h - PCIe's memory-mapped configuration space (ECAM, "MMCONFIG";
 * PCIe Base 3.0 7.2.2; windows listed by ACPI's MCFG table) under
 * msi_model=on: L2's accesses to a window are decoded into bus, device,
 * function and register and go through the same model as its 0xCF8/0xCFC
 * accesses (irq/msi.h), so an OS that prefers ECAM (Linux does where MCFG
 * offers it) cannot program an MSI or MSI-X address past the policy.
 * Pure logic: it also builds hosted, for tests/unit/test_irq_ecam.c.
 */
#ifndef HV_IRQ_ECAM_H
#define HV_IRQ_ECAM_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"
#include "irq/msi.h"

/* 4 KiB per function, 8 functions per device, 32 devices per bus. */
#define ECAM_BUS_SHIFT 20
#define ECAM_DEVFN_SHIFT 12

/* A window's first byte: MCFG's base address names bus 0's (Linux reads it so too). */
static inline uint64_t ecam_window_base(const struct acpi_mcfg_entry *w)
{
	return w->base + ((uint64_t)w->bus_start << ECAM_BUS_SHIFT);
}

/* The bytes a window spans: 1 MiB per bus. */
static inline uint64_t ecam_window_size(const struct acpi_mcfg_entry *w)
{
	return ((uint64_t)(w->bus_end - w->bus_start) + 1) << ECAM_BUS_SHIFT;
}

/* Decodes OFFSET from W's first byte: function *BDF, register *REG; false past the window. */
bool ecam_decode(const struct acpi_mcfg_entry *w, uint64_t offset, uint16_t *bdf, uint16_t *reg);
/*
 * L2's access of WIDTH (1, 2, 4, 8) bytes at OFFSET from W's first byte, through M: cut
 * at dword boundaries into configuration accesses of 1, 2 or 4 bytes (a
 * qword is two dwords, as a host bridge splits it). False past the window.
 */
bool ecam_read(struct msi_model *m, const struct acpi_mcfg_entry *w, uint64_t offset,
	       unsigned width, uint64_t *value);
bool ecam_write(struct msi_model *m, const struct acpi_mcfg_entry *w, uint64_t offset,
		unsigned width, uint64_t value);

#endif
