/*
 * fw_cfg.h - QEMU's firmware configuration device (docs/specs/fw_cfg.rst in
 * QEMU's tree) as L2 sees it on ports 0x510/0x511: a 16-bit selector picks an
 * item, byte reads of the data port walk it. The item table and the reads are
 * pure logic here; fw_cfg_dev.c puts it on the ports.
 */
#ifndef HV_FW_CFG_H
#define HV_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514 /* 8 bytes; not offered (FW_CFG_ID says so) */
#define FW_CFG_DMA_LEN 8

/* Selector keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x00, /* "QEMU" */
	FW_CFG_ID = 0x01,        /* u32 LE features: bit 0 traditional interface, bit 1 DMA */
	FW_CFG_UUID = 0x02,      /* 16 bytes */
	FW_CFG_RAM_SIZE = 0x03,  /* u64 LE */
	FW_CFG_NOGRAPHIC = 0x04, /* u16 LE */
	FW_CFG_NB_CPUS = 0x05,   /* u16 LE: CPUs present at boot */
	FW_CFG_MAX_CPUS = 0x0f,  /* u16 LE */
	FW_CFG_FILE_DIR = 0x19,  /* u32 BE count, then per file: u32 BE size, u16 BE select,
				  * u16 reserved, char name[56] */
	FW_CFG_FILE_FIRST = 0x20,
};

#define FW_CFG_ID_TRADITIONAL 1u
#define FW_CFG_SELECT_MASK 0x3fffu /* bit 14 write channel, bit 15 arch-local: ignored */
#define FW_CFG_MAX_FILES 4
#define FW_CFG_FILE_NAME 56
#define FW_CFG_FILE_ENTRY 64
#define FW_CFG_MAX_ITEMS 16

struct fw_cfg_item {
	uint16_t key;
	const uint8_t *data; /* owned by the caller (files) or by struct fw_cfg */
	uint32_t len;
};

struct fw_cfg {
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned n_items, n_files;
	const struct fw_cfg_item *cur; /* the selected item, NULL if the key has none */
	uint32_t offset;               /* next byte of it to read */
	uint16_t selector;
	/* Storage of the fixed items. */
	uint8_t signature[4], id[4], uuid[16], ram_size[8], nographic[2], nb_cpus[2],
		max_cpus[2];
	uint8_t dir[4 + FW_CFG_MAX_FILES * FW_CFG_FILE_ENTRY];
};

/* The fixed items: signature, ID (no DMA), a zero UUID, RAM size, CPU counts, no files. */
void fw_cfg_init(struct fw_cfg *c, uint16_t cpus, uint64_t ram_bytes);
/* Adds file 'name' (< 56 chars) to the directory; false if full or the name is too long. */
bool fw_cfg_add_file(struct fw_cfg *c, const char *name, const void *data, uint32_t len);
/* A selector write: the item's first byte is read next. */
void fw_cfg_select(struct fw_cfg *c, uint16_t key);
/* A data-port read: the next byte of the selected item, 0 past its end or for no item. */
uint8_t fw_cfg_read(struct fw_cfg *c);
/*
 * An IN (*value set) or OUT of 'size' bytes at 'port', as QEMU's x86 port
 * pair takes it (fw_cfg_comb_valid): a 16-bit write to either port selects,
 * a byte read of either reads data, a byte write (the old write channel) is
 * ignored; other sizes, and the absent DMA registers, read as no device (all
 * ones). False if 'port' is none of fw_cfg's.
 */
bool fw_cfg_io(struct fw_cfg *c, uint16_t port, unsigned size, bool in, uint32_t *value);

#endif
