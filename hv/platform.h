/*
 * platform.h - what the firmware's ACPI tables say about the machine: the
 * CPUs (MADT) and, for later users, the validated table root.
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stdbool.h>

#include "acpi.h"
#include "multiboot2.h"

extern struct acpi_root platform_acpi;
extern struct acpi_madt platform_madt;
extern bool platform_has_madt;

/* Validates the RSDP GRUB passed and reads the MADT; logs what it found. */
void platform_init(const struct mb2_info *mbi);

#endif
