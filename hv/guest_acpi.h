/*
 * guest_acpi.h - the firmware's ACPI tables as L2 finds them: the RSDP at
 * the address the firmware put it, and the FADT's power-management registers.
 */
#ifndef HV_GUEST_ACPI_H
#define HV_GUEST_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"

struct guest_acpi {
	uint64_t rsdp_phys;    /* 0: none found */
	bool has_fadt;
	struct acpi_fadt fadt;
};

/* Finds the tables on first use and logs what it found; never fails. */
const struct guest_acpi *guest_acpi_get(void);

#endif
