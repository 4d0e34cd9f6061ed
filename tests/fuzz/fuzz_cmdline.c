/*
 * fuzz_cmdline.c - libFuzzer target: the hypervisor's real option table
 * (hv/options.c) through the command-line parser (hv/cmdline.c), each error
 * message formatted as the boot log would, then the "@hv options" line.
 * The log functions format into a buffer here instead of the serial port.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/format.h"
#include "log.h"
#include "options.h"

enum log_level log_level;

/* Formats like the serial log would, so format bugs surface here too. */
static void format_line(const char *fmt, va_list ap)
{
	char line[512];

	hv_vsnprintf(line, sizeof(line), fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	format_line(fmt, ap);
	va_end(ap);
}

void log_mline(const char *kind, const char *fmt, ...)
{
	va_list ap;

	(void)kind;
	va_start(ap, fmt);
	format_line(fmt, ap);
	va_end(ap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_options defaults;
	static int saved;
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	if (!saved++)
		defaults = hv_opts;
	hv_opts = defaults;
	memcpy(line, data, size);
	line[size] = '\0'; /* GRUB's command line is a C string */
	options_parse(line);
	options_log();
	free(line);
	return 0;
}
