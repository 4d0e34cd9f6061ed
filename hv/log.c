/*
 * log.c - formats each line into a buffer and writes it to COM1 in one go,
 * so lines stay whole; lines longer than the buffer are cut, marked with "...".
 */
#include <stdarg.h>

#include "lib/format.h"
#include "lib/uart16550.h"
#include "log.h"

#define LINE_MAX 512

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

/* Formats prefix + fmt (+ "\n") into one line and sends it. */
static void emit_line(const char *prefix, const char *fmt, va_list ap, int newline)
{
	char line[LINE_MAX];
	int n = hv_snprintf(line, sizeof(line), "%s", prefix);
	int m = hv_vsnprintf(line + n, sizeof(line) - (unsigned)n, fmt, ap);
	int len = n + m;

	if (len > LINE_MAX - 5) {
		len = LINE_MAX - 5;
		line[len++] = '.';
		line[len++] = '.';
		line[len++] = '.';
	}
	if (newline)
		line[len++] = '\n';
	uart_write(COM1_PORT, line, (unsigned)len);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	emit_line(level_prefix[level], fmt, ap, 1);
	va_end(ap);
}

void log_mline(const char *kind, const char *fmt, ...)
{
	char prefix[48];
	va_list ap;

	hv_snprintf(prefix, sizeof(prefix), "@hv %s ", kind);
	va_start(ap, fmt);
	emit_line(prefix, fmt, ap, 1);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_line("", fmt, ap, 0);
	va_end(ap);
}
