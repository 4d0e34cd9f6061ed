/*
 * guest_out.c - the test guests' output on COM1: whole lines, human or
 * machine ("@guest kind key=value ..."), shared by every guest runtime
 * (guest.c for Multiboot2 guests, the mb1 guest's own).
 */
#include <stdarg.h>

#include "guest.h"
#include "lib/console.h"
#include "lib/format.h"

void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console_vline("", fmt, ap, false);
	va_end(ap);
}

void guest_mline(const char *kind, const char *fmt, ...)
{
	char prefix[48];
	va_list ap;

	hv_snprintf(prefix, sizeof(prefix), "@guest %s ", kind);
	va_start(ap, fmt);
	console_vline(prefix, fmt, ap, true);
	va_end(ap);
}

bool guest_check(const char *name, bool ok, const char *fmt, ...)
{
	char prefix[96];
	va_list ap;

	hv_snprintf(prefix, sizeof(prefix), "@guest check name=%s result=%s ", name,
		    ok ? "pass" : "fail");
	va_start(ap, fmt);
	console_vline(prefix, fmt, ap, true);
	va_end(ap);
	return ok;
}
