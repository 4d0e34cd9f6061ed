/*
 * poweroff.c - Bochs ends on the string "Shutdown" written to port 0x8900;
 * QEMU ends on a write to isa-debug-exit (the launcher puts it at 0xf4).
 * Each L0 ignores the other's port, so both are tried.
 */
#include <stdint.h>

#include "lib/poweroff.h"
#include "lib/uart16550.h"
#include "x86.h"

#define BOCHS_SHUTDOWN_PORT 0x8900
#define QEMU_DEBUG_EXIT_PORT 0xf4

void power_off(bool pass)
{
	/* QEMU exits with status (value << 1) | 1: 1 for pass, 3 for fail. */
	power_off_code(pass ? 0 : 1);
}

void power_off_code(uint32_t code)
{
	static const char shutdown[] = "Shutdown";

	uart_flush(COM1_PORT); /* the verdict line must reach the log whole */
	outl(QEMU_DEBUG_EXIT_PORT, code);
	for (const char *c = shutdown; *c; c++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*c);
	cpu_halt_forever();
}
