/*
 * test_mem_ranges.c - runs tables of add/remove/align sequences on range
 * lists and compares the result; then capacity, total and find.
 */
#include <stdint.h>

#include "check.h"
#include "mem_ranges.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_RANGES 8
#define TOP UINT64_MAX

enum op_kind { OP_END, OP_ADD, OP_REMOVE, OP_ALIGN };

struct op {
	enum op_kind kind;
	uint64_t a, b; /* [a, b) for add and remove; a = alignment for align */
	bool ok;       /* the expected return value */
};

#define ADD(a, b) { OP_ADD, a, b, true }
#define ADD_REFUSED(a, b) { OP_ADD, a, b, false }
#define REMOVE(a, b) { OP_REMOVE, a, b, true }
#define ALIGN(a) { OP_ALIGN, a, 0, true }

struct range_case {
	const char *what;
	size_t cap; /* 0: MAX_RANGES */
	struct op ops[8];
	struct mem_range want[MAX_RANGES]; /* ends at the first end == 0 */
};

#define THREE ADD(50, 60), ADD(10, 20), ADD(30, 40)

static const struct range_case cases[] = {
	{ "empty", 0, {}, {} },
	{ "disjoint, out of order", 0, { THREE }, { { 10, 20 }, { 30, 40 }, { 50, 60 } } },
	{ "overlap", 0, { ADD(10, 20), ADD(15, 25) }, { { 10, 25 } } },
	{ "overlap below", 0, { ADD(15, 25), ADD(10, 20) }, { { 10, 25 } } },
	{ "touch above", 0, { ADD(10, 20), ADD(20, 30) }, { { 10, 30 } } },
	{ "touch below", 0, { ADD(20, 30), ADD(10, 20) }, { { 10, 30 } } },
	{ "gap of one", 0, { ADD(10, 20), ADD(21, 30) }, { { 10, 20 }, { 21, 30 } } },
	{ "contained", 0, { ADD(10, 40), ADD(20, 30) }, { { 10, 40 } } },
	{ "containing", 0, { ADD(20, 30), ADD(10, 40) }, { { 10, 40 } } },
	{ "same twice", 0, { ADD(10, 20), ADD(10, 20) }, { { 10, 20 } } },
	{ "bridge several", 0, { THREE, ADD(15, 55) }, { { 10, 60 } } },
	{ "fill the gaps", 0, { THREE, ADD(20, 30), ADD(40, 50) }, { { 10, 60 } } },
	{ "empty and backwards adds", 0, { ADD(10, 20), ADD(25, 25), ADD(30, 22) },
	  { { 10, 20 } } },
	{ "whole address space", 0, { ADD(TOP - 10, TOP), ADD(0, 1), ADD(1, TOP - 10) },
	  { { 0, TOP } } },
	{ "split middle", 0, { THREE, REMOVE(33, 37) },
	  { { 10, 20 }, { 30, 33 }, { 37, 40 }, { 50, 60 } } },
	{ "trim head", 0, { THREE, REMOVE(25, 35) }, { { 10, 20 }, { 35, 40 }, { 50, 60 } } },
	{ "trim exact head", 0, { THREE, REMOVE(30, 35) },
	  { { 10, 20 }, { 35, 40 }, { 50, 60 } } },
	{ "trim tail", 0, { THREE, REMOVE(35, 45) }, { { 10, 20 }, { 30, 35 }, { 50, 60 } } },
	{ "swallow exact", 0, { THREE, REMOVE(30, 40) }, { { 10, 20 }, { 50, 60 } } },
	{ "swallow wider", 0, { THREE, REMOVE(25, 45) }, { { 10, 20 }, { 50, 60 } } },
	{ "span several", 0, { THREE, REMOVE(15, 55) }, { { 10, 15 }, { 55, 60 } } },
	{ "span all", 0, { THREE, REMOVE(0, TOP) }, {} },
	{ "remove gaps only", 0, { THREE, REMOVE(20, 30), REMOVE(40, 50), REMOVE(60, 99),
				   REMOVE(0, 10) },
	  { { 10, 20 }, { 30, 40 }, { 50, 60 } } },
	{ "remove empty, backwards", 0, { THREE, REMOVE(35, 35), REMOVE(38, 32) },
	  { { 10, 20 }, { 30, 40 }, { 50, 60 } } },
	{ "remove from nothing", 0, { REMOVE(0, TOP) }, {} },
	{ "full: add refused", 2, { ADD(10, 20), ADD(30, 40), ADD_REFUSED(50, 60) },
	  { { 10, 20 }, { 30, 40 } } },
	{ "full: merging add", 2, { ADD(10, 20), ADD(30, 40), ADD(40, 50), ADD(5, 10) },
	  { { 5, 20 }, { 30, 50 } } },
	{ "full: bridging add", 2, { ADD(10, 20), ADD(30, 40), ADD(15, 35) },
	  { { 10, 40 } } },
	{ "full: trimming remove", 2, { ADD(10, 20), ADD(30, 40), REMOVE(15, 35) },
	  { { 10, 15 }, { 35, 40 } } },
	{ "align: exact", 0, { ADD(0x1000, 0x3000), ALIGN(0x1000) }, { { 0x1000, 0x3000 } } },
	{ "align: shrink", 0, { ADD(0x1001, 0x3fff), ALIGN(0x1000) }, { { 0x2000, 0x3000 } } },
	{ "align: vanish", 0, { ADD(0x1001, 0x2fff), ALIGN(0x1000) }, {} },
	{ "align: vanish between", 0,
	  { ADD(0x10, 0x20), ADD(0x1000, 0x2000), ADD(0x2010, 0x2020),
	    ADD(0x2fff, 0x4001), ADD(0x5001, 0x5fff), ALIGN(0x1000) },
	  { { 0x1000, 0x2000 }, { 0x3000, 0x4000 } } },
	{ "align: top", 0, { ADD(TOP - 0x2000, TOP), ALIGN(0x1000) },
	  { { TOP - 0x1fff, TOP - 0xfff } } },
	{ "align: overflow", 0, { ADD(TOP - 0x800, TOP), ALIGN(0x1000) }, {} },
	{ "align: by one", 0, { THREE, ALIGN(1) }, { { 10, 20 }, { 30, 40 }, { 50, 60 } } },
};

static bool apply(struct mem_ranges *m, const struct op *op)
{
	switch (op->kind) {
	case OP_ADD:
		return mem_ranges_add(m, op->a, op->b);
	case OP_REMOVE:
		return mem_ranges_remove(m, op->a, op->b);
	default:
		mem_ranges_align(m, op->a);
		return true;
	}
}

static void run_case(const struct range_case *c)
{
	struct mem_range buf[MAX_RANGES + 1] = { [MAX_RANGES] = { 1, 2 } };
	struct mem_ranges m = { buf, 0, c->cap ? c->cap : MAX_RANGES };
	size_t n = 0;
	int before = check_failures;

	for (const struct op *op = c->ops; op->kind != OP_END; op++)
		CHECK_EQ(apply(&m, op), op->ok);
	while (n < MAX_RANGES && c->want[n].end)
		n++;
	CHECK_EQ(m.n, n);
	for (size_t i = 0; i < n && i < m.n; i++) {
		CHECK_EQ(m.r[i].base, c->want[i].base);
		CHECK_EQ(m.r[i].end, c->want[i].end);
	}
	CHECK_EQ(buf[MAX_RANGES].end, 2);
	if (check_failures != before)
		fprintf(stderr, "  case \"%s\"\n", c->what);
}

/* A split needs a slot: refused when full, but what was removed stays removed. */
static void test_split_when_full(void)
{
	struct mem_range buf[2];
	struct mem_ranges m = { buf, 0, 2 };

	CHECK(mem_ranges_add(&m, 10, 20));
	CHECK(mem_ranges_add(&m, 30, 40));
	CHECK(!mem_ranges_remove(&m, 33, 37));
	CHECK_EQ(m.n, 2);
	CHECK_EQ(buf[0].base, 10);
	CHECK_EQ(buf[0].end, 20);
	for (size_t i = 0; i < m.n; i++)
		CHECK(buf[i].end <= 33 || buf[i].base >= 37);
}

static void test_total(void)
{
	struct mem_range buf[MAX_RANGES];
	struct mem_ranges m = { buf, 0, MAX_RANGES };

	CHECK_EQ(mem_ranges_total(&m), 0);
	CHECK(mem_ranges_add(&m, 10, 20));
	CHECK(mem_ranges_add(&m, 30, 45));
	CHECK_EQ(mem_ranges_total(&m), 25);
	CHECK(mem_ranges_add(&m, 0, TOP));
	CHECK_EQ(mem_ranges_total(&m), TOP);
}

static void check_find(const struct mem_range *in, size_t n, const uint64_t (*t)[3], size_t nt)
{
	struct mem_range buf[MAX_RANGES];
	struct mem_ranges m = { buf, 0, MAX_RANGES };

	for (size_t i = 0; i < n; i++)
		CHECK(mem_ranges_add(&m, in[i].base, in[i].end));
	for (size_t i = 0; i < nt; i++) {
		uint64_t got = mem_ranges_find(&m, t[i][0], t[i][1]);

		if (got != t[i][2])
			fprintf(stderr, "  find(%#" PRIx64 ", %#" PRIx64 ")\n", t[i][0], t[i][1]);
		CHECK_EQ(got, t[i][2]);
	}
}

/* { size, align, expected base } over fixed lists; 0 is "none", never a base. */
static void test_find(void)
{
	static const struct mem_range low[] = { { 0, 0x3000 }, { 0x5000, 0x5800 },
						{ 0x10001, 0x30000 } };
	static const uint64_t low_t[][3] = {
		{ 0x1000, 0x1000, 0x1000 },	{ 0x800, 0x800, 0x800 },
		{ 0x2000, 0x1000, 0x1000 },	{ 0x3000, 0x1000, 0x11000 },
		{ 0x800, 0x4000, 0x14000 },	{ 0x1ffff, 1, 0x10001 },
		{ 0x1f000, 0x1000, 0x11000 },	{ 0x1f001, 0x1000, 0 },
		{ 0x20000, 1, 0 },		{ TOP, 1, 0 },
	};
	static const struct mem_range zero_page[] = { { 0, 0x1000 } };
	static const uint64_t zero_t[][3] = { { 0x1000, 0x1000, 0 }, { 0x800, 0x800, 0x800 },
					      { 0xfff, 1, 1 } };
	static const uint64_t empty_t[][3] = { { 1, 1, 0 } };
	static const struct mem_range top[] = { { TOP - 0x1800, TOP } };
	static const uint64_t top_t[][3] = { { 0x1000, 0x1000, 0 },
					     { 0x800, 0x1000, TOP - 0xfff },
					     { 0x10, 0x10000, 0 } };

	check_find(low, ARRAY_SIZE(low), low_t, ARRAY_SIZE(low_t));
	check_find(zero_page, ARRAY_SIZE(zero_page), zero_t, ARRAY_SIZE(zero_t));
	check_find(top, ARRAY_SIZE(top), top_t, ARRAY_SIZE(top_t));
	check_find(NULL, 0, empty_t, ARRAY_SIZE(empty_t));
}

/* The highest fit: below a limit, aligned, skipping ranges too small. */
static void test_find_highest(void)
{
	struct mem_range buf[MAX_RANGES];
	struct mem_ranges m = { buf, 0, MAX_RANGES };

	CHECK_EQ(mem_ranges_find_highest(&m, 0x1000, 0x1000, TOP), 0);
	CHECK(mem_ranges_add(&m, 0x100000, 0x8000000));  /* 1 MiB - 128 MiB */
	CHECK(mem_ranges_add(&m, 0x9000000, 0x9100000));  /* a 1 MiB range above */
	CHECK_EQ(mem_ranges_find_highest(&m, 0x100000, 0x1000, TOP), 0x9000000);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x200000, 0x200000, TOP), 0x7e00000);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x200000, 0x200000, 0x5000000), 0x4e00000);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x100000, 0x1000, 0x180000), 0);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x80000, 0x1000, 0x180000), 0x100000);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x8000000, 0x1000, TOP), 0);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x7f00000, 0x1000, TOP), 0x100000);
	CHECK_EQ(mem_ranges_find_highest(&m, 0x7f00000, 0x200000, TOP), 0);
	CHECK_EQ(mem_ranges_find_highest(&m, TOP, 1, TOP), 0);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	test_split_when_full();
	test_total();
	test_find();
	test_find_highest();
	return check_report("mem_ranges");
}
