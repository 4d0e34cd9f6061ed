/*
 * platform_check.h - the mb1 guest's look at the PC platform: COM1, ACPI
 * (RSDP in the BIOS area, MADT, FADT) and the PM timer.
 */
#ifndef GUESTS_MB1_PLATFORM_CHECK_H
#define GUESTS_MB1_PLATFORM_CHECK_H

/* Prints "@guest com1", "@guest acpi" and "@guest pm-timer"; the MADT's enabled CPUs (0: none found). */
unsigned report_platform(void);

#endif
