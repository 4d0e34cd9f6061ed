/*
 * fw_cfg.c - the item table of QEMU's fw_cfg: fixed items stored in the
 * structure, files added to a directory that is itself an item (0x19), and
 * the selector/offset state the data port advances.
 */
#include "fw_cfg.h"
#include "lib/string.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static struct fw_cfg_item *add_item(struct fw_cfg *c, uint16_t key, const uint8_t *data,
				    uint32_t len)
{
	struct fw_cfg_item *it;

	if (c->n_items == FW_CFG_MAX_ITEMS)
		return NULL;
	it = &c->items[c->n_items++];
	*it = (struct fw_cfg_item){ key, data, len };
	return it;
}

/* The directory item's length: the count and one entry per file. */
static uint32_t dir_len(const struct fw_cfg *c)
{
	return 4 + c->n_files * FW_CFG_FILE_ENTRY;
}

void fw_cfg_init(struct fw_cfg *c, uint16_t cpus, uint64_t ram_bytes)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->signature, "QEMU", 4);
	put_le(c->id, FW_CFG_ID_TRADITIONAL, 4);
	put_le(c->ram_size, ram_bytes, 8);
	put_le(c->nographic, 1, 2);
	put_le(c->nb_cpus, cpus, 2);
	put_le(c->max_cpus, cpus, 2);
	add_item(c, FW_CFG_SIGNATURE, c->signature, sizeof(c->signature));
	add_item(c, FW_CFG_ID, c->id, sizeof(c->id));
	add_item(c, FW_CFG_UUID, c->uuid, sizeof(c->uuid));
	add_item(c, FW_CFG_RAM_SIZE, c->ram_size, sizeof(c->ram_size));
	add_item(c, FW_CFG_NOGRAPHIC, c->nographic, sizeof(c->nographic));
	add_item(c, FW_CFG_NB_CPUS, c->nb_cpus, sizeof(c->nb_cpus));
	add_item(c, FW_CFG_MAX_CPUS, c->max_cpus, sizeof(c->max_cpus));
	add_item(c, FW_CFG_FILE_DIR, c->dir, dir_len(c));
	fw_cfg_select(c, FW_CFG_SIGNATURE);
}

bool fw_cfg_add_file(struct fw_cfg *c, const char *name, const void *data, uint32_t len)
{
	uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + c->n_files);
	uint8_t *e = c->dir + dir_len(c);
	size_t name_len = strlen(name);

	if (c->n_files == FW_CFG_MAX_FILES || name_len >= FW_CFG_FILE_NAME ||
	    !add_item(c, key, data, len))
		return false;
	put_be(e, len, 4);
	put_be(e + 4, key, 2);
	memcpy(e + 8, name, name_len); /* the rest of the entry is still zero */
	c->n_files++;
	put_be(c->dir, c->n_files, 4);
	for (unsigned i = 0; i < c->n_items; i++)
		if (c->items[i].key == FW_CFG_FILE_DIR)
			c->items[i].len = dir_len(c);
	return true;
}

void fw_cfg_select(struct fw_cfg *c, uint16_t key)
{
	c->selector = key;
	c->offset = 0;
	c->cur = NULL;
	for (unsigned i = 0; i < c->n_items; i++)
		if (c->items[i].key == (key & FW_CFG_SELECT_MASK))
			c->cur = &c->items[i];
}

uint8_t fw_cfg_read(struct fw_cfg *c)
{
	if (!c->cur || c->offset >= c->cur->len)
		return 0;
	return c->cur->data[c->offset++];
}

bool fw_cfg_io(struct fw_cfg *c, uint16_t port, unsigned size, bool in, uint32_t *value)
{
	bool comb = port == FW_CFG_PORT_SEL || port == FW_CFG_PORT_DATA;

	if (!comb && (port < FW_CFG_PORT_DMA || port >= FW_CFG_PORT_DMA + FW_CFG_DMA_LEN))
		return false;
	if (in)
		*value = comb && size == 1 ? fw_cfg_read(c) : ~0u;
	else if (comb && size == 2)
		fw_cfg_select(c, (uint16_t)*value);
	return true;
}
