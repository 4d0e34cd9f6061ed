/*
 * guest_options.h - a test guest's command line, parsed by hv/cmdline.c's
 * option tables (the hypervisor's own parser), with the first error
 * printed as a machine line.
 */
#ifndef GUESTS_LIB_GUEST_OPTIONS_H
#define GUESTS_LIB_GUEST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"

/*
 * Parses cmdline into 'out' by table[0..n); on an error prints
 * "@guest ERROR_KIND reason=..." and returns false.
 */
bool guest_parse_options(const char *cmdline, const struct opt_def *table, size_t n, void *out,
			 const char *error_kind);

#endif
