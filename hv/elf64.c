/*
 * elf64.c - reads an ELF64 (or, for Multiboot v1 kernels, ELF32) executable's
 * header and program headers into plain structures, checking every offset and
 * size against the image length before it copies a byte, and looks for the
 * Multiboot2 header GRUB would.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf64.h"
#include "lib/string.h"

/* gABI 4, "ELF Header": the fields at their natural offsets, 64 bytes. */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	uint64_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

/* gABI 5, "Program Header": 56 bytes. */
struct elf64_phdr {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t align;
};

/* gABI 4 and 5 for ELFCLASS32: the same fields, 32-bit addresses and offsets. */
struct elf32_ehdr {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint32_t entry;
	uint32_t phoff;
	uint32_t shoff;
	uint32_t flags;
	uint16_t ehsize;
	uint16_t phentsize;
	uint16_t phnum;
	uint16_t shentsize;
	uint16_t shnum;
	uint16_t shstrndx;
};

struct elf32_phdr {
	uint32_t type;
	uint32_t offset;
	uint32_t vaddr;
	uint32_t paddr;
	uint32_t filesz;
	uint32_t memsz;
	uint32_t flags;
	uint32_t align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");
_Static_assert(sizeof(struct elf32_ehdr) == 52, "Elf32_Ehdr is 52 bytes");
_Static_assert(sizeof(struct elf32_phdr) == 32, "Elf32_Phdr is 32 bytes");

enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	EI_VERSION = 6,
	ELFCLASS32 = 1,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_EXEC = 2,
	EM_386 = 3,
	EM_X86_64 = 62,
	PT_LOAD = 1,
};

#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_ARCH_I386 0u
#define MB2_SEARCH_LIMIT 32768u /* spec 3.1.1: within the first 32 KiB */
#define MB2_HEADER_ALIGN 8u
#define MB2_HEADER_MIN 24u      /* the four fields, then an end tag */

/* The fields both classes start with, in the same places (gABI 4). */
struct elf_ident {
	uint8_t ident[16];
	uint16_t type;
	uint16_t machine;
	uint32_t version;
};

/* Checks e_ident and the type, machine and version fields against the class wanted. */
static enum elf64_error check_ehdr(const uint8_t *p, uint8_t class, uint16_t machine)
{
	struct elf_ident eh;

	memcpy(&eh, p, sizeof(eh));
	if (memcmp(eh.ident, "\x7f" "ELF", 4))
		return ELF64_ERR_MAGIC;
	if (eh.ident[EI_CLASS] != class)
		return ELF64_ERR_CLASS;
	if (eh.ident[EI_DATA] != ELFDATA2LSB)
		return ELF64_ERR_DATA;
	if (eh.ident[EI_VERSION] != EV_CURRENT || eh.version != EV_CURRENT)
		return ELF64_ERR_VERSION;
	if (eh.type != ET_EXEC)
		return ELF64_ERR_TYPE;
	if (eh.machine != machine)
		return ELF64_ERR_MACHINE;
	return ELF64_OK;
}

/* Checks one PT_LOAD against the image and adds it to 'out'. */
static enum elf64_error add_load(const struct elf64_phdr *ph, size_t len,
				 struct elf64_image *out)
{
	if (ph->offset > len || ph->filesz > len - ph->offset)
		return ELF64_ERR_SEG_FILE;
	if (ph->filesz > ph->memsz)
		return ELF64_ERR_SEG_SIZE;
	if (ph->memsz > UINT64_MAX - ph->vaddr ||
	    ph->memsz > UINT64_MAX - ph->paddr)
		return ELF64_ERR_SEG_ADDR;
	if (out->n_seg == ELF64_MAX_SEGMENTS)
		return ELF64_ERR_TOO_MANY;
	out->seg[out->n_seg++] = (struct elf64_segment){
		.paddr = ph->paddr,
		.vaddr = ph->vaddr,
		.offset = ph->offset,
		.filesz = ph->filesz,
		.memsz = ph->memsz,
		.flags = ph->flags,
	};
	return ELF64_OK;
}

/* The segment whose memory holds the entry point, or NULL. */
static const struct elf64_segment *entry_segment(const struct elf64_image *img)
{
	for (unsigned i = 0; i < img->n_seg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		if (img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			return s;
	}
	return NULL;
}

/* The program header table's place: ELF64_OK if it lies within the image. */
static enum elf64_error check_phdrs(uint64_t phoff, unsigned phentsize, unsigned phnum,
				    unsigned want_size, size_t len)
{
	if (phentsize != want_size || phoff > len || (uint64_t)phnum * want_size > len - phoff)
		return ELF64_ERR_PHDR;
	return ELF64_OK;
}

/* Keeps the image if it has a load segment holding the entry point. */
static enum elf64_error check_loaded(const struct elf64_image *out)
{
	if (!out->n_seg)
		return ELF64_ERR_NO_LOAD;
	return entry_segment(out) ? ELF64_OK : ELF64_ERR_ENTRY;
}

/* Reads program header 'i' of the table at 'table', widened to ELF64's fields. */
typedef void (*read_phdr_fn)(const uint8_t *table, unsigned i, struct elf64_phdr *out);

static void read_phdr64(const uint8_t *table, unsigned i, struct elf64_phdr *out)
{
	memcpy(out, table + i * sizeof(*out), sizeof(*out));
}

static void read_phdr32(const uint8_t *table, unsigned i, struct elf64_phdr *out)
{
	struct elf32_phdr ph;

	memcpy(&ph, table + i * sizeof(ph), sizeof(ph));
	*out = (struct elf64_phdr){ .type = ph.type, .flags = ph.flags, .offset = ph.offset,
				    .vaddr = ph.vaddr, .paddr = ph.paddr, .filesz = ph.filesz,
				    .memsz = ph.memsz, .align = ph.align };
}

/* Walks the program header table (gABI 5), keeping the PT_LOADs. */
static enum elf64_error walk_phdrs(const uint8_t *table, unsigned phnum, read_phdr_fn rd,
				   size_t len, struct elf64_image *out)
{
	for (unsigned i = 0; i < phnum; i++) {
		struct elf64_phdr ph;
		enum elf64_error err;

		rd(table, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		err = add_load(&ph, len, out);
		if (err)
			return err;
	}
	return check_loaded(out);
}

/* What the walk needs of an ELF header, either class. */
struct elf_hdr_fields {
	uint64_t entry, phoff;
	unsigned phentsize, phnum;
};

static void read_ehdr64(const uint8_t *p, struct elf_hdr_fields *f)
{
	struct elf64_ehdr eh;

	memcpy(&eh, p, sizeof(eh));
	*f = (struct elf_hdr_fields){ eh.entry, eh.phoff, eh.phentsize, eh.phnum };
}

static void read_ehdr32(const uint8_t *p, struct elf_hdr_fields *f)
{
	struct elf32_ehdr eh;

	memcpy(&eh, p, sizeof(eh));
	*f = (struct elf_hdr_fields){ eh.entry, eh.phoff, eh.phentsize, eh.phnum };
}

/* One ELF class: its identification, header sizes and readers. */
struct elf_class {
	uint8_t class;
	uint16_t machine;
	size_t ehdr_size, phdr_size;
	void (*read_ehdr)(const uint8_t *p, struct elf_hdr_fields *f);
	read_phdr_fn read_phdr;
};

static const struct elf_class elf64_class = { ELFCLASS64, EM_X86_64, sizeof(struct elf64_ehdr),
					      sizeof(struct elf64_phdr), read_ehdr64,
					      read_phdr64 };
static const struct elf_class elf32_class = { ELFCLASS32, EM_386, sizeof(struct elf32_ehdr),
					      sizeof(struct elf32_phdr), read_ehdr32,
					      read_phdr32 };

static enum elf64_error parse(const void *img, size_t len, const struct elf_class *c,
			      struct elf64_image *out)
{
	const uint8_t *p = img;
	struct elf_hdr_fields f;
	enum elf64_error err;

	memset(out, 0, sizeof(*out));
	if (!p || len < c->ehdr_size)
		return ELF64_ERR_TRUNCATED;
	err = check_ehdr(p, c->class, c->machine);
	if (err)
		return err;
	c->read_ehdr(p, &f);
	err = check_phdrs(f.phoff, f.phentsize, f.phnum, (unsigned)c->phdr_size, len);
	if (err)
		return err;
	out->entry = f.entry;
	return walk_phdrs(p + f.phoff, f.phnum, c->read_phdr, len, out);
}

enum elf64_error elf64_parse(const void *img, size_t len, struct elf64_image *out)
{
	return parse(img, len, &elf64_class, out);
}

enum elf64_error elf32_parse(const void *img, size_t len, struct elf64_image *out)
{
	return parse(img, len, &elf32_class, out);
}

uint64_t elf64_entry_paddr(const struct elf64_image *img)
{
	const struct elf64_segment *s = entry_segment(img);

	return s ? img->entry - s->vaddr + s->paddr : 0;
}

/*
 * Scans the 8-aligned offsets as GRUB does, taking the first header whose
 * magic, architecture and checksum agree and whose length stays in bounds.
 */
bool elf64_has_multiboot2(const void *img, size_t len)
{
	const uint8_t *p = img;
	size_t limit = len < MB2_SEARCH_LIMIT ? len : MB2_SEARCH_LIMIT;

	if (!p)
		return false;
	for (size_t off = 0; limit - off >= 16; off += MB2_HEADER_ALIGN) {
		uint32_t h[4]; /* magic, architecture, header_length, checksum */

		memcpy(h, p + off, sizeof(h));
		if (h[0] == MB2_HEADER_MAGIC && h[1] == MB2_ARCH_I386 &&
		    (uint32_t)(h[0] + h[1] + h[2] + h[3]) == 0 &&
		    h[2] >= MB2_HEADER_MIN && h[2] <= limit - off)
			return true;
	}
	return false;
}

/* A short description of 'err' for the boot log. */
const char *elf64_strerror(enum elf64_error err)
{
	switch (err) {
	case ELF64_OK:
		return "ok";
	case ELF64_ERR_TRUNCATED:
		return "shorter than an ELF64 header";
	case ELF64_ERR_MAGIC:
		return "not an ELF file";
	case ELF64_ERR_CLASS:
		return "wrong ELF class (ELFCLASS64 for x86-64, ELFCLASS32 for i386)";
	case ELF64_ERR_DATA:
		return "not little-endian";
	case ELF64_ERR_VERSION:
		return "not ELF version 1";
	case ELF64_ERR_TYPE:
		return "not an executable (ET_EXEC)";
	case ELF64_ERR_MACHINE:
		return "wrong machine (not x86-64, or for ELFCLASS32 not i386)";
	case ELF64_ERR_PHDR:
		return "bad program header table";
	case ELF64_ERR_SEG_FILE:
		return "segment file bytes past end of image";
	case ELF64_ERR_SEG_SIZE:
		return "segment filesz > memsz";
	case ELF64_ERR_SEG_ADDR:
		return "segment address + memsz overflows";
	case ELF64_ERR_TOO_MANY:
		return "too many load segments";
	case ELF64_ERR_NO_LOAD:
		return "no load segment";
	case ELF64_ERR_ENTRY:
		return "entry point outside the load segments";
	}
	return "unknown error";
}
