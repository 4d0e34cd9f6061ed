/*
 * test_guest_e820.c - hypervisor ranges carved out of the firmware map:
 * inside, across and beside RAM entries, and an output that is too small.
 */
#include "check.h"
#include "guest_e820.h"

#define AV MB2_MEM_AVAILABLE
#define RES MB2_MEM_RESERVED

static void check_map(const struct mb2_mmap_entry *got, size_t n,
		      const struct mb2_mmap_entry *want, size_t nwant)
{
	CHECK_EQ(n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++) {
		CHECK_EQ(got[i].base, want[i].base);
		CHECK_EQ(got[i].len, want[i].len);
		CHECK_EQ(got[i].type, want[i].type);
	}
}

int main(void)
{
	static const struct mb2_mmap_entry in[] = {
		{ 0, 0x9fc00, AV }, { 0x9fc00, 0x400, RES }, { 0xf0000, 0x10000, RES },
		{ 0x100000, 0xfef0000, AV }, { 0xfffc0000, 0x40000, RES },
	};
	struct mem_range priv_r[] = { { 0x200000, 0x300000 }, { 0xe000000, 0x10000000 } };
	struct mem_ranges priv = { priv_r, 2, 2 };
	struct mb2_mmap_entry out[16];
	static const struct mb2_mmap_entry want[] = {
		{ 0, 0x9fc00, AV }, { 0x9fc00, 0x400, RES }, { 0xf0000, 0x10000, RES },
		{ 0x100000, 0x100000, AV }, { 0x200000, 0x100000, RES },
		{ 0x300000, 0xdd00000, AV }, { 0xe000000, 0x1ff0000, RES },
		{ 0xfffc0000, 0x40000, RES },
	};
	struct mem_ranges none = { priv_r, 0, 2 };
	struct mem_range edge_r[] = { { 0, 0x1000 }, { 0x9f000, 0x9fc00 } };
	struct mem_ranges edges = { edge_r, 2, 2 };
	static const struct mb2_mmap_entry want_edges[] = {
		{ 0, 0x1000, RES }, { 0x1000, 0x9e000, AV }, { 0x9f000, 0xc00, RES },
	};

	check_map(out, guest_e820_build(in, 5, &priv, out, 16), want, 8);
	check_map(out, guest_e820_build(in, 5, &none, out, 16), in, 5);
	check_map(out, guest_e820_build(in, 1, &edges, out, 16), want_edges, 3);
	CHECK_EQ(guest_e820_build(in, 5, &priv, out, 7), 0); /* one short */
	CHECK_EQ(guest_e820_build(in, 5, &priv, out, 8), 8);
	CHECK_EQ(guest_e820_build(in, 0, &priv, out, 0), 0);
	return check_report("guest_e820");
}
