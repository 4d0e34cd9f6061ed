/*
 * exit_io.c - I/O instructions on the ports the I/O bitmap makes exit,
 * dispatched through one table of port owners (io_port_map.h) filled at
 * boot: each port the hypervisor plays is claimed with its handler, so an
 * exit costs one lookup whatever the number of devices. The hypervisor
 * plays the power-off ports of its L0s, QEMU's isa-debug-exit at 0xf4 (the
 * written value is the guest's exit code, 0 = pass) and Bochs' shutdown
 * port 0x8900 ("Shutdown"), QEMU's fw_cfg (qemu_devices.c), and a port for
 * measuring an emulated access, 0xe0. Every other port that exits is a
 * real device the hypervisor only watches (guest_power.h): the access is
 * done on it for L2. Exit qualification: SDM Vol. 3C Table 28-5.
 */
#include "exit.h"
#include "exit_io.h"
#include "exit_setup.h"
#include "guest_power.h"
#include "guest_stop.h"
#include "io_bitmap.h"
#include "io_port_map.h"
#include "log.h"
#include "panic.h"
#include "qemu_devices.h"
#include "vmx.h"
#include "x86.h"

#define DEBUG_EXIT_PORT QEMU_DEBUG_EXIT_PORT
#define DEBUG_EXIT_LEN QEMU_DEBUG_EXIT_LEN
#define BOCHS_SHUTDOWN_PORT 0x8900
#define BENCH_PORT 0xe0
#define BENCH_VALUE 0xe0e0e0e0u /* what IN reads there: the port number in each byte */
#define QUAL_SIZE 7u /* bytes - 1 */
#define QUAL_STRING (1u << 4)
#define OWNERS_MAX 16

static void device_port(struct vcpu *v, struct io_access a, uint32_t value);

static struct io_port_map port_map;
/* Owner 0 (IO_PORT_UNCLAIMED): a port exits for guest_power.h's watch only. */
static io_port_fn owners[OWNERS_MAX] = { device_port };
static unsigned n_owners = 1;

void io_port_claim(uint16_t first, unsigned count, io_port_fn fn)
{
	unsigned owner = 1;

	while (owner < n_owners && owners[owner] != fn)
		owner++;
	if (owner == OWNERS_MAX)
		panic("I/O ports %#x+%u: more than %u port handlers", first, count, OWNERS_MAX - 1);
	if (!io_port_map_claim(&port_map, first, count, (uint8_t)owner))
		panic("I/O ports %#x+%u: claimed twice, or past port 0xffff", first, count);
	owners[owner] = fn;
	n_owners += owner == n_owners;
	io_bitmap_intercept(first, count);
}

void io_port_out(uint16_t port, unsigned size, uint32_t value)
{
	if (size == 1)
		outb(port, (uint8_t)value);
	else if (size == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
}

uint32_t io_port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

/* A real device's port: the access done on it, a write first shown to guest_power.h. */
static void device_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	if (io_in(a)) {
		io_in_result(v, a, io_port_in(io_port(a), io_size(a)));
	} else {
		guest_power_write(v, io_port(a), io_size(a), value);
		io_port_out(io_port(a), io_size(a), value);
	}
}

/* QEMU's isa-debug-exit: a write ends the run with its exit code; reads find no device. */
static void debug_exit_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	if (io_in(a)) {
		io_in_result(v, a, ~0u);
		return;
	}
	log_info("L2 wrote %#x to isa-debug-exit (QEMU would exit with %u)", value,
		 (value << 1) | 1);
	log_mline("guest-exit", "device=isa-debug-exit code=%u qemu_status=%u", value,
		  (value << 1) | 1);
	guest_stop_exit_code(v, value);
}

/* Counts the bytes of "Shutdown" written in order to the Bochs port. */
static bool bochs_shutdown_byte(uint8_t c)
{
	static const char word[] = "Shutdown";
	static unsigned matched;

	matched = (c == (uint8_t)word[matched]) ? matched + 1 : (c == 'S');
	return matched == sizeof(word) - 1;
}

/* Bochs' shutdown port: "Shutdown" written byte by byte ends the run; reads find no device. */
static void bochs_shutdown_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	if (io_in(a)) {
		io_in_result(v, a, ~0u);
	} else if (bochs_shutdown_byte((uint8_t)value)) {
		log_mline("guest-exit", "device=bochs-shutdown");
		guest_stop(v, true, "guest-shutdown");
	}
}

/* The port for measuring an emulated access: IN reads BENCH_VALUE, OUT is dropped. */
static void bench_port(struct vcpu *v, struct io_access a, uint32_t value)
{
	(void)value;
	if (io_in(a))
		io_in_result(v, a, BENCH_VALUE);
}

void io_ports_init(void)
{
	io_bitmap_init();
	io_port_claim(DEBUG_EXIT_PORT, DEBUG_EXIT_LEN, debug_exit_port);
	io_port_claim(BOCHS_SHUTDOWN_PORT, 1, bochs_shutdown_port);
	io_port_claim(BENCH_PORT, 1, bench_port);
}

__attribute__((noreturn, cold)) static void string_io(struct vcpu *v, struct io_access a)
{
	log_error("L2 %sS port %#x (%u bytes): string I/O to an intercepted port is "
		  "not emulated", io_in(a) ? "IN" : "OUT", io_port(a), io_size(a));
	guest_stop(v, false, "unhandled-io");
}

void handle_io(struct vcpu *v)
{
	static const uint32_t size_mask[QUAL_SIZE + 1] = { 0xff, 0xffff, 0, 0xffffffff };
	struct io_access a = { (uint32_t)vmread(VMCS_EXIT_QUALIFICATION) };

	if (a.qual & QUAL_STRING)
		string_io(v, a);
	owners[io_port_map_owner(&port_map, io_port(a))](v, a, (uint32_t)v->gpr[GPR_RAX] &
								     size_mask[a.qual & QUAL_SIZE]);
	skip_instruction();
}
