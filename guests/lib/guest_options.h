/*
 * guest_options.h - a test guest's command line through hv/cmdline.c's
 * option tables, the first error reported as a machine line.
 */
#ifndef GUESTS_LIB_GUEST_OPTIONS_H
#define GUESTS_LIB_GUEST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"

/*
 * Parses 'cmdline' into 'out' by 'table'; on an error prints
 * "@guest ERROR_KIND reason=..." for the first one and returns false.
 */
bool guest_parse_options(const char *cmdline, const struct opt_def *table, size_t n, void *out,
			 const char *error_kind);

#endif
