/*
 * test_bzimage.c - host tests for the Linux boot protocol: bzImages made of
 * a setup header and filler, broken one field at a time; load address
 * choices over RAM lists; and the zero page, checked at boot.rst's offsets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bzimage.h"
#include "check.h"
#include "mem_ranges.h"

#define SETUP_LEN (5 * 512)  /* the boot sector and 4 setup sectors */
#define KERNEL_LEN 4096
#define IMG_LEN (SETUP_LEN + KERNEL_LEN)
#define INIT_SIZE 0x3378000u /* the Debian 6.1 kernel's */
#define MiB 0x100000ull
#define GiB 0x40000000ull

static uint8_t g_img[IMG_LEN];
static struct bzimage_info g_info;
static struct mem_range g_ram_r[8];
static struct mem_ranges g_ram = { g_ram_r, 0, 8 };
static uint8_t g_zp[4096];

/* Writes the little-endian 'n'-byte value 'v' at 'off' of 'p'. */
static void wr(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

/* Reads the little-endian 'n'-byte value at 'off' of 'p'. */
static uint64_t rd(const uint8_t *p, size_t off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[off + i];
	return v;
}

/* Sets one field of the image's setup header. */
static void set(size_t off, uint64_t v, unsigned n)
{
	wr(g_img, off, v, n);
}

/* A 64-bit relocatable bzImage, protocol 2.15, like Debian's. */
static void build_good(void)
{
	memset(g_img, 0x90, sizeof(g_img));
	memset(g_img + 0x1f1, 0, 0x26c - 0x1f1);
	set(0x1f1, 4, 1);             /* setup_sects */
	set(0x1f4, KERNEL_LEN / 16, 4); /* syssize */
	set(0x1fe, 0xaa55, 2);
	set(0x200, 0xeb, 1);          /* jmp over the header ... */
	set(0x201, 0x6a, 1);          /* ... which ends at 0x26c */
	memcpy(g_img + 0x202, "HdrS", 4);
	set(0x206, 0x020f, 2);
	set(0x211, BZIMAGE_LOADED_HIGH, 1);
	set(0x214, 0x100000, 4);      /* code32_start */
	set(0x22c, 0x7fffffff, 4);    /* initrd_addr_max */
	set(0x230, 2 * MiB, 4);       /* kernel_alignment */
	set(0x234, 1, 1);             /* relocatable_kernel */
	set(0x236, BZIMAGE_XLF_KERNEL_64 | BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G, 2);
	set(0x238, 2047, 4);          /* cmdline_size */
	set(0x258, 16 * MiB, 8);      /* pref_address */
	set(0x260, INIT_SIZE, 4);
	set(0x264, 0x190, 4);         /* handover_offset */
	set(0x268, 0xabcdef, 4);      /* kernel_info_offset */
}

/* Parses the first 'len' bytes of g_img from an exact-size heap copy. */
static enum bzimage_error parse_n(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum bzimage_error err;

	memcpy(copy, g_img, len);
	err = bzimage_parse(copy, len, &g_info);
	free(copy);
	return err;
}

static enum bzimage_error parse(void)
{
	return parse_n(IMG_LEN);
}

/* Makes g_ram the 'n' ranges 'r'. */
static void set_ram(const struct mem_range *r, size_t n)
{
	g_ram.n = 0;
	for (size_t i = 0; i < n; i++)
		CHECK(mem_ranges_add(&g_ram, r[i].base, r[i].end));
}

/* The header's fields come out; setup_sects 0 means 4. */
static void test_good(void)
{
	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(g_info.version, 0x020f);
	CHECK_EQ(g_info.setup_sects, 4);
	CHECK_EQ(g_info.kernel_offset, SETUP_LEN);
	CHECK_EQ(g_info.kernel_size, KERNEL_LEN);
	CHECK_EQ(g_info.pref_address, 16 * MiB);
	CHECK_EQ(g_info.init_size, INIT_SIZE);
	CHECK_EQ(g_info.kernel_alignment, 2 * MiB);
	CHECK(g_info.relocatable);
	CHECK_EQ(g_info.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(g_info.cmdline_size, 2047);
	CHECK(g_info.above_4g);
	CHECK_EQ(g_info.hdr.kernel_info_offset, 0xabcdef);
	CHECK(!memcmp(&g_info.hdr, g_img + 0x1f1, sizeof(g_info.hdr)));

	set(0x1f1, 0, 1);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(g_info.setup_sects, 4);
	CHECK_EQ(g_info.kernel_offset, SETUP_LEN);
	set(0x1f1, 1, 1);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(g_info.kernel_offset, 1024);
	CHECK_EQ(g_info.kernel_size, IMG_LEN - 1024);
	set(0x1f1, 13, 1); /* the setup takes the whole image */
	CHECK_EQ(parse(), BZIMAGE_ERR_TRUNCATED);

	build_good();
	set(0x236, BZIMAGE_XLF_KERNEL_64, 2);
	set(0x234, 0, 1);
	set(0x230, 0, 4); /* no alignment needed when not relocatable */
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK(!g_info.above_4g && !g_info.relocatable);
}

/* Signatures, version and the header's own length. */
static void test_bad_header(void)
{
	build_good();
	CHECK_EQ(bzimage_parse(NULL, IMG_LEN, &g_info), BZIMAGE_ERR_TRUNCATED);
	CHECK_EQ(parse_n(0), BZIMAGE_ERR_TRUNCATED);
	CHECK_EQ(parse_n(0x207), BZIMAGE_ERR_TRUNCATED);
	CHECK_EQ(parse_n(0x26b), BZIMAGE_ERR_TRUNCATED); /* header cut short */
	CHECK_EQ(parse_n(SETUP_LEN), BZIMAGE_ERR_TRUNCATED); /* no kernel */
	CHECK_EQ(parse_n(SETUP_LEN + 1), BZIMAGE_ERR_SYSSIZE);

	set(0x1fe, 0x55aa, 2);
	CHECK_EQ(parse(), BZIMAGE_ERR_BOOT_FLAG);
	build_good();
	memcpy(g_img + 0x202, "HdrT", 4);
	CHECK_EQ(parse(), BZIMAGE_ERR_MAGIC);
	build_good();
	set(0x206, 0x020b, 2);
	CHECK_EQ(parse(), BZIMAGE_ERR_VERSION);
	set(0x206, 0x0100, 2);
	CHECK_EQ(parse(), BZIMAGE_ERR_VERSION);
	set(0x206, 0x020c, 2);
	CHECK_EQ(parse(), BZIMAGE_OK);

	build_good();
	set(0x201, 0x61, 1); /* ends at 0x263, before init_size ends */
	CHECK_EQ(parse(), BZIMAGE_ERR_HEADER_LEN);
	set(0x201, 0x8f, 1); /* ends at 0x291, over edd_mbr_sig_buffer */
	CHECK_EQ(parse(), BZIMAGE_ERR_HEADER_LEN);
	set(0x201, 0x8e, 1); /* a longer future header: known part kept */
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(g_info.hdr.kernel_info_offset, 0xabcdef);
	set(0x201, 0x62, 1); /* a 2.12 header: later fields read as zero */
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(g_info.hdr.handover_offset, 0);
	CHECK_EQ(g_info.hdr.kernel_info_offset, 0);
	CHECK_EQ(g_info.init_size, INIT_SIZE);
}

/* What the header says about the kernel itself. */
static void test_bad_kernel(void)
{
	static const struct {
		size_t off;
		unsigned n;
		uint64_t v;
		enum bzimage_error want;
	} bad[] = {
		{ 0x211, 1, 0, BZIMAGE_ERR_NOT_BZIMAGE },
		{ 0x236, 2, 0, BZIMAGE_ERR_NOT_64BIT },
		{ 0x236, 2, BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G, BZIMAGE_ERR_NOT_64BIT },
		{ 0x1f4, 4, KERNEL_LEN / 16 + 1, BZIMAGE_ERR_SYSSIZE },
		{ 0x1f4, 4, 0xffffffff, BZIMAGE_ERR_SYSSIZE },
		{ 0x230, 4, 0, BZIMAGE_ERR_ALIGNMENT },
		{ 0x230, 4, 3 * MiB, BZIMAGE_ERR_ALIGNMENT },
		{ 0x258, 8, 0, BZIMAGE_ERR_PREF_ADDRESS },
		{ 0x258, 8, UINT64_MAX - INIT_SIZE + 1, BZIMAGE_ERR_PREF_ADDRESS },
		{ 0x260, 4, KERNEL_LEN - 1, BZIMAGE_ERR_INIT_SIZE },
		{ 0x260, 4, KERNEL_LEN, BZIMAGE_OK },
		{ 0x258, 8, UINT64_MAX - INIT_SIZE, BZIMAGE_OK },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_good();
		set(bad[i].off, bad[i].v, bad[i].n);
		CHECK_EQ(parse(), bad[i].want);
	}
}

/* pref_address when it fits; else aligned, above it, below 4 GiB if need be. */
static void test_kernel_addr(void)
{
	static const struct mem_range all[] = { { MiB, 2 * GiB } };
	static const struct mem_range holed[] = {
		{ MiB, 24 * MiB }, { 33 * MiB, 256 * MiB },
	};
	static const struct mem_range low[] = { { MiB, 8 * MiB } };
	static const struct mem_range high[] = { { 4 * GiB, 8 * GiB } };
	static const struct mem_range under4g[] = {
		{ 4 * GiB - 48 * MiB, 4 * GiB + 64 * MiB },
	};
	static const struct mem_range top[] = { { UINT64_MAX - MiB, UINT64_MAX } };

	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	set_ram(all, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 16 * MiB);
	set_ram(holed, 2);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 34 * MiB);
	set_ram(low, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);
	set_ram(high, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 4 * GiB);
	set_ram(top, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);
	g_ram.n = 0;
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);

	/* Without XLF_CAN_BE_LOADED_ABOVE_4G: all of init_size below 4 GiB. */
	build_good();
	set(0x236, BZIMAGE_XLF_KERNEL_64, 2);
	CHECK_EQ(parse(), BZIMAGE_OK);
	set_ram(high, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);
	set_ram(under4g, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);
	set(0x260, 48 * MiB, 4);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 4 * GiB - 48 * MiB);

	/* Not relocatable: pref_address or nothing. */
	build_good();
	set(0x234, 0, 1);
	CHECK_EQ(parse(), BZIMAGE_OK);
	set_ram(all, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 16 * MiB);
	set_ram(holed, 2);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 0);

	/* An unaligned pref_address is aligned up. */
	build_good();
	set(0x258, 16 * MiB + 4096, 8);
	CHECK_EQ(parse(), BZIMAGE_OK);
	set_ram(all, 1);
	CHECK_EQ(bzimage_kernel_addr(&g_info, &g_ram), 18 * MiB);
}

/* The highest page-aligned fit under the limit, clear of the kernel. */
static void test_initrd_addr(void)
{
	static const struct mem_range two_gib[] = { { MiB, 2 * GiB } };
	static const struct mem_range five_gib[] = {
		{ MiB, 3 * GiB }, { 4 * GiB, 5 * GiB },
	};
	static const struct mem_range small[] = { { MiB, 64 * MiB } };
	static const struct mem_range split[] = {
		{ MiB, 2 * GiB }, { 3 * GiB, 3 * GiB + 0x1000 },
	};
	uint64_t k = 16 * MiB;

	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	set_ram(two_gib, 1);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x123456), 0x7fedc000);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x1000), 2 * GiB - 0x1000);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0), 0);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 4 * GiB), 0);

	/* Above 4 GiB only with XLF_CAN_BE_LOADED_ABOVE_4G. */
	set_ram(five_gib, 2);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x123456), 0x13fedc000);
	set(0x236, BZIMAGE_XLF_KERNEL_64, 2);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x123456), 0x7fedc000);
	set(0x22c, 0x37ffffff, 4);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x1000), 0x37fff000);

	/* The top range too small: the next one down. */
	set_ram(split, 2);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, 3 * GiB, 0x2000), 0x37ffe000);

	/* The initrd's last byte may be initrd_addr_max, no further. */
	set(0x22c, 0x38000ffe, 4);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x1000), 0x37fff000);
	set(0x22c, 0x38000fff, 4);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x1000), 0x38000000);

	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x1000), 3 * GiB);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 0x2000), 2 * GiB - 0x2000);

	/* The kernel's init_size runs past the top: only below it. */
	set_ram(small, 1);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 8 * MiB), 8 * MiB);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 15 * MiB), MiB);
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, k, 15 * MiB + 1), 0);
	/* ... or above it when there is room there. */
	CHECK_EQ(bzimage_initrd_addr(&g_info, &g_ram, MiB, 8 * MiB), 56 * MiB);
}

/* A zero page with every loader field set, read back at raw offsets. */
static void test_build_params(void)
{
	static const struct e820_entry map[] = {
		{ 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 }, { MiB, 2 * GiB - MiB, 1 },
	};
	struct bzimage_load load = {
		.kernel_gpa = 16 * MiB,
		.cmdline_gpa = 0x20000,
		.initrd_gpa = 0x7fedc000,
		.initrd_size = 0x123456,
		.rsdp_gpa = 0xe0000,
		.e820 = map,
		.n_e820 = 3,
	};

	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	memset(g_zp, 0xcc, sizeof(g_zp));
	CHECK_EQ(bzimage_build_params(&g_info, &load, g_zp), BZIMAGE_OK);
	CHECK_EQ(rd(g_zp, 0x1fe, 2), 0xaa55);
	CHECK(!memcmp(g_zp + 0x202, "HdrS", 4));
	CHECK_EQ(rd(g_zp, 0x206, 2), 0x020f);
	CHECK_EQ(rd(g_zp, 0x210, 1), 0xff);
	CHECK_EQ(rd(g_zp, 0x211, 1), BZIMAGE_LOADED_HIGH);
	CHECK_EQ(rd(g_zp, 0x214, 4), 16 * MiB);
	CHECK_EQ(rd(g_zp, 0x218, 4), 0x7fedc000);
	CHECK_EQ(rd(g_zp, 0x21c, 4), 0x123456);
	CHECK_EQ(rd(g_zp, 0x224, 2), 0); /* heap_end_ptr */
	CHECK_EQ(rd(g_zp, 0x228, 4), 0x20000);
	CHECK_EQ(rd(g_zp, 0x258, 8), 16 * MiB);
	CHECK_EQ(rd(g_zp, 0x268, 4), 0xabcdef);
	CHECK_EQ(rd(g_zp, 0x070, 8), 0xe0000);
	CHECK_EQ(rd(g_zp, 0x0c0, 4) | rd(g_zp, 0x0c4, 4) | rd(g_zp, 0x0c8, 4), 0);
	CHECK_EQ(rd(g_zp, 0x1ef, 1), 0); /* sentinel */
	CHECK_EQ(rd(g_zp, 0x1e8, 1), 3);
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(rd(g_zp, 0x2d0 + 20 * i, 8), map[i].addr);
		CHECK_EQ(rd(g_zp, 0x2d0 + 20 * i + 8, 8), map[i].size);
		CHECK_EQ(rd(g_zp, 0x2d0 + 20 * i + 16, 4), map[i].type);
	}
	CHECK_EQ(rd(g_zp, 0x2d0 + 20 * 3, 8), 0);
	CHECK_EQ(rd(g_zp, 0xff8, 8), 0);

	/* Above 4 GiB: the high halves go in the ext_ fields. */
	load.kernel_gpa = 4 * GiB;
	load.cmdline_gpa = 0x123456789ull;
	load.initrd_gpa = 0x200000000ull;
	load.initrd_size = 0x100000001ull;
	load.n_e820 = 0;
	CHECK_EQ(bzimage_build_params(&g_info, &load, g_zp), BZIMAGE_OK);
	CHECK_EQ(rd(g_zp, 0x214, 4), 0x100000); /* the image's code32_start */
	CHECK_EQ(rd(g_zp, 0x228, 4), 0x23456789);
	CHECK_EQ(rd(g_zp, 0x0c8, 4), 1);
	CHECK_EQ(rd(g_zp, 0x218, 4), 0);
	CHECK_EQ(rd(g_zp, 0x0c0, 4), 2);
	CHECK_EQ(rd(g_zp, 0x21c, 4), 1);
	CHECK_EQ(rd(g_zp, 0x0c4, 4), 1);
	CHECK_EQ(rd(g_zp, 0x1e8, 1), 0);
	CHECK_EQ(rd(g_zp, 0x2d0, 8), 0);
}

/* Each address rule of bzimage_build_params. */
static void test_build_params_bad(void)
{
	static struct e820_entry big_map[BZIMAGE_E820_MAX + 1];
	const struct bzimage_load good = {
		.kernel_gpa = 16 * MiB,
		.cmdline_gpa = 0x20000,
		.initrd_gpa = 0x70000000,
		.initrd_size = 0x10000000, /* ends at initrd_addr_max + 1 */
		.e820 = big_map,
		.n_e820 = BZIMAGE_E820_MAX,
	};
	struct bzimage_load l;

	build_good();
	set(0x236, BZIMAGE_XLF_KERNEL_64, 2);
	CHECK_EQ(parse(), BZIMAGE_OK);
	CHECK_EQ(bzimage_build_params(&g_info, &good, g_zp), BZIMAGE_OK);
	CHECK_EQ(rd(g_zp, 0x1e8, 1), BZIMAGE_E820_MAX);

	l = good;
	l.n_e820 = BZIMAGE_E820_MAX + 1;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_E820);
	l = good;
	l.kernel_gpa = 17 * MiB;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_KERNEL_ADDR);
	l.kernel_gpa = 4 * GiB;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_KERNEL_ADDR);
	l.kernel_gpa = 4 * GiB - 50 * MiB; /* init_size crosses 4 GiB */
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_KERNEL_ADDR);
	l.kernel_gpa = 4 * GiB - 52 * MiB;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_OK);
	l = good;
	l.cmdline_gpa = 4 * GiB;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_CMDLINE_ADDR);
	l = good;
	l.initrd_size++;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_INITRD_ADDR);
	l.initrd_gpa = UINT64_MAX - 0x1000;
	l.initrd_size = 0x2000;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_INITRD_ADDR);
	l.initrd_size = 0; /* no initrd: its address is not looked at */
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_OK);
	CHECK_EQ(rd(g_zp, 0x218, 4) | rd(g_zp, 0x0c0, 4), 0);
	l = good;
	l.initrd_gpa = 16 * MiB + INIT_SIZE - 0x1000;
	l.initrd_size = 0x1000;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_INITRD_OVERLAP);
	l.initrd_gpa += 0x1000;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_OK);
	l.initrd_gpa = 16 * MiB - 0x1000;
	l.initrd_size = 0x1001;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_INITRD_OVERLAP);

	/* With XLF_CAN_BE_LOADED_ABOVE_4G, initrd_addr_max does not bind. */
	build_good();
	CHECK_EQ(parse(), BZIMAGE_OK);
	l = good;
	l.initrd_size++;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_OK);

	/* Not relocatable: exactly pref_address. */
	set(0x234, 0, 1);
	CHECK_EQ(parse(), BZIMAGE_OK);
	l = good;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_OK);
	l.kernel_gpa = 18 * MiB;
	CHECK_EQ(bzimage_build_params(&g_info, &l, g_zp), BZIMAGE_ERR_KERNEL_ADDR);
}

/* Every error has its own description. */
static void test_names(void)
{
	for (int i = BZIMAGE_OK; i <= BZIMAGE_ERR_E820; i++) {
		CHECK(strcmp(bzimage_strerror(i), "unknown error") != 0);
		for (int j = BZIMAGE_OK; j < i; j++)
			CHECK(strcmp(bzimage_strerror(i), bzimage_strerror(j)) != 0);
	}
	CHECK_STR(bzimage_strerror((enum bzimage_error)1000), "unknown error");
}

/* The Debian kernel the integration tests boot, when it has been fetched. */
static void test_real_kernel(void)
{
	static const struct mem_range ram[] = { { MiB, 2 * GiB } };
	struct bzimage_load load = { .cmdline_gpa = 0x20000 };
	size_t len;
	uint8_t *img = read_tree_file(".cache/vmlinuz", &len);

	if (!img) {
		printf("SKIP: no kernel\n");
		return;
	}
	CHECK_EQ(bzimage_parse(img, len, &g_info), BZIMAGE_OK);
	printf("vmlinuz: protocol %u.%02u, pref_address 0x%" PRIx64
	       ", init_size 0x%x, kernel 0x%zx bytes at 0x%zx\n",
	       g_info.version >> 8, g_info.version & 0xff, g_info.pref_address,
	       g_info.init_size, g_info.kernel_size, g_info.kernel_offset);
	set_ram(ram, 1);
	load.kernel_gpa = bzimage_kernel_addr(&g_info, &g_ram);
	load.initrd_size = 32 * MiB;
	load.initrd_gpa = bzimage_initrd_addr(&g_info, &g_ram, load.kernel_gpa,
					      load.initrd_size);
	CHECK(load.kernel_gpa && load.initrd_gpa);
	CHECK_EQ(bzimage_build_params(&g_info, &load, g_zp), BZIMAGE_OK);
	free(img);
}

int main(void)
{
	test_good();
	test_bad_header();
	test_bad_kernel();
	test_kernel_addr();
	test_initrd_addr();
	test_build_params();
	test_build_params_bad();
	test_names();
	test_real_kernel();
	return check_report("bzimage");
}
