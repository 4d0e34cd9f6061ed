/*
 * guest.c - boot_main for test guests: serial and exceptions up, parse the
 * Multiboot2 info, run guest_main, print the verdict, power off.
 */
#include <stdarg.h>

#include "guest.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/poweroff.h"
#include "lib/uart16550.h"
#include "trap.h"

static struct mb2_info boot_info;

const struct mb2_info *guest_boot_info(void)
{
	return &boot_info;
}

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

void guest_finish(bool pass, const char *reason)
{
	guest_mline("verdict", "result=%s reason=%s", pass ? "pass" : "fail", reason);
	power_off(pass);
}

void boot_main(uint32_t magic, uint64_t info)
{
	enum mb2_error err;

	uart_init(COM1_PORT);
	trap_init();
	/* The loader is trusted: its own total_size bounds the walk. */
	err = mb2_parse(magic, (const void *)(uintptr_t)info, UINT32_MAX, &boot_info, NULL);
	if (err != MB2_OK) {
		guest_mline("boot-info-error", "error=\"%s\"", mb2_strerror(err));
		guest_finish(false, "bad-boot-info");
	}
	guest_finish(guest_main(boot_info.cmdline), "guest-main");
}
