/*
 * exit_io.h - the I/O ports the hypervisor plays itself. A device claims
 * its ports at boot with a handler (they then exit, and handle_io calls it
 * with one table lookup); every other port that exits is a real device the
 * hypervisor only watches (guest_power.h) and passes through.
 */
#ifndef HV_EXIT_IO_H
#define HV_EXIT_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu.h"

/*
 * One I/O instruction: its exit qualification (SDM Vol. 3C Table 28-5),
 * passed as it is and read through the accessors below.
 */
struct io_access {
	uint32_t qual;
};

static inline uint16_t io_port(struct io_access a)
{
	return (uint16_t)(a.qual >> 16);
}

/* Bytes: 1, 2 or 4. */
static inline unsigned io_size(struct io_access a)
{
	return (a.qual & 7) + 1;
}

static inline bool io_in(struct io_access a)
{
	return a.qual & (1u << 3);
}

/*
 * A device's side of an access: OUT of VALUE (only its io_size bytes), or
 * IN (the result through io_in_result). handle_io then moves L2 past the
 * instruction; a handler that ends the run does not return.
 */
typedef void (*io_port_fn)(struct vcpu *v, struct io_access a, uint32_t value);

/* OUT and IN of SIZE (1, 2, 4) bytes on the real port. */
void io_port_out(uint16_t port, unsigned size, uint32_t value);
uint32_t io_port_in(uint16_t port, unsigned size);

/* Makes ports [first, first + count) exit to FN; a port claimed twice panics. */
void io_port_claim(uint16_t first, unsigned count, io_port_fn fn);

/* IN's result into L2's RAX: AL/AX keep the rest, EAX zero-extends (SDM Vol. 1 3.4.1.1). */
static inline void io_in_result(struct vcpu *v, struct io_access a, uint32_t value)
{
	static const uint64_t mask[8] = { 0xff, 0xffff, 0, ~0ull }; /* by size - 1 */
	uint64_t m = mask[a.qual & 7];

	v->gpr[GPR_RAX] = (v->gpr[GPR_RAX] & ~m) | (value & m);
}

#endif
