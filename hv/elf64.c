/*
 * elf64.c - reads an ELF64 executable's header and program headers into
 * plain structures, checking every offset and size against the image length
 * before it copies a byte, and looks for the Multiboot2 header GRUB would.
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

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

enum {
	EI_CLASS = 4,
	EI_DATA = 5,
	EI_VERSION = 6,
	ELFCLASS64 = 2,
	ELFDATA2LSB = 1,
	EV_CURRENT = 1,
	ET_EXEC = 2,
	EM_X86_64 = 62,
	PT_LOAD = 1,
};

#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_ARCH_I386 0u
#define MB2_SEARCH_LIMIT 32768u /* spec 3.1.1: within the first 32 KiB */
#define MB2_HEADER_ALIGN 8u
#define MB2_HEADER_MIN 24u      /* the four fields, then an end tag */

/* Checks e_ident and the type, machine and version fields. */
static enum elf64_error check_ehdr(const struct elf64_ehdr *eh)
{
	if (memcmp(eh->ident, "\x7f" "ELF", 4))
		return ELF64_ERR_MAGIC;
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		return ELF64_ERR_CLASS;
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		return ELF64_ERR_DATA;
	if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return ELF64_ERR_VERSION;
	if (eh->type != ET_EXEC)
		return ELF64_ERR_TYPE;
	if (eh->machine != EM_X86_64)
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

/* Whether 'entry' lies inside one of the segments in memory. */
static bool entry_loaded(const struct elf64_image *img)
{
	for (unsigned i = 0; i < img->n_seg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		if (img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

/* Walks the program header table (gABI 5), keeping the PT_LOADs. */
enum elf64_error elf64_parse(const void *img, size_t len,
			     struct elf64_image *out)
{
	const uint8_t *p = img;
	struct elf64_ehdr eh;
	enum elf64_error err;

	memset(out, 0, sizeof(*out));
	if (!p || len < sizeof(eh))
		return ELF64_ERR_TRUNCATED;
	memcpy(&eh, p, sizeof(eh));
	err = check_ehdr(&eh);
	if (err)
		return err;
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phoff > len ||
	    (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > len - eh.phoff)
		return ELF64_ERR_PHDR;
	out->entry = eh.entry;

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, p + eh.phoff + i * sizeof(ph), sizeof(ph));
		if (ph.type != PT_LOAD)
			continue;
		err = add_load(&ph, len, out);
		if (err)
			return err;
	}
	if (!out->n_seg)
		return ELF64_ERR_NO_LOAD;
	return entry_loaded(out) ? ELF64_OK : ELF64_ERR_ENTRY;
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
		return "not ELFCLASS64";
	case ELF64_ERR_DATA:
		return "not little-endian";
	case ELF64_ERR_VERSION:
		return "not ELF version 1";
	case ELF64_ERR_TYPE:
		return "not an executable (ET_EXEC)";
	case ELF64_ERR_MACHINE:
		return "not x86-64";
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
