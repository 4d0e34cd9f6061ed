/*
 * multiboot1.h - Multiboot v1 kernels (Multiboot Specification 0.6.96), the
 * format QEMU's -kernel boots: the header a kernel carries (section 3.1), what
 * to load where (its ELF program headers, or the header's a.out-kludge
 * addresses), and the boot information a loader hands it (section 3.3).
 */
#ifndef HV_MULTIBOOT1_H
#define HV_MULTIBOOT1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf64.h"
#include "multiboot2.h"

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOTLOADER_MAGIC 0x2badb002u
#define MB1_SEARCH_LIMIT 8192u /* 3.1.1: within the first 8 KiB, 4-aligned */

/* Header flags (3.1.2): bits 0-15 are requirements, 16-31 optional features. */
#define MB1_HDR_PAGE_ALIGN (1u << 0)  /* modules 4 KiB aligned */
#define MB1_HDR_MEMINFO (1u << 1)     /* mem_* and the memory map wanted */
#define MB1_HDR_VIDEO (1u << 2)       /* video mode table wanted */
#define MB1_HDR_AOUT_KLUDGE (1u << 16) /* load by the header's address fields */
#define MB1_HDR_KNOWN_REQUIRED (MB1_HDR_PAGE_ALIGN | MB1_HDR_MEMINFO | MB1_HDR_VIDEO)

/* Boot information flags (3.3) for the fields this loader fills. */
#define MB1_INFO_MEMORY (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODS (1u << 3)
#define MB1_INFO_MEM_MAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

#define MB1_INFO_SIZE 120u      /* the fixed structure, to the framebuffer fields */
#define MB1_MMAP_ENTRY_SIZE 24u /* u32 size (= 20), u64 base, u64 length, u32 type */
#define MB1_MODULE_SIZE 16u     /* mod_start, mod_end, string, reserved */

struct mb1_header {
	uint32_t offset; /* of the magic in the image */
	uint32_t flags;
	/* With MB1_HDR_AOUT_KLUDGE (3.1.3), physical addresses: */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* With MB1_HDR_VIDEO (3.1.4): 0 linear graphics, 1 EGA text. */
	uint32_t mode_type, width, height, depth;
};

/* What to load: the segments (paddr = where, in the image at offset) and the entry. */
struct mb1_kernel {
	struct mb1_header hdr;
	struct elf64_image img; /* for the a.out kludge: one segment */
	uint64_t entry;         /* physical */
	int elf_class;          /* 32 or 64; 0 when loaded by the a.out kludge */
	enum elf64_error elf_err; /* why an ELF without the kludge did not parse */
};

enum mb1_error {
	MB1_OK = 0,
	MB1_ERR_NO_HEADER,   /* no checksummed header in the first 8 KiB */
	MB1_ERR_FLAGS,       /* a required flag (bits 3-15) this loader does not know */
	MB1_ERR_KLUDGE,      /* a.out-kludge addresses inconsistent with each other or the image */
	MB1_ERR_ELF,         /* no kludge, and not an ELF32 i386 or ELF64 x86-64 executable */
	MB1_ERR_ABOVE_4G,    /* a segment or the entry point not below 4 GiB */
};

/* Finds the header (3.1.1: magic, flags, checksum summing to 0); false if none. */
bool mb1_find_header(const void *img, size_t len, struct mb1_header *out);
/* Finds the header and works out the segments and the entry point. */
enum mb1_error mb1_parse_kernel(const void *img, size_t len, struct mb1_kernel *out);
const char *mb1_strerror(enum mb1_error err);

/* The boot information's contents; addresses are guest-physical, below 4 GiB. */
struct mb1_info_in {
	const char *cmdline;     /* NULL: none */
	const char *loader_name;
	const struct mb2_mmap_entry *mmap; /* also the source of mem_lower/mem_upper */
	unsigned n_mmap;
	const struct mb2_module *modules;
	unsigned n_modules;
};

/*
 * Writes the information structure into the 'cap' bytes at 'buf', which the
 * guest will see at physical 'gpa': the structure, then the memory map, the
 * module list and the strings, every pointer in it 'gpa'-relative. Returns the
 * bytes used, or 0 if it does not fit, lies past 4 GiB, or a module cannot be
 * described in 32 bits.
 */
size_t mb1_info_build(const struct mb1_info_in *in, void *buf, size_t cap, uint64_t gpa);

#endif
