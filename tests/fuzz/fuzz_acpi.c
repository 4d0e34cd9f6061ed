/*
 * fuzz_acpi.c - libFuzzer target: the ACPI parser (hv/acpi.c). The input's
 * first byte picks what is parsed; the rest is physical memory from address
 * 0, held in an exact-size heap buffer that map() hands out with exact bounds.
 * Mode 0 walks RSDP (at 0) -> RSDT/XSDT -> MADT and FADT; modes 1 and 2 parse
 * the bytes as a MADT or a FADT. Before parsing, the harness sets every
 * checksum the walk will meet, so the fuzzer explores past them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"

#define SDT_HDR 36
#define RSDP_V2_LEN 36

struct mem {
	uint8_t *b;
	size_t size;
};

static struct acpi_madt madt;

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Sets byte 'at' of [p, p + n) so that the n bytes sum to zero. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	if (at < n)
		p[at] = (uint8_t)(p[at] - sum8(p, n));
}

/* Fixes the checksum of the table at 'phys' as far as it lies in memory. */
static void fix_table(struct mem *m, uint64_t phys)
{
	uint64_t len;

	if (phys >= m->size || m->size - phys < SDT_HDR)
		return;
	len = rd32(m->b + phys + 4);
	if (len > m->size - phys)
		len = m->size - phys;
	fix_sum(m->b + phys, len, 9);
}

/* RSDP at 0 (both checksums), its root table, every table the root lists. */
static void fix_tree(struct mem *m)
{
	uint8_t *p = m->b;
	uint64_t root;
	int xsdt;

	if (m->size < RSDP_V2_LEN)
		return;
	fix_sum(p, 20, 8);
	fix_sum(p, RSDP_V2_LEN, 32); /* the parser is given 36 bytes: xlen must be 36 */
	xsdt = p[15] >= 2 && (rd32(p + 24) || rd32(p + 28));
	root = xsdt ? rd32(p + 24) | (uint64_t)rd32(p + 28) << 32 : rd32(p + 16);
	fix_table(m, root);
	if (root >= m->size || m->size - root < SDT_HDR)
		return;
	for (uint64_t e = root + SDT_HDR; e + (xsdt ? 8 : 4) <= m->size &&
	     e < root + rd32(m->b + root + 4); e += xsdt ? 8 : 4)
		fix_table(m, xsdt ? rd32(m->b + e) | (uint64_t)rd32(m->b + e + 4) << 32 :
				    rd32(m->b + e));
}

static const void *map(uint64_t phys, size_t len, void *ctx)
{
	struct mem *m = ctx;

	if (phys > m->size || len > m->size - phys)
		return NULL;
	return m->b + phys;
}

static void walk(struct mem *m)
{
	struct acpi_root root;
	struct acpi_table t;
	struct acpi_fadt fadt;

	fix_tree(m);
	if (acpi_init(&root, m->b, m->size < RSDP_V2_LEN ? m->size : RSDP_V2_LEN, map, m))
		return;
	if (acpi_find_table(&root, "APIC", &t) == ACPI_OK)
		acpi_parse_madt(t.data, t.length, &madt);
	if (acpi_find_table(&root, "FACP", &t) == ACPI_OK)
		acpi_parse_fadt(t.data, t.length, &fadt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { .size = size ? size - 1 : 0 };
	struct acpi_fadt fadt;

	if (!size || !(m.b = malloc(m.size ? m.size : 1)))
		return 0;
	memcpy(m.b, data + 1, m.size);
	switch (data[0] % 3) {
	case 0:
		walk(&m);
		break;
	case 1:
		fix_table(&m, 0);
		acpi_parse_madt(m.b, m.size, &madt);
		break;
	default:
		fix_table(&m, 0);
		acpi_parse_fadt(m.b, m.size, &fadt);
		break;
	}
	free(m.b);
	return 0;
}
