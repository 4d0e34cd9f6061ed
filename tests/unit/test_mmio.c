/*
 * test_mmio.c - the MMIO registry: ordering, overlap and edge refusals,
 * lookups at every range boundary, moves.
 */
#include <stdint.h>

#include "check.h"
#include "emul/mmio.h"

#define DEV(n, b, s) { .name = n, .base = b, .size = s }

int main(void)
{
	struct mmio_device ioapic = DEV("ioapic", 0xfec00000, 0x1000);
	struct mmio_device hpet = DEV("hpet", 0xfed00000, 0x400);
	struct mmio_device test = DEV("test", 0xd0000000, 0x1000);
	struct mmio_device overlap_lo = DEV("lo", 0xfebff000, 0x1001);
	struct mmio_device overlap_hi = DEV("hi", 0xfec00fff, 0x10);
	struct mmio_device inside = DEV("in", 0xfec00100, 0x10);
	struct mmio_device empty = DEV("empty", 0x1000, 0);
	struct mmio_device wraps = DEV("wraps", UINT64_MAX - 0xfff, 0x2000);
	struct mmio_device touching = DEV("touch", 0xfec01000, 0x1000);
	unsigned n;

	CHECK_EQ(mmio_find(0xfec00000), 0);
	CHECK_EQ(mmio_register(&ioapic), MMIO_OK);
	CHECK_EQ(mmio_register(&hpet), MMIO_OK);
	CHECK_EQ(mmio_register(&test), MMIO_OK);
	CHECK_EQ(mmio_register(&overlap_lo), MMIO_OVERLAP);
	CHECK_EQ(mmio_register(&overlap_hi), MMIO_OVERLAP);
	CHECK_EQ(mmio_register(&inside), MMIO_OVERLAP);
	CHECK_EQ(mmio_register(&ioapic), MMIO_OVERLAP);
	CHECK_EQ(mmio_register(&empty), MMIO_EMPTY);
	CHECK_EQ(mmio_register(&wraps), MMIO_EMPTY);
	CHECK_EQ(mmio_register(&touching), MMIO_OK);

	struct mmio_device *const *all = mmio_devices(&n);
	CHECK_EQ(n, 4);
	CHECK(all[0] == &test && all[1] == &ioapic && all[2] == &touching && all[3] == &hpet);

	CHECK(mmio_find(0xfec00000) == &ioapic);
	CHECK(mmio_find(0xfec00fff) == &ioapic);
	CHECK(mmio_find(0xfec01000) == &touching);
	CHECK(mmio_find(0xfebfffff) == NULL);
	CHECK(mmio_find(0xd0000fff) == &test);
	CHECK(mmio_find(0xd0001000) == NULL);
	CHECK(mmio_find(0xfed003ff) == &hpet);
	CHECK(mmio_find(0xfed00400) == NULL);
	CHECK(mmio_find(0) == NULL);
	CHECK(mmio_find(UINT64_MAX) == NULL);

	/* Moves: within the gap between neighbours only, never onto another device. */
	CHECK(mmio_move(&touching, 0xfec02000, 0x2000));
	CHECK(mmio_find(0xfec01000) == NULL && mmio_find(0xfec03fff) == &touching);
	CHECK(!mmio_move(&touching, 0xfec00800, 0x1000));  /* onto the IOAPIC */
	CHECK(!mmio_move(&touching, 0xfecff000, 0x2000));  /* onto the HPET */
	CHECK(!mmio_move(&touching, 0xe0000000, 0x1000));  /* past the IOAPIC: order broken */
	CHECK(!mmio_move(&touching, 0xfec02000, 0));       /* empty */
	CHECK(!mmio_move(&inside, 0xfec05000, 0x1000));    /* not registered */
	CHECK(touching.base == 0xfec02000 && touching.size == 0x2000);
	CHECK(mmio_move(&touching, 0xfecfe000, 0x2000));   /* up to the HPET's first byte */
	CHECK(mmio_find(0xfecfffff) == &touching && mmio_find(0xfed00000) == &hpet);
	CHECK(mmio_move(&test, 0, 0x1000));                /* the lowest: nothing below */
	CHECK(mmio_find(0) == &test);

	mmio_reset();
	for (unsigned i = 0; i < MMIO_MAX_DEVICES + 1; i++) {
		static struct mmio_device many[MMIO_MAX_DEVICES + 1];

		many[i] = (struct mmio_device)DEV("m", 0x100000ull * (MMIO_MAX_DEVICES - i), 0x1000);
		CHECK_EQ(mmio_register(&many[i]), i < MMIO_MAX_DEVICES ? MMIO_OK : MMIO_FULL);
	}
	CHECK_EQ(mmio_find(0x100000ull * 3 + 5)->base, 0x300000);
	CHECK_STR(mmio_register_result_str(MMIO_OVERLAP), "overlaps a registered device");
	return check_report("mmio");
}
