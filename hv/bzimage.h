/*
 * bzimage.h - the Linux x86 boot protocol (Documentation/arch/x86/boot.rst):
 * a bzImage's setup header, where its kernel and initrd may go, and the
 * boot_params "zero page" handed to its 64-bit entry point.
 */
#ifndef HV_BZIMAGE_H
#define HV_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem_ranges.h"

/* boot.rst "64-bit Boot Protocol": enter at the load address + 0x200. */
#define BZIMAGE_ENTRY64_OFFSET 0x200u
#define BZIMAGE_E820_MAX 128

/* loadflags and xloadflags bits (boot.rst, "Details of Header Fields"). */
#define BZIMAGE_LOADED_HIGH 0x01u
#define BZIMAGE_XLF_KERNEL_64 0x1u
#define BZIMAGE_XLF_CAN_BE_LOADED_ABOVE_4G 0x2u

/* The setup header, at 0x1f1 in both the image and boot_params (2.15). */
struct setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));

/* One BIOS E820 entry; types as enum mb2_mem_type (1 = usable RAM). */
struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

/* The zero page fields we fill (Documentation/arch/x86/zero-page.rst). */
struct boot_params {
	uint8_t pad0[0x070];
	uint64_t acpi_rsdp_addr;
	uint8_t pad1[0x0c0 - 0x078];
	uint32_t ext_ramdisk_image;
	uint32_t ext_ramdisk_size;
	uint32_t ext_cmd_line_ptr;
	uint8_t pad2[0x1e8 - 0x0cc];
	uint8_t e820_entries;
	uint8_t pad3[0x1f1 - 0x1e9];
	struct setup_header hdr;
	uint8_t pad4[0x2d0 - 0x26c];
	struct e820_entry e820_table[BZIMAGE_E820_MAX];
	uint8_t pad5[0x1000 - 0xcd0];
} __attribute__((packed));

/* What bzimage_parse found; 'hdr' is zero past the image's end of it. */
struct bzimage_info {
	struct setup_header hdr;
	uint16_t version;          /* boot protocol, e.g. 0x020f */
	unsigned setup_sects;      /* 0 in the image means 4 */
	size_t kernel_offset;      /* protected-mode kernel: (setup_sects + 1) * 512 */
	size_t kernel_size;        /* ... to the end of the image */
	uint64_t pref_address;
	uint32_t init_size;        /* bytes the kernel needs from its load address */
	uint32_t kernel_alignment; /* a power of two when relocatable */
	bool relocatable;
	uint32_t initrd_addr_max;  /* highest byte an initrd may occupy */
	uint32_t cmdline_size;     /* longest command line, NUL excluded */
	bool above_4g;             /* XLF_CAN_BE_LOADED_ABOVE_4G */
};

/* Where the caller put everything; bzimage_build_params checks it. */
struct bzimage_load {
	uint64_t kernel_gpa;  /* where the kernel_size bytes were copied */
	uint64_t cmdline_gpa; /* NUL-terminated; 0: no command line */
	uint64_t initrd_gpa;
	uint64_t initrd_size; /* 0: no initrd */
	uint64_t rsdp_gpa;    /* 0: the kernel scans for it */
	const struct e820_entry *e820;
	unsigned n_e820;
};

enum bzimage_error {
	BZIMAGE_OK = 0,
	BZIMAGE_ERR_TRUNCATED,     /* image ends inside its setup sectors */
	BZIMAGE_ERR_BOOT_FLAG,     /* no 0xaa55 at 0x1fe */
	BZIMAGE_ERR_MAGIC,         /* no "HdrS" at 0x202 */
	BZIMAGE_ERR_VERSION,       /* boot protocol older than 2.12 */
	BZIMAGE_ERR_HEADER_LEN,    /* setup header too short or too long */
	BZIMAGE_ERR_NOT_BZIMAGE,   /* LOADED_HIGH clear: a zImage */
	BZIMAGE_ERR_NOT_64BIT,     /* XLF_KERNEL_64 clear: no 64-bit entry */
	BZIMAGE_ERR_SYSSIZE,       /* syssize says more than the image holds */
	BZIMAGE_ERR_ALIGNMENT,     /* relocatable, kernel_alignment not a power of 2 */
	BZIMAGE_ERR_PREF_ADDRESS,  /* no preferred address, or it wraps */
	BZIMAGE_ERR_INIT_SIZE,     /* init_size smaller than the kernel */
	BZIMAGE_ERR_KERNEL_ADDR,   /* misaligned, not pref_address, or above 4 GiB */
	BZIMAGE_ERR_CMDLINE_ADDR,  /* above 4 GiB without XLF_CAN_BE_LOADED_ABOVE_4G */
	BZIMAGE_ERR_INITRD_ADDR,   /* past initrd_addr_max without it, or wraps */
	BZIMAGE_ERR_INITRD_OVERLAP, /* the initrd overlaps the kernel's init_size */
	BZIMAGE_ERR_E820,          /* more than BZIMAGE_E820_MAX entries */
};

/* Checks the setup header of the 'len' bytes at 'img'. */
enum bzimage_error bzimage_parse(const void *img, size_t len,
				 struct bzimage_info *out);

/*
 * The kernel's load address in 'ram': pref_address if init_size bytes fit
 * there, else (relocatable only) the lowest kernel_alignment-aligned place
 * above it; below 4 GiB unless XLF_CAN_BE_LOADED_ABOVE_4G. 0 if none.
 */
uint64_t bzimage_kernel_addr(const struct bzimage_info *info,
			     const struct mem_ranges *ram);

/*
 * The highest page-aligned place for 'size' initrd bytes in 'ram', within
 * initrd_addr_max unless XLF_CAN_BE_LOADED_ABOVE_4G, clear of the kernel's
 * [kernel_gpa, kernel_gpa + init_size). 0 if none.
 */
uint64_t bzimage_initrd_addr(const struct bzimage_info *info,
			     const struct mem_ranges *ram, uint64_t kernel_gpa,
			     uint64_t size);

/* Checks 'load' and fills the 4096-byte 'zero_page' for the 64-bit entry. */
enum bzimage_error bzimage_build_params(const struct bzimage_info *info,
					const struct bzimage_load *load,
					void *zero_page);
const char *bzimage_strerror(enum bzimage_error err);

#endif
