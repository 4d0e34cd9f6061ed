/*
 * test_hybrid_policy.c - paging=hybrid's per-space policy: a space goes
 * nested at the load after its cfg.writes-th trapped table write; back to
 * shadow at the first load where its written tables stayed unchanged since
 * the one before (A/D bits aside) if its miss cost is high, never if it took
 * no misses; blind after cfg.probe loads; a quiet move answered by writes
 * within HYBRID_TRIAL loads doubles the quiet loads needed; hot tables and
 * the least recently used space kept within their bounds.
 */
#include <stdint.h>

#include "check.h"
#include "mmu/hybrid_policy.h"

#define PAGES 4
#define PAGE_GPA(i) (0x10000ull + (uint64_t)(i) * 0x1000)

static uint64_t mem[PAGES][512];

static const uint64_t *page(void *ctx, uint64_t gpa)
{
	(void)ctx;
	for (unsigned i = 0; i < PAGES; i++)
		if (PAGE_GPA(i) == gpa)
			return mem[i];
	return NULL;
}

static struct hybrid_policy p;

static void setup(uint32_t writes, uint32_t probe, uint32_t quiet, uint32_t misses)
{
	hybrid_init(&p, &(struct hybrid_config){ .writes = writes, .probe = probe, .quiet = quiet,
						 .misses = misses }, page, NULL);
}

/* A shadowed space that took 'misses' hidden faults over 'loads' loads, then churned. */
static struct hybrid_space *churned(uint64_t root, unsigned loads, unsigned misses)
{
	struct hybrid_space *s = hybrid_space_of(&p, root);

	for (unsigned i = 0; i < loads; i++)
		CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
	for (unsigned i = 0; i < misses; i++)
		hybrid_miss(s);
	hybrid_pt_write(s, PAGE_GPA(0) + 8);
	hybrid_pt_write(s, PAGE_GPA(0) + 16);
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_NESTED);
	CHECK(s->nested);
	return s;
}

static void test_to_nested_and_quiet_back(void)
{
	struct hybrid_space *s;

	setup(2, 64, 1, 5);
	s = hybrid_space_of(&p, 0x1000);
	CHECK(!s->nested);
	hybrid_pt_write(s, PAGE_GPA(0));
	CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY); /* one write: stays shadowed */
	mem[0][1]++;
	s = churned(0x1000, 9, 1);
	/* still churning: the table changes between its loads */
	for (unsigned i = 0; i < 5; i++) {
		mem[0][3] += 0x1000;
		CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
	}
	/* the CPU setting A and D is not a write of the guest's */
	mem[0][3] |= 0x60;
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_QUIET);
	CHECK(!s->nested && s->writes == 0 && s->nhot == 0);
	CHECK_STR(hybrid_move_reason(HYBRID_TO_SHADOW_QUIET), "quiet");
	CHECK_STR(hybrid_move_reason(HYBRID_TO_NESTED), "pt-writes");
	CHECK_STR(hybrid_move_reason(HYBRID_STAY), "");
}

static void test_miss_cost_gate(void)
{
	struct hybrid_space *s;

	/* 5 per 100 loads: 1 miss over 30 loads is enough, none is not */
	setup(2, 0, 1, 5);
	s = churned(0x2000, 30, 0);
	for (unsigned i = 0; i < 200; i++)
		CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY); /* quiet, but nothing to gain */
	setup(2, 0, 1, 5);
	s = churned(0x2000, 30, 1); /* 1 miss over 30 shadowed loads: 3.3 per 100 */
	CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
	setup(2, 0, 1, 3);
	s = churned(0x2000, 30, 1);
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_QUIET);
	setup(2, 0, 1, 0); /* 0: quiet alone decides */
	s = churned(0x2000, 30, 0);
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_QUIET);
}

static void test_probe(void)
{
	struct hybrid_space *s;

	setup(2, 4, 1, 100000); /* quiet moves impossible: only the probe brings it back */
	s = churned(0x3000, 1, 0);
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_PROBE);
	CHECK(!s->nested && !s->quiet_move);
	CHECK_STR(hybrid_move_reason(HYBRID_TO_SHADOW_PROBE), "probe");
}

static void test_backoff(void)
{
	struct hybrid_space *s;

	setup(2, 0, 1, 0);
	s = churned(0x4000, 1, 0);
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_QUIET);
	/* it writes again at once: the next quiet move needs 2 quiet loads, then 4 */
	for (uint32_t need = 2; need <= 4; need *= 2) {
		hybrid_pt_write(s, PAGE_GPA(1));
		hybrid_pt_write(s, PAGE_GPA(1));
		CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_NESTED);
		CHECK_EQ(s->quiet_need, need);
		for (uint32_t i = 1; i < need; i++)
			CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
		CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_SHADOW_QUIET);
	}
	/* shadowed for HYBRID_TRIAL loads without writes: the move paid off, back to 1 */
	for (unsigned i = 0; i < HYBRID_TRIAL; i++)
		CHECK_EQ(hybrid_load(&p, s), HYBRID_STAY);
	CHECK_EQ(s->quiet_need, 1);
	CHECK(!s->quiet_move);
	hybrid_pt_write(s, PAGE_GPA(1));
	hybrid_pt_write(s, PAGE_GPA(1));
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_NESTED);
	CHECK_EQ(s->quiet_need, 1); /* a probe's or a paid-off stint's end does not back off */
	/* the doubling stops at HYBRID_QUIET_MAX */
	s->quiet_need = HYBRID_QUIET_MAX;
	s->quiet_move = true;
	s->nested = false;
	hybrid_pt_write(s, PAGE_GPA(1));
	hybrid_pt_write(s, PAGE_GPA(1));
	CHECK_EQ(hybrid_load(&p, s), HYBRID_TO_NESTED);
	CHECK_EQ(s->quiet_need, HYBRID_QUIET_MAX);
}

static void test_hot_tables(void)
{
	struct hybrid_space *s;
	uint64_t a;

	setup(100, 0, 1, 0);
	s = hybrid_space_of(&p, 0x5000);
	hybrid_pt_write(s, PAGE_GPA(0) + 0x10);
	hybrid_pt_write(s, PAGE_GPA(0) + 0x18); /* same page: one hot table */
	CHECK_EQ(s->nhot, 1);
	hybrid_pt_write(s, PAGE_GPA(1));
	hybrid_pt_write(s, PAGE_GPA(2)); /* the oldest goes */
	CHECK_EQ(s->nhot, HYBRID_HOT);
	CHECK_EQ(s->hot[0], PAGE_GPA(1));
	CHECK_EQ(s->hot[1], PAGE_GPA(2));
	CHECK_EQ(s->writes, 4);
	/* a page the reader does not know prints as 0 and never counts as a change */
	hybrid_pt_write(s, 0x9999000);
	CHECK_EQ(s->hot[1], 0x9999000);
	/* the fingerprint sees order and value, not A/D */
	mem[3][0] = 1;
	mem[3][1] = 2;
	a = hybrid_table_print(mem[3]);
	mem[3][0] = 2;
	mem[3][1] = 1;
	CHECK(hybrid_table_print(mem[3]) != a);
	mem[3][0] = 1 | 0x20;
	mem[3][1] = 2 | 0x40;
	CHECK_EQ(hybrid_table_print(mem[3]), a);
}

static void test_lru(void)
{
	struct hybrid_space *first, *s;

	setup(2, 64, 1, 5);
	first = hybrid_space_of(&p, 0x100000);
	for (uint64_t i = 1; i < HYBRID_SPACES; i++)
		hybrid_space_of(&p, 0x100000 + i * 0x1000);
	CHECK(hybrid_space_of(&p, 0x100000) == first); /* found again, now most recent */
	s = hybrid_space_of(&p, 0x900000); /* full: the least recently used (the second) goes */
	CHECK_EQ(s->root, 0x900000);
	CHECK(s != first && !s->nested && s->quiet_need == 1);
	CHECK(hybrid_space_of(&p, 0x100000) == first);
}

int main(void)
{
	test_to_nested_and_quiet_back();
	test_miss_cost_gate();
	test_probe();
	test_backoff();
	test_hot_tables();
	test_lru();
	return check_failures ? 1 : 0;
}
