/*
 * test_multiboot1.c - host tests for the Multiboot v1 loader's pure parts:
 * the header search, the a.out-kludge and ELF32 load plans (every field
 * broken in turn, parsed from exact-size heap copies so the sanitizer
 * catches a read past 'len'), and the boot information's layout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "multiboot1.h"

#define IMG_MAX 0x4000u
#define EHDR32 52u
#define PHDR32 32u
#define GPA 0x8000u

static uint8_t g_img[IMG_MAX];
static size_t g_len;
static struct mb1_kernel g_k;

static void wr(uint8_t *p, size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

/* A header at 'off' with 'flags' and a right checksum, plus 'skew'. */
static void put_header(size_t off, uint32_t flags, uint32_t skew)
{
	wr(g_img, off, MB1_HEADER_MAGIC, 4);
	wr(g_img, off + 4, flags, 4);
	wr(g_img, off + 8, (uint32_t)(0u - (MB1_HEADER_MAGIC + flags)) + skew, 4);
}

/*
 * A kludge kernel like QEMU test kernels are linked: header at file offset
 * 0x10, loaded from file offset 0 at 1 MiB, 0x800 bytes of file, bss to
 * 0x102000, entry 0x100040.
 */
static void build_kludge(void)
{
	memset(g_img, 0, sizeof(g_img));
	put_header(0x10, MB1_HDR_AOUT_KLUDGE | MB1_HDR_MEMINFO, 0);
	wr(g_img, 0x1c, 0x100010, 4); /* header_addr */
	wr(g_img, 0x20, 0x100000, 4); /* load_addr */
	wr(g_img, 0x24, 0x100800, 4); /* load_end_addr */
	wr(g_img, 0x28, 0x102000, 4); /* bss_end_addr */
	wr(g_img, 0x2c, 0x100040, 4); /* entry_addr */
	g_len = 0x800;
}

/* An ELF32 i386 kernel: header (no kludge) at 0x1000, text at 1 MiB, bss after. */
static void build_elf32(void)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 1, 1, 1 };

	memset(g_img, 0, sizeof(g_img));
	memcpy(g_img, ident, sizeof(ident));
	wr(g_img, 16, 2, 2);          /* ET_EXEC */
	wr(g_img, 18, 3, 2);          /* EM_386 */
	wr(g_img, 20, 1, 4);          /* EV_CURRENT */
	wr(g_img, 24, 0xc0100020, 4); /* entry: virtual, in the higher half */
	wr(g_img, 28, EHDR32, 4);     /* phoff */
	wr(g_img, 42, PHDR32, 2);     /* phentsize */
	wr(g_img, 44, 2, 2);          /* phnum */
	/* text: file 0x1000-0x1800 at vaddr 0xc0100000, paddr 1 MiB */
	wr(g_img, EHDR32, 1, 4);
	wr(g_img, EHDR32 + 4, 0x1000, 4);
	wr(g_img, EHDR32 + 8, 0xc0100000, 4);
	wr(g_img, EHDR32 + 12, 0x100000, 4);
	wr(g_img, EHDR32 + 16, 0x800, 4);
	wr(g_img, EHDR32 + 20, 0x800, 4);
	wr(g_img, EHDR32 + 24, 5, 4);
	/* bss: no file bytes */
	wr(g_img, EHDR32 + PHDR32, 1, 4);
	wr(g_img, EHDR32 + PHDR32 + 8, 0xc0101000, 4);
	wr(g_img, EHDR32 + PHDR32 + 12, 0x101000, 4);
	wr(g_img, EHDR32 + PHDR32 + 20, 0x3000, 4);
	wr(g_img, EHDR32 + PHDR32 + 24, 6, 4);
	put_header(0x1000, MB1_HDR_PAGE_ALIGN | MB1_HDR_MEMINFO, 0);
	g_len = 0x1800;
}

static enum mb1_error parse_n(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum mb1_error err;

	memcpy(copy, g_img, len);
	err = mb1_parse_kernel(copy, len, &g_k);
	free(copy);
	return err;
}

static enum mb1_error parse(void)
{
	return parse_n(g_len);
}

/* The header is found 4-aligned in the first 8 KiB with a right checksum, or not at all. */
static void test_header_search(void)
{
	struct mb1_header h;

	memset(g_img, 0, sizeof(g_img));
	CHECK(!mb1_find_header(g_img, IMG_MAX, &h));
	CHECK(!mb1_find_header(NULL, 64, &h));
	put_header(0x1ffc - 8, 0, 0); /* the last place it may start */
	CHECK(mb1_find_header(g_img, IMG_MAX, &h));
	CHECK_EQ(h.offset, 0x1ff4);
	CHECK(!mb1_find_header(g_img, 0x1fff, &h)); /* cut one byte short */

	memset(g_img, 0, sizeof(g_img));
	put_header(0x2000, 0, 0); /* past the search limit */
	CHECK(!mb1_find_header(g_img, IMG_MAX, &h));

	memset(g_img, 0, sizeof(g_img));
	put_header(0x102, 0, 0); /* not 4-aligned */
	CHECK(!mb1_find_header(g_img, IMG_MAX, &h));

	memset(g_img, 0, sizeof(g_img));
	put_header(0x100, 0, 1); /* bad checksum */
	CHECK(!mb1_find_header(g_img, IMG_MAX, &h));

	/* The kludge fields must lie in the image. */
	build_kludge();
	CHECK(mb1_find_header(g_img, 0x30, &h));
	CHECK(!mb1_find_header(g_img, 0x2f, &h));
	CHECK_EQ(parse_n(0x2f), MB1_ERR_NO_HEADER);
}

static void test_kludge(void)
{
	build_kludge();
	CHECK_EQ(parse(), MB1_OK);
	CHECK_EQ(g_k.elf_class, 0);
	CHECK_EQ(g_k.entry, 0x100040);
	CHECK_EQ(g_k.img.n_seg, 1);
	CHECK_EQ(g_k.img.seg[0].paddr, 0x100000);
	CHECK_EQ(g_k.img.seg[0].offset, 0);
	CHECK_EQ(g_k.img.seg[0].filesz, 0x800);
	CHECK_EQ(g_k.img.seg[0].memsz, 0x2000);

	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. */
	wr(g_img, 0x24, 0, 4);
	wr(g_img, 0x28, 0, 4);
	put_header(0x10, MB1_HDR_AOUT_KLUDGE, 0);
	CHECK_EQ(parse(), MB1_OK);
	CHECK_EQ(g_k.img.seg[0].filesz, 0x800);
	CHECK_EQ(g_k.img.seg[0].memsz, 0x800);

	/* header_addr - load_addr is the header's offset in the loaded part. */
	build_kludge();
	wr(g_img, 0x1c, 0x100008, 4);
	g_len = 0x808;
	CHECK_EQ(parse(), MB1_OK);
	CHECK_EQ(g_k.img.seg[0].offset, 8);
	CHECK_EQ(g_k.img.seg[0].filesz, 0x800); /* load_end - load_addr */
	CHECK_EQ(parse_n(0x807), MB1_ERR_KLUDGE); /* which needs file offset 8 + 0x800 */

	static const struct {
		size_t off;
		uint32_t v;
	} bad[] = {
		{ 0x1c, 0x0fffff },  /* header_addr below load_addr */
		{ 0x1c, 0x100011 },  /* header_addr - load_addr past the header's offset */
		{ 0x24, 0x0fffff },  /* load_end below load_addr */
		{ 0x24, 0x100801 },  /* more than the file holds */
		{ 0x28, 0x1007ff },  /* bss ends inside the file part */
		{ 0x2c, 0x0fffff },  /* entry before the image */
		{ 0x2c, 0x102000 },  /* entry past the bss */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_kludge();
		wr(g_img, bad[i].off, bad[i].v, 4);
		CHECK_EQ(parse(), MB1_ERR_KLUDGE);
	}

	/* Required flags this loader does not know are refused; optional ones ignored. */
	build_kludge();
	put_header(0x10, MB1_HDR_AOUT_KLUDGE | (1u << 3), 0);
	CHECK_EQ(parse(), MB1_ERR_FLAGS);
	put_header(0x10, MB1_HDR_AOUT_KLUDGE | (1u << 20), 0);
	CHECK_EQ(parse(), MB1_OK);
}

static void test_elf(void)
{
	build_elf32();
	CHECK_EQ(parse(), MB1_OK);
	CHECK_EQ(g_k.elf_class, 32);
	CHECK_EQ(g_k.entry, 0x100020); /* the virtual entry through its segment */
	CHECK_EQ(g_k.img.n_seg, 2);
	CHECK_EQ(g_k.img.seg[0].paddr, 0x100000);
	CHECK_EQ(g_k.img.seg[0].offset, 0x1000);
	CHECK_EQ(g_k.img.seg[1].paddr, 0x101000);
	CHECK_EQ(g_k.img.seg[1].filesz, 0);
	CHECK_EQ(g_k.img.seg[1].memsz, 0x3000);
	CHECK_EQ(parse_n(0x17ff), MB1_ERR_ELF);
	CHECK_EQ(g_k.elf_err, ELF64_ERR_SEG_FILE);

	build_elf32();
	wr(g_img, 18, 62, 2); /* ELFCLASS32 with EM_X86_64 */
	CHECK_EQ(parse(), MB1_ERR_ELF);
	CHECK_EQ(g_k.elf_err, ELF64_ERR_MACHINE);

	build_elf32();
	wr(g_img, 24, 0xc0200000, 4); /* entry in no segment */
	CHECK_EQ(parse(), MB1_ERR_ELF);
	CHECK_EQ(g_k.elf_err, ELF64_ERR_ENTRY);

	build_elf32();
	wr(g_img, EHDR32 + PHDR32 + 12, 0xfffff000, 4); /* bss crosses 4 GiB */
	CHECK_EQ(parse(), MB1_ERR_ABOVE_4G);

	build_elf32();
	wr(g_img, 42, PHDR32 + 1, 2);
	CHECK_EQ(parse(), MB1_ERR_ELF);
	CHECK_EQ(g_k.elf_err, ELF64_ERR_PHDR);

	/* A header but no ELF and no kludge. */
	build_elf32();
	g_img[0] = 0;
	CHECK_EQ(parse(), MB1_ERR_ELF);
	CHECK_EQ(g_k.elf_err, ELF64_ERR_MAGIC);
}

static const struct mb2_mmap_entry g_mmap[] = {
	{ 0, 0x9f000, MB2_MEM_AVAILABLE },
	{ 0x9f000, 0x1000, MB2_MEM_RESERVED },
	{ 0x100000, 0x100000, MB2_MEM_AVAILABLE },
	{ 0x200000, 0x200000, MB2_MEM_RESERVED },
	{ 0x400000, 0xfc00000, MB2_MEM_AVAILABLE },
};

static const struct mb2_module g_mods[] = {
	{ 0x300000, 0x301234, "first arg" },
	{ 0x302000, 0x302000, NULL },
};

/* A string the info points at: inside the buffer, NUL-terminated. */
static const char *str_at(const uint8_t *buf, size_t len, uint32_t gpa)
{
	if (gpa < GPA || gpa - GPA >= len || !memchr(buf + (gpa - GPA), 0, len - (gpa - GPA)))
		return NULL;
	return (const char *)buf + (gpa - GPA);
}

static void test_info(void)
{
	static uint8_t buf[0x1000];
	struct mb1_info_in in = {
		.cmdline = "exit=3 x", .loader_name = "nested-hv",
		.mmap = g_mmap, .n_mmap = 5, .modules = g_mods, .n_modules = 2,
	};
	size_t len = mb1_info_build(&in, buf, sizeof(buf), GPA);
	uint32_t mmap_addr, mods;

	CHECK(len > MB1_INFO_SIZE);
	CHECK_EQ(rd32(buf, 0), MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS |
				       MB1_INFO_MEM_MAP | MB1_INFO_LOADER_NAME);
	CHECK_EQ(rd32(buf, 4), 0x9f000 / 1024); /* mem_lower */
	CHECK_EQ(rd32(buf, 8), 1024);           /* mem_upper: 1 MiB up to the hole */
	CHECK_STR(str_at(buf, len, rd32(buf, 16)), "exit=3 x");
	CHECK_STR(str_at(buf, len, rd32(buf, 64)), "nested-hv");
	CHECK_EQ(rd32(buf, 44), 5 * 24);
	mmap_addr = rd32(buf, 48);
	CHECK(mmap_addr >= GPA + MB1_INFO_SIZE && mmap_addr + 5 * 24 <= GPA + len);
	for (unsigned i = 0; i < 5; i++) {
		size_t e = mmap_addr - GPA + i * 24;

		CHECK_EQ(rd32(buf, e), 20);
		CHECK_EQ(rd64(buf, e + 4), g_mmap[i].base);
		CHECK_EQ(rd64(buf, e + 12), g_mmap[i].len);
		CHECK_EQ(rd32(buf, e + 20), g_mmap[i].type);
	}
	CHECK_EQ(rd32(buf, 20), 2);
	mods = rd32(buf, 24) - GPA;
	CHECK_EQ(rd32(buf, mods), 0x300000);
	CHECK_EQ(rd32(buf, mods + 4), 0x301234);
	CHECK_STR(str_at(buf, len, rd32(buf, mods + 8)), "first arg");
	CHECK_STR(str_at(buf, len, rd32(buf, mods + 24)), "");

	/* Every smaller buffer is refused, never overrun (ASan watches the copy). */
	for (size_t cap = 0; cap < len; cap++) {
		uint8_t *small = malloc(cap ? cap : 1);

		CHECK_EQ(mb1_info_build(&in, small, cap, GPA), 0);
		free(small);
	}

	/* No command line, no modules, no map: those flags stay clear. */
	in = (struct mb1_info_in){ .loader_name = "x" };
	CHECK_EQ(mb1_info_build(&in, buf, sizeof(buf), GPA), MB1_INFO_SIZE + 2);
	CHECK_EQ(rd32(buf, 0), MB1_INFO_MEMORY | MB1_INFO_MODS | MB1_INFO_LOADER_NAME);
	CHECK_EQ(rd32(buf, 20), 0);
	CHECK_EQ(rd32(buf, 24), 0);

	/* A module past 4 GiB, a misaligned or too-high place: refused. */
	struct mb2_module high = { 0xfffff000, 0x100000000ull, "" };

	in = (struct mb1_info_in){ .modules = &high, .n_modules = 1 };
	CHECK_EQ(mb1_info_build(&in, buf, sizeof(buf), GPA), 0);
	in.n_modules = 0;
	CHECK_EQ(mb1_info_build(&in, buf, sizeof(buf), GPA + 4), 0);
	CHECK_EQ(mb1_info_build(&in, buf, sizeof(buf), 0x100000000ull - 0x800), 0);
}

int main(void)
{
	test_header_search();
	test_kludge();
	test_elf();
	test_info();
	return check_report("multiboot1");
}
