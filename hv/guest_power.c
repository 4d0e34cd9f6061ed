/*
 * guest_power.c - the power-off and reset registers stay L2's devices: every
 * access reaches them, but a write that would power off or reset the machine
 * ends the run instead, with the exit counters, as L2's clean exit.
 */
#include "guest_acpi.h"
#include "guest_power.h"
#include "guest_stop.h"
#include "io_bitmap.h"
#include "log.h"

#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK 7u
#define PM1_SLP_EN (1u << 13)
#define RST_CNT_PORT 0xcf9
#define RST_CNT_RST_CPU (1u << 2)
#define KBC_CMD_PORT 0x64
#define KBC_PULSE_MASK 0xf1u /* 0xf0-0xff pulse output lines; bit 0 clear: reset */
#define KBC_PULSE_RESET 0xf0u
#define MAX_WATCHED 5

/* One register whose writes are checked; 'port' is where a write must start. */
struct watched {
	const char *device;  /* the guest-exit line's name */
	uint16_t port;
	unsigned len;        /* bytes */
	bool (*fires)(const struct watched *w, uint32_t value);
	uint32_t reset_value;
	bool poweroff;       /* false: a reset */
};

static struct watched watched[MAX_WATCHED];
static unsigned n_watched;

/*
 * PM1 control: SLP_EN enters the sleep state SLP_TYP (ACPI 6.5, 4.8.3.2.1,
 * PM1 Control Registers). L2 has no sleep states but S5: any ends the run.
 */
static bool pm1_sleep(const struct watched *w, uint32_t value)
{
	(void)w;
	return value & PM1_SLP_EN;
}

/* The FADT's reset register resets on its RESET_VALUE (ACPI 6.5, 4.8.3.6). */
static bool acpi_reset(const struct watched *w, uint32_t value)
{
	return value == w->reset_value;
}

/* Reset Control Register: RST_CPU starts a reset (Intel PIIX4/ICH datasheets). */
static bool rst_cnt(const struct watched *w, uint32_t value)
{
	(void)w;
	return value & RST_CNT_RST_CPU;
}

/* 8042 "pulse output port" commands; output line 0 is the CPU reset. */
static bool kbc_pulse(const struct watched *w, uint32_t value)
{
	(void)w;
	return (value & KBC_PULSE_MASK) == KBC_PULSE_RESET;
}

/* Adds a register in I/O space; others (memory, PCI config) are not watched. */
static void watch(const char *device, const struct acpi_reg *reg, unsigned len,
		  bool (*fires)(const struct watched *, uint32_t), uint32_t reset_value)
{
	if (!reg->addr)
		return;
	if (reg->space != ACPI_SPACE_IO || reg->addr + len > 0x10000 || !len || len > 4) {
		log_warn("L2 %s register in address space %u at %#lx (%u bytes): not watched, "
			 "L2's write there reaches the machine", device, reg->space, reg->addr, len);
		return;
	}
	watched[n_watched++] = (struct watched){ device, (uint16_t)reg->addr, len, fires,
						 reset_value, fires == pm1_sleep };
	io_bitmap_intercept((uint16_t)reg->addr, len);
}

/* A register's width in bytes: the GAS's bit width, else 'dflt'. */
static unsigned reg_bytes(const struct acpi_reg *reg, unsigned dflt)
{
	return reg->bit_width ? reg->bit_width / 8u : dflt;
}

void guest_power_init(void)
{
	const struct guest_acpi *acpi = guest_acpi_get();
	const struct acpi_fadt *f = &acpi->fadt;
	const struct acpi_reg rst = { ACPI_SPACE_IO, 8, RST_CNT_PORT };
	const struct acpi_reg kbc = { ACPI_SPACE_IO, 8, KBC_CMD_PORT };

	if (acpi->has_fadt) {
		watch("acpi-pm1a-cnt", &f->pm1a_cnt, reg_bytes(&f->pm1a_cnt, 2), pm1_sleep, 0);
		watch("acpi-pm1b-cnt", &f->pm1b_cnt, reg_bytes(&f->pm1b_cnt, 2), pm1_sleep, 0);
		if (f->reset_supported)
			watch("acpi-reset", &f->reset_reg, reg_bytes(&f->reset_reg, 1),
			      acpi_reset, f->reset_value);
	}
	watch("pci-cf9", &rst, 1, rst_cnt, 0);
	watch("kbc", &kbc, 1, kbc_pulse, 0);
	for (unsigned i = 0; i < n_watched; i++)
		log_debug("L2 power: watching %s at port %#x", watched[i].device, watched[i].port);
}

/* Ends the run as L2 asked: power-off (a sleep state) or reset. */
static __attribute__((noreturn)) void stop(struct vcpu *v, const struct watched *w,
					  uint32_t value)
{
	log_info("L2 %s: %s wrote %#x to port %#x",
		 w->poweroff ? "powered off" : "reset the machine", w->device, value, w->port);
	if (w->poweroff)
		log_mline("guest-exit", "device=%s port=%#x value=%#x slp_typ=%u", w->device,
			  w->port, value, (value >> PM1_SLP_TYP_SHIFT) & PM1_SLP_TYP_MASK);
	else
		log_mline("guest-exit", "device=%s port=%#x value=%#x", w->device, w->port, value);
	guest_stop(v, true, w->poweroff ? "guest-poweroff" : "guest-reset");
}

void guest_power_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < n_watched; i++) {
		const struct watched *w = &watched[i];

		if (port == w->port && size <= w->len && w->fires(w, value))
			stop(v, w, value);
	}
}
