/*
 * guest.h - the runtime of the project's test guests: small Multiboot2
 * kernels that run directly on L0 (the native configuration) or as L2 under
 * the hypervisor, report on COM1 and end with a verdict line.
 */
#ifndef GUESTS_LIB_GUEST_H
#define GUESTS_LIB_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "multiboot2.h"

/* The guest's own code: returns true for pass. 'cmdline' is its command line. */
bool guest_main(const char *cmdline);

/* The boot information the loader gave: memory map, modules, command line. */
const struct mb2_info *guest_boot_info(void);

void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One machine line: "@guest " kind " " fields. */
void guest_mline(const char *kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "@guest check name=NAME result=pass|fail" and the details; returns 'ok'. */
bool guest_check(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prints the verdict line and powers off. */
__attribute__((noreturn)) void guest_finish(bool pass, const char *reason);

#endif
