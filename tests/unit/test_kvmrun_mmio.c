/*
 * test_kvmrun_mmio.c - kvmrun's test MMIO page (guests/linux/kvmrun_mmio.c):
 * the registers at every width, SCRATCH as RAM, refused writes counted,
 * accesses outside the page left to the caller.
 */
#include <stdint.h>

#include "check.h"
#include "kvmrun_mmio.h"

static uint64_t rd(struct mmio_page *p, uint64_t off, unsigned len)
{
	uint64_t v = 0;

	CHECK(mmio_page_access(p, MMIO_PAGE_BASE + off, (uint8_t *)&v, len, false));
	return v;
}

static void wr(struct mmio_page *p, uint64_t off, unsigned len, uint64_t v)
{
	CHECK(mmio_page_access(p, MMIO_PAGE_BASE + off, (uint8_t *)&v, len, true));
}

static void check_registers(void)
{
	struct mmio_page p = { 0 };

	CHECK_EQ(rd(&p, 0x000, 4), 0x4f494d4d);
	CHECK_EQ(rd(&p, 0x000, 8), 0x4f494d4d);
	CHECK_EQ(rd(&p, 0x001, 1), 0x4d);      /* an unaligned byte of "MMIO" */
	CHECK_EQ(rd(&p, 0x008, 8), 0);
	CHECK_EQ(rd(&p, 0x008, 4), 1);         /* the counter counts every read */
	CHECK_EQ(rd(&p, 0x040, 8), UINT64_MAX); /* no register there */
	CHECK_EQ(rd(&p, 0x040, 2), 0xffff);
	wr(&p, 0x000, 4, 0);                   /* read-only: refused, counted */
	CHECK_EQ(rd(&p, 0x020, 8), 1);
	CHECK_EQ(rd(&p, 0x000, 4), 0x4f494d4d);
}

static void check_scratch(void)
{
	struct mmio_page p = { 0 };

	wr(&p, 0x800, 8, 0x1122334455667788ull);
	CHECK_EQ(rd(&p, 0x800, 8), 0x1122334455667788ull);
	CHECK_EQ(rd(&p, 0x803, 2), 0x4455);    /* unaligned, as RAM */
	CHECK_EQ(rd(&p, 0x010, 8), 2);         /* LAST_WIDTH */
	CHECK_EQ(rd(&p, 0x018, 8), 0x803);     /* LAST_OFFSET */
	wr(&p, 0xff8, 8, 7);
	CHECK_EQ(rd(&p, 0xff8, 8), 7);
	CHECK_EQ(rd(&p, 0x020, 8), 0);         /* nothing refused */
}

static void check_outside(void)
{
	struct mmio_page p = { 0 };
	uint64_t v = 0;

	CHECK(!mmio_page_access(&p, MMIO_PAGE_BASE - 1, (uint8_t *)&v, 1, false));
	CHECK(!mmio_page_access(&p, MMIO_PAGE_BASE + 0x1000, (uint8_t *)&v, 1, false));
	CHECK(!mmio_page_access(&p, MMIO_PAGE_BASE + 0xffc, (uint8_t *)&v, 8, true));
	CHECK(!mmio_page_access(&p, 0xfee00000, (uint8_t *)&v, 4, true));
}

int main(void)
{
	check_registers();
	check_scratch();
	check_outside();
	return check_report("kvmrun_mmio");
}
