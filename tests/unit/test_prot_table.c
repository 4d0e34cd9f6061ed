/*
 * test_prot_table.c - the checks of a protection table: each way a table
 * contradicts itself or reaches memory it may not, with the region at
 * fault; overlaps that agree; the rights at an address; the names.
 */
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "mmu/prot_table.h"

#define MiB (1ull << 20)
#define R EPT_R
#define W EPT_W
#define X EPT_X

static struct mem_range hv_storage[] = { { 2 * MiB, 4 * MiB }, { 200 * MiB, 232 * MiB } };
static const struct mem_ranges hv = { hv_storage, 2, 2 };
static struct mem_range tramp_storage[] = { { 100 * MiB, 100 * MiB + 4096 } };
static const struct mem_ranges tramp = { tramp_storage, 1, 1 };
static struct mem_range dev_storage[] = { { 0xd0000000ull, 0xd0001000ull } };
static const struct mem_ranges devs = { dev_storage, 1, 1 };
static const struct prot_forbidden forbidden = { &hv, &tramp, &devs };

/* Checks a one- or two-region table; returns the error, *region the index. */
static enum prot_error check2(struct prot_region a, struct prot_region b, unsigned n,
			      bool exec_only, unsigned *region)
{
	struct prot_table t = { .policy = PROT_INJECT_PF, .n = n, .r = { a, b } };
	struct prot_check c;
	bool ok = prot_table_check(&t, &forbidden, exec_only, &c);

	CHECK_EQ(ok, c.err == PROT_OK);
	*region = c.region;
	return c.err;
}

static void test_regions(void)
{
	struct prot_region good = { 16 * MiB, MiB, R | W };
	unsigned at;

	CHECK_EQ(check2(good, good, 1, false, &at), PROT_OK);
	CHECK_EQ(check2(good, (struct prot_region){ 0, 0, R }, 2, false, &at), PROT_ERR_EMPTY);
	CHECK_EQ(at, 1);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB + 8, MiB, R }, good, 2, false, &at),
		 PROT_ERR_ALIGN);
	CHECK_EQ(at, 0);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, 100, R }, good, 1, false, &at),
		 PROT_ERR_ALIGN);
	CHECK_EQ(check2((struct prot_region){ ~0xfffull, 8192, R }, good, 1, false, &at),
		 PROT_ERR_WRAP);
	CHECK_EQ(check2((struct prot_region){ (1ull << 48) - 4096, 8192, R }, good, 1, false, &at),
		 PROT_ERR_WRAP);
	CHECK_EQ(check2((struct prot_region){ (1ull << 48) - 4096, 4096, R }, good, 1, false, &at),
		 PROT_OK);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, W }, good, 1, false, &at),
		 PROT_ERR_RIGHTS);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, W | X }, good, 1, false, &at),
		 PROT_ERR_RIGHTS);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, 8 | R }, good, 1, false, &at),
		 PROT_ERR_RIGHTS);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, X }, good, 1, false, &at),
		 PROT_ERR_EXEC_ONLY);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, X }, good, 1, true, &at), PROT_OK);
	CHECK_EQ(check2((struct prot_region){ 16 * MiB, MiB, 0 }, good, 1, false, &at), PROT_OK);
}

static void test_overlaps(void)
{
	struct prot_region a = { 16 * MiB, 2 * MiB, R | W };
	struct prot_table t = { .policy = PROT_INJECT_GP, .n = 3,
				.r = { { 64 * MiB, MiB, R }, a, { 17 * MiB, 2 * MiB, R } } };
	const struct prot_forbidden only_hv = { &hv, NULL, NULL };
	struct prot_check c;
	unsigned at;

	CHECK(!prot_table_check(&t, &only_hv, false, &c));
	CHECK_EQ(c.err, PROT_ERR_CONFLICT);
	CHECK_EQ(c.region, 2);
	CHECK_EQ(c.other, 1);
	/* Touching is not overlapping; the same rights may overlap. */
	CHECK_EQ(check2(a, (struct prot_region){ 18 * MiB, MiB, R }, 2, false, &at), PROT_OK);
	CHECK_EQ(check2(a, (struct prot_region){ 17 * MiB, 4 * MiB, R | W }, 2, false, &at),
		 PROT_OK);
	CHECK_EQ(check2(a, (struct prot_region){ 15 * MiB, 4 * MiB, R | W | X }, 2, false, &at),
		 PROT_ERR_CONFLICT);
}

static void test_forbidden_memory(void)
{
	struct prot_region good = { 16 * MiB, MiB, R };
	unsigned at;

	CHECK_EQ(check2(good, (struct prot_region){ 0, 2 * MiB, R }, 2, false, &at), PROT_OK);
	CHECK_EQ(check2(good, (struct prot_region){ 0, 2 * MiB + 4096, R }, 2, false, &at),
		 PROT_ERR_HV_MEMORY);
	CHECK_EQ(at, 1);
	/* Even taking rights away is refused there: the hypervisor's memory is not L2's. */
	CHECK_EQ(check2((struct prot_region){ 228 * MiB, 4096, 0 }, good, 1, false, &at),
		 PROT_ERR_HV_MEMORY);
	CHECK_EQ(check2((struct prot_region){ 96 * MiB, 8 * MiB, R | W }, good, 1, false, &at),
		 PROT_ERR_RESERVED);
	CHECK_EQ(check2((struct prot_region){ 100 * MiB + 4096, 4096, R }, good, 1, false, &at),
		 PROT_OK);
	CHECK_EQ(check2(good, (struct prot_region){ 0xcffff000ull, 8192, 0 }, 2, false, &at),
		 PROT_ERR_DEVICE);
	CHECK_EQ(at, 1);
}

static void test_table(void)
{
	struct prot_table t = { .policy = PROT_STOP, .n = 2,
				.r = { { 16 * MiB, MiB, R }, { 32 * MiB, 4096, 0 } } };
	struct prot_check c;
	char buf[4];

	CHECK(prot_table_check(&t, &forbidden, false, &c));
	CHECK_EQ(prot_table_rights(&t, 16 * MiB, EPT_RWX), R);
	CHECK_EQ(prot_table_rights(&t, 17 * MiB - 1, EPT_RWX), R);
	CHECK_EQ(prot_table_rights(&t, 17 * MiB, EPT_RWX), EPT_RWX);
	CHECK_EQ(prot_table_rights(&t, 32 * MiB + 100, EPT_RWX), 0);
	t.policy = PROT_POLICY_COUNT;
	CHECK(!prot_table_check(&t, &forbidden, false, &c));
	CHECK_EQ(c.err, PROT_ERR_POLICY);
	t.policy = PROT_STOP;
	t.n = PROT_MAX_REGIONS + 1;
	CHECK(!prot_table_check(&t, &forbidden, false, &c));
	CHECK_EQ(c.err, PROT_ERR_COUNT);
	CHECK_STR(prot_rights_str(R | X, buf), "r-x");
	CHECK_STR(prot_rights_str(0, buf), "---");
	CHECK_STR(prot_policy_name(PROT_INJECT_GP), "gp");
	CHECK_STR(prot_strerror(PROT_ERR_HV_MEMORY), "covers the hypervisor's memory");
	CHECK_STR(prot_strerror((enum prot_error)99), "?");
}

int main(void)
{
	test_regions();
	test_overlaps();
	test_forbidden_memory();
	test_table();
	return check_report("prot_table");
}
