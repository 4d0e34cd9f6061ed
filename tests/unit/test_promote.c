/*
 * test_promote.c - the promotion cache: a site is promoted at exactly the
 * threshold and never with promotion off; a hit needs the same address,
 * bytes and code size; invalidation by code page (an instruction touching
 * it from either side); eviction order in a full set (counter-only sites
 * before promoted ones, each least recently used first); statistics.
 */
#include <stdint.h>

#include "check.h"
#include "emul/promote.h"

#define LOOKUP(...) promote_lookup(&c, __VA_ARGS__, NULL)

static struct promote_cache c;
static const uint8_t mov[] = { 0x8b, 0x03, 0x90, 0x90 }; /* mov eax, [rbx] */
static const uint8_t other[] = { 0x89, 0x03, 0x90, 0x90 };

static struct emul_insn insn_of(uint8_t len, uint8_t op)
{
	struct emul_insn in = { .op = op, .len = len };

	return in;
}

/* An address that falls into the same set as 0x1000 (found by search). */
static uint64_t same_set_as(uint64_t gpa, unsigned nth)
{
	uint64_t want = ((gpa * 0x9e3779b97f4a7c15ull) >> 58) % PROMOTE_SETS;

	for (uint64_t a = gpa + 0x10;; a += 0x10)
		if (((a * 0x9e3779b97f4a7c15ull) >> 58) % PROMOTE_SETS == want && nth-- == 0)
			return a;
}

int main(void)
{
	struct emul_insn in = insn_of(2, EOP_MOV);
	const struct emul_insn *hit;
	uint64_t a[PROMOTE_WAYS + 1];

	promote_init(&c, 3);
	CHECK(!LOOKUP(0x1000, mov, 4, 64));
	CHECK(!promote_record(&c, 0x1000, mov, 64, &in));
	CHECK(!promote_record(&c, 0x1000, mov, 64, &in));
	CHECK(!LOOKUP(0x1000, mov, 4, 64));
	CHECK(promote_record(&c, 0x1000, mov, 64, &in)); /* the third trap promotes */
	CHECK(!promote_record(&c, 0x1000, mov, 64, &in)); /* only once */
	hit = LOOKUP(0x1000, mov, 4, 64);
	CHECK(hit && hit->op == EOP_MOV && hit->len == 2);
	CHECK(!LOOKUP(0x1000, other, 4, 64));  /* other bytes at that address */
	CHECK(!LOOKUP(0x1000, mov, 4, 32));    /* other code size */
	CHECK(!LOOKUP(0x1000, mov, 1, 64));    /* fewer bytes than the site */
	CHECK(!LOOKUP(0x1002, mov, 4, 64));
	CHECK_EQ(c.st.hits, 1);
	CHECK_EQ(c.st.misses, 6);
	CHECK_EQ(c.st.promotions, 1);

	/* Invalidation by code page, from the page itself or an instruction ending in it. */
	CHECK(promote_page_has_promoted(&c, 0x1000));
	CHECK(!promote_page_has_promoted(&c, 0x2000));
	CHECK_EQ(promote_invalidate_page(&c, 0x2000), 0);
	CHECK_EQ(promote_invalidate_page(&c, 0x1000), 1);
	CHECK(!LOOKUP(0x1000, mov, 4, 64));
	CHECK_EQ(c.st.invalidations, 1);
	for (int i = 0; i < 3; i++)
		promote_record(&c, 0xfff, mov, 64, &in);       /* bytes 0xfff-0x1000 */
	CHECK(promote_page_has_promoted(&c, 0x1000) && promote_page_has_promoted(&c, 0x0));
	CHECK_EQ(promote_invalidate_page(&c, 0x1000), 1);

	/* Eviction: fill one set with promoted sites, then counter-only ones. */
	promote_init(&c, 1);
	for (unsigned i = 0; i <= PROMOTE_WAYS; i++)
		a[i] = same_set_as(0x1000, i);
	for (unsigned i = 0; i < PROMOTE_WAYS; i++)
		CHECK(promote_record(&c, a[i], mov, 64, &in));
	CHECK(LOOKUP(a[0], mov, 4, 64));         /* a[1] is now the LRU */
	CHECK(promote_record(&c, a[PROMOTE_WAYS], mov, 64, &in));
	CHECK(!LOOKUP(a[1], mov, 4, 64));
	CHECK(LOOKUP(a[0], mov, 4, 64));
	CHECK_EQ(c.st.evictions, 1);
	CHECK_EQ(c.st.invalidations, 1);
	c.threshold = 5;                                     /* now a counter-only site */
	CHECK(!promote_record(&c, a[1], mov, 64, &in));      /* evicts the LRU promoted */
	CHECK(!promote_record(&c, a[1], mov, 64, &in));
	c.threshold = 1;
	CHECK(promote_record(&c, same_set_as(0x1000, PROMOTE_WAYS + 1), mov, 64, &in));
	CHECK(LOOKUP(a[0], mov, 4, 64));         /* the counter-only site went */
	CHECK(LOOKUP(a[3], mov, 4, 64));         /* a[2] made room for a[1] */
	CHECK(!LOOKUP(a[1], mov, 4, 64));
	CHECK_EQ(c.st.evictions, 3);

	/* Off: nothing is ever recorded. */
	promote_init(&c, 0);
	for (int i = 0; i < 10; i++)
		CHECK(!promote_record(&c, 0x1000, mov, 64, &in));
	CHECK(!LOOKUP(0x1000, mov, 4, 64));
	CHECK_EQ(c.st.promotions, 0);

	/* Flush counts the promoted sites it drops. */
	promote_init(&c, 1);
	promote_record(&c, 0x1000, mov, 64, &in);
	promote_record(&c, 0x3000, other, 64, &in);
	promote_flush(&c);
	CHECK_EQ(c.st.invalidations, 2);
	CHECK(!LOOKUP(0x3000, other, 4, 64));

	/* Hits are counted per site (the patching judgment). */
	uint32_t hits = 0;
	promote_init(&c, 1);
	promote_record(&c, 0x1000, mov, 64, &in);
	promote_lookup(&c, 0x1000, mov, 4, 64, &hits);
	promote_lookup(&c, 0x1000, mov, 4, 64, &hits);
	CHECK_EQ(hits, 2);

	/* Patching bytes: VMCALL, then NOPs to the old instruction's end. */
	uint8_t page[4096];
	memset(page, 0xcc, sizeof(page));
	CHECK(!promote_patch_bytes(page, 100, 2));
	CHECK(!promote_patch_bytes(page, 4094, 3));
	CHECK_EQ(page[100], 0xcc);
	CHECK(promote_patch_bytes(page, 100, 6));
	CHECK(page[99] == 0xcc && page[100] == 0x0f && page[101] == 0x01 && page[102] == 0xc1 &&
	      page[103] == 0x90 && page[105] == 0x90 && page[106] == 0xcc);

	return check_report("promote");
}
