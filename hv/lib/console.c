/*
 * console.c - one line, one buffer, one UART write.
 */
#include "lib/console.h"
#include "lib/format.h"
#include "lib/uart16550.h"

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
	uart_write(COM1_PORT, line, (unsigned)len);
}
