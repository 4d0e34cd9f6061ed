/*
 * test_elf64.c - host tests for the ELF64 loader's parser: executables built
 * field by field in a buffer, then broken one field at a time, parsed from
 * exact-size heap copies so that the sanitizer catches any read past 'len'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "elf64.h"

#define EHDR 64u
#define PHDR 56u
#define IMG_MAX 40000u
#define PT_LOAD 1u
#define PT_NOTE 4u

static uint8_t g_img[IMG_MAX];
static size_t g_len;
static struct elf64_image g_out;

/* Writes the little-endian 'n'-byte value 'v' at 'off' in g_img. */
static void wr(size_t off, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		g_img[off + i] = (uint8_t)(v >> (8 * i));
}

/* The offset of program header 'i', the table right after the ELF header. */
static size_t ph(unsigned i)
{
	return EHDR + i * PHDR;
}

/* Writes program header 'i'. */
static void set_phdr(unsigned i, uint32_t type, uint64_t offset,
		     uint64_t addr, uint64_t filesz, uint64_t memsz)
{
	wr(ph(i), type, 4);
	wr(ph(i) + 4, ELF64_PF_R | ELF64_PF_X, 4);
	wr(ph(i) + 8, offset, 8);
	wr(ph(i) + 16, addr, 8);          /* vaddr */
	wr(ph(i) + 24, addr, 8);          /* paddr */
	wr(ph(i) + 32, filesz, 8);
	wr(ph(i) + 40, memsz, 8);
	wr(ph(i) + 48, 0x1000, 8);        /* align */
}

/* Sets e_phnum. */
static void set_phnum(unsigned n)
{
	wr(56, n, 2);
}

/*
 * A guest like guests/lib/guest.ld makes: text at 16 MiB, a zero-filled
 * .bss segment, a PT_NOTE to skip, and the entry 0x18 into the text.
 */
static void build_good(void)
{
	static const uint8_t ident[16] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	memset(g_img, 0, sizeof(g_img));
	memcpy(g_img, ident, sizeof(ident));
	wr(16, 2, 2);           /* ET_EXEC */
	wr(18, 62, 2);          /* EM_X86_64 */
	wr(20, 1, 4);           /* EV_CURRENT */
	wr(24, 0x1000018, 8);   /* entry */
	wr(32, EHDR, 8);        /* phoff */
	wr(52, EHDR, 2);        /* ehsize */
	wr(54, PHDR, 2);        /* phentsize */
	set_phnum(4);
	set_phdr(0, PT_LOAD, 0x1000, 0x1000000, 0x14a5, 0x14a5);
	set_phdr(1, PT_NOTE, 0x3000, 0, 0x20, 0x20);
	set_phdr(2, PT_LOAD, 0x3000, 0x1002000, 0x429, 0x1000);
	set_phdr(3, PT_LOAD, 0, 0x1003000, 0, 0xa000);
	wr(ph(2) + 4, ELF64_PF_R | ELF64_PF_W, 4);
	g_len = 0x3429;
}

/* Parses the first 'len' bytes of g_img from an exact-size heap copy. */
static enum elf64_error parse_n(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum elf64_error err;

	memcpy(copy, g_img, len);
	err = elf64_parse(copy, len, &g_out);
	free(copy);
	return err;
}

static enum elf64_error parse(void)
{
	return parse_n(g_len);
}

/* Multiboot2 presence, checked the same way. */
static bool has_mb2_n(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	bool ok;

	memcpy(copy, g_img, len);
	ok = elf64_has_multiboot2(copy, len);
	free(copy);
	return ok;
}

/* Writes a Multiboot2 header at 'off' whose checksum is off by 'skew'. */
static void put_mb2(size_t off, uint32_t arch, uint32_t hlen, uint32_t skew)
{
	wr(off, 0xe85250d6u, 4);
	wr(off + 4, arch, 4);
	wr(off + 8, hlen, 4);
	wr(off + 12, (uint32_t)(0u - (0xe85250d6u + arch + hlen) + skew), 4);
	wr(off + 16, 0, 4);     /* end tag: type 0, flags 0 */
	wr(off + 20, 8, 4);
}

/* Every PT_LOAD is kept in order with its fields; other types are skipped. */
static void test_good(void)
{
	build_good();
	CHECK_EQ(parse(), ELF64_OK);
	CHECK_EQ(g_out.entry, 0x1000018);
	CHECK_EQ(g_out.n_seg, 3);
	CHECK_EQ(g_out.seg[0].paddr, 0x1000000);
	CHECK_EQ(g_out.seg[0].vaddr, 0x1000000);
	CHECK_EQ(g_out.seg[0].offset, 0x1000);
	CHECK_EQ(g_out.seg[0].filesz, 0x14a5);
	CHECK_EQ(g_out.seg[0].flags, ELF64_PF_R | ELF64_PF_X);
	CHECK_EQ(g_out.seg[1].offset, 0x3000);
	CHECK_EQ(g_out.seg[1].filesz, 0x429);
	CHECK_EQ(g_out.seg[1].memsz, 0x1000);
	CHECK_EQ(g_out.seg[1].flags, ELF64_PF_R | ELF64_PF_W);
	CHECK_EQ(g_out.seg[2].filesz, 0);
	CHECK_EQ(g_out.seg[2].memsz, 0xa000);

	/* The .data segment's file bytes end exactly at the end of the image. */
	CHECK_EQ(parse_n(g_len - 1), ELF64_ERR_SEG_FILE);
}

/* The ELF header: too short, then each identifying field wrong. */
static void test_bad_header(void)
{
	static const struct {
		size_t off;
		unsigned n;
		uint64_t v;
		enum elf64_error want;
	} bad[] = {
		{ 0, 1, 0x7e, ELF64_ERR_MAGIC },
		{ 3, 1, 'f', ELF64_ERR_MAGIC },
		{ 4, 1, 1, ELF64_ERR_CLASS },    /* ELFCLASS32 */
		{ 4, 1, 0, ELF64_ERR_CLASS },
		{ 5, 1, 2, ELF64_ERR_DATA },     /* big-endian */
		{ 6, 1, 0, ELF64_ERR_VERSION },
		{ 20, 4, 2, ELF64_ERR_VERSION }, /* e_version */
		{ 16, 2, 3, ELF64_ERR_TYPE },    /* ET_DYN */
		{ 16, 2, 1, ELF64_ERR_TYPE },    /* ET_REL */
		{ 18, 2, 3, ELF64_ERR_MACHINE }, /* EM_386 */
		{ 18, 2, 0x3e00, ELF64_ERR_MACHINE },
	};

	build_good();
	CHECK_EQ(elf64_parse(NULL, 64, &g_out), ELF64_ERR_TRUNCATED);
	CHECK_EQ(parse_n(0), ELF64_ERR_TRUNCATED);
	CHECK_EQ(parse_n(EHDR - 1), ELF64_ERR_TRUNCATED);
	CHECK_EQ(g_out.n_seg, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_good();
		wr(bad[i].off, bad[i].v, bad[i].n);
		CHECK_EQ(parse(), bad[i].want);
	}
}

/* The program header table: entry size, and bounds with overflow. */
static void test_bad_phdr_table(void)
{
	build_good();
	wr(54, PHDR - 1, 2);
	CHECK_EQ(parse(), ELF64_ERR_PHDR);
	wr(54, PHDR + 8, 2);
	CHECK_EQ(parse(), ELF64_ERR_PHDR);

	build_good(); /* the table ends one byte past the image */
	CHECK_EQ(parse_n(ph(4) - 1), ELF64_ERR_PHDR);
	CHECK_EQ(parse_n(ph(4)), ELF64_ERR_SEG_FILE); /* table fits, data not */

	build_good();
	wr(32, g_len + 1, 8);
	CHECK_EQ(parse(), ELF64_ERR_PHDR);
	wr(32, UINT64_MAX - 8, 8); /* phoff + table overflows */
	CHECK_EQ(parse(), ELF64_ERR_PHDR);
	wr(32, g_len - 4 * PHDR + 1, 8);
	CHECK_EQ(parse(), ELF64_ERR_PHDR);

	build_good();
	set_phnum(0xffff); /* PN_XNUM: extended numbering, not supported */
	CHECK_EQ(parse(), ELF64_ERR_PHDR);
	set_phnum(0);
	CHECK_EQ(parse(), ELF64_ERR_NO_LOAD);
	set_phnum(2); /* one PT_LOAD, one PT_NOTE */
	CHECK_EQ(parse(), ELF64_OK);
	set_phdr(0, PT_NOTE, 0, 0, 0, 0);
	CHECK_EQ(parse(), ELF64_ERR_NO_LOAD);
}

/* A segment's file range, sizes and addresses. */
static void test_bad_segment(void)
{
	build_good();
	set_phdr(2, PT_LOAD, g_len + 1, 0x1002000, 0, 0x1000);
	CHECK_EQ(parse(), ELF64_ERR_SEG_FILE);
	set_phdr(2, PT_LOAD, g_len, 0x1002000, 0, 0x1000); /* empty, at end */
	CHECK_EQ(parse(), ELF64_OK);
	set_phdr(2, PT_LOAD, 0x3000, 0x1002000, 0x42a, 0x1000);
	CHECK_EQ(parse(), ELF64_ERR_SEG_FILE);
	set_phdr(2, PT_LOAD, 8, 0x1002000, UINT64_MAX - 4, UINT64_MAX);
	CHECK_EQ(parse(), ELF64_ERR_SEG_FILE); /* offset + filesz wraps */

	build_good();
	set_phdr(2, PT_LOAD, 0x3000, 0x1002000, 0x429, 0x428);
	CHECK_EQ(parse(), ELF64_ERR_SEG_SIZE);

	build_good();
	set_phdr(3, PT_LOAD, 0, UINT64_MAX - 0xfff, 0, 0x1000);
	CHECK_EQ(parse(), ELF64_ERR_SEG_ADDR);
	set_phdr(3, PT_LOAD, 0, UINT64_MAX - 0xfff, 0, 0xfff); /* ends at top */
	CHECK_EQ(parse(), ELF64_OK);
	set_phdr(3, PT_LOAD, 0, 0x1003000, 0, 0xa000);
	wr(ph(3) + 24, UINT64_MAX - 0x10, 8); /* paddr alone wraps */
	CHECK_EQ(parse(), ELF64_ERR_SEG_ADDR);
}

/* ELF64_MAX_SEGMENTS loads fit; one more does not. */
static void test_too_many(void)
{
	unsigned n = ELF64_MAX_SEGMENTS;

	build_good();
	for (unsigned i = 0; i <= n; i++)
		set_phdr(i, PT_LOAD, 0x1000, 0x1000000 + i * 0x2000, 0x100,
			 0x100);
	g_len = 0x1100;
	set_phnum(n);
	CHECK_EQ(parse(), ELF64_OK);
	CHECK_EQ(g_out.n_seg, n);
	CHECK_EQ(g_out.seg[n - 1].vaddr, 0x1000000 + (n - 1) * 0x2000);
	set_phnum(n + 1);
	CHECK_EQ(parse(), ELF64_ERR_TOO_MANY);
}

/* The entry point must be inside a segment's memory, .bss included. */
static void test_entry(void)
{
	static const struct {
		uint64_t entry;
		enum elf64_error want;
	} cases[] = {
		{ 0x1000000, ELF64_OK },
		{ 0x10014a4, ELF64_OK },          /* last byte of the text */
		{ 0x100cfff, ELF64_OK },          /* last byte of .bss */
		{ 0x10014a5, ELF64_ERR_ENTRY },   /* the gap after the text */
		{ 0xffffff, ELF64_ERR_ENTRY },
		{ 0x100d000, ELF64_ERR_ENTRY },
		{ 0, ELF64_ERR_ENTRY },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_good();
		wr(24, cases[i].entry, 8);
		CHECK_EQ(parse(), cases[i].want);
	}
}

/* The Multiboot2 header: found where GRUB would find it, and only there. */
static void test_multiboot2(void)
{
	build_good();
	CHECK(!has_mb2_n(g_len));
	CHECK(!elf64_has_multiboot2(NULL, 100));
	put_mb2(0x1000, 0, 24, 0);
	CHECK(has_mb2_n(g_len));
	CHECK(!has_mb2_n(0x1000 + 23)); /* header_length past the image */
	CHECK(has_mb2_n(0x1000 + 24));
	CHECK(!has_mb2_n(15));

	build_good();
	put_mb2(0x1004, 0, 24, 0); /* not 8-aligned */
	CHECK(!has_mb2_n(g_len));
	put_mb2(0x1000, 0, 24, 1); /* bad checksum */
	CHECK(!has_mb2_n(g_len));
	put_mb2(0x1000, 4, 24, 0); /* MIPS */
	CHECK(!has_mb2_n(g_len));
	put_mb2(0x1000, 0, 16, 0); /* no room for the end tag */
	CHECK(!has_mb2_n(g_len));
	put_mb2(0x1010, 0, 24, 0); /* a good one after a bad one */
	CHECK(has_mb2_n(g_len));

	/* The whole header must lie in the first 32 KiB. */
	build_good();
	put_mb2(32768 - 24, 0, 24, 0);
	CHECK(has_mb2_n(IMG_MAX));
	put_mb2(32768 - 24, 0, 32, 0);
	CHECK(!has_mb2_n(IMG_MAX));
	build_good();
	put_mb2(32768, 0, 24, 0);
	CHECK(!has_mb2_n(IMG_MAX));
}

/* Every error has its own description. */
static void test_names(void)
{
	for (int i = ELF64_OK; i <= ELF64_ERR_ENTRY; i++) {
		CHECK(strcmp(elf64_strerror(i), "unknown error") != 0);
		for (int j = ELF64_OK; j < i; j++)
			CHECK(strcmp(elf64_strerror(i), elf64_strerror(j)) != 0);
	}
	CHECK_STR(elf64_strerror((enum elf64_error)1000), "unknown error");
}

/* The hello guest, when the tree's build has made it. */
static void test_built_guest(void)
{
	static const char rel[] = "build/guests/hello.elf";
	size_t len;
	uint8_t *img = read_tree_file(rel, &len);

	if (!img) {
		printf("SKIP: no %s\n", rel);
		return;
	}
	CHECK_EQ(elf64_parse(img, len, &g_out), ELF64_OK);
	CHECK(elf64_has_multiboot2(img, len));
	printf("%s: entry 0x%" PRIx64 ", %u load segments\n", rel, g_out.entry,
	       g_out.n_seg);
	free(img);
}

int main(void)
{
	test_good();
	test_bad_header();
	test_bad_phdr_table();
	test_bad_segment();
	test_too_many();
	test_entry();
	test_multiboot2();
	test_names();
	test_built_guest();
	return check_report("elf64");
}
