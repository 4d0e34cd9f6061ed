/*
 * log.c - level filtering and the "hv: " / "@hv <kind> " prefixes; the
 * lines themselves go out whole through lib/console.
 */
#include <stdarg.h>

#include "lib/console.h"
#include "lib/format.h"
#include "lib/uart16550.h"
#include "log.h"

enum log_level log_level = LOG_INFO;

static const char *const level_prefix[] = {
	[LOG_ERROR] = "hv: error: ",
	[LOG_WARN] = "hv: warning: ",
	[LOG_INFO] = "hv: ",
	[LOG_DEBUG] = "hv: debug: ",
};

void log_init(void)
{
	uart_init(COM1_PORT);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	console_vline(level_prefix[level], fmt, ap, true);
	va_end(ap);
}

void log_mline(const char *kind, const char *fmt, ...)
{
	char prefix[48];
	va_list ap;

	hv_snprintf(prefix, sizeof(prefix), "@hv %s ", kind);
	va_start(ap, fmt);
	console_vline(prefix, fmt, ap, true);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vline("", fmt, ap, false);
	va_end(ap);
}
