/*
 * exit_io.c - I/O instructions on the ports the hypervisor owns (the I/O
 * bitmap passes every other port through). L2's power-off devices end the
 * run: QEMU's isa-debug-exit at 0xf4 (the written value is the guest's exit
 * code, 0 = pass) and Bochs' shutdown port 0x8900 ("Shutdown").
 * Exit qualification layout: SDM Vol. 3C Table 28-5.
 */
#include "exit.h"
#include "exit_setup.h"
#include "guest_stop.h"
#include "io_bitmap.h"
#include "lib/string.h"
#include "log.h"
#include "vmx.h"

#define DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

struct io_access {
	uint16_t port;
	unsigned size; /* bytes */
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
	io_bitmap_intercept(DEBUG_EXIT_PORT, 4);
	io_bitmap_intercept(BOCHS_SHUTDOWN_PORT, 1);
}

void handle_io(struct vcpu *v)
{
	struct io_access a = decode(vmread(VMCS_EXIT_QUALIFICATION));
	uint32_t value = (uint32_t)v->gpr[GPR_RAX];

	if (a.string)
		goto unsupported;
	if (!a.in && a.port == DEBUG_EXIT_PORT) {
		log_info("L2 wrote %#x to isa-debug-exit (QEMU would exit with %u)", value,
			 (value << 1) | 1);
		log_mline("guest-exit", "device=isa-debug-exit code=%u qemu_status=%u", value,
			  (value << 1) | 1);
		guest_stop(v, value == 0, value == 0 ? "guest-exit-pass" : "guest-exit-fail");
	}
	if (!a.in && a.port == BOCHS_SHUTDOWN_PORT) {
		if (bochs_shutdown_byte((uint8_t)value)) {
			log_mline("guest-exit", "device=bochs-shutdown");
			guest_stop(v, true, "guest-shutdown");
		}
		skip_instruction();
		return;
	}
	if (a.in) { /* an owned port without a device model reads as all ones */
		uint64_t mask = a.size == 4 ? 0xffffffffull : (1ull << (8 * a.size)) - 1;

		v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~mask) | mask;
		skip_instruction();
		return;
	}
unsupported:
	log_error("L2 %s%s port %#x (%u bytes): no device model", a.in ? "IN" : "OUT",
		  a.string ? "S" : "", a.port, a.size);
	guest_stop(v, false, "unhandled-io");
}
