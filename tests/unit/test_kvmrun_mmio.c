/*
 * test_kvmrun_mmio.c - kvmrun's MMIO exits (guests/linux/kvmrun_mmio.c) on
 * the hypervisor's test MMIO model (hv/emul/test_mmio.c): the registers at
 * every width, SCRATCH as RAM, refused accesses, and accesses outside the
 * page left to the caller.
 */
#include <stdint.h>

#include "check.h"
#include "emul/test_mmio.h"
#include "kvmrun_mmio.h"

static struct mmio_device dev;
static struct test_mmio_state state;
static uint64_t refused;

static uint64_t rd(uint64_t off, unsigned len)
{
	uint64_t v = 0;

	CHECK(kvmrun_mmio(&dev, TEST_MMIO_BASE + off, (uint8_t *)&v, len, false, &refused));
	return v;
}

static void wr(uint64_t off, unsigned len, uint64_t v)
{
	CHECK(kvmrun_mmio(&dev, TEST_MMIO_BASE + off, (uint8_t *)&v, len, true, &refused));
}

static void check_registers(void)
{
	CHECK_EQ(rd(TEST_MMIO_REG_ID, 4), TEST_MMIO_ID);
	CHECK_EQ(rd(TEST_MMIO_REG_ID + 1, 1), 0x4d); /* an unaligned byte of "MMIO" */
	CHECK_EQ(rd(TEST_MMIO_REG_COUNTER, 8), 0);
	CHECK_EQ(rd(TEST_MMIO_REG_COUNTER, 4), 1);   /* the counter counts every read */
	CHECK_EQ(rd(0x40, 2), 0xffff);                /* no register there */
	wr(TEST_MMIO_REG_ID, 4, 0);                   /* read-only: refused, dropped */
	CHECK_EQ(refused, 1);
	CHECK_EQ(rd(TEST_MMIO_REG_REFUSED, 8), 1);
	CHECK_EQ(rd(TEST_MMIO_REG_ID, 8), TEST_MMIO_ID);
}

static void check_scratch(void)
{
	wr(TEST_MMIO_SCRATCH, 8, 0x1122334455667788ull);
	CHECK_EQ(rd(TEST_MMIO_SCRATCH, 8), 0x1122334455667788ull);
	CHECK_EQ(rd(TEST_MMIO_SCRATCH + 3, 2), 0x4455); /* unaligned, as RAM */
	CHECK_EQ(rd(TEST_MMIO_REG_LAST_WIDTH, 8), 2);
	CHECK_EQ(rd(TEST_MMIO_REG_LAST_OFFSET, 8), TEST_MMIO_SCRATCH + 3);
	CHECK_EQ(rd(TEST_MMIO_SIZE - 4, 8), UINT64_MAX); /* past the page: refused, all ones */
	CHECK_EQ(refused, 2);
}

static void check_outside(void)
{
	uint64_t v = 0;

	CHECK(!kvmrun_mmio(&dev, TEST_MMIO_BASE - 1, (uint8_t *)&v, 1, false, &refused));
	CHECK(!kvmrun_mmio(&dev, TEST_MMIO_BASE + TEST_MMIO_SIZE, (uint8_t *)&v, 1, true,
			   &refused));
	CHECK(!kvmrun_mmio(&dev, 0xfee00000, (uint8_t *)&v, 4, true, &refused));
	CHECK_EQ(refused, 2);
}

int main(void)
{
	test_mmio_setup(&dev, &state);
	check_registers();
	check_scratch();
	check_outside();
	return check_report("kvmrun_mmio");
}
