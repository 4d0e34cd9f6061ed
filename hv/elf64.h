/*
 * elf64.h - the ELF64 x86-64 executables the test guests are: their load
 * segments and entry point, checked against the image's length (System V ABI
 * gABI ch. 4-5, x86-64 psABI), and their Multiboot2 header.
 */
#ifndef HV_ELF64_H
#define HV_ELF64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF64_MAX_SEGMENTS 16

/* Segment permission bits (gABI 5, p_flags). */
#define ELF64_PF_X 0x1u
#define ELF64_PF_W 0x2u
#define ELF64_PF_R 0x4u

/* One PT_LOAD: copy 'filesz' bytes from 'offset', zero up to 'memsz'. */
struct elf64_segment {
	uint64_t paddr, vaddr;
	uint64_t offset;
	uint64_t filesz, memsz;
	uint32_t flags;
};

struct elf64_image {
	uint64_t entry; /* virtual; inside some segment's [vaddr, vaddr + memsz) */
	struct elf64_segment seg[ELF64_MAX_SEGMENTS];
	unsigned n_seg;
};

enum elf64_error {
	ELF64_OK = 0,
	ELF64_ERR_TRUNCATED, /* shorter than the ELF header */
	ELF64_ERR_MAGIC,     /* not \x7fELF */
	ELF64_ERR_CLASS,     /* not the class asked for (ELFCLASS64 or 32) */
	ELF64_ERR_DATA,      /* not little-endian */
	ELF64_ERR_VERSION,   /* not EV_CURRENT */
	ELF64_ERR_TYPE,      /* not ET_EXEC */
	ELF64_ERR_MACHINE,   /* not EM_X86_64 (ELFCLASS32: EM_386) */
	ELF64_ERR_PHDR,      /* bad phentsize, or the table runs past the image */
	ELF64_ERR_SEG_FILE,  /* a segment's file bytes run past the image */
	ELF64_ERR_SEG_SIZE,  /* a segment with filesz > memsz */
	ELF64_ERR_SEG_ADDR,  /* a segment's vaddr or paddr + memsz overflows */
	ELF64_ERR_TOO_MANY,  /* more than ELF64_MAX_SEGMENTS loads */
	ELF64_ERR_NO_LOAD,   /* no PT_LOAD at all */
	ELF64_ERR_ENTRY,     /* the entry point lies in no segment */
};

/* Parses the 'len' bytes at 'img'; on error 'out' is partially filled. */
enum elf64_error elf64_parse(const void *img, size_t len,
			     struct elf64_image *out);
/* The same for an ELFCLASS32 EM_386 executable, its fields widened into 'out'. */
enum elf64_error elf32_parse(const void *img, size_t len, struct elf64_image *out);
/*
 * The entry point's physical address, through the segment that holds it
 * (as GRUB enters a kernel whose vaddr and paddr differ); 0 if none does.
 */
uint64_t elf64_entry_paddr(const struct elf64_image *img);
/*
 * Whether the first 32 KiB of the image hold a valid Multiboot2 header for
 * i386 (Multiboot2 spec 3.1.1): 8-aligned, checksummed, wholly inside.
 */
bool elf64_has_multiboot2(const void *img, size_t len);
const char *elf64_strerror(enum elf64_error err);

#endif
