/*
 * guest.c - boot_main for test guests: serial and exceptions up, parse the
 * Multiboot2 info, run guest_main, print the verdict, power off.
 */
#include "guest.h"
#include "lib/poweroff.h"
#include "lib/uart16550.h"
#include "trap.h"

static struct mb2_info boot_info;

const struct mb2_info *guest_boot_info(void)
{
	return &boot_info;
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
