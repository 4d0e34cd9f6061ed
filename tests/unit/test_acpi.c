/*
 * test_acpi.c - host tests for the ACPI parser: RSDPs, RSDT/XSDT and MADTs
 * built in a fake physical memory that map() hands out with exact bounds, so
 * that the sanitizer catches any read past what map() allowed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "check.h"

/* A fake physical memory: 'size' bytes from physical address 'base'. */
struct mem {
	uint64_t base;
	size_t size;
	uint8_t *bytes;
	unsigned maps; /* map() calls, to see it used */
};

/* A table under construction. */
struct tbl {
	uint8_t b[4096];
	uint32_t len;
};

static struct tbl g_tbl;
static struct acpi_madt g_madt;

/* The map callback: the range must lie wholly inside the fake memory. */
static const void *map(uint64_t phys, size_t len, void *ctx)
{
	struct mem *m = ctx;

	m->maps++;
	if (phys < m->base || phys - m->base > m->size ||
	    len > m->size - (phys - m->base))
		return NULL;
	return m->bytes + (phys - m->base);
}

/* Makes a zeroed fake memory. */
static struct mem mem_new(uint64_t base, size_t size)
{
	return (struct mem){ .base = base, .size = size,
			     .bytes = calloc(1, size) };
}

/* Copies 'n' bytes into the fake memory at 'phys'. */
static void mem_put(struct mem *m, uint64_t phys, const void *p, size_t n)
{
	memcpy(m->bytes + (phys - m->base), p, n);
}

/* Writes a little-endian u32 at 'p'. */
static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes a little-endian u64 at 'p'. */
static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* The value that makes 'n' bytes at 'p' sum to zero with it. */
static uint8_t fix_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return (uint8_t)-s;
}

/* Builds an RSDP into r[36]: revision 0 (20 bytes) or 2 (36 bytes). */
static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "HVTEST", 6);
	r[15] = rev;
	wr32(r + 16, rsdt);
	r[8] = fix_sum(r, 20);
	if (rev < 2)
		return;
	wr32(r + 20, 36);
	wr64(r + 24, xsdt);
	r[32] = fix_sum(r, 36);
}

/* Starts a table: the 36-byte header, length and checksum set by seal(). */
static struct tbl *tbl_start(const char *sig, uint8_t rev)
{
	struct tbl *t = &g_tbl;

	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = rev;
	memcpy(t->b + 10, "HVTEST", 6);
	t->len = 36;
	return t;
}

/* Appends 'n' little-endian bytes of 'v', zeros past its 8th. */
static void put(struct tbl *t, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		t->b[t->len++] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

/* Sets the header's length to what was built and fixes the checksum. */
static void seal(struct tbl *t)
{
	wr32(t->b + 4, t->len);
	t->b[9] = 0;
	t->b[9] = fix_sum(t->b, t->len);
}

/* Seals 't' and copies it into the fake memory at 'phys'. */
static void place(struct mem *m, struct tbl *t, uint64_t phys)
{
	seal(t);
	mem_put(m, phys, t->b, t->len);
}

/* Starts an MADT with the given local APIC address, flags and revision. */
static struct tbl *madt_start(uint32_t lapic, uint32_t flags, uint8_t rev)
{
	struct tbl *t = tbl_start("APIC", rev);

	put(t, lapic, 4);
	put(t, flags, 4);
	return t;
}

/* Type 0: processor local APIC. */
static void madt_lapic(struct tbl *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	put(t, 0, 1);
	put(t, 8, 1);
	put(t, uid, 1);
	put(t, id, 1);
	put(t, flags, 4);
}

/* Type 1: IOAPIC. */
static void madt_ioapic(struct tbl *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	put(t, 1, 1);
	put(t, 12, 1);
	put(t, id, 1);
	put(t, 0, 1);
	put(t, addr, 4);
	put(t, gsi, 4);
}

/* Type 2: interrupt source override. */
static void madt_iso(struct tbl *t, uint8_t src, uint32_t gsi, uint16_t flags)
{
	put(t, 2, 1);
	put(t, 10, 1);
	put(t, 0, 1);
	put(t, src, 1);
	put(t, gsi, 4);
	put(t, flags, 2);
}

/* Type 5: local APIC address override. */
static void madt_lapic_override(struct tbl *t, uint64_t addr)
{
	put(t, 5, 1);
	put(t, 12, 1);
	put(t, 0, 2);
	put(t, addr, 8);
}

/* Type 9: processor local x2APIC. */
static void madt_x2apic(struct tbl *t, uint32_t id, uint32_t flags,
			uint32_t uid)
{
	put(t, 9, 1);
	put(t, 16, 1);
	put(t, 0, 2);
	put(t, id, 4);
	put(t, flags, 4);
	put(t, uid, 4);
}

/* Type 4: local APIC NMI, which the parser skips. */
static void madt_lapic_nmi(struct tbl *t)
{
	put(t, 4, 1);
	put(t, 6, 1);
	put(t, 0xff, 1);
	put(t, 5, 2);
	put(t, 1, 1);
}

/* An exact-size heap copy of p[0..len), so ASan sees any read past it. */
static uint8_t *exact_copy(const void *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, p, len);
	return copy;
}

/* Parses the MADT in 't' (sealed) from an exact-size heap copy. */
static enum acpi_error parse_madt_n(const struct tbl *t, size_t len)
{
	uint8_t *copy = exact_copy(t->b, len);
	enum acpi_error err = acpi_parse_madt(copy, len, &g_madt);

	free(copy);
	return err;
}

/* Seals and parses the MADT in 't'. */
static enum acpi_error parse_madt(struct tbl *t)
{
	seal(t);
	return parse_madt_n(t, t->len);
}

/* Checks the RSDP in r[0..len) from an exact-size heap copy. */
static enum acpi_error rsdp_check_n(const uint8_t *r, size_t len)
{
	uint8_t *copy = exact_copy(r, len);
	enum acpi_error err = acpi_rsdp_check(copy, len);

	free(copy);
	return err;
}

/* Good RSDPs of both revisions, and each way to break one. */
static void test_rsdp(void)
{
	uint8_t r[36];

	make_rsdp(r, 0, 0x1000, 0);
	CHECK_EQ(rsdp_check_n(r, 20), ACPI_OK);
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_OK);
	CHECK_EQ(rsdp_check_n(r, 19), ACPI_ERR_RSDP_LENGTH);
	CHECK_EQ(acpi_rsdp_check(NULL, 36), ACPI_ERR_RSDP_LENGTH);
	r[8]++;
	CHECK_EQ(rsdp_check_n(r, 20), ACPI_ERR_RSDP_CHECKSUM);
	make_rsdp(r, 0, 0x1000, 0);
	r[3] = 'p';
	CHECK_EQ(rsdp_check_n(r, 20), ACPI_ERR_RSDP_SIGNATURE);

	make_rsdp(r, 2, 0x1000, 0x2000);
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_OK);
	CHECK_EQ(rsdp_check_n(r, 20), ACPI_ERR_RSDP_LENGTH); /* v2 needs 36 */
	r[32]++;
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_ERR_RSDP_XCHECKSUM);
	make_rsdp(r, 2, 0x1000, 0x2000);
	r[24]++; /* past the first 20 bytes: only the extended sum sees it */
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_ERR_RSDP_XCHECKSUM);
	make_rsdp(r, 2, 0x1000, 0x2000);
	r[16]++; /* inside the first 20: the 1.0 checksum sees it first */
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_ERR_RSDP_CHECKSUM);

	/* The length field: below 36, or beyond the bytes we have. */
	make_rsdp(r, 2, 0x1000, 0x2000);
	wr32(r + 20, 20);
	r[32] = 0;
	r[32] = fix_sum(r, 36);
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_ERR_RSDP_LENGTH);
	wr32(r + 20, 37);
	r[32] = 0;
	r[32] = fix_sum(r, 36);
	CHECK_EQ(rsdp_check_n(r, 36), ACPI_ERR_RSDP_LENGTH);
}

/*
 * One fake machine: RSDT at 0x1000 and XSDT at 0x1100 each naming a FACP
 * and an MADT; the XSDT's MADT (at 0x3000) says 0xfee10000, the RSDT's
 * (at 0x2000) 0xfee00000, so the two paths can be told apart.
 */
static struct mem machine(void)
{
	struct mem m = mem_new(0, 0x8000);
	struct tbl *t;

	t = madt_start(0xfee00000, 1, 3);
	madt_lapic(t, 0, 0, 1);
	place(&m, t, 0x2000);
	t = madt_start(0xfee10000, 1, 3);
	madt_lapic(t, 0, 0, 1);
	place(&m, t, 0x3000);
	t = tbl_start("FACP", 6);
	put(t, 0, 8);
	place(&m, t, 0x4000);
	t = tbl_start("RSDT", 1);
	put(t, 0x4000, 4);
	put(t, 0, 4); /* a null entry, skipped */
	put(t, 0x2000, 4);
	place(&m, t, 0x1000);
	t = tbl_start("XSDT", 1);
	put(t, 0x4000, 8);
	put(t, 0x3000, 8);
	place(&m, t, 0x1104); /* 4 mod 8: entries are not 8-aligned */
	return m;
}

/* Finds the MADT at the root and checks which one it is. */
static void check_madt_via(const struct acpi_root *root, uint64_t phys,
			   uint64_t lapic)
{
	struct acpi_table tab;

	CHECK_EQ(acpi_find_table(root, "APIC", &tab), ACPI_OK);
	CHECK_EQ(tab.phys, phys);
	CHECK_EQ(acpi_parse_madt(tab.data, tab.length, &g_madt), ACPI_OK);
	CHECK_EQ(g_madt.lapic_addr, lapic);
}

/* Revision 0 uses the RSDT; revision 2 the XSDT, or the RSDT if it is 0. */
static void test_rsdt_vs_xsdt(void)
{
	struct mem m = machine();
	struct acpi_root root;
	struct acpi_table tab;
	uint8_t r[36];

	make_rsdp(r, 0, 0x1000, 0x1104); /* v1: XSDT address ignored */
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_OK);
	CHECK(!root.xsdt);
	CHECK_EQ(root.root_phys, 0x1000);
	CHECK_EQ(root.n_entries, 3);
	CHECK_EQ(root.revision, 0);
	CHECK_STR(root.oem_id, "HVTEST");
	check_madt_via(&root, 0x2000, 0xfee00000);
	CHECK_EQ(acpi_find_table(&root, "FACP", &tab), ACPI_OK);
	CHECK_EQ(tab.phys, 0x4000);
	CHECK_EQ(tab.length, 44);
	CHECK(tab.data == m.bytes + 0x4000);
	CHECK_EQ(acpi_find_table(&root, "HPET", &tab), ACPI_ERR_NOT_FOUND);

	make_rsdp(r, 2, 0x1000, 0x1104);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_OK);
	CHECK(root.xsdt);
	CHECK_EQ(root.root_phys, 0x1104);
	CHECK_EQ(root.n_entries, 2);
	CHECK_EQ(root.revision, 2);
	check_madt_via(&root, 0x3000, 0xfee10000);
	CHECK_EQ(acpi_find_table(&root, "SRAT", &tab), ACPI_ERR_NOT_FOUND);

	make_rsdp(r, 2, 0x1000, 0);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_OK);
	CHECK(!root.xsdt);
	check_madt_via(&root, 0x2000, 0xfee00000);

	make_rsdp(r, 2, 0, 0);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_ERR_NO_ROOT);
	make_rsdp(r, 0, 0, 0x1104);
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_NO_ROOT);
	r[0] = 'X';
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_RSDP_SIGNATURE);
	CHECK_EQ(root.n_entries, 0); /* a failed init finds nothing */
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_NOT_FOUND);
	free(m.bytes);
}

/* 64-bit XSDT entries: the tables lie above 4 GiB. */
static void test_xsdt_above_4g(void)
{
	const uint64_t base = 0x100000000ull;
	struct mem m = mem_new(base, 0x4000);
	struct acpi_root root;
	struct acpi_table tab;
	struct tbl *t;
	uint8_t r[36];

	t = madt_start(0xfee00000, 0, 3);
	madt_lapic(t, 0, 0, 1);
	place(&m, t, base + 0x2000);
	t = tbl_start("XSDT", 1);
	put(t, base + 0x2000, 8);
	place(&m, t, base + 0x1000);
	make_rsdp(r, 2, 0xdead0000, base + 0x1000); /* RSDT unmapped */
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_OK);
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_OK);
	CHECK_EQ(tab.phys, base + 0x2000);
	make_rsdp(r, 0, 0xdead0000, 0); /* the RSDT path can't reach */
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_MAP);
	free(m.bytes);
}

/* Root tables with a wrong signature, length or checksum. */
static void test_bad_root(void)
{
	struct mem m = machine();
	struct acpi_root root;
	uint8_t r[36];

	make_rsdp(r, 0, 0x2000, 0); /* the RSDT "is" an MADT */
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_SIGNATURE);
	make_rsdp(r, 2, 0x1000, 0x1000); /* the XSDT "is" the RSDT */
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_ERR_SIGNATURE);
	make_rsdp(r, 0, 0x1000, 0);
	m.bytes[0x1000 + 20]++;
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_CHECKSUM);
	m.bytes[0x1000 + 20]--;
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_OK);

	/* RSDT of 36 + 3 bytes: not whole 4-byte entries. */
	struct tbl *t = tbl_start("RSDT", 1);
	put(t, 0x2000, 3);
	place(&m, t, 0x1000);
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_ERR_LENGTH);
	/* XSDT of 36 + 4 bytes: not whole 8-byte entries. */
	t = tbl_start("XSDT", 1);
	put(t, 0x2000, 4);
	place(&m, t, 0x1104);
	make_rsdp(r, 2, 0x1000, 0x1104);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_ERR_LENGTH);
	/* A length below the header's own. */
	wr32(m.bytes + 0x1104 + 4, 35);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_ERR_LENGTH);
	/* An empty XSDT is fine and finds nothing. */
	t = tbl_start("XSDT", 1);
	place(&m, t, 0x1104);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_OK);
	CHECK_EQ(root.n_entries, 0);
	struct acpi_table tab;
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_NOT_FOUND);
	/* A root past the end of memory. */
	make_rsdp(r, 2, 0x1000, 0x7ff0);
	CHECK_EQ(acpi_init(&root, r, 36, map, &m), ACPI_ERR_MAP);
	free(m.bytes);
}

/* Tables that lie about their length, break their checksum or can't map. */
static void test_bad_tables(void)
{
	struct mem m = mem_new(0, 0x3000);
	struct acpi_root root;
	struct acpi_table tab;
	struct tbl *t;
	uint8_t r[36];
	unsigned before;

	t = tbl_start("HPET", 1);
	put(t, 0, 20);
	place(&m, t, 0x2000 - 56); /* ends exactly at the end of memory */
	t = madt_start(0xfee00000, 0, 3);
	madt_lapic(t, 0, 0, 1);
	place(&m, t, 0x3000 - 64); /* 52 bytes: fits in memory */
	t = tbl_start("SSDT", 1);
	place(&m, t, 0x1800);
	t = tbl_start("RSDT", 1);
	put(t, 0x2000 - 56, 4);
	put(t, 0x3000 - 64, 4);
	put(t, 0x1800, 4);
	put(t, 0x9000, 4); /* unmapped */
	place(&m, t, 0x1000);
	make_rsdp(r, 0, 0x1000, 0);
	CHECK_EQ(acpi_init(&root, r, 20, map, &m), ACPI_OK);
	CHECK_EQ(acpi_find_table(&root, "HPET", &tab), ACPI_OK);
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_OK);
	CHECK_EQ(acpi_find_table(&root, "SSDT", &tab), ACPI_OK);
	CHECK_EQ(tab.length, 36);
	/* Walking past the unmapped entry to look for more is an error. */
	CHECK_EQ(acpi_find_table(&root, "FACP", &tab), ACPI_ERR_MAP);

	/* The MADT's length now runs 1 byte past what map() allows. */
	wr32(m.bytes + 0x3000 - 64 + 4, 65);
	before = m.maps;
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_MAP);
	CHECK(m.maps > before);
	wr32(m.bytes + 0x3000 - 64 + 4, 0xffffffff);
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_MAP);
	wr32(m.bytes + 0x3000 - 64 + 4, 35);
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_LENGTH);
	/* Within memory, but longer than what its checksum covered. */
	wr32(m.bytes + 0x3000 - 64 + 4, 55);
	CHECK_EQ(acpi_find_table(&root, "APIC", &tab), ACPI_ERR_CHECKSUM);
	free(m.bytes);
}

/* An MADT with every entry kind, disabled CPUs and an address override. */
static void test_madt_good(void)
{
	struct tbl *t = madt_start(0xfee00000, 1, 5);

	madt_lapic(t, 0, 0, 1);
	madt_lapic(t, 1, 2, 1);
	madt_lapic(t, 2, 4, 0);   /* disabled: skipped */
	madt_lapic(t, 3, 6, 2);   /* online-capable (revision 5) */
	madt_lapic(t, 4, 0xff, 1); /* the broadcast ID: no CPU */
	madt_ioapic(t, 8, 0xfec00000, 0);
	madt_ioapic(t, 9, 0xfec01000, 24);
	madt_iso(t, 0, 2, 0);
	madt_iso(t, 9, 9, 0xd);
	madt_lapic_nmi(t);
	madt_x2apic(t, 0x100, 1, 100);
	madt_x2apic(t, 0x101, 0, 101);     /* disabled */
	madt_x2apic(t, 2, 1, 1);           /* 2 again, as x2APIC: listed once */
	madt_x2apic(t, 0xffffffff, 1, 7);  /* the broadcast ID */
	madt_lapic_override(t, 0x1fee00000ull);
	put(t, 0x80, 1); /* an unknown type, 2 bytes long */
	put(t, 2, 1);

	CHECK_EQ(parse_madt(t), ACPI_OK);
	CHECK_EQ(g_madt.lapic_addr, 0x1fee00000ull);
	CHECK(g_madt.pcat_compat);
	CHECK_EQ(g_madt.n_cpus, 4);
	CHECK_EQ(g_madt.cpus[0].apic_id, 0);
	CHECK(g_madt.cpus[0].enabled && !g_madt.cpus[0].x2apic);
	CHECK_EQ(g_madt.cpus[1].apic_id, 2);
	CHECK_EQ(g_madt.cpus[1].uid, 1);
	CHECK_EQ(g_madt.cpus[2].apic_id, 6);
	CHECK_EQ(g_madt.cpus[2].uid, 3);
	CHECK(!g_madt.cpus[2].enabled);
	CHECK_EQ(g_madt.cpus[3].apic_id, 0x100);
	CHECK_EQ(g_madt.cpus[3].uid, 100);
	CHECK(g_madt.cpus[3].enabled && g_madt.cpus[3].x2apic);
	CHECK_EQ(g_madt.n_ioapics, 2);
	CHECK_EQ(g_madt.ioapics[1].id, 9);
	CHECK_EQ(g_madt.ioapics[1].addr, 0xfec01000);
	CHECK_EQ(g_madt.ioapics[1].gsi_base, 24);
	CHECK_EQ(g_madt.n_overrides, 2);
	CHECK_EQ(g_madt.overrides[0].source, 0);
	CHECK_EQ(g_madt.overrides[0].gsi, 2);
	CHECK_EQ(g_madt.overrides[1].bus, 0);
	CHECK_EQ(g_madt.overrides[1].source, 9);
	CHECK_EQ(g_madt.overrides[1].gsi, 9);
	CHECK_EQ(g_madt.overrides[1].flags, 0xd);
}

/* Before MADT revision 5 the online-capable bit is reserved: ignored. */
static void test_madt_online_capable_rev(void)
{
	struct tbl *t = madt_start(0xfee00000, 0, 4);

	madt_lapic(t, 0, 0, 1);
	madt_lapic(t, 1, 1, 2);
	madt_x2apic(t, 0x300, 2, 9);
	CHECK_EQ(parse_madt(t), ACPI_OK);
	CHECK_EQ(g_madt.n_cpus, 1);
	CHECK(!g_madt.pcat_compat);
	CHECK_EQ(g_madt.lapic_addr, 0xfee00000);
}

/* Capacity: exactly full is fine, one more is an error. */
static void test_madt_too_many(void)
{
	struct tbl *t = madt_start(0xfee00000, 0, 3);

	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		madt_lapic(t, (uint8_t)i, (uint8_t)i, 1);
	madt_lapic(t, 200, 200, 0); /* disabled ones take no room */
	CHECK_EQ(parse_madt(t), ACPI_OK);
	CHECK_EQ(g_madt.n_cpus, ACPI_MAX_CPUS);
	madt_x2apic(t, 0x1000, 1, 0x1000);
	CHECK_EQ(parse_madt(t), ACPI_ERR_TOO_MANY_CPUS);

	t = madt_start(0xfee00000, 0, 3);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS; i++)
		madt_ioapic(t, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	CHECK_EQ(parse_madt(t), ACPI_OK);
	madt_ioapic(t, 99, 0xfed00000, 999);
	CHECK_EQ(parse_madt(t), ACPI_ERR_TOO_MANY_IOAPICS);

	t = madt_start(0xfee00000, 0, 3);
	for (unsigned i = 0; i < ACPI_MAX_OVERRIDES; i++)
		madt_iso(t, (uint8_t)i, i, 0);
	CHECK_EQ(parse_madt(t), ACPI_OK);
	madt_iso(t, 20, 20, 0);
	CHECK_EQ(parse_madt(t), ACPI_ERR_TOO_MANY_OVERRIDES);
}

/* Entries of length 0 or 1, too short for their type, or past the end. */
static void test_madt_truncated(void)
{
	struct tbl *t;

	t = madt_start(0xfee00000, 0, 3);
	madt_lapic(t, 0, 0, 1);
	put(t, 0, 1); /* type 0, length 0: must not loop */
	put(t, 0, 1);
	put(t, 0, 6);
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	put(t, 0x7f, 1); /* unknown type, length 1 */
	put(t, 1, 1);
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	madt_lapic(t, 0, 0, 1);
	t->len -= 3; /* the last entry says 8 but 5 bytes remain */
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	madt_lapic(t, 0, 0, 1);
	put(t, 9, 1); /* a lone trailing byte: no room for a length */
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	put(t, 9, 1); /* an x2APIC entry 12 bytes long, not 16 */
	put(t, 12, 1);
	put(t, 0, 10);
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	put(t, 5, 1); /* a LAPIC address override 11 bytes long */
	put(t, 11, 1);
	put(t, 0, 9);
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);

	t = madt_start(0xfee00000, 0, 3);
	put(t, 0xff, 1); /* a 255-byte entry in a 44 + 16 byte table */
	put(t, 0xff, 1);
	put(t, 0, 14);
	CHECK_EQ(parse_madt(t), ACPI_ERR_MADT_ENTRY);
}

/* The MADT's own header: signature, length, checksum, bytes available. */
static void test_madt_header(void)
{
	struct tbl *t = madt_start(0xfee00000, 0, 3);

	CHECK_EQ(parse_madt(t), ACPI_OK); /* no entries at all */
	CHECK_EQ(g_madt.n_cpus, 0);
	madt_lapic(t, 0, 0, 1);
	seal(t);
	CHECK_EQ(parse_madt_n(t, t->len - 1), ACPI_ERR_LENGTH);
	CHECK_EQ(parse_madt_n(t, 35), ACPI_ERR_LENGTH);
	CHECK_EQ(acpi_parse_madt(NULL, 100, &g_madt), ACPI_ERR_LENGTH);
	t->b[20]++;
	CHECK_EQ(parse_madt_n(t, t->len), ACPI_ERR_CHECKSUM);

	t = tbl_start("APIC", 3); /* a 40-byte "MADT": no flags field */
	put(t, 0xfee00000, 4);
	CHECK_EQ(parse_madt(t), ACPI_ERR_LENGTH);
	t = tbl_start("FACP", 3);
	put(t, 0, 8);
	CHECK_EQ(parse_madt(t), ACPI_ERR_SIGNATURE);
}

/* FADT offsets the tests fill (ACPI 6.5, 5.2.9, Table 5.9). */
enum { FADT_PM1A = 64, FADT_PM1B = 68, FADT_CNT_LEN = 89, FADT_FLAGS = 112,
       FADT_RESET = 116, FADT_RESET_VAL = 128, FADT_XPM1A = 172, FADT_XPM1B = 184,
       FADT_V1 = 116, FADT_V6 = 276 };

/* Starts a FADT of 'len' bytes (zeros) with the 32-bit PM1 control ports. */
static struct tbl *fadt_start(uint8_t rev, uint32_t len, uint32_t pm1a, uint32_t pm1b)
{
	struct tbl *t = tbl_start("FACP", rev);

	put(t, 0, (int)(len - 36));
	wr32(t->b + FADT_PM1A, pm1a);
	wr32(t->b + FADT_PM1B, pm1b);
	t->b[FADT_CNT_LEN] = 2;
	return t;
}

/* Writes a Generic Address Structure at 'off': space, width, address. */
static void put_gas(struct tbl *t, uint32_t off, uint8_t space, uint8_t width, uint64_t addr)
{
	t->b[off] = space;
	t->b[off + 1] = width;
	t->b[off + 3] = width / 8; /* access size: 1 byte, 2 word, ... */
	wr64(t->b + off + 4, addr);
}

/* Seals the FADT in 't' and parses it from an exact-size heap copy. */
static enum acpi_error parse_fadt(struct tbl *t, struct acpi_fadt *out)
{
	uint8_t *copy;
	enum acpi_error err;

	seal(t);
	copy = exact_copy(t->b, t->len);
	err = acpi_parse_fadt(copy, t->len, out);
	free(copy);
	return err;
}

/* An ACPI 1.0 FADT, as Bochs' BIOS builds it: ports only, no reset register. */
static void test_fadt_v1(void)
{
	struct acpi_fadt f;
	struct tbl *t = fadt_start(1, FADT_V1, 0xb004, 0);

	wr32(t->b + FADT_FLAGS, 1u << 10); /* RESET_REG_SUP, but no room for it */
	CHECK_EQ(parse_fadt(t, &f), ACPI_OK);
	CHECK_EQ(f.revision, 1);
	CHECK_EQ(f.pm1a_cnt.space, ACPI_SPACE_IO);
	CHECK_EQ(f.pm1a_cnt.bit_width, 16);
	CHECK_EQ(f.pm1a_cnt.addr, 0xb004);
	CHECK_EQ(f.pm1b_cnt.addr, 0);
	CHECK(!f.reset_supported);
	CHECK_EQ(f.reset_reg.addr, 0);
}

/* A 6.x FADT: X_ blocks supersede the ports; the reset register counts with its flag. */
static void test_fadt_v6(void)
{
	struct acpi_fadt f;
	struct tbl *t = fadt_start(6, FADT_V6, 0x404, 0x504);

	put_gas(t, FADT_XPM1A, ACPI_SPACE_IO, 16, 0x604);
	put_gas(t, FADT_RESET, ACPI_SPACE_IO, 8, 0xcf9);
	t->b[FADT_RESET_VAL] = 0x06;
	wr32(t->b + FADT_FLAGS, 1u << 10);
	CHECK_EQ(parse_fadt(t, &f), ACPI_OK);
	CHECK_EQ(f.pm1a_cnt.addr, 0x604);        /* X_PM1a_CNT_BLK */
	CHECK_EQ(f.pm1b_cnt.addr, 0x504);        /* X_PM1b_CNT_BLK is 0: the port */
	CHECK_EQ(f.pm1b_cnt.space, ACPI_SPACE_IO);
	CHECK(f.reset_supported);
	CHECK_EQ(f.reset_reg.space, ACPI_SPACE_IO);
	CHECK_EQ(f.reset_reg.bit_width, 8);
	CHECK_EQ(f.reset_reg.addr, 0xcf9);
	CHECK_EQ(f.reset_value, 0x06);

	t = fadt_start(6, FADT_V6, 0, 0);
	put_gas(t, FADT_XPM1B, ACPI_SPACE_MEMORY, 32, 0xfed80004ull);
	put_gas(t, FADT_RESET, ACPI_SPACE_PCI_CONFIG, 8, 0xcf9);
	CHECK_EQ(parse_fadt(t, &f), ACPI_OK);
	CHECK_EQ(f.pm1a_cnt.addr, 0);
	CHECK_EQ(f.pm1b_cnt.space, ACPI_SPACE_MEMORY);
	CHECK_EQ(f.pm1b_cnt.addr, 0xfed80004ull);
	CHECK(!f.reset_supported); /* the flag is clear: the register means nothing */
	CHECK_EQ(f.reset_reg.addr, 0);
}

/* Short, foreign, corrupt or truncated FADTs are refused. */
static void test_fadt_bad(void)
{
	struct acpi_fadt f;
	struct tbl *t = fadt_start(1, FADT_V1 - 4, 0xb004, 0);
	uint8_t *copy;

	CHECK_EQ(parse_fadt(t, &f), ACPI_ERR_LENGTH);
	CHECK_EQ(f.pm1a_cnt.addr, 0);
	t = fadt_start(1, FADT_V1, 0xb004, 0);
	memcpy(t->b, "FACS", 4);
	CHECK_EQ(parse_fadt(t, &f), ACPI_ERR_SIGNATURE);
	t = fadt_start(1, FADT_V1, 0xb004, 0);
	seal(t);
	t->b[FADT_PM1A]++;
	copy = exact_copy(t->b, t->len);
	CHECK_EQ(acpi_parse_fadt(copy, t->len, &f), ACPI_ERR_CHECKSUM);
	t->b[FADT_PM1A]--;
	CHECK_EQ(acpi_parse_fadt(copy, t->len - 1, &f), ACPI_ERR_LENGTH);
	free(copy);
}

/* A PC's low MiB as fake memory: BDA, EBDA at 0x9fc00, BIOS ROM. */
static struct mem low_mib(uint16_t ebda_segment)
{
	struct mem m = mem_new(0, 0x100000);

	m.bytes[0x40e] = (uint8_t)ebda_segment;
	m.bytes[0x40f] = (uint8_t)(ebda_segment >> 8);
	return m;
}

/* Puts an RSDP of revision 'rev' at 'phys'. */
static void put_rsdp(struct mem *m, uint64_t phys, uint8_t rev)
{
	uint8_t r[36];

	make_rsdp(r, rev, 0x1000, 0);
	mem_put(m, phys, r, rev < 2 ? 20 : 36);
}

/* The EBDA's first KiB first, then 0xe0000-0xfffff, on 16-byte boundaries. */
static void test_rsdp_find(void)
{
	struct mem m = low_mib(0x9fc0);
	uint64_t phys = 0;

	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_ERR_NOT_FOUND);
	put_rsdp(&m, 0xf5a38, 0); /* not on a 16-byte boundary */
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_ERR_NOT_FOUND);
	put_rsdp(&m, 0xfffd0, 2);  /* the last place a 36-byte one fits */
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_OK);
	CHECK_EQ(phys, 0xfffd0);
	put_rsdp(&m, 0xe0010, 0);
	m.bytes[0xe0010 + 8]++;    /* a bad checksum is passed over */
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_OK);
	CHECK_EQ(phys, 0xfffd0);
	put_rsdp(&m, 0x9fc10, 0);  /* the EBDA comes first */
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_OK);
	CHECK_EQ(phys, 0x9fc10);
	put_rsdp(&m, 0x9fc00 + 1024, 0); /* past the EBDA's first KiB */
	m.bytes[0x9fc10]++;
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_OK);
	CHECK_EQ(phys, 0xfffd0);
	free(m.bytes);

	m = low_mib(0x0040);       /* a BDA pointer into the BDA: not an EBDA */
	put_rsdp(&m, 0x400, 0);
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_ERR_NOT_FOUND);
	free(m.bytes);

	m = mem_new(0, 0x80000);   /* the ROM cannot be mapped */
	CHECK_EQ(acpi_rsdp_find(map, &m, &phys), ACPI_ERR_NOT_FOUND);
	free(m.bytes);
}

/* A tiny deterministic PRNG for the mutation tests. */
static uint32_t rnd(void)
{
	static uint32_t x = 0x9e3779b9;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Random bytes in a resealed MADT: any result, but no bad reads. */
static void test_madt_mutations(void)
{
	static struct tbl base;
	unsigned errors = 0;
	struct tbl *t = madt_start(0xfee00000, 1, 5);

	madt_lapic(t, 0, 0, 1);
	madt_ioapic(t, 1, 0xfec00000, 0);
	madt_iso(t, 0, 2, 0);
	madt_lapic_override(t, 0xfee00000);
	madt_x2apic(t, 0x100, 1, 1);
	madt_lapic_nmi(t);
	seal(t);
	base = *t;
	for (int iter = 0; iter < 20000; iter++) {
		g_tbl = base;
		for (int k = rnd() % 3 + 1; k > 0; k--)
			g_tbl.b[44 + rnd() % (base.len - 44)] = (uint8_t)rnd();
		if (rnd() % 4 == 0)
			g_tbl.len = 44 + rnd() % (base.len - 43);
		if (parse_madt(&g_tbl))
			errors++;
		CHECK(g_madt.n_cpus <= ACPI_MAX_CPUS);
	}
	CHECK(errors > 1000);
}

/* Random bytes anywhere in a machine's tables: no bad reads, no hangs. */
static void test_find_mutations(void)
{
	struct mem clean = machine();
	struct mem m = mem_new(0, clean.size);
	struct acpi_root root;
	struct acpi_table tab;
	uint8_t r[36];

	make_rsdp(r, 2, 0x1000, 0x1104);
	for (int iter = 0; iter < 5000; iter++) {
		memcpy(m.bytes, clean.bytes, m.size);
		for (int k = rnd() % 3 + 1; k > 0; k--)
			m.bytes[0x1000 + rnd() % 0x3100] = (uint8_t)rnd();
		if (acpi_init(&root, r, 36, map, &m) == ACPI_OK &&
		    acpi_find_table(&root, "APIC", &tab) == ACPI_OK) {
			CHECK(tab.length >= 36);
			acpi_parse_madt(tab.data, tab.length, &g_madt);
		}
	}
	free(m.bytes);
	free(clean.bytes);
}

/* An MCFG entry: base, segment, start and end bus, 4 reserved bytes. */
static void mcfg_entry(struct tbl *t, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
	put(t, base, 8);
	put(t, seg, 2);
	put(t, start, 1);
	put(t, end, 1);
	put(t, 0, 4);
}

static enum acpi_error parse_mcfg(struct tbl *t, struct acpi_mcfg *out)
{
	seal(t);
	return acpi_parse_mcfg(t->b, t->len, out);
}

/* The MCFG: QEMU q35's single window, two segments, an empty table, broken entries. */
static void test_mcfg(void)
{
	struct acpi_mcfg m;
	struct tbl *t = tbl_start("MCFG", 1);

	put(t, 0, 8);
	mcfg_entry(t, 0xb0000000, 0, 0, 255);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_OK);
	CHECK(m.n == 1 && m.entries[0].base == 0xb0000000 && m.entries[0].segment == 0 &&
	      m.entries[0].bus_start == 0 && m.entries[0].bus_end == 255);

	t = tbl_start("MCFG", 1);
	put(t, 0, 8);
	mcfg_entry(t, 0x4000000000ull, 1, 0x10, 0x1f);
	mcfg_entry(t, 0xe0000000, 0, 0, 0);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_OK);
	CHECK(m.n == 2 && m.entries[0].base == 0x4000000000ull && m.entries[0].segment == 1 &&
	      m.entries[0].bus_start == 0x10 && m.entries[0].bus_end == 0x1f &&
	      m.entries[1].bus_end == 0);

	t = tbl_start("MCFG", 1);
	put(t, 0, 8);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_OK); /* no windows at all */
	CHECK_EQ(m.n, 0);

	t = tbl_start("MCFG", 1); /* the reserved 8 bytes cut short */
	put(t, 0, 4);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_ERR_LENGTH);

	t = tbl_start("MCFG", 1); /* half an entry */
	put(t, 0, 8);
	put(t, 0xb0000000, 8);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_ERR_MCFG_ENTRY);

	t = tbl_start("MCFG", 1); /* buses backwards */
	put(t, 0, 8);
	mcfg_entry(t, 0xb0000000, 0, 8, 7);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_ERR_MCFG_ENTRY);

	t = tbl_start("MCFG", 1);
	put(t, 0, 8);
	for (unsigned i = 0; i <= ACPI_MAX_MCFG; i++)
		mcfg_entry(t, 0xb0000000 + (uint64_t)i * 0x10000000, (uint16_t)i, 0, 255);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_ERR_TOO_MANY_MCFG);

	t = tbl_start("APIC", 1);
	put(t, 0, 8);
	CHECK_EQ(parse_mcfg(t, &m), ACPI_ERR_SIGNATURE);
}

/* Every error has its own description. */
static void test_names(void)
{
	for (int i = ACPI_OK; i <= ACPI_ERR_TOO_MANY_MCFG; i++) {
		CHECK(strcmp(acpi_strerror(i), "unknown error") != 0);
		for (int j = ACPI_OK; j < i; j++)
			CHECK(strcmp(acpi_strerror(i), acpi_strerror(j)) != 0);
	}
	CHECK_STR(acpi_strerror((enum acpi_error)1000), "unknown error");
}

int main(void)
{
	test_rsdp();
	test_rsdt_vs_xsdt();
	test_xsdt_above_4g();
	test_bad_root();
	test_bad_tables();
	test_madt_good();
	test_madt_online_capable_rev();
	test_madt_too_many();
	test_madt_truncated();
	test_madt_header();
	test_fadt_v1();
	test_fadt_v6();
	test_fadt_bad();
	test_rsdp_find();
	test_madt_mutations();
	test_find_mutations();
	test_mcfg();
	test_names();
	return check_report("acpi");
}
