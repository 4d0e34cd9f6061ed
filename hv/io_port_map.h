/*
 * io_port_map.h - which handler owns each I/O port that exits: one byte per
 * port (0: no claim, a device the hypervisor only passes through), filled
 * at boot, read once per I/O exit (exit_io.c). Pure logic: it also builds
 * hosted, for tests/unit/test_io_port_map.c.
 */
#ifndef HV_IO_PORT_MAP_H
#define HV_IO_PORT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#define IO_PORTS 0x10000u
#define IO_PORT_UNCLAIMED 0

struct io_port_map {
	uint8_t owner[IO_PORTS];
};

/*
 * Gives ports [first, first + count) to OWNER (not IO_PORT_UNCLAIMED); false,
 * and nothing changed, if the range is empty, passes port 0xffff, or holds
 * a port already claimed.
 */
bool io_port_map_claim(struct io_port_map *m, uint32_t first, uint32_t count, uint8_t owner);

static inline uint8_t io_port_map_owner(const struct io_port_map *m, uint16_t port)
{
	return m->owner[port];
}

#endif
