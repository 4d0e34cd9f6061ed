/*
 * guest.c - boot_main for test guests: serial up, find the command line in
 * the Multiboot2 info, run guest_main, print the verdict, power off.
 */
#include <stdarg.h>

#include "guest.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/poweroff.h"
#include "lib/uart16550.h"

#define MB2_MAGIC 0x36d76289u
#define MB2_TAG_CMDLINE 1

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

/* The command-line tag's string, or "" (the info was built by a trusted loader). */
static const char *find_cmdline(uint64_t info)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)info;
	uint32_t total = *(const uint32_t *)p;

	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = *(const uint32_t *)(p + off);
		uint32_t size = *(const uint32_t *)(p + off + 4);

		if (type == 0 || size < 8)
			break;
		if (type == MB2_TAG_CMDLINE)
			return (const char *)(p + off + 8);
		off += (size + 7) & ~7u;
	}
	return "";
}

void boot_main(uint32_t magic, uint64_t info)
{
	bool pass;

	uart_init(COM1_PORT);
	if (magic != MB2_MAGIC) {
		guest_mline("verdict", "result=fail reason=bad-boot-magic");
		power_off(false);
	}
	pass = guest_main(find_cmdline(info));
	guest_mline("verdict", "result=%s reason=guest-main", pass ? "pass" : "fail");
	power_off(pass);
}
