/*
 * guest_options.c - the command-line parsing every test guest with options
 * shares (guest_options.h).
 */
#include "guest.h"
#include "guest_options.h"

bool guest_parse_options(const char *cmdline, const struct opt_def *table, size_t n, void *out,
			 const char *error_kind)
{
	struct cmdline_error err;
	char msg[160];

	if (!cmdline_parse(cmdline, table, n, out, &err, 1))
		return true;
	cmdline_error_format(&err, table, n, msg, sizeof(msg));
	guest_mline(error_kind, "reason=\"%s\"", msg);
	return false;
}
