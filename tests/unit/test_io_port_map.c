/*
 * test_io_port_map.c - claiming I/O ports: each port once, ranges checked
 * against the 64 Ki port space, unclaimed ports left to owner 0.
 */
#include "check.h"
#include "io_port_map.h"

static struct io_port_map map;

int main(void)
{
	CHECK_EQ(io_port_map_owner(&map, 0xe0), IO_PORT_UNCLAIMED);
	CHECK(io_port_map_claim(&map, 0xf4, 4, 1));
	CHECK(io_port_map_claim(&map, 0xe0, 1, 2));
	CHECK(io_port_map_claim(&map, 0xf8, 2, 1)); /* an owner may hold several ranges */
	CHECK_EQ(io_port_map_owner(&map, 0xf3), IO_PORT_UNCLAIMED);
	CHECK_EQ(io_port_map_owner(&map, 0xf4), 1);
	CHECK_EQ(io_port_map_owner(&map, 0xf7), 1);
	CHECK_EQ(io_port_map_owner(&map, 0xf9), 1);
	CHECK_EQ(io_port_map_owner(&map, 0xfa), IO_PORT_UNCLAIMED);
	CHECK_EQ(io_port_map_owner(&map, 0xe0), 2);

	/* Overlaps are refused whole: nothing of the range changes hands. */
	CHECK(!io_port_map_claim(&map, 0xf0, 5, 3));
	CHECK_EQ(io_port_map_owner(&map, 0xf0), IO_PORT_UNCLAIMED);
	CHECK_EQ(io_port_map_owner(&map, 0xf4), 1);
	CHECK(!io_port_map_claim(&map, 0xe0, 1, 2)); /* not even by its own owner */

	/* Empty ranges, owner 0 and ranges past port 0xffff are refused. */
	CHECK(!io_port_map_claim(&map, 0x100, 0, 3));
	CHECK(!io_port_map_claim(&map, 0x100, 1, IO_PORT_UNCLAIMED));
	CHECK(!io_port_map_claim(&map, 0xffff, 2, 3));
	CHECK(!io_port_map_claim(&map, 0x10000, 1, 3));
	CHECK(!io_port_map_claim(&map, 0xfff0, 0xffffffffu, 3));
	CHECK_EQ(io_port_map_owner(&map, 0xffff), IO_PORT_UNCLAIMED);
	CHECK(io_port_map_claim(&map, 0xffff, 1, 3));
	CHECK_EQ(io_port_map_owner(&map, 0xffff), 3);
	return check_failures != 0;
}
