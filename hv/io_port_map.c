/*
 * io_port_map.c - claiming I/O ports for a handler, each port once.
 */
#include "io_port_map.h"

bool io_port_map_claim(struct io_port_map *m, uint32_t first, uint32_t count, uint8_t owner)
{
	if (owner == IO_PORT_UNCLAIMED || count == 0 || first >= IO_PORTS ||
	    count > IO_PORTS - first)
		return false;
	for (uint32_t p = first; p < first + count; p++)
		if (m->owner[p] != IO_PORT_UNCLAIMED)
			return false;
	for (uint32_t p = first; p < first + count; p++)
		m->owner[p] = owner;
	return true;
}
