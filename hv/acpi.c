/*
 * acpi.c - finds and validates the RSDP and the RSDT/XSDT, finds tables by
 * signature and decodes the MADT and the FADT, reading physical memory only
 * through the caller's map.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi.h"
#include "lib/string.h"

#define RSDP_V1_LEN 20u /* ACPI 6.5 5.2.5.3: ACPI 1.0 part of the RSDP */
#define RSDP_V2_LEN 36u /* whole RSDP, revision >= 2 */
#define SDT_HDR 36u     /* system description table header (5.2.6) */
#define MADT_HDR 44u    /* header, u32 local APIC address, u32 flags */

/* FADT field offsets (5.2.9, Table 5.9); ACPI 1.0's table ends at 116. */
#define FADT_PM1A_CNT 64u
#define FADT_PM1B_CNT 68u
#define FADT_PM1_CNT_LEN 89u
#define FADT_FLAGS 112u
#define FADT_V1_LEN 116u
#define FADT_RESET_REG 116u
#define FADT_RESET_VALUE 128u
#define FADT_X_PM1A_CNT 172u
#define FADT_X_PM1B_CNT 184u
#define FADT_RESET_REG_SUP (1u << 10)
#define GAS_LEN 12u

/* Where a PC BIOS may put the RSDP (5.2.5.1). */
#define BDA_EBDA_SEGMENT 0x40eu /* u16 real-mode segment of the EBDA */
#define EBDA_MIN 0x80000u       /* below this the BDA's pointer is garbage */
#define EBDA_END 0xa0000u
#define EBDA_SCAN_LEN 1024u
#define BIOS_ROM_BASE 0xe0000u
#define BIOS_ROM_LEN 0x20000u
#define RSDP_ALIGN 16u

/* MADT interrupt controller structure types (5.2.12) we decode. */
enum {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,
	MADT_LAPIC_OVERRIDE = 5,
	MADT_X2APIC = 9,
};

#define LAPIC_ENABLED 0x1u
#define LAPIC_ONLINE_CAPABLE 0x2u

/* Little-endian 32-bit load from a byte pointer of any alignment. */
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Little-endian 64-bit load (XSDT entries are only 4-byte aligned). */
static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The byte sum ACPI checksums zero. */
static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Checks the RSDP (5.2.5.3): signature, checksum, then extended checksum. */
enum acpi_error acpi_rsdp_check(const void *rsdp, size_t len)
{
	const uint8_t *p = rsdp;
	uint32_t xlen;

	if (!p || len < RSDP_V1_LEN)
		return ACPI_ERR_RSDP_LENGTH;
	if (memcmp(p, "RSD PTR ", 8))
		return ACPI_ERR_RSDP_SIGNATURE;
	if (sum8(p, RSDP_V1_LEN))
		return ACPI_ERR_RSDP_CHECKSUM;
	if (p[15] < 2)
		return ACPI_OK;
	if (len < RSDP_V2_LEN)
		return ACPI_ERR_RSDP_LENGTH;
	xlen = rd32(p + 20);
	if (xlen < RSDP_V2_LEN || xlen > len)
		return ACPI_ERR_RSDP_LENGTH;
	return sum8(p, xlen) ? ACPI_ERR_RSDP_XCHECKSUM : ACPI_OK;
}

/* Checks a table header's signature, length and checksum in 'avail' bytes. */
static enum acpi_error check_sdt(const uint8_t *t, size_t avail,
				 const char *sig)
{
	uint32_t len;

	if (!t || avail < SDT_HDR)
		return ACPI_ERR_LENGTH;
	if (memcmp(t, sig, 4))
		return ACPI_ERR_SIGNATURE;
	len = rd32(t + 4);
	if (len < SDT_HDR || len > avail)
		return ACPI_ERR_LENGTH;
	return sum8(t, len) ? ACPI_ERR_CHECKSUM : ACPI_OK;
}

/*
 * Starts a parser: clears its 'out_len'-byte result, checks the table
 * (check_sdt) and that it is 'min_len' bytes or more, its length in *tlen.
 */
static enum acpi_error open_table(const uint8_t *t, size_t avail, const char *sig,
				  uint32_t min_len, void *out, size_t out_len, uint32_t *tlen)
{
	enum acpi_error err;

	memset(out, 0, out_len);
	err = check_sdt(t, avail, sig);
	if (err)
		return err;
	*tlen = rd32(t + 4);
	return *tlen < min_len ? ACPI_ERR_LENGTH : ACPI_OK;
}

/* Maps the header at 'phys', then the whole table it sizes, and checks it. */
static enum acpi_error map_table(acpi_map_fn map, void *ctx, uint64_t phys,
				 const char *sig, struct acpi_table *out)
{
	const uint8_t *t = map(phys, SDT_HDR, ctx);
	enum acpi_error err;
	uint32_t len;

	if (!t)
		return ACPI_ERR_MAP;
	if (memcmp(t, sig, 4))
		return ACPI_ERR_SIGNATURE;
	len = rd32(t + 4);
	if (len < SDT_HDR)
		return ACPI_ERR_LENGTH;
	t = map(phys, len, ctx);
	if (!t)
		return ACPI_ERR_MAP;
	err = check_sdt(t, len, sig);
	if (err)
		return err;
	*out = (struct acpi_table){ .phys = phys, .data = t, .length = len };
	return ACPI_OK;
}

/* Prefers the XSDT when the RSDP has one (5.2.5.3), else takes the RSDT. */
enum acpi_error acpi_init(struct acpi_root *root, const void *rsdp, size_t len,
			  acpi_map_fn map, void *ctx)
{
	const uint8_t *p = rsdp;
	struct acpi_table t;
	enum acpi_error err;
	uint32_t esize;

	memset(root, 0, sizeof(*root));
	err = acpi_rsdp_check(rsdp, len);
	if (err)
		return err;
	root->revision = p[15];
	memcpy(root->oem_id, p + 9, 6);
	if (root->revision >= 2 && rd64(p + 24)) {
		root->xsdt = true;
		root->root_phys = rd64(p + 24);
	} else if (rd32(p + 16)) {
		root->root_phys = rd32(p + 16);
	} else {
		return ACPI_ERR_NO_ROOT;
	}
	esize = root->xsdt ? 8 : 4;
	err = map_table(map, ctx, root->root_phys, root->xsdt ? "XSDT" : "RSDT",
			&t);
	if (err)
		return err;
	if ((t.length - SDT_HDR) % esize)
		return ACPI_ERR_LENGTH;
	root->map = map;
	root->ctx = ctx;
	root->entries = (const uint8_t *)t.data + SDT_HDR;
	root->n_entries = (t.length - SDT_HDR) / esize;
	return ACPI_OK;
}

/* Walks the root's entries; null entries are skipped, others must map. */
enum acpi_error acpi_find_table(const struct acpi_root *root, const char *sig,
				struct acpi_table *out)
{
	for (uint32_t i = 0; i < root->n_entries; i++) {
		uint64_t phys = root->xsdt ? rd64(root->entries + 8 * i) :
					     rd32(root->entries + 4 * i);
		enum acpi_error err;

		if (!phys)
			continue;
		err = map_table(root->map, root->ctx, phys, sig, out);
		if (err != ACPI_ERR_SIGNATURE)
			return err;
	}
	return ACPI_ERR_NOT_FOUND;
}

/*
 * Lists a CPU that is enabled or online-capable (5.2.12.2, Local APIC
 * Flags: bit 1 is defined from MADT revision 5 on, reserved before). The
 * broadcast ID names no CPU, and a CPU listed twice (xAPIC and x2APIC) once.
 */
static enum acpi_error add_cpu(struct acpi_madt *out, uint8_t madt_rev,
			       uint32_t apic_id, uint32_t uid, uint32_t flags,
			       bool x2apic)
{
	bool enabled = flags & LAPIC_ENABLED;
	bool capable = madt_rev >= 5 && (flags & LAPIC_ONLINE_CAPABLE);

	if (!enabled && !capable)
		return ACPI_OK;
	if (apic_id == (x2apic ? 0xffffffffu : 0xffu))
		return ACPI_OK;
	for (unsigned i = 0; i < out->n_cpus; i++)
		if (out->cpus[i].apic_id == apic_id)
			return ACPI_OK;
	if (out->n_cpus == ACPI_MAX_CPUS)
		return ACPI_ERR_TOO_MANY_CPUS;
	out->cpus[out->n_cpus++] = (struct acpi_cpu){
		.apic_id = apic_id, .uid = uid, .enabled = enabled,
		.x2apic = x2apic,
	};
	return ACPI_OK;
}

/* Type 1 (5.2.12.3): u8 id, u8 reserved, u32 address, u32 GSI base. */
static enum acpi_error add_ioapic(struct acpi_madt *out, const uint8_t *e)
{
	if (out->n_ioapics == ACPI_MAX_IOAPICS)
		return ACPI_ERR_TOO_MANY_IOAPICS;
	out->ioapics[out->n_ioapics++] = (struct acpi_ioapic){
		.id = e[2], .addr = rd32(e + 4), .gsi_base = rd32(e + 8),
	};
	return ACPI_OK;
}

/* Type 2 (5.2.12.5): u8 bus, u8 source, u32 GSI, u16 flags. */
static enum acpi_error add_override(struct acpi_madt *out, const uint8_t *e)
{
	if (out->n_overrides == ACPI_MAX_OVERRIDES)
		return ACPI_ERR_TOO_MANY_OVERRIDES;
	out->overrides[out->n_overrides++] = (struct acpi_irq_override){
		.bus = e[2], .source = e[3], .gsi = rd32(e + 4),
		.flags = (uint16_t)(e[8] | e[9] << 8),
	};
	return ACPI_OK;
}

/* Smallest length of the MADT entry types we decode; 2 for the others. */
static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_ISO:
		return 10;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

/* Decodes one entry already known to lie inside the table. */
static enum acpi_error parse_entry(struct acpi_madt *out, uint8_t madt_rev,
				   const uint8_t *e)
{
	if (e[1] < entry_min_len(e[0]))
		return ACPI_ERR_MADT_ENTRY;
	switch (e[0]) {
	case MADT_LAPIC: /* 5.2.12.2: u8 UID, u8 APIC ID, u32 flags */
		return add_cpu(out, madt_rev, e[3], e[2], rd32(e + 4), false);
	case MADT_IOAPIC:
		return add_ioapic(out, e);
	case MADT_ISO:
		return add_override(out, e);
	case MADT_LAPIC_OVERRIDE: /* 5.2.12.8: u16 reserved, u64 address */
		out->lapic_addr = rd64(e + 4);
		return ACPI_OK;
	case MADT_X2APIC: /* 5.2.12.12: u16 rsvd, u32 ID, u32 flags, u32 UID */
		return add_cpu(out, madt_rev, rd32(e + 4), rd32(e + 12),
			       rd32(e + 8), true);
	default:
		return ACPI_OK;
	}
}

/* Walks the entries (u8 type, u8 length, ...) that follow the MADT header. */
enum acpi_error acpi_parse_madt(const void *table, size_t len,
				struct acpi_madt *out)
{
	const uint8_t *t = table;
	uint32_t tlen;
	enum acpi_error err = open_table(t, len, "APIC", MADT_HDR, out, sizeof(*out), &tlen);

	if (err)
		return err;
	out->lapic_addr = rd32(t + 36);
	out->pcat_compat = rd32(t + 40) & 1;
	for (uint32_t off = MADT_HDR; off < tlen; off += t[off + 1]) {
		if (tlen - off < 2 || t[off + 1] < 2 || t[off + 1] > tlen - off)
			return ACPI_ERR_MADT_ENTRY;
		err = parse_entry(out, t[8], t + off);
		if (err)
			return err;
	}
	return ACPI_OK;
}

/* A Generic Address Structure at 'p' (5.2.3.2): space, width, offset, size, u64 address. */
static struct acpi_reg read_gas(const uint8_t *p)
{
	return (struct acpi_reg){ .space = p[0], .bit_width = p[1], .addr = rd64(p + 4) };
}

/*
 * A PM1 control block: the X_ register when the table has one with a
 * nonzero address, else the 32-bit port field (5.2.9: X_ supersedes it).
 */
static struct acpi_reg pm1_cnt(const uint8_t *t, uint32_t tlen, uint32_t legacy_off,
			       uint32_t x_off)
{
	struct acpi_reg x = tlen >= x_off + GAS_LEN ? read_gas(t + x_off) :
						      (struct acpi_reg){ 0 };

	if (x.addr)
		return x;
	return (struct acpi_reg){ .space = ACPI_SPACE_IO,
				  .bit_width = (uint8_t)(8 * t[FADT_PM1_CNT_LEN]),
				  .addr = rd32(t + legacy_off) };
}

/* The fields of a checked FADT of 'tlen' bytes (5.2.9, Table 5.9). */
static void read_fadt(const uint8_t *t, uint32_t tlen, struct acpi_fadt *out)
{
	out->revision = t[8];
	out->pm1a_cnt = pm1_cnt(t, tlen, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	out->pm1b_cnt = pm1_cnt(t, tlen, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	if (tlen > FADT_RESET_VALUE && rd32(t + FADT_FLAGS) & FADT_RESET_REG_SUP) {
		out->reset_supported = true;
		out->reset_reg = read_gas(t + FADT_RESET_REG);
		out->reset_value = t[FADT_RESET_VALUE];
	}
}

/* Reads the PM1 control blocks and the reset register. */
enum acpi_error acpi_parse_fadt(const void *table, size_t len,
				struct acpi_fadt *out)
{
	uint32_t tlen;
	enum acpi_error err = open_table(table, len, "FACP", FADT_V1_LEN, out, sizeof(*out),
					 &tlen);

	if (!err)
		read_fadt(table, tlen, out);
	return err;
}

/* The MCFG: the header, 8 reserved bytes, then 16-byte entries. */
#define MCFG_HDR 44
#define MCFG_ENTRY 16

enum acpi_error acpi_parse_mcfg(const void *table, size_t len, struct acpi_mcfg *out)
{
	const uint8_t *t = table;
	uint32_t tlen;
	enum acpi_error err = open_table(t, len, "MCFG", MCFG_HDR, out, sizeof(*out), &tlen);

	if (err)
		return err;
	if ((tlen - MCFG_HDR) % MCFG_ENTRY)
		return ACPI_ERR_MCFG_ENTRY;
	for (uint32_t off = MCFG_HDR; off < tlen; off += MCFG_ENTRY) {
		struct acpi_mcfg_entry e = { .base = rd64(t + off),
					     .segment = (uint16_t)(t[off + 8] | t[off + 9] << 8),
					     .bus_start = t[off + 10], .bus_end = t[off + 11] };

		if (e.bus_end < e.bus_start)
			return ACPI_ERR_MCFG_ENTRY;
		if (out->n == ACPI_MAX_MCFG)
			return ACPI_ERR_TOO_MANY_MCFG;
		out->entries[out->n++] = e;
	}
	return ACPI_OK;
}

/* Scans 'len' bytes at 'phys' on 16-byte boundaries for a valid RSDP. */
static bool scan_rsdp(acpi_map_fn map, void *ctx, uint64_t phys, size_t len,
		      uint64_t *found)
{
	const uint8_t *p = map(phys, len, ctx);

	if (!p)
		return false;
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += RSDP_ALIGN) {
		if (acpi_rsdp_check(p + off, len - off) == ACPI_OK) {
			*found = phys + off;
			return true;
		}
	}
	return false;
}

/* The EBDA's first KiB if the BDA points into low memory, then the BIOS ROM. */
enum acpi_error acpi_rsdp_find(acpi_map_fn map, void *ctx, uint64_t *phys)
{
	const uint8_t *bda = map(BDA_EBDA_SEGMENT, 2, ctx);
	uint64_t ebda = bda ? (uint64_t)(bda[0] | bda[1] << 8) << 4 : 0;

	if (ebda >= EBDA_MIN && ebda + EBDA_SCAN_LEN <= EBDA_END &&
	    scan_rsdp(map, ctx, ebda, EBDA_SCAN_LEN, phys))
		return ACPI_OK;
	if (scan_rsdp(map, ctx, BIOS_ROM_BASE, BIOS_ROM_LEN, phys))
		return ACPI_OK;
	return ACPI_ERR_NOT_FOUND;
}

/* A short description of 'err' for the boot log. */
const char *acpi_strerror(enum acpi_error err)
{
	switch (err) {
	case ACPI_OK:
		return "ok";
	case ACPI_ERR_MAP:
		return "table memory not mapped";
	case ACPI_ERR_RSDP_SIGNATURE:
		return "bad RSDP signature";
	case ACPI_ERR_RSDP_LENGTH:
		return "RSDP truncated or bad length";
	case ACPI_ERR_RSDP_CHECKSUM:
		return "bad RSDP checksum";
	case ACPI_ERR_RSDP_XCHECKSUM:
		return "bad RSDP extended checksum";
	case ACPI_ERR_NO_ROOT:
		return "RSDP has no RSDT or XSDT";
	case ACPI_ERR_SIGNATURE:
		return "unexpected table signature";
	case ACPI_ERR_LENGTH:
		return "bad table length";
	case ACPI_ERR_CHECKSUM:
		return "bad table checksum";
	case ACPI_ERR_NOT_FOUND:
		return "table not found";
	case ACPI_ERR_MADT_ENTRY:
		return "malformed MADT entry";
	case ACPI_ERR_TOO_MANY_CPUS:
		return "too many CPUs";
	case ACPI_ERR_TOO_MANY_IOAPICS:
		return "too many IOAPICs";
	case ACPI_ERR_TOO_MANY_OVERRIDES:
		return "too many interrupt source overrides";
	case ACPI_ERR_MCFG_ENTRY:
		return "malformed MCFG entry";
	case ACPI_ERR_TOO_MANY_MCFG:
		return "too many MCFG entries";
	}
	return "unknown error";
}
