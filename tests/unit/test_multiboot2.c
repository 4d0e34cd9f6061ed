/*
 * test_multiboot2.c - host tests for the Multiboot2 info parser: infos built
 * tag by tag in a buffer, well-formed and malformed, parsed from exact-size
 * heap copies so that the sanitizer catches any read past 'avail'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "multiboot2.h"

#define MAGIC MB2_BOOTLOADER_MAGIC

/* An info under construction. */
struct mb {
	_Alignas(8) uint8_t b[16384];
	size_t len;
};

static struct mb g_mb; /* too big for the stack of every test */
static struct mb2_info g_info;
static uint8_t *g_copy; /* what g_info points into, until the next parse */

/* Writes a little-endian u32 at 'p'. */
static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends raw bytes. */
static void put(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

/* Appends a little-endian u32. */
static void put32(struct mb *m, uint32_t v)
{
	wr32(m->b + m->len, v);
	m->len += 4;
}

/* Appends a little-endian u64. */
static void put64(struct mb *m, uint64_t v)
{
	put32(m, (uint32_t)v);
	put32(m, (uint32_t)(v >> 32));
}

/* Starts an empty info: the fixed part, total_size filled in by finish(). */
static struct mb *start(void)
{
	memset(&g_mb, 0, sizeof(g_mb));
	g_mb.len = 8;
	return &g_mb;
}

/* Opens a tag; its size is filled in by tag_close(). */
static size_t tag_open(struct mb *m, uint32_t type)
{
	size_t off = m->len;

	put32(m, type);
	put32(m, 0);
	return off;
}

/* Closes a tag with the given size, then pads to 8 with zeros. */
static void tag_close_size(struct mb *m, size_t off, uint32_t size)
{
	wr32(m->b + off + 4, size);
	m->len = (m->len + 7) & ~(size_t)7;
}

/* Closes a tag sized to what was appended since tag_open(). */
static void tag_close(struct mb *m, size_t off)
{
	tag_close_size(m, off, (uint32_t)(m->len - off));
}

/* Appends a string tag (cmdline, loader name) with its NUL. */
static size_t add_string(struct mb *m, uint32_t type, const char *s)
{
	size_t off = tag_open(m, type);

	put(m, s, strlen(s) + 1);
	tag_close(m, off);
	return off;
}

/* Appends a module tag. */
static size_t add_module(struct mb *m, uint32_t start, uint32_t end,
			 const char *s)
{
	size_t off = tag_open(m, 3);

	put32(m, start);
	put32(m, end);
	put(m, s, strlen(s) + 1);
	tag_close(m, off);
	return off;
}

/* Appends a basic meminfo tag. */
static size_t add_meminfo(struct mb *m, uint32_t lower, uint32_t upper)
{
	size_t off = tag_open(m, 4);

	put32(m, lower);
	put32(m, upper);
	tag_close(m, off);
	return off;
}

struct ent {
	uint64_t base, len;
	uint32_t type;
};

/* Appends a memory map tag whose entries take 'esize' bytes each. */
static size_t add_mmap(struct mb *m, uint32_t esize, const struct ent *e,
		       unsigned n)
{
	size_t off = tag_open(m, 6);

	put32(m, esize);
	put32(m, 0);
	for (unsigned i = 0; i < n; i++) {
		size_t at = m->len;

		put64(m, e[i].base);
		put64(m, e[i].len);
		put32(m, e[i].type);
		put32(m, 0);
		memset(m->b + m->len, 0xee, esize - 24); /* a future field */
		m->len = at + esize;
	}
	tag_close(m, off);
	return off;
}

/* Appends a tag of 'n' opaque bytes (ACPI RSDP copies, unknown tags). */
static size_t add_blob(struct mb *m, uint32_t type, const void *p, size_t n)
{
	size_t off = tag_open(m, type);

	put(m, p, n);
	tag_close(m, off);
	return off;
}

/* Appends an image load base tag. */
static size_t add_load_base(struct mb *m, uint32_t base)
{
	size_t off = tag_open(m, 21);

	put32(m, base);
	tag_close(m, off);
	return off;
}

/* Sets total_size to what was built, without an end tag. */
static size_t finish_no_end(struct mb *m)
{
	wr32(m->b, (uint32_t)m->len);
	return m->len;
}

/* Appends the end tag and sets total_size. */
static size_t finish(struct mb *m)
{
	put32(m, 0);
	put32(m, 8);
	return finish_no_end(m);
}

/* Parses 'avail' bytes of 'm' from an exact-size heap copy. */
static enum mb2_error parse_n(const struct mb *m, size_t avail, size_t *bad)
{
	free(g_copy);
	g_copy = malloc(avail ? avail : 1);
	memcpy(g_copy, m->b, avail);
	*bad = (size_t)-1;
	return mb2_parse(MAGIC, g_copy, avail, &g_info, bad);
}

/* Parses the whole of 'm'. */
static enum mb2_error parse(const struct mb *m, size_t *bad)
{
	return parse_n(m, m->len, bad);
}

/* Every tag we parse, and some we skip, come out right. */
static void test_good_info(void)
{
	struct mb *m = start();
	static const struct ent map[] = {
		{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
		{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
		{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
		{ 0x7fe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
		{ 0xfffc0000, 0x40000, MB2_MEM_NVS },
		{ 0x100000000ull, 0x80000000ull, MB2_MEM_BAD },
	};
	uint8_t rsdp[36], unknown[13];
	size_t rsdp_off, bad;
	uint8_t *copy;

	for (int i = 0; i < 36; i++)
		rsdp[i] = (uint8_t)(0x40 + i);
	memset(unknown, 0, sizeof(unknown));
	add_string(m, 1, "console=com1 nested=1");
	add_blob(m, 8, unknown, 13); /* framebuffer: skipped, odd size */
	add_string(m, 2, "GRUB 2.12");
	add_module(m, 0x200000, 0x280000, "guest-kernel");
	add_module(m, 0x300000, 0x300000, ""); /* empty module */
	add_meminfo(m, 639, 130048);
	add_blob(m, 99, unknown, 0); /* unknown, header only */
	add_mmap(m, 24, map, 6);
	rsdp_off = add_blob(m, 15, rsdp, 36);
	add_load_base(m, 0x1000000);
	finish(m);

	copy = aligned_alloc(8, m->len);
	memcpy(copy, m->b, m->len);
	bad = 12345;
	CHECK_EQ(mb2_parse(MAGIC, copy, m->len, &g_info, &bad), MB2_OK);
	CHECK_EQ(bad, 12345); /* untouched on success */
	CHECK_EQ(g_info.info_addr, (uintptr_t)copy);
	CHECK_EQ(g_info.total_size, m->len);
	CHECK_STR(g_info.cmdline, "console=com1 nested=1");
	CHECK_STR(g_info.loader_name, "GRUB 2.12");
	CHECK_EQ(g_info.n_modules, 2);
	CHECK_EQ(g_info.modules[0].start, 0x200000);
	CHECK_EQ(g_info.modules[0].end, 0x280000);
	CHECK_STR(g_info.modules[0].cmdline, "guest-kernel");
	CHECK_EQ(g_info.modules[1].start, 0x300000);
	CHECK_EQ(g_info.modules[1].end, 0x300000);
	CHECK_STR(g_info.modules[1].cmdline, "");
	CHECK(g_info.has_basic_mem);
	CHECK_EQ(g_info.mem_lower_kb, 639);
	CHECK_EQ(g_info.mem_upper_kb, 130048);
	CHECK_EQ(g_info.n_mmap, 6);
	for (unsigned i = 0; i < 6; i++) {
		CHECK_EQ(g_info.mmap[i].base, map[i].base);
		CHECK_EQ(g_info.mmap[i].len, map[i].len);
		CHECK_EQ(g_info.mmap[i].type, map[i].type);
	}
	CHECK(g_info.rsdp == copy + rsdp_off + 8);
	CHECK_EQ(g_info.rsdp_len, 36);
	CHECK_EQ(g_info.rsdp_tag, 15);
	CHECK(g_info.rsdp && !memcmp(g_info.rsdp, rsdp, 36));
	CHECK(g_info.has_load_base);
	CHECK_EQ(g_info.load_base, 0x1000000);
	free(copy);
}

/* The smallest info: an end tag only; defaults for everything absent. */
static void test_minimal_info(void)
{
	struct mb *m = start();
	size_t bad;

	finish(m);
	CHECK_EQ(m->len, 16);
	CHECK_EQ(parse(m, &bad), MB2_OK);
	CHECK_STR(g_info.cmdline, "");
	CHECK_STR(g_info.loader_name, "");
	CHECK(!g_info.has_basic_mem && !g_info.has_load_base);
	CHECK_EQ(g_info.n_mmap + g_info.n_modules, 0);
	CHECK(!g_info.rsdp);
	CHECK_EQ(g_info.rsdp_tag, 0);
}

/* An ACPI 1.0 RSDP copy (tag 14); an entry_size above 24 strides right. */
static void test_old_rsdp_and_wide_mmap(void)
{
	struct mb *m = start();
	static const struct ent map[] = {
		{ 0x1000, 0x2000, MB2_MEM_AVAILABLE },
		{ 0x5000, 0x1000, 7 },
	};
	uint8_t rsdp[20] = "RSD PTR ";
	size_t bad;

	add_blob(m, 14, rsdp, 20);
	add_mmap(m, 40, map, 2);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);
	CHECK_EQ(g_info.rsdp_tag, 14);
	CHECK_EQ(g_info.rsdp_len, 20);
	CHECK_EQ(g_info.n_mmap, 2);
	CHECK_EQ(g_info.mmap[1].base, 0x5000);
	CHECK_EQ(g_info.mmap[1].len, 0x1000);
	CHECK_EQ(g_info.mmap[1].type, 7);
}

/* Tags of unknown types, of any size, are skipped; an end tag ends the walk. */
static void test_unknown_tags_skipped(void)
{
	struct mb *m = start();
	uint8_t junk[40];
	size_t bad;

	memset(junk, 0xff, sizeof(junk));
	add_blob(m, 5, junk, 12);   /* BIOS boot device */
	add_blob(m, 7, junk, 40);   /* VBE info */
	add_blob(m, 0x7777, junk, 1);
	add_string(m, 1, "x");
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);
	CHECK_STR(g_info.cmdline, "x");

	/* Trailing bytes after the end tag (inside total_size) are ignored. */
	m->len += 8;
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);
}

/* Magic, alignment and the fixed part. */
static void test_bad_fixed_part(void)
{
	struct mb *m = start();
	size_t bad;

	finish(m);
	bad = 99;
	CHECK_EQ(mb2_parse(0x2badb002, m->b, m->len, &g_info, &bad),
		 MB2_ERR_MAGIC);
	CHECK_EQ(bad, 0);
	CHECK_EQ(mb2_parse(MAGIC, m->b + 4, m->len, &g_info, &bad),
		 MB2_ERR_ALIGN);
	CHECK_EQ(mb2_parse(MAGIC, NULL, 16, &g_info, NULL), MB2_ERR_SIZE);
	CHECK_EQ(parse_n(m, 0, &bad), MB2_ERR_SIZE);
	CHECK_EQ(parse_n(m, 7, &bad), MB2_ERR_SIZE);
	CHECK_EQ(parse_n(m, 15, &bad), MB2_ERR_SIZE); /* total_size > avail */
	CHECK_EQ(bad, 0);
	wr32(m->b, 8); /* < fixed part + end tag */
	CHECK_EQ(parse(m, &bad), MB2_ERR_SIZE);
	wr32(m->b, 0);
	CHECK_EQ(parse(m, &bad), MB2_ERR_SIZE);
	wr32(m->b, 0xfffffff8);
	CHECK_EQ(parse(m, &bad), MB2_ERR_SIZE);
	CHECK_STR(g_info.cmdline, ""); /* defaults even on error */
}

/* A tag smaller than its header or its fixed part. */
static void test_tag_size(void)
{
	struct mb *m = start();
	size_t off, bad;

	add_string(m, 1, "ok");
	off = tag_open(m, 0x55);
	tag_close_size(m, off, 4);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_SIZE);
	CHECK_EQ(bad, off);

	m = start();
	off = tag_open(m, 4); /* basic meminfo needs 16 */
	put32(m, 1);
	tag_close(m, off);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_SIZE);
	CHECK_EQ(bad, off);

	m = start();
	off = tag_open(m, 15); /* ACPI 2.0 RSDP copy needs 36 bytes */
	put(m, "RSD PTR 0123456789ab", 20);
	tag_close(m, off);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_SIZE);
	CHECK_EQ(bad, off);

	m = start();
	off = tag_open(m, 0); /* an end tag must be 8 bytes */
	put64(m, 0);
	tag_close(m, off);
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_SIZE);
	CHECK_EQ(bad, off);

	m = start();
	off = tag_open(m, 0);
	tag_close_size(m, off, 0);
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_SIZE);
	CHECK_EQ(bad, 8);
}

/* A tag whose size runs past total_size, even by one byte. */
static void test_tag_overrun(void)
{
	struct mb *m = start();
	size_t off, bad;

	add_meminfo(m, 1, 2);
	off = add_string(m, 1, "abc");
	finish(m);
	wr32(m->b + off + 4, (uint32_t)(m->len - off + 1));
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(bad, off);
	wr32(m->b + off + 4, 0xffffffff);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TAG_OVERRUN);
	CHECK_EQ(bad, off);
	wr32(m->b + off + 4, (uint32_t)(m->len - off)); /* exactly fits ... */
	CHECK_EQ(parse(m, &bad), MB2_ERR_NO_END);       /* ... and eats the end */
	CHECK_EQ(bad, m->len);
}

/* No end tag before total_size. */
static void test_missing_end(void)
{
	struct mb *m = start();
	size_t bad;

	add_string(m, 1, "no end");
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_NO_END);
	CHECK_EQ(bad, m->len);
	CHECK_STR(g_info.cmdline, "no end"); /* partially filled */

	/* Room for part of a tag header only. */
	m = start();
	add_string(m, 1, "x");
	m->len += 4;
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_NO_END);
	CHECK_EQ(bad, 24);
}

/* Strings must end with a NUL inside their tag, not in its padding. */
static void test_unterminated_strings(void)
{
	struct mb *m = start();
	size_t off, bad;

	off = tag_open(m, 1);
	put(m, "abc", 3);
	tag_close(m, off); /* zero padding follows: it must not count */
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_STRING);
	CHECK_EQ(bad, off);

	m = start();
	add_meminfo(m, 1, 2);
	off = tag_open(m, 2); /* empty loader name: not even a NUL */
	tag_close(m, off);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_STRING);
	CHECK_EQ(bad, off);

	m = start();
	add_module(m, 0x1000, 0x2000, "good");
	off = tag_open(m, 3);
	put32(m, 0x3000);
	put32(m, 0x4000);
	put(m, "module.bin", 10);
	tag_close(m, off);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_STRING);
	CHECK_EQ(bad, off);
	CHECK_EQ(g_info.n_modules, 1);

	/* A string ending exactly at total_size, NUL-less, in an exact buffer. */
	m = start();
	add_string(m, 1, "1234567"); /* 8 + 8 bytes, no padding */
	off = tag_open(m, 1);
	put(m, "abcdefgh", 8);
	tag_close(m, off);
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_STRING);
	CHECK_EQ(bad, off);
}

/* entry_size below 24, not a multiple of 8, or not dividing the entries. */
static void test_mmap_entry_size(void)
{
	static const uint32_t sizes[] = { 0, 8, 16, 25, 28 };
	uint8_t entries[96];
	size_t off, bad;

	memset(entries, 0, sizeof(entries));
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct mb *m = start();

		off = tag_open(m, 6);
		put32(m, sizes[i]);
		put32(m, 0);
		put(m, entries, 48);
		tag_close(m, off);
		finish(m);
		CHECK_EQ(parse(m, &bad), MB2_ERR_MMAP_ENTRY);
		CHECK_EQ(bad, off);
	}

	struct mb *m = start(); /* 24-byte entries, 40 bytes of them */
	off = tag_open(m, 6);
	put32(m, 24);
	put32(m, 0);
	put(m, entries, 40);
	tag_close(m, off);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_MMAP_ENTRY);
	CHECK_EQ(bad, off);
}

/* A memory map tag with no entries at all. */
static void test_mmap_empty(void)
{
	struct mb *m = start();
	size_t off, bad;

	add_string(m, 1, "c");
	off = add_mmap(m, 24, NULL, 0);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_MMAP_EMPTY);
	CHECK_EQ(bad, off);
}

/* An entry whose end, base + len, does not fit in 64 bits. */
static void test_mmap_range(void)
{
	struct ent e[] = {
		{ 0, 0x1000, 1 },
		{ 0xfffffffffffff000ull, 0xfff, 2 },  /* end is UINT64_MAX */
		{ 0xfffffffffffff000ull, 0x1000, 2 }, /* end is 2^64 */
	};
	struct mb *m = start();
	size_t off, bad;

	add_mmap(m, 24, e, 2);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);

	m = start();
	off = add_mmap(m, 24, e, 3);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_MMAP_RANGE);
	CHECK_EQ(bad, off);
}

/* More memory map entries than MB2_MAX_MMAP, in one tag or spread over two. */
static void test_mmap_too_many(void)
{
	static struct ent e[MB2_MAX_MMAP + 1];
	struct mb *m = start();
	size_t off, bad;

	for (unsigned i = 0; i <= MB2_MAX_MMAP; i++)
		e[i] = (struct ent){ (uint64_t)i << 12, 0x1000, 1 };
	add_mmap(m, 24, e, MB2_MAX_MMAP);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);
	CHECK_EQ(g_info.n_mmap, MB2_MAX_MMAP);

	m = start();
	off = add_mmap(m, 24, e, MB2_MAX_MMAP + 1);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TOO_MANY);
	CHECK_EQ(bad, off);

	m = start();
	add_mmap(m, 24, e, MB2_MAX_MMAP);
	off = add_mmap(m, 24, e, 1);
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TOO_MANY);
	CHECK_EQ(bad, off);
}

/* More modules than MB2_MAX_MODULES. */
static void test_too_many_modules(void)
{
	struct mb *m = start();
	size_t off = 0, bad;

	for (unsigned i = 0; i < MB2_MAX_MODULES; i++)
		add_module(m, i << 20, (i << 20) + 0x1000, "m");
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_OK);
	CHECK_EQ(g_info.n_modules, MB2_MAX_MODULES);

	m = start();
	for (unsigned i = 0; i <= MB2_MAX_MODULES; i++)
		off = add_module(m, i << 20, (i << 20) + 0x1000, "m");
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_TOO_MANY);
	CHECK_EQ(bad, off);
	CHECK_EQ(g_info.n_modules, MB2_MAX_MODULES);
}

/* A module ending before it starts. */
static void test_module_end_before_start(void)
{
	struct mb *m = start();
	size_t off, bad;

	add_module(m, 0x1000, 0x2000, "a");
	off = add_module(m, 0x2000, 0x1fff, "b");
	finish(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_MODULE);
	CHECK_EQ(bad, off);
}

/* The first error is the one reported, with its tag's offset. */
static void test_first_error_wins(void)
{
	struct mb *m = start();
	size_t off, bad;

	off = add_module(m, 2, 1, "bad");
	add_mmap(m, 24, NULL, 0);
	finish_no_end(m);
	CHECK_EQ(parse(m, &bad), MB2_ERR_MODULE);
	CHECK_EQ(bad, off);
}

/* A tiny deterministic PRNG for the mutation test. */
static uint32_t rnd(void)
{
	static uint32_t x = 0x12345678;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Random byte flips and truncations: any result, but no bad reads. */
static void test_mutations(void)
{
	static const struct ent map[] = {
		{ 0, 0x9f000, 1 }, { 0x100000, 0x1000000, 1 },
	};
	static struct mb base;
	uint8_t blob[36] = "RSD PTR ";
	unsigned errors = 0;
	size_t bad;

	struct mb *m = start();
	add_string(m, 1, "cmd");
	add_string(m, 2, "loader");
	add_module(m, 0x1000, 0x2000, "mod");
	add_meminfo(m, 1, 2);
	add_mmap(m, 24, map, 2);
	add_blob(m, 15, blob, 36);
	add_load_base(m, 0x200000);
	finish(m);
	base = *m;

	for (int iter = 0; iter < 20000; iter++) {
		g_mb = base;
		for (int k = rnd() % 4 + 1; k > 0; k--)
			g_mb.b[rnd() % base.len] = (uint8_t)rnd();
		if (rnd() % 4 == 0) /* and sometimes make total_size lie */
			wr32(g_mb.b, rnd() % (base.len + 16));
		enum mb2_error err = parse_n(&g_mb, rnd() % 8 ? base.len :
						   rnd() % (base.len + 1), &bad);
		if (err) {
			errors++;
			CHECK(err == MB2_ERR_SIZE || bad <= base.len);
		}
		CHECK(g_info.n_mmap <= MB2_MAX_MMAP);
		CHECK(g_info.n_modules <= MB2_MAX_MODULES);
	}
	CHECK(errors > 1000); /* the mutations did reach the checks */
}

/* Every error and memory type has its own name. */
static void test_names(void)
{
	for (int i = MB2_OK; i <= MB2_ERR_MMAP_RANGE; i++) {
		CHECK(mb2_strerror(i) != NULL);
		CHECK(strcmp(mb2_strerror(i), "unknown error") != 0);
		for (int j = MB2_OK; j < i; j++)
			CHECK(strcmp(mb2_strerror(i), mb2_strerror(j)) != 0);
	}
	CHECK_STR(mb2_strerror((enum mb2_error)1000), "unknown error");
	CHECK_STR(mb2_mem_type_name(1), "available");
	CHECK_STR(mb2_mem_type_name(2), "reserved");
	CHECK_STR(mb2_mem_type_name(3), "acpi-reclaimable");
	CHECK_STR(mb2_mem_type_name(4), "acpi-nvs");
	CHECK_STR(mb2_mem_type_name(5), "bad");
	CHECK_STR(mb2_mem_type_name(0), "unknown");
	CHECK_STR(mb2_mem_type_name(6), "unknown");
	CHECK_STR(mb2_mem_type_name(0xffffffff), "unknown");
}

int main(void)
{
	test_good_info();
	test_minimal_info();
	test_old_rsdp_and_wide_mmap();
	test_unknown_tags_skipped();
	test_bad_fixed_part();
	test_tag_size();
	test_tag_overrun();
	test_missing_end();
	test_unterminated_strings();
	test_mmap_entry_size();
	test_mmap_empty();
	test_mmap_range();
	test_mmap_too_many();
	test_too_many_modules();
	test_module_end_before_start();
	test_first_error_wins();
	test_mutations();
	test_names();
	free(g_copy);
	return check_report("multiboot2");
}
