/*
 * multiboot2.c - walks the Multiboot2 boot information (spec section 3.6),
 * checking every size against total_size and 'avail' before it reads a byte.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "multiboot2.h"

#define TAG_HDR 8u       /* u32 type, u32 size */
#define FIXED_PART 8u    /* u32 total_size, u32 reserved */
#define MMAP_HDR 16u     /* tag header, u32 entry_size, u32 entry_version */
#define RSDP_V1_LEN 20u  /* ACPI 1.0 RSDP */
#define RSDP_V2_LEN 36u  /* ACPI 2.0+ RSDP */

/* Little-endian 32-bit load from a byte pointer of any alignment. */
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Little-endian 64-bit load from a byte pointer of any alignment. */
static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Smallest size of a tag's fixed part (header included); 8 if none. */
static uint32_t tag_min_size(uint32_t type)
{
	switch (type) {
	case MB2_TAG_MODULE:
		return TAG_HDR + 8;
	case MB2_TAG_BASIC_MEMINFO:
		return TAG_HDR + 8;
	case MB2_TAG_MMAP:
		return MMAP_HDR;
	case MB2_TAG_ACPI_OLD:
		return TAG_HDR + RSDP_V1_LEN;
	case MB2_TAG_ACPI_NEW:
		return TAG_HDR + RSDP_V2_LEN;
	case MB2_TAG_LOAD_BASE:
		return TAG_HDR + 4;
	default:
		return TAG_HDR;
	}
}

/* Points *s at the string of 'len' bytes at 'p' if a NUL ends it in time. */
static enum mb2_error take_string(const uint8_t *p, size_t len, const char **s)
{
	if (strnlen((const char *)p, len) == len)
		return MB2_ERR_STRING;
	*s = (const char *)p;
	return MB2_OK;
}

/* Tag 3: u32 mod_start, u32 mod_end, then the module's string. */
static enum mb2_error parse_module(struct mb2_info *out, const uint8_t *t,
				   uint32_t size)
{
	struct mb2_module m;
	enum mb2_error err;

	err = take_string(t + 16, size - 16, &m.cmdline);
	if (err)
		return err;
	m.start = rd32(t + 8);
	m.end = rd32(t + 12);
	if (m.end < m.start)
		return MB2_ERR_MODULE;
	if (out->n_modules == MB2_MAX_MODULES)
		return MB2_ERR_TOO_MANY;
	out->modules[out->n_modules++] = m;
	return MB2_OK;
}

/*
 * Tag 6: entries of entry_size bytes, each u64 base, u64 len, u32 type,
 * u32 reserved (spec 3.6.8). entry_size is a multiple of 8 so that later
 * versions may grow the entry; entry_version is ignored for the same reason.
 */
static enum mb2_error parse_mmap(struct mb2_info *out, const uint8_t *t,
				 uint32_t size)
{
	uint32_t esize = rd32(t + 8);
	uint32_t bytes = size - MMAP_HDR;

	if (esize < 24 || esize % 8 || bytes % esize)
		return MB2_ERR_MMAP_ENTRY;
	if (!bytes)
		return MB2_ERR_MMAP_EMPTY;
	for (uint32_t off = MMAP_HDR; off < size; off += esize) {
		struct mb2_mmap_entry e = {
			.base = rd64(t + off),
			.len = rd64(t + off + 8),
			.type = rd32(t + off + 16),
		};

		if (e.len > UINT64_MAX - e.base)
			return MB2_ERR_MMAP_RANGE;
		if (out->n_mmap == MB2_MAX_MMAP)
			return MB2_ERR_TOO_MANY;
		out->mmap[out->n_mmap++] = e;
	}
	return MB2_OK;
}

/* Records a tag already known to fit in the info and to be big enough. */
static enum mb2_error parse_tag(struct mb2_info *out, uint32_t type,
				const uint8_t *t, uint32_t size)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return take_string(t + TAG_HDR, size - TAG_HDR, &out->cmdline);
	case MB2_TAG_LOADER_NAME:
		return take_string(t + TAG_HDR, size - TAG_HDR,
				   &out->loader_name);
	case MB2_TAG_MODULE:
		return parse_module(out, t, size);
	case MB2_TAG_BASIC_MEMINFO:
		out->has_basic_mem = true;
		out->mem_lower_kb = rd32(t + 8);
		out->mem_upper_kb = rd32(t + 12);
		return MB2_OK;
	case MB2_TAG_MMAP:
		return parse_mmap(out, t, size);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		out->rsdp = t + TAG_HDR;
		out->rsdp_len = size - TAG_HDR;
		out->rsdp_tag = (int)type;
		return MB2_OK;
	case MB2_TAG_LOAD_BASE:
		out->has_load_base = true;
		out->load_base = rd32(t + 8);
		return MB2_OK;
	default:
		return MB2_OK;
	}
}

/* Checks the magic, the alignment and the fixed part; sets *total. */
static enum mb2_error check_fixed(uint32_t magic, const void *info,
				  size_t avail, uint32_t *total)
{
	if (magic != MB2_BOOTLOADER_MAGIC)
		return MB2_ERR_MAGIC;
	if ((uintptr_t)info % 8)
		return MB2_ERR_ALIGN;
	if (!info || avail < FIXED_PART)
		return MB2_ERR_SIZE;
	*total = rd32(info);
	if (*total < FIXED_PART + TAG_HDR || *total > avail)
		return MB2_ERR_SIZE;
	return MB2_OK;
}

/* Stores the offset of the offending tag, if asked, and passes 'err' on. */
static enum mb2_error fail(size_t *bad_offset, size_t off, enum mb2_error err)
{
	if (bad_offset)
		*bad_offset = off;
	return err;
}

/* Walks the tags (spec 3.6.1): each 8-aligned, ended by a type 0 tag. */
enum mb2_error mb2_parse(uint32_t magic, const void *info, size_t avail,
			 struct mb2_info *out, size_t *bad_offset)
{
	const uint8_t *p = info;
	uint32_t total = 0;
	size_t off = FIXED_PART;
	enum mb2_error err;

	memset(out, 0, sizeof(*out));
	out->cmdline = "";
	out->loader_name = "";
	err = check_fixed(magic, info, avail, &total);
	if (err)
		return fail(bad_offset, 0, err);
	out->info_addr = (uint64_t)(uintptr_t)info;
	out->total_size = total;

	while (off <= total && total - off >= TAG_HDR) {
		uint32_t type = rd32(p + off);
		uint32_t size = rd32(p + off + 4);

		if (size < tag_min_size(type))
			return fail(bad_offset, off, MB2_ERR_TAG_SIZE);
		if (size > total - off)
			return fail(bad_offset, off, MB2_ERR_TAG_OVERRUN);
		if (type == MB2_TAG_END)
			return size == TAG_HDR ? MB2_OK :
			       fail(bad_offset, off, MB2_ERR_TAG_SIZE);
		err = parse_tag(out, type, p + off, size);
		if (err)
			return fail(bad_offset, off, err);
		off += ((size_t)size + 7) & ~(size_t)7;
	}
	return fail(bad_offset, off, MB2_ERR_NO_END);
}

/* A short description of 'err' for the boot log. */
const char *mb2_strerror(enum mb2_error err)
{
	switch (err) {
	case MB2_OK:
		return "ok";
	case MB2_ERR_MAGIC:
		return "bad bootloader magic";
	case MB2_ERR_ALIGN:
		return "boot info not 8-byte aligned";
	case MB2_ERR_SIZE:
		return "bad boot info total_size";
	case MB2_ERR_TAG_SIZE:
		return "tag smaller than its fixed part";
	case MB2_ERR_TAG_OVERRUN:
		return "tag runs past total_size";
	case MB2_ERR_NO_END:
		return "no end tag";
	case MB2_ERR_STRING:
		return "string not NUL-terminated within its tag";
	case MB2_ERR_MMAP_ENTRY:
		return "bad memory map entry_size";
	case MB2_ERR_TOO_MANY:
		return "too many memory map entries or modules";
	case MB2_ERR_MODULE:
		return "module ends before it starts";
	case MB2_ERR_MMAP_EMPTY:
		return "empty memory map";
	case MB2_ERR_MMAP_RANGE:
		return "memory map entry ends past 2^64 - 1";
	}
	return "unknown error";
}

/* The name of a memory map entry type (spec 3.6.8). */
const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return "available";
	case MB2_MEM_RESERVED:
		return "reserved";
	case MB2_MEM_ACPI_RECLAIMABLE:
		return "acpi-reclaimable";
	case MB2_MEM_NVS:
		return "acpi-nvs";
	case MB2_MEM_BAD:
		return "bad";
	default:
		return "unknown";
	}
}
