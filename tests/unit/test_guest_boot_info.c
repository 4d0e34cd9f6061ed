/*
 * test_guest_boot_info.c - host tests for the guest's Multiboot2 info: what
 * is built must come back unchanged through the hypervisor's own parser,
 * and no capacity short of the total may be written past.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guest_boot_info.h"
#include "multiboot2.h"

#define BUF_MAX 8192

static _Alignas(8) uint8_t g_buf[BUF_MAX];
static struct mb2_info g_info;

static const struct mb2_mmap_entry g_map[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
	{ 0x7fe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
	{ 0x100000000ull, 0x40000000ull, MB2_MEM_AVAILABLE },
};

static const struct mb2_module g_mods[] = {
	{ 0x2000000, 0x2345678, "initrd.img rw" },
	{ 0x3000000, 0x3000000, NULL },
	{ 0xfffff000, 0xffffffff, "" },
};

static const uint8_t g_rsdp[GUEST_BOOT_RSDP_V1_LEN] = "RSD PTR \x11QEMU  \x00\xe0\x0f\x00";

static const struct guest_boot_info g_full = {
	.cmdline = "console=ttyS0 test=hello",
	.mmap = g_map,
	.n_mmap = sizeof(g_map) / sizeof(g_map[0]),
	.modules = g_mods,
	.n_modules = sizeof(g_mods) / sizeof(g_mods[0]),
	.rsdp_v1 = g_rsdp,
};

/* Builds into g_buf (filled with 0xcc first) and parses the result. */
static size_t build_and_parse(const struct guest_boot_info *gbi)
{
	size_t len, bad = 0;

	memset(g_buf, 0xcc, sizeof(g_buf));
	len = guest_boot_info_build(gbi, g_buf, sizeof(g_buf));
	CHECK(len);
	CHECK_EQ(len % 8, 0);
	CHECK_EQ(mb2_parse(MB2_BOOTLOADER_MAGIC, g_buf, len, &g_info, &bad),
		 MB2_OK);
	CHECK_EQ(bad, 0);
	CHECK_EQ(g_info.total_size, len);
	return len;
}

/* Every tag comes back through mb2_parse; every padding byte is written. */
static void test_round_trip(void)
{
	size_t len = build_and_parse(&g_full);

	CHECK_STR(g_info.cmdline, "console=ttyS0 test=hello");
	CHECK_STR(g_info.loader_name, "nested-hv");
	CHECK(g_info.has_basic_mem);
	CHECK_EQ(g_info.mem_lower_kb, 639);
	CHECK_EQ(g_info.mem_upper_kb, 0x7ee0000 / 1024);
	CHECK_EQ(g_info.n_mmap, g_full.n_mmap);
	for (unsigned i = 0; i < g_full.n_mmap; i++) {
		CHECK_EQ(g_info.mmap[i].base, g_map[i].base);
		CHECK_EQ(g_info.mmap[i].len, g_map[i].len);
		CHECK_EQ(g_info.mmap[i].type, g_map[i].type);
	}
	CHECK_EQ(g_info.n_modules, 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(g_info.modules[i].start, g_mods[i].start);
		CHECK_EQ(g_info.modules[i].end, g_mods[i].end);
	}
	CHECK_STR(g_info.modules[0].cmdline, "initrd.img rw");
	CHECK_STR(g_info.modules[1].cmdline, "");
	CHECK_STR(g_info.modules[2].cmdline, "");
	CHECK_EQ(g_info.rsdp_tag, 14);
	CHECK_EQ(g_info.rsdp_len, GUEST_BOOT_RSDP_V1_LEN);
	CHECK(g_info.rsdp && !memcmp(g_info.rsdp, g_rsdp, sizeof(g_rsdp)));
	CHECK(!g_info.has_load_base);
	CHECK(!memchr(g_buf, 0xcc, len));
	CHECK_EQ(g_buf[len], 0xcc);
}

/* Only the inputs given: no memory map, modules or RSDP tag. */
static void test_minimal(void)
{
	const struct guest_boot_info none = { 0 };

	/* 8 fixed, cmdline 9 -> 16, name 18 -> 24, meminfo 16, end 8. */
	CHECK_EQ(build_and_parse(&none), 72);
	CHECK_STR(g_info.cmdline, "");
	CHECK_STR(g_info.loader_name, GUEST_BOOT_LOADER_NAME);
	CHECK(g_info.has_basic_mem);
	CHECK_EQ(g_info.mem_lower_kb + g_info.mem_upper_kb, 0);
	CHECK_EQ(g_info.n_mmap + g_info.n_modules, 0);
	CHECK(!g_info.rsdp);
}

/* mem_lower and mem_upper from the available entries at 0 and 1 MiB. */
static void test_basic_meminfo(void)
{
	static const struct {
		struct mb2_mmap_entry e[2];
		uint32_t lower, upper;
	} cases[] = {
		{ { { 0, 0x200000, MB2_MEM_AVAILABLE } }, 640, 1024 },
		{ { { 0x1000, 0x9f000, MB2_MEM_AVAILABLE } }, 0, 0 },
		{ { { 0, 0x9fc00, MB2_MEM_RESERVED },
		    { 0x100400, 0x100000, MB2_MEM_AVAILABLE } }, 0, 0 },
		{ { { 0x80000, 0x20000, MB2_MEM_AVAILABLE },
		    { 0x100000, 1ull << 50, MB2_MEM_AVAILABLE } }, 0, UINT32_MAX },
		{ { { 0, 0x9fc00, MB2_MEM_AVAILABLE },
		    { 0xc0000, 0x40401, MB2_MEM_AVAILABLE } }, 639, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_boot_info gbi = { .mmap = cases[i].e, .n_mmap = 2 };

		build_and_parse(&gbi);
		CHECK_EQ(g_info.mem_lower_kb, cases[i].lower);
		CHECK_EQ(g_info.mem_upper_kb, cases[i].upper);
	}
}

/* Modules whose addresses the 32-bit tag cannot hold are refused. */
static void test_bad_modules(void)
{
	struct mb2_module m[2] = { g_mods[0], { 0x1000, 0x100000000ull, "" } };
	struct guest_boot_info gbi = { .modules = m, .n_modules = 2 };

	CHECK_EQ(guest_boot_info_build(&gbi, g_buf, sizeof(g_buf)), 0);
	m[1] = (struct mb2_module){ 0x100000000ull, 0x100001000ull, "" };
	CHECK_EQ(guest_boot_info_build(&gbi, g_buf, sizeof(g_buf)), 0);
	m[1] = (struct mb2_module){ 0x2000, 0x1fff, "" };
	CHECK_EQ(guest_boot_info_build(&gbi, g_buf, sizeof(g_buf)), 0);
	m[1].end = 0x2000;
	CHECK_EQ(build_and_parse(&gbi), 8 + 16 + 24 + 16 + 32 + 24 + 8);
}

/* Every capacity short of the total gives 0 and writes inside it only. */
static void test_too_small(void)
{
	size_t need = guest_boot_info_build(&g_full, g_buf, sizeof(g_buf));

	CHECK(need > 0 && need < BUF_MAX);
	for (size_t cap = 0; cap <= need; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);

		CHECK_EQ(guest_boot_info_build(&g_full, b, cap),
			 cap == need ? need : 0);
		if (cap == need)
			CHECK(!memcmp(b, g_buf, need));
		free(b);
	}
}

int main(void)
{
	test_round_trip();
	test_minimal();
	test_basic_meminfo();
	test_bad_modules();
	test_too_small();
	return check_report("guest_boot_info");
}
