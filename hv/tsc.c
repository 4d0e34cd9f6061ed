/*
 * tsc.c - PIT channel 2 in mode 0 counts 10 ms down with the speaker gate
 * (port 0x61) raised; its OUT bit rising marks the end. Under Bochs both the
 * PIT and the TSC follow emulated time, so the result is Bochs' ips.
 */
#include "log.h"
#include "tsc.h"
#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define CALIBRATE_MS 10

uint64_t tsc_hz;

void tsc_calibrate(void)
{
	uint16_t count = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t t0, t1;
	unsigned long spins = 0;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2) && ++spins < 100000000ul)
		;
	t1 = rdtsc();
	tsc_hz = (t1 - t0) * (1000 / CALIBRATE_MS);
	log_info("TSC: %lu kHz (against the PIT over %u ms)", tsc_hz / 1000, CALIBRATE_MS);
	log_mline("tsc", "khz=%lu", tsc_hz / 1000);
}
