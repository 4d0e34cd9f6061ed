/*
 * multiboot2.h - the boot information GRUB hands the hypervisor (Multiboot2
 * specification, section 3.6), parsed and validated into plain structures.
 */
#ifndef HV_MULTIBOOT2_H
#define HV_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_MAX_MMAP 128
#define MB2_MAX_MODULES 16

/* Boot information tag types (Multiboot2 spec 3.6.2 - 3.6.13) we read or write. */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_LOAD_BASE = 21,
};

/* Memory map entry types (Multiboot2 spec 3.6.8). */
enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BAD = 5,
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct mb2_module {
	uint64_t start; /* physical, inclusive */
	uint64_t end;   /* physical, exclusive */
	const char *cmdline; /* points into the info, NUL-terminated */
};

struct mb2_info {
	uint64_t info_addr;  /* where the info itself lies (to reserve it) */
	uint32_t total_size;
	const char *cmdline;     /* boot command line; "" when absent */
	const char *loader_name; /* "" when absent */
	bool has_basic_mem;
	uint32_t mem_lower_kb, mem_upper_kb;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	unsigned n_mmap;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned n_modules;
	bool has_load_base;
	uint64_t load_base; /* image load base (tag 21), if given */
	const void *rsdp;   /* copy of the ACPI RSDP inside the info, or NULL */
	uint32_t rsdp_len;
	int rsdp_tag;       /* 14 (ACPI 1.0 RSDP) or 15 (ACPI 2.0+), 0 if none */
};

enum mb2_error {
	MB2_OK = 0,
	MB2_ERR_MAGIC,       /* EAX did not hold the bootloader magic */
	MB2_ERR_ALIGN,       /* info not 8-byte aligned */
	MB2_ERR_SIZE,        /* total_size too small, too big or beyond 'avail' */
	MB2_ERR_TAG_SIZE,    /* a tag's size is smaller than its fixed part */
	MB2_ERR_TAG_OVERRUN, /* a tag runs past total_size */
	MB2_ERR_NO_END,      /* no end tag (type 0, size 8) before total_size */
	MB2_ERR_STRING,      /* a string not NUL-terminated within its tag */
	MB2_ERR_MMAP_ENTRY,  /* memory map entry_size < 24, not a multiple of 8,
			      * or not dividing the tag's entry bytes */
	MB2_ERR_TOO_MANY,    /* more mmap entries or modules than we hold */
	MB2_ERR_MODULE,      /* a module with end < start */
	MB2_ERR_MMAP_EMPTY,  /* a memory map tag with no entries */
	MB2_ERR_MMAP_RANGE,  /* a memory map entry whose base + len overflows */
};

/*
 * Parses the info at 'info', of which at most 'avail' bytes may be read.
 * Unknown tags are skipped. On error 'out' is partially filled and
 * *bad_offset (if not NULL) is the byte offset of the offending tag.
 */
enum mb2_error mb2_parse(uint32_t magic, const void *info, size_t avail,
			 struct mb2_info *out, size_t *bad_offset);
const char *mb2_strerror(enum mb2_error err);
const char *mb2_mem_type_name(uint32_t type);

#endif
