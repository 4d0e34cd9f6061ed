/*
 * multiboot1.c - finds a Multiboot v1 header, works out what GRUB would load
 * where (the a.out kludge's addresses if the header asks for them, else the
 * ELF program headers), and writes the boot information structure, checking
 * every offset against the image or the buffer before it reads or writes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_boot_info.h"
#include "lib/string.h"
#include "multiboot1.h"

#define HDR_BASE_LEN 12u   /* magic, flags, checksum */
#define HDR_KLUDGE_LEN 32u /* ... entry_addr */
#define HDR_VIDEO_LEN 48u  /* ... depth */
#define FOUR_GIB (1ull << 32)

/* Little-endian 32-bit load from a byte pointer of any alignment. */
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The header at 'off', its optional fields zero unless its flags ask for them. */
static bool read_header(const uint8_t *p, size_t len, size_t off, struct mb1_header *h)
{
	uint32_t flags = rd32(p + off + 4);
	size_t need = flags & MB1_HDR_VIDEO ? HDR_VIDEO_LEN :
		      flags & MB1_HDR_AOUT_KLUDGE ? HDR_KLUDGE_LEN : HDR_BASE_LEN;
	uint32_t f[12] = { 0 };

	if (need > len - off)
		return false;
	for (unsigned i = 3; i < need / 4; i++)
		f[i] = rd32(p + off + 4 * i);
	*h = (struct mb1_header){
		.offset = (uint32_t)off, .flags = flags,
		.header_addr = f[3], .load_addr = f[4], .load_end_addr = f[5],
		.bss_end_addr = f[6], .entry_addr = f[7],
		.mode_type = f[8], .width = f[9], .height = f[10], .depth = f[11],
	};
	return true;
}

bool mb1_find_header(const void *img, size_t len, struct mb1_header *out)
{
	const uint8_t *p = img;
	size_t limit = len < MB1_SEARCH_LIMIT ? len : MB1_SEARCH_LIMIT;

	if (!p)
		return false;
	for (size_t off = 0; limit >= HDR_BASE_LEN && off <= limit - HDR_BASE_LEN; off += 4) {
		uint32_t magic = rd32(p + off), flags = rd32(p + off + 4);

		if (magic == MB1_HEADER_MAGIC &&
		    (uint32_t)(magic + flags + rd32(p + off + 8)) == 0)
			return read_header(p, len, off, out);
	}
	return false;
}

/*
 * 3.1.3: the image from the header's file offset less (header_addr -
 * load_addr) is loaded at load_addr, up to load_end_addr (0: the file's end),
 * then zeroed up to bss_end_addr (0: no bss); entry_addr is where to jump.
 */
static enum mb1_error plan_kludge(size_t len, struct mb1_kernel *k)
{
	const struct mb1_header *h = &k->hdr;
	uint64_t file_off, load_size, mem_size;

	if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset)
		return MB1_ERR_KLUDGE;
	file_off = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr && h->load_end_addr < h->load_addr)
		return MB1_ERR_KLUDGE;
	load_size = h->load_end_addr ? h->load_end_addr - h->load_addr : len - file_off;
	if (load_size > len - file_off)
		return MB1_ERR_KLUDGE;
	if (h->bss_end_addr && h->bss_end_addr < h->load_addr + load_size)
		return MB1_ERR_KLUDGE;
	mem_size = h->bss_end_addr ? h->bss_end_addr - h->load_addr : load_size;
	if (h->entry_addr < h->load_addr || h->entry_addr - h->load_addr >= mem_size)
		return MB1_ERR_KLUDGE;
	k->img.seg[0] = (struct elf64_segment){
		.paddr = h->load_addr, .vaddr = h->load_addr, .offset = file_off,
		.filesz = load_size, .memsz = mem_size,
		.flags = ELF64_PF_R | ELF64_PF_W | ELF64_PF_X,
	};
	k->img.n_seg = 1;
	k->img.entry = h->entry_addr;
	k->entry = h->entry_addr;
	return MB1_OK;
}

/* An ELF32 i386 kernel, or an ELF64 one (GRUB loads both), entered at its paddr. */
static enum mb1_error plan_elf(const void *img, size_t len, struct mb1_kernel *k)
{
	k->elf_err = elf32_parse(img, len, &k->img);
	k->elf_class = 32;
	if (k->elf_err == ELF64_ERR_CLASS) {
		k->elf_err = elf64_parse(img, len, &k->img);
		k->elf_class = 64;
	}
	if (k->elf_err != ELF64_OK)
		return MB1_ERR_ELF;
	k->entry = elf64_entry_paddr(&k->img);
	for (unsigned i = 0; i < k->img.n_seg; i++)
		if (k->img.seg[i].paddr + k->img.seg[i].memsz > FOUR_GIB)
			return MB1_ERR_ABOVE_4G;
	return MB1_OK;
}

enum mb1_error mb1_parse_kernel(const void *img, size_t len, struct mb1_kernel *out)
{
	memset(out, 0, sizeof(*out));
	if (!mb1_find_header(img, len, &out->hdr))
		return MB1_ERR_NO_HEADER;
	if ((out->hdr.flags & 0xffffu) & ~MB1_HDR_KNOWN_REQUIRED)
		return MB1_ERR_FLAGS;
	if (out->hdr.flags & MB1_HDR_AOUT_KLUDGE)
		return plan_kludge(len, out);
	return plan_elf(img, len, out);
}

const char *mb1_strerror(enum mb1_error err)
{
	switch (err) {
	case MB1_OK:
		return "ok";
	case MB1_ERR_NO_HEADER:
		return "no Multiboot v1 header in the first 8 KiB";
	case MB1_ERR_FLAGS:
		return "the header requires a feature (flag bits 3-15) this loader lacks";
	case MB1_ERR_KLUDGE:
		return "inconsistent a.out-kludge load addresses";
	case MB1_ERR_ELF:
		return "not an ELF32 i386 or ELF64 x86-64 executable, and no a.out kludge";
	case MB1_ERR_ABOVE_4G:
		return "a segment lies above 4 GiB";
	}
	return "unknown error";
}

/* The information being written at 'gpa': 'full' once anything did not fit. */
struct writer {
	uint8_t *buf;
	size_t cap, len;
	uint64_t gpa;
	bool full;
};

/* Reserves 'n' bytes; their offset, or 0 (never a valid one: the structure is first). */
static size_t take(struct writer *w, size_t n)
{
	size_t off = w->len;

	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return 0;
	}
	w->len += n;
	return off;
}

static void wr32(struct writer *w, size_t off, uint32_t v)
{
	memcpy(w->buf + off, &v, sizeof(v));
}

static void wr64(struct writer *w, size_t off, uint64_t v)
{
	memcpy(w->buf + off, &v, sizeof(v));
}

/* Copies 's' with its NUL; its guest-physical address, or 0 if it did not fit. */
static uint32_t put_string(struct writer *w, const char *s)
{
	size_t n = strlen(s) + 1, off = take(w, n);

	if (!off)
		return 0;
	memcpy(w->buf + off, s, n);
	return (uint32_t)(w->gpa + off);
}

/* The memory map (3.3): entries of 'size' (20) then base, length, type. */
static void put_mmap(struct writer *w, const struct mb1_info_in *in)
{
	size_t off = take(w, (size_t)in->n_mmap * MB1_MMAP_ENTRY_SIZE);

	if (!off)
		return;
	wr32(w, 44, in->n_mmap * MB1_MMAP_ENTRY_SIZE); /* mmap_length */
	wr32(w, 48, (uint32_t)(w->gpa + off));          /* mmap_addr */
	for (unsigned i = 0; i < in->n_mmap; i++, off += MB1_MMAP_ENTRY_SIZE) {
		wr32(w, off, MB1_MMAP_ENTRY_SIZE - 4);
		wr64(w, off + 4, in->mmap[i].base);
		wr64(w, off + 12, in->mmap[i].len);
		wr32(w, off + 20, in->mmap[i].type);
	}
}

/* The module list (3.3); false if a module does not fit in 32 bits. */
static bool put_modules(struct writer *w, const struct mb1_info_in *in)
{
	size_t off = take(w, (size_t)in->n_modules * MB1_MODULE_SIZE);

	wr32(w, 20, in->n_modules);                         /* mods_count */
	wr32(w, 24, off && in->n_modules ? (uint32_t)(w->gpa + off) : 0); /* mods_addr */
	for (unsigned i = 0; off && i < in->n_modules; i++, off += MB1_MODULE_SIZE) {
		const struct mb2_module *m = &in->modules[i];

		if (m->end > UINT32_MAX || m->end < m->start)
			return false;
		wr32(w, off, (uint32_t)m->start);
		wr32(w, off + 4, (uint32_t)m->end);
		wr32(w, off + 8, put_string(w, m->cmdline ? m->cmdline : ""));
		wr32(w, off + 12, 0);
	}
	return true;
}

size_t mb1_info_build(const struct mb1_info_in *in, void *buf, size_t cap, uint64_t gpa)
{
	struct writer w = { .buf = buf, .cap = cap, .gpa = gpa };
	uint32_t flags = MB1_INFO_MEMORY | MB1_INFO_MODS | MB1_INFO_LOADER_NAME;

	if (gpa % 8 || gpa + cap > FOUR_GIB || cap < MB1_INFO_SIZE)
		return 0;
	memset(buf, 0, MB1_INFO_SIZE);
	w.len = MB1_INFO_SIZE;
	wr32(&w, 4, guest_boot_avail_kb(in->mmap, in->n_mmap, 0, GUEST_BOOT_LOWER_MEM_MAX));
	wr32(&w, 8, guest_boot_avail_kb(in->mmap, in->n_mmap, GUEST_BOOT_UPPER_MEM_BASE,
					GUEST_BOOT_UPPER_MEM_MAX));
	if (in->n_mmap) {
		flags |= MB1_INFO_MEM_MAP;
		put_mmap(&w, in);
	}
	if (!put_modules(&w, in))
		return 0;
	if (in->cmdline) {
		flags |= MB1_INFO_CMDLINE;
		wr32(&w, 16, put_string(&w, in->cmdline));
	}
	wr32(&w, 64, put_string(&w, in->loader_name ? in->loader_name : ""));
	wr32(&w, 0, flags);
	return w.full ? 0 : w.len;
}
