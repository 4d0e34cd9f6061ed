/*
 * guest_boot_info.c - appends Multiboot2 tags (spec 3.6) one after another,
 * each 8-byte aligned and zero-padded, refusing any write past 'cap'.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_boot_info.h"
#include "lib/string.h"

#define MMAP_ENTRY_SIZE 24u /* u64 base, u64 len, u32 type, u32 reserved */

/* The info being written: 'full' once anything did not fit. */
struct writer {
	uint8_t *buf;
	size_t cap, len;
	bool full;
};

/* Appends 'n' bytes, or marks the writer full. */
static void put(struct writer *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Appends a u32; x86 stores it little-endian, as the info wants. */
static void put32(struct writer *w, uint32_t v)
{
	put(w, &v, sizeof(v));
}

/* Appends a u64, likewise. */
static void put64(struct writer *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

/* Appends a tag header whose size tag_close() fills in; returns its offset. */
static size_t tag_open(struct writer *w, uint32_t type)
{
	size_t off = w->len;

	put32(w, type);
	put32(w, 0);
	return off;
}

/* Sets the size of the tag at 'off', then zero-pads to the next 8 bytes. */
static void tag_close(struct writer *w, size_t off)
{
	static const uint8_t zeros[7];
	uint32_t size = (uint32_t)(w->len - off);

	if (w->full)
		return;
	memcpy(w->buf + off + 4, &size, sizeof(size));
	put(w, zeros, ((w->len + 7) & ~(size_t)7) - w->len);
}

/* Appends a tag holding the string 's' with its NUL. */
static void put_string_tag(struct writer *w, uint32_t type, const char *s)
{
	size_t off = tag_open(w, type);

	put(w, s, strlen(s) + 1);
	tag_close(w, off);
}

uint32_t guest_boot_avail_kb(const struct mb2_mmap_entry *mmap, unsigned n_mmap,
			     uint64_t addr, uint64_t max)
{
	for (unsigned i = 0; i < n_mmap; i++) {
		const struct mb2_mmap_entry *e = &mmap[i];
		uint64_t n;

		if (e->type != MB2_MEM_AVAILABLE || addr < e->base ||
		    addr - e->base >= e->len)
			continue;
		n = e->len - (addr - e->base);
		return (uint32_t)((n < max ? n : max) / 1024);
	}
	return 0;
}

/* Tag 4 (spec 3.6.3): memory from 0 up to 640 KiB, and from 1 MiB up. */
static void put_basic_meminfo(struct writer *w,
			      const struct guest_boot_info *gbi)
{
	size_t off = tag_open(w, MB2_TAG_BASIC_MEMINFO);

	put32(w, guest_boot_avail_kb(gbi->mmap, gbi->n_mmap, 0, GUEST_BOOT_LOWER_MEM_MAX));
	put32(w, guest_boot_avail_kb(gbi->mmap, gbi->n_mmap, GUEST_BOOT_UPPER_MEM_BASE,
				     GUEST_BOOT_UPPER_MEM_MAX));
	tag_close(w, off);
}

/* Tag 6 (spec 3.6.8); none rather than an empty one, which parsers reject. */
static void put_mmap(struct writer *w, const struct guest_boot_info *gbi)
{
	size_t off;

	if (!gbi->n_mmap)
		return;
	off = tag_open(w, MB2_TAG_MMAP);
	put32(w, MMAP_ENTRY_SIZE);
	put32(w, 0); /* entry_version */
	for (unsigned i = 0; i < gbi->n_mmap; i++) {
		put64(w, gbi->mmap[i].base);
		put64(w, gbi->mmap[i].len);
		put32(w, gbi->mmap[i].type);
		put32(w, 0);
	}
	tag_close(w, off);
}

/* Tag 3 (spec 3.6.6) per module; false if one has no 32-bit description. */
static bool put_modules(struct writer *w, const struct guest_boot_info *gbi)
{
	for (unsigned i = 0; i < gbi->n_modules; i++) {
		const struct mb2_module *m = &gbi->modules[i];
		const char *s = m->cmdline ? m->cmdline : "";
		size_t off;

		if (m->end > UINT32_MAX || m->end < m->start)
			return false;
		off = tag_open(w, MB2_TAG_MODULE);
		put32(w, (uint32_t)m->start);
		put32(w, (uint32_t)m->end);
		put(w, s, strlen(s) + 1);
		tag_close(w, off);
	}
	return true;
}

/* The fixed part, then the tags in the order the header lists them. */
size_t guest_boot_info_build(const struct guest_boot_info *gbi, void *buf,
			     size_t cap)
{
	struct writer w = { .buf = buf, .cap = cap };
	size_t off;
	uint32_t total;

	put32(&w, 0); /* total_size, set below */
	put32(&w, 0); /* reserved */
	put_string_tag(&w, MB2_TAG_CMDLINE, gbi->cmdline ? gbi->cmdline : "");
	put_string_tag(&w, MB2_TAG_LOADER_NAME, GUEST_BOOT_LOADER_NAME);
	put_basic_meminfo(&w, gbi);
	put_mmap(&w, gbi);
	if (!put_modules(&w, gbi))
		return 0;
	if (gbi->rsdp_v1) {
		off = tag_open(&w, MB2_TAG_ACPI_OLD);
		put(&w, gbi->rsdp_v1, GUEST_BOOT_RSDP_V1_LEN);
		tag_close(&w, off);
	}
	off = tag_open(&w, MB2_TAG_END);
	tag_close(&w, off);
	if (w.full || w.len > UINT32_MAX)
		return 0;
	total = (uint32_t)w.len;
	memcpy(w.buf, &total, sizeof(total));
	return w.len;
}
