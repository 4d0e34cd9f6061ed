/*
 * test_fw_cfg.c - host tests for the fw_cfg item table: what a guest reads
 * through the selector and the data port, item by item, as QEMU gives it.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "fw_cfg.h"

static struct fw_cfg g_cfg;

/* Selects 'key' and reads 'n' data bytes into 'out'. */
static void read_item(uint16_t key, uint8_t *out, size_t n)
{
	fw_cfg_select(&g_cfg, key);
	for (size_t i = 0; i < n; i++)
		out[i] = fw_cfg_read(&g_cfg);
}

static uint64_t read_le(uint16_t key, unsigned n)
{
	uint8_t b[8];
	uint64_t v = 0;

	read_item(key, b, n);
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void test_fixed_items(void)
{
	uint8_t sig[6];

	fw_cfg_init(&g_cfg, 3, 0x0ff00000ull + (5ull << 32));
	/* The signature is the item selected at reset; past its end reads 0. */
	for (int i = 0; i < 6; i++)
		sig[i] = fw_cfg_read(&g_cfg);
	CHECK(!memcmp(sig, "QEMU\0\0", 6));
	read_item(FW_CFG_SIGNATURE, sig, 4);
	CHECK(!memcmp(sig, "QEMU", 4));
	CHECK_EQ(read_le(FW_CFG_ID, 4), FW_CFG_ID_TRADITIONAL); /* no DMA */
	CHECK_EQ(read_le(FW_CFG_RAM_SIZE, 8), 0x0ff00000ull + (5ull << 32));
	CHECK_EQ(read_le(FW_CFG_NB_CPUS, 2), 3);
	CHECK_EQ(read_le(FW_CFG_MAX_CPUS, 2), 3);
	CHECK_EQ(read_le(FW_CFG_NOGRAPHIC, 2), 1);
	/* Bits 14 and 15 of the selector (write channel, arch-local) do not change the item. */
	CHECK_EQ(read_le(FW_CFG_NB_CPUS | 0x4000, 2), 3);
	/* A key with no item reads zeros. */
	CHECK_EQ(read_le(0x1234, 8), 0);
	/* Reselecting starts the item again. */
	fw_cfg_select(&g_cfg, FW_CFG_NB_CPUS);
	CHECK_EQ(fw_cfg_read(&g_cfg), 3);
	fw_cfg_select(&g_cfg, FW_CFG_NB_CPUS);
	CHECK_EQ(fw_cfg_read(&g_cfg), 3);
	CHECK_EQ(fw_cfg_read(&g_cfg), 0);
	CHECK_EQ(fw_cfg_read(&g_cfg), 0);
}

static void test_files(void)
{
	static const uint8_t e820[40] = { 1, 2, 3 };
	static const char longname[] = "opt/a-name-of-fifty-six-characters-which-is-one-too-many";
	uint8_t dir[4 + FW_CFG_MAX_FILES * FW_CFG_FILE_ENTRY], data[41];
	char name[FW_CFG_FILE_NAME + 1] = { 0 };

	fw_cfg_init(&g_cfg, 1, 1 << 20);
	CHECK_EQ(read_le(FW_CFG_FILE_DIR, 4), 0); /* empty directory: count 0 */
	CHECK(fw_cfg_add_file(&g_cfg, "etc/e820", e820, sizeof(e820)));
	CHECK(sizeof(longname) - 1 == FW_CFG_FILE_NAME);
	CHECK(!fw_cfg_add_file(&g_cfg, longname, e820, 1));

	read_item(FW_CFG_FILE_DIR, dir, 4 + FW_CFG_FILE_ENTRY + 1);
	CHECK_EQ(be(dir, 4), 1);
	CHECK_EQ(be(dir + 4, 4), sizeof(e820));
	CHECK_EQ(be(dir + 8, 2), FW_CFG_FILE_FIRST);
	memcpy(name, dir + 12, FW_CFG_FILE_NAME);
	CHECK_STR(name, "etc/e820");
	CHECK_EQ(dir[4 + FW_CFG_FILE_ENTRY], 0); /* the directory ends after one entry */

	read_item(FW_CFG_FILE_FIRST, data, sizeof(data));
	CHECK(!memcmp(data, e820, sizeof(e820)));
	CHECK_EQ(data[40], 0);

	for (int i = 1; i < FW_CFG_MAX_FILES; i++)
		CHECK(fw_cfg_add_file(&g_cfg, "x", e820, 1));
	CHECK(!fw_cfg_add_file(&g_cfg, "y", e820, 1));
	CHECK_EQ(read_le(FW_CFG_FILE_DIR, 4), (uint64_t)FW_CFG_MAX_FILES << 24); /* BE count */
}

/* The port pair as QEMU's x86 fw_cfg takes each access size. */
static void test_ports(void)
{
	uint32_t v;

	fw_cfg_init(&g_cfg, 2, 1 << 20);
	v = FW_CFG_NB_CPUS;
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_SEL, 2, false, &v));
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DATA, 1, true, &v));
	CHECK_EQ(v, 2);
	/* A byte write does not select; a 16-bit write to the data port does. */
	v = FW_CFG_SIGNATURE;
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_SEL, 1, false, &v));
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DATA, 1, true, &v));
	CHECK_EQ(v, 0); /* still NB_CPUS: its second byte... */
	v = FW_CFG_SIGNATURE;
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DATA, 2, false, &v));
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_SEL, 1, true, &v));
	CHECK_EQ(v, 'Q'); /* ...and a byte read of either port reads data */
	/* Wider reads and the DMA registers: no device. */
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DATA, 4, true, &v));
	CHECK_EQ(v, 0xffffffffu);
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DMA + 7, 1, true, &v));
	CHECK_EQ(v, 0xffffffffu);
	v = 0x1234;
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DMA, 4, false, &v));
	CHECK(fw_cfg_io(&g_cfg, FW_CFG_PORT_DATA, 1, true, &v));
	CHECK_EQ(v, 'E'); /* the DMA write changed nothing */
	/* Neighbouring ports are not fw_cfg's. */
	CHECK(!fw_cfg_io(&g_cfg, FW_CFG_PORT_SEL - 1, 1, true, &v));
	CHECK(!fw_cfg_io(&g_cfg, 0x512, 1, true, &v));
	CHECK(!fw_cfg_io(&g_cfg, FW_CFG_PORT_DMA + FW_CFG_DMA_LEN, 1, true, &v));
}

int main(void)
{
	test_fixed_items();
	test_files();
	test_ports();
	return check_report("fw_cfg");
}
