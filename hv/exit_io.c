/*
 * exit_io.c - I/O instructions on the ports the I/O bitmap makes exit. The
 * hypervisor itself plays the power-off ports of its L0s, QEMU's
 * isa-debug-exit at 0xf4 (the written value is the guest's exit code, 0 =
 * pass) and Bochs' shutdown port 0x8900 ("Shutdown"), QEMU's fw_cfg
 * (qemu_devices.c), and a port for measuring an emulated access, 0xe0. Every other port that exits is a real
 * device the hypervisor only watches (guest_power.h): the access is done on
 * it for L2. Exit qualification: SDM Vol. 3C Table 28-5.
 */
#include "exit.h"
#include "exit_setup.h"
#include "guest_power.h"
#include "guest_stop.h"
#include "io_bitmap.h"
#include "log.h"
#include "qemu_devices.h"
#include "vmx.h"
#include "x86.h"

#define DEBUG_EXIT_PORT QEMU_DEBUG_EXIT_PORT
#define DEBUG_EXIT_LEN QEMU_DEBUG_EXIT_LEN
#define BOCHS_SHUTDOWN_PORT 0x8900
#define BENCH_PORT 0xe0
#define BENCH_VALUE 0xe0e0e0e0u /* what IN reads there: the port number in each byte */

struct io_access {
	uint16_t port;
	unsigned size; /* bytes: 1, 2 or 4 */
	bool in, string;
};

static struct io_access decode(uint64_t qual)
{
	return (struct io_access){
		.port = (uint16_t)(qual >> 16),
		.size = (unsigned)(qual & 7) + 1,
		.in = qual & (1u << 3),
		.string = qual & (1u << 4),
	};
}

/* Counts the bytes of "Shutdown" written in order to the Bochs port. */
static bool bochs_shutdown_byte(uint8_t c)
{
	static const char word[] = "Shutdown";
	static unsigned matched;

	matched = (c == (uint8_t)word[matched]) ? matched + 1 : (c == 'S');
	return matched == sizeof(word) - 1;
}

void io_ports_init(void)
{
	io_bitmap_init();
	io_bitmap_intercept(DEBUG_EXIT_PORT, DEBUG_EXIT_LEN);
	io_bitmap_intercept(BOCHS_SHUTDOWN_PORT, 1);
	io_bitmap_intercept(BENCH_PORT, 1);
}

/* IN's result into RAX: AL/AX keep the rest, EAX zero-extends (SDM Vol. 1 3.4.1.1). */
static void set_in_result(struct vcpu *v, unsigned size, uint32_t value)
{
	uint64_t mask = size == 4 ? ~0ull : (1ull << (8 * size)) - 1;

	v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~mask) | (value & mask);
}

/* OUT of 'size' bytes to the real port. */
static void port_out(uint16_t port, unsigned size, uint32_t value)
{
	if (size == 1)
		outb(port, (uint8_t)value);
	else if (size == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
}

/* IN of 'size' bytes from the real port. */
static uint32_t port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

/* The L0 power-off ports; reads find no device there: all ones. */
static bool play_l0_port(struct vcpu *v, const struct io_access *a, uint32_t value)
{
	bool debug_exit = a->port >= DEBUG_EXIT_PORT &&
			  a->port < DEBUG_EXIT_PORT + DEBUG_EXIT_LEN;

	if (!debug_exit && a->port != BOCHS_SHUTDOWN_PORT)
		return false;
	if (a->in) {
		set_in_result(v, a->size, ~0u);
	} else if (debug_exit) {
		log_info("L2 wrote %#x to isa-debug-exit (QEMU would exit with %u)", value,
			 (value << 1) | 1);
		log_mline("guest-exit", "device=isa-debug-exit code=%u qemu_status=%u", value,
			  (value << 1) | 1);
		guest_stop_exit_code(v, value);
	} else if (bochs_shutdown_byte((uint8_t)value)) {
		log_mline("guest-exit", "device=bochs-shutdown");
		guest_stop(v, true, "guest-shutdown");
	}
	return true;
}

/* The ports the hypervisor plays itself; false for a device's port. */
static bool play_own_port(struct vcpu *v, const struct io_access *a, uint32_t value)
{
	if (fw_cfg_port_io(a->port, a->size, a->in, &value)) {
		if (a->in)
			set_in_result(v, a->size, value);
		return true;
	}
	if (a->port != BENCH_PORT)
		return play_l0_port(v, a, value);
	if (a->in)
		set_in_result(v, a->size, BENCH_VALUE);
	return true;
}

void handle_io(struct vcpu *v)
{
	struct io_access a = decode(vmread(VMCS_EXIT_QUALIFICATION));
	uint32_t value = (uint32_t)v->gpr[GPR_RAX];

	if (a.size != 4)
		value &= (1u << (8 * a.size)) - 1;
	if (a.string) {
		log_error("L2 %sS port %#x (%u bytes): string I/O to an intercepted port is "
			  "not emulated", a.in ? "IN" : "OUT", a.port, a.size);
		guest_stop(v, false, "unhandled-io");
	}
	if (!play_own_port(v, &a, value)) {
		if (a.in) {
			set_in_result(v, a.size, port_in(a.port, a.size));
		} else {
			guest_power_write(v, a.port, a.size, value);
			port_out(a.port, a.size, value);
		}
	}
	skip_instruction();
}
