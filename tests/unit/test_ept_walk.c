/*
 * test_ept_walk.c - host unit test of the walk of a guest hypervisor's EPT:
 * 4 KiB and 2 MiB leaves, rights ANDed over the levels, violations with the
 * partial rights, misconfigurations, EPTP validity.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mmu/ept.h"
#include "mmu/ept_walk.h"

static uint64_t mem[0x10000 / 8]; /* L2's memory for the tables: 64 KiB at 0 */

static bool read_entry(void *ctx, uint64_t pa, uint64_t *e)
{
	(void)ctx;
	if (pa + 8 > sizeof(mem))
		return false;
	*e = mem[pa / 8];
	return true;
}

#define WB (6u << 3)

int main(void)
{
	uint64_t eptp = 0x1000 | 6 | 3 << 3;
	struct ept_walk w;

	/* PML4[0] -> PDPT 0x2000; PDPT[0] -> PD 0x3000; PD[1] -> PT 0x4000; PD[2]: 2 MiB. */
	mem[0x1000 / 8] = 0x2000 | EPT_RWX;
	mem[0x2000 / 8] = 0x3000 | EPT_RWX;
	mem[0x3000 / 8 + 1] = 0x4000 | EPT_R | EPT_X; /* no write below */
	mem[0x4000 / 8 + 5] = 0x9000 | EPT_RWX | WB;
	mem[0x3000 / 8 + 2] = 0x800000 | EPT_RWX | WB | 1u << 7 | 1u << 6;
	CHECK_EQ(ept_walk(eptp, 0x205123, EPT_R, false, 39, read_entry, NULL, &w), EPT_WALK_OK);
	CHECK_EQ(w.pa, 0x9123);
	CHECK_EQ(w.perms, EPT_R | EPT_X);
	CHECK_EQ(w.memtype, 6);
	CHECK_EQ(w.level, 1);
	CHECK_EQ(ept_walk(eptp, 0x205123, EPT_W, false, 39, read_entry, NULL, &w),
		 EPT_WALK_VIOLATION);
	CHECK_EQ(w.perms, EPT_R | EPT_X);
	CHECK_EQ(ept_walk(eptp, 0x412345, EPT_W, false, 39, read_entry, NULL, &w), EPT_WALK_OK);
	CHECK_EQ(w.pa, 0x812345);
	CHECK_EQ(w.level, 2);
	CHECK(w.ignore_pat);
	/* Not present at the PT: a violation with no rights. */
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_R, false, 39, read_entry, NULL, &w),
		 EPT_WALK_VIOLATION);
	CHECK_EQ(w.perms, 0);
	/* Write without read; execute-only without the capability; bad memory type. */
	mem[0x4000 / 8 + 6] = 0xa000 | EPT_W | WB;
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_R, false, 39, read_entry, NULL, &w),
		 EPT_WALK_MISCONFIG);
	mem[0x4000 / 8 + 6] = 0xa000 | EPT_X | WB;
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_X, false, 39, read_entry, NULL, &w),
		 EPT_WALK_MISCONFIG);
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_X, true, 39, read_entry, NULL, &w), EPT_WALK_OK);
	mem[0x4000 / 8 + 6] = 0xa000 | EPT_RWX | 2u << 3;
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_R, false, 39, read_entry, NULL, &w),
		 EPT_WALK_MISCONFIG);
	/* An address beyond the width; a table outside memory. */
	mem[0x4000 / 8 + 6] = (1ull << 40) | EPT_RWX | WB;
	CHECK_EQ(ept_walk(eptp, 0x206000, EPT_R, false, 39, read_entry, NULL, &w),
		 EPT_WALK_MISCONFIG);
	mem[0x4000 / 8 + 7] = 0x100000 | EPT_RWX;
	CHECK_EQ(ept_walk(eptp, 0x207000, EPT_R, false, 39, read_entry, NULL, &w), EPT_WALK_OK);
	CHECK_EQ(ept_walk(0x100000 | 6 | 3 << 3, 0, EPT_R, false, 39, read_entry, NULL, &w),
		 EPT_WALK_NO_MEMORY);
	/* EPTPs: WB with cap bit 14, UC needs bit 8, 4 levels, no A/D, no reserved bits. */
	CHECK(ept_eptp_valid(eptp, 1ull << 14, 39));
	CHECK(!ept_eptp_valid(0x1000 | 0 | 3 << 3, 1ull << 14, 39));
	CHECK(ept_eptp_valid(0x1000 | 0 | 3 << 3, 1ull << 8, 39));
	CHECK(!ept_eptp_valid(0x1000 | 6 | 2 << 3, 1ull << 14, 39));
	CHECK(!ept_eptp_valid(eptp | 1 << 6, 1ull << 14, 39));
	CHECK(!ept_eptp_valid(eptp | 1 << 8, 1ull << 14, 39));
	CHECK(!ept_eptp_valid(eptp | 1ull << 40, 1ull << 14, 39));
	/* Composed leaves: the smaller of L2's and L1's, capped by what the shadow may use. */
	struct ept_leaf l = ept_compose_leaf(0x412345, 0x2812345, 2, 3, 3);
	CHECK_EQ(l.gpa, 0x400000);
	CHECK_EQ(l.hpa, 0x2800000);
	CHECK_EQ(l.size, 2ull << 20);
	l = ept_compose_leaf(0x412345, 0x2812345, 2, 1, 3); /* L1 maps 4 KiB there */
	CHECK_EQ(l.gpa, 0x412000);
	CHECK_EQ(l.hpa, 0x2812000);
	CHECK_EQ(l.size, 4096);
	l = ept_compose_leaf(0x40412345, 0x80412345, 3, 3, 3); /* both 1 GiB */
	CHECK_EQ(l.gpa, 0x40000000);
	CHECK_EQ(l.hpa, 0x80000000);
	CHECK_EQ(l.size, 1ull << 30);
	l = ept_compose_leaf(0x40412345, 0x80412345, 3, 3, 2); /* no 1 GiB pages: 2 MiB */
	CHECK_EQ(l.gpa, 0x40400000);
	CHECK_EQ(l.size, 2ull << 20);
	l = ept_compose_leaf(0x40412345, 0x80412345, 3, 3, 1); /* 4 KiB only */
	CHECK_EQ(l.size, 4096);
	return check_report("ept_walk");
}
