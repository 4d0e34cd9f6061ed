/*
 * console.c - one line, one buffer, one UART write under a lock, so lines
 * from different CPUs never interleave.
 */
#include "lib/console.h"
#include "lib/format.h"
#include "lib/spinlock.h"
#include "lib/uart16550.h"

static struct spinlock console_lock;

void console_vline(const char *prefix, const char *fmt, va_list ap, bool newline)
{
	char line[CONSOLE_LINE_MAX];
	int n = hv_snprintf(line, sizeof(line), "%s", prefix);
	int len = n + hv_vsnprintf(line + n, sizeof(line) - (unsigned)n, fmt, ap);

	if (len > CONSOLE_LINE_MAX - 5) {
		len = CONSOLE_LINE_MAX - 5;
		line[len++] = '.';
		line[len++] = '.';
		line[len++] = '.';
	}
	if (newline)
		line[len++] = '\n';
	spin_lock(&console_lock);
	uart_write(COM1_PORT, line, (unsigned)len);
	spin_unlock(&console_lock);
}
