/*
 * test_page_pool.c - the page pool against a simulated guest: a mapping
 * array stands in for EPT, and every guest access that the mapping refuses
 * goes through page_pool_fault, as an EPT violation would. Checks first
 * touch, sharing and copy-on-write, swapping under pressure (contents kept,
 * the clock sparing recently used pages), the structure's invariants after
 * every step, and exhaustion.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mmu/page_pool.h"

#define PAGE POOL_PAGE_SIZE
#define GPA_BASE 0x40000000ull
#define HPA_BASE 0x100000ull
#define MAX_GPAGES 64

struct sim {
	uint8_t *mem;                     /* the pool's frames */
	struct { uint64_t hpa; enum pool_rights r; bool accessed; } map[MAX_GPAGES];
	unsigned flushes, map_calls;
	bool fail_map;
	struct page_pool pool;
	struct pool_page pages[MAX_GPAGES];
	struct pool_frame *frames;
	uint8_t *swap;
	uint64_t *swap_map;
	uint32_t table[256];
};

static void *sim_frame(uint64_t hpa, void *ctx)
{
	struct sim *s = ctx;

	return s->mem + (hpa - HPA_BASE);
}

static bool sim_map(uint64_t gpa, uint64_t hpa, enum pool_rights r, void *ctx)
{
	struct sim *s = ctx;
	uint64_t g = (gpa - GPA_BASE) / PAGE;

	s->map_calls++;
	if (s->fail_map || g >= MAX_GPAGES)
		return false;
	s->map[g].hpa = hpa;
	s->map[g].r = r;
	return true;
}

static void sim_flush(void *ctx)
{
	((struct sim *)ctx)->flushes++;
}

static bool sim_accessed(uint64_t gpa, void *ctx)
{
	struct sim *s = ctx;
	uint64_t g = (gpa - GPA_BASE) / PAGE;
	bool a = s->map[g].accessed;

	s->map[g].accessed = false;
	return a;
}

static const struct pool_ops ops = { sim_frame, sim_map, sim_flush, NULL };
static const struct pool_ops ops_accessed = { sim_frame, sim_map, sim_flush, sim_accessed };

static struct sim *sim_new(uint32_t npages, uint32_t nframes, uint32_t swap_bytes,
			   const struct pool_ops *o)
{
	struct sim *s = calloc(1, sizeof(*s));
	struct page_pool_config c = {
		.ops = o, .ctx = s, .gpa_base = GPA_BASE, .npages = npages, .pages = s->pages,
		.frame_base = HPA_BASE, .nframes = nframes, .swap_bytes = swap_bytes,
		.share_table = s->table, .share_slots = 256,
	};

	s->mem = calloc(nframes, PAGE);
	s->frames = calloc(nframes, sizeof(*s->frames));
	s->swap = calloc(1, swap_bytes + 1);
	s->swap_map = calloc(POOL_SWAP_MAP_WORDS(swap_bytes) + 1, 8);
	c.frames = s->frames;
	c.swap = s->swap;
	c.swap_map = s->swap_map;
	CHECK(page_pool_init(&s->pool, &c));
	return s;
}

static void sim_free(struct sim *s)
{
	free(s->mem);
	free(s->frames);
	free(s->swap);
	free(s->swap_map);
	free(s);
}

/* The byte the guest reaches at gpa, faulting in as the CPU would; NULL if refused. */
static uint8_t *guest_access(struct sim *s, uint64_t gpa, bool write)
{
	uint64_t g = (gpa - GPA_BASE) / PAGE;

	for (int tries = 0; tries < 2; tries++) {
		enum pool_rights r = s->map[g].r;

		if (r == POOL_MAP_RW || (r == POOL_MAP_RO && !write)) {
			s->map[g].accessed = true;
			return s->mem + (s->map[g].hpa - HPA_BASE) + gpa % PAGE;
		}
		enum pool_result res = page_pool_fault(&s->pool, gpa, write);
		if (res >= POOL_SPURIOUS)
			return NULL;
	}
	return NULL;
}

static void guest_write64(struct sim *s, uint64_t gpa, uint64_t v)
{
	uint8_t *p = guest_access(s, gpa, true);

	CHECK(p != NULL);
	if (p)
		memcpy(p, &v, 8);
}

static uint64_t guest_read64(struct sim *s, uint64_t gpa)
{
	uint8_t *p = guest_access(s, gpa, false);
	uint64_t v = ~0ull;

	CHECK(p != NULL);
	if (p)
		memcpy(&v, p, 8);
	return v;
}

/* Every invariant of the descriptors, lists and mappings. */
static void check_invariants(struct sim *s)
{
	struct page_pool *p = &s->pool;
	uint32_t refs[64] = { 0 }, nframes = p->c.nframes, chunks = 0;
	struct pool_counts n;

	for (uint32_t g = 0; g < p->c.npages; g++) {
		struct pool_page *pg = &p->c.pages[g];

		if (pg->state == POOL_PAGE_MAPPED) {
			struct pool_frame *f = &p->c.frames[pg->where];

			refs[pg->where]++;
			CHECK_EQ(s->map[g].hpa, f->hpa);
			CHECK_EQ(s->map[g].r, f->state == POOL_FRAME_SHARED ? POOL_MAP_RO
									     : POOL_MAP_RW);
			if (f->state == POOL_FRAME_ACTIVE)
				CHECK_EQ(f->owner, g);
		} else {
			CHECK_EQ(s->map[g].r, POOL_MAP_NONE);
			if (pg->state == POOL_PAGE_SWAPPED)
				chunks += (pg->swap_len + POOL_SWAP_CHUNK - 1) / POOL_SWAP_CHUNK;
		}
	}
	for (uint32_t i = 0; i < nframes; i++) {
		CHECK_EQ(p->c.frames[i].refs, refs[i]);
		CHECK_EQ(p->c.frames[i].state == POOL_FRAME_IDLE, refs[i] == 0);
	}
	page_pool_counts(p, &n);
	CHECK_EQ(n.idle + n.active + n.shared, nframes);
	CHECK_EQ(n.untouched + n.mapped + n.swapped, p->c.npages);
	CHECK_EQ(n.swap_chunks_used, chunks);
}

static void test_first_touch(void)
{
	struct sim *s = sim_new(8, 8, 4096, &ops);

	CHECK_EQ(guest_read64(s, GPA_BASE + 3 * PAGE + 16), 0);  /* zeroed on first touch */
	CHECK_EQ(s->pool.stats.first_touch, 1);
	guest_write64(s, GPA_BASE + 3 * PAGE + 16, 42);
	CHECK_EQ(s->pool.stats.first_touch, 1);                  /* mapped writable at once */
	CHECK_EQ(guest_read64(s, GPA_BASE + 3 * PAGE + 16), 42);
	CHECK_EQ(page_pool_fault(&s->pool, GPA_BASE + 3 * PAGE, true), POOL_SPURIOUS);
	CHECK_EQ(page_pool_fault(&s->pool, GPA_BASE + 8 * PAGE, false), POOL_ERR_OUTSIDE);
	CHECK_EQ(page_pool_fault(&s->pool, GPA_BASE - 1, false), POOL_ERR_OUTSIDE);
	CHECK_EQ(s->flushes, 0);     /* absent -> present needs no flush */
	check_invariants(s);
	sim_free(s);
}

static void test_share_and_cow(void)
{
	struct sim *s = sim_new(8, 8, 4096, &ops);
	uint32_t merged;
	struct pool_counts n;

	for (int g = 0; g < 6; g++)      /* pages 0-4 identical, 5 different */
		guest_write64(s, GPA_BASE + g * PAGE + 8, g == 5 ? 99 : 7);
	merged = page_pool_share(&s->pool);
	CHECK_EQ(merged, 4);
	page_pool_counts(&s->pool, &n);
	CHECK_EQ(n.shared, 1);
	CHECK_EQ(n.active, 1);
	CHECK_EQ(n.idle, 7 - 1);
	CHECK(s->flushes >= 1);
	check_invariants(s);
	for (int g = 0; g < 5; g++)
		CHECK_EQ(guest_read64(s, GPA_BASE + g * PAGE + 8), 7);
	CHECK_EQ(s->pool.stats.spurious, 0);                     /* reads of shared pages free */
	{	/* the hypervisor's own reads keep sharing; its writes break it */
		enum pool_result r;
		uint64_t shared = s->pool.c.frames[s->pool.c.pages[0].where].hpa;

		CHECK_EQ(page_pool_resolve(&s->pool, GPA_BASE + 8, false, &r), shared + 8);
		CHECK_EQ(r, POOL_SPURIOUS);
		CHECK_EQ(s->pool.stats.spurious, 0);
		CHECK_EQ(page_pool_resolve(&s->pool, GPA_BASE + 9 * PAGE, false, &r), 0);
		CHECK_EQ(r, POOL_ERR_OUTSIDE);
		CHECK(page_pool_resolve(&s->pool, GPA_BASE + 4 * PAGE + 8, true, &r) != 0);
		CHECK_EQ(r, POOL_COW_COPY);
		CHECK_EQ(s->pool.stats.cow_copy, 1);
		CHECK_EQ(guest_read64(s, GPA_BASE + 4 * PAGE + 8), 7);
		CHECK(page_pool_share(&s->pool) == 1);           /* back together */
		s->pool.stats.cow_copy = 0;
	}

	guest_write64(s, GPA_BASE + 2 * PAGE + 8, 8);            /* copy-on-write */
	CHECK_EQ(s->pool.stats.cow_copy, 1);
	CHECK_EQ(guest_read64(s, GPA_BASE + 2 * PAGE + 8), 8);
	for (int g = 0; g < 5; g++)
		if (g != 2)
			CHECK_EQ(guest_read64(s, GPA_BASE + g * PAGE + 8), 7);
	check_invariants(s);

	CHECK_EQ(page_pool_share(&s->pool), 0);                  /* nothing new to merge */
	for (int g = 0; g < 5; g++)                              /* everyone writes */
		if (g != 2)
			guest_write64(s, GPA_BASE + g * PAGE, 1);
	CHECK_EQ(s->pool.stats.cow_copy, 4);
	CHECK_EQ(s->pool.stats.cow_reuse, 1);                    /* the last one keeps it */
	page_pool_counts(&s->pool, &n);
	CHECK_EQ(n.shared, 0);
	CHECK_EQ(n.active, 6);
	check_invariants(s);

	/* a second scan merges into an existing shared frame */
	guest_write64(s, GPA_BASE + 6 * PAGE + 8, 99);
	CHECK_EQ(page_pool_share(&s->pool), 4);  /* 1, 3, 4 into 0; 6 into 5 */
	page_pool_counts(&s->pool, &n);
	CHECK_EQ(n.shared, 2);
	guest_write64(s, GPA_BASE + 7 * PAGE + 8, 99);
	CHECK_EQ(page_pool_share(&s->pool), 1);
	CHECK_EQ(s->pool.c.frames[s->pool.c.pages[7].where].refs, 3);
	check_invariants(s);
	sim_free(s);
}

/* A page's distinct contents: its index stamped, plus a pattern by kind. */
static void fill(struct sim *s, uint32_t g, uint32_t round)
{
	uint64_t base = GPA_BASE + (uint64_t)g * PAGE;

	if (g % 4 == 3)
		return;                                          /* stays a zero page */
	for (unsigned w = 0; w < PAGE / 8; w += (g % 4 == 0) ? 1 : 64)
		guest_write64(s, base + 8 * w,
			      g % 4 == 0 ? (uint64_t)w * 0x9e3779b97f4a7c15ull ^ g ^ round
					 : (uint64_t)g << 32 | round);
}

static bool verify(struct sim *s, uint32_t g, uint32_t round)
{
	uint64_t base = GPA_BASE + (uint64_t)g * PAGE;
	bool ok = true;

	for (unsigned w = 0; w < PAGE / 8; w++) {
		uint64_t want = 0;

		if (g % 4 == 0)
			want = (uint64_t)w * 0x9e3779b97f4a7c15ull ^ g ^ round;
		else if (g % 4 != 3 && w % 64 == 0)
			want = (uint64_t)g << 32 | round;
		ok &= guest_read64(s, base + 8 * w) == want;
	}
	return ok;
}

static void test_swapping(void)
{
	struct sim *s = sim_new(48, 8, 64 * 1024, &ops);
	struct pool_counts n;

	for (uint32_t round = 1; round <= 3; round++) {
		for (uint32_t g = 0; g < 48; g++)
			fill(s, g, round);
		for (uint32_t g = 0; g < 48; g++)
			CHECK(verify(s, g, round));
		check_invariants(s);
	}
	CHECK(s->pool.stats.swap_out > 100);
	CHECK(s->pool.stats.swap_in > 100);
	CHECK(s->pool.stats.swap_out_zero > 10);
	/* incompressible pages go raw, the sparse ones shrink well */
	CHECK(s->pool.stats.swap_bytes < s->pool.stats.swap_out * PAGE / 2);
	page_pool_counts(&s->pool, &n);
	CHECK_EQ(n.idle, 0);
	CHECK_EQ(n.mapped, 8);
	CHECK_EQ(n.swapped, 40);
	CHECK_EQ(page_pool_swap_out(&s->pool, 100), 8);          /* everything can go */
	check_invariants(s);
	for (uint32_t g = 0; g < 48; g++)
		CHECK(verify(s, g, 3));
	sim_free(s);
}

/* With accessed bits, the clock spares a page the guest keeps using. */
static void test_clock(void)
{
	struct sim *s = sim_new(16, 4, 64 * 1024, &ops_accessed);

	for (uint32_t g = 0; g < 16; g++) {
		guest_write64(s, GPA_BASE + g * PAGE, g + 1);
		guest_write64(s, GPA_BASE, 1);                   /* page 0: always hot */
	}
	CHECK_EQ(s->pool.c.pages[0].state, POOL_PAGE_MAPPED);
	CHECK_EQ(s->pool.c.pages[1].state, POOL_PAGE_SWAPPED);
	check_invariants(s);
	sim_free(s);
}

static void test_exhaustion(void)
{
	struct sim *s = sim_new(8, 2, 256, &ops);                /* four swap chunks */
	uint64_t gpa = GPA_BASE;

	for (unsigned w = 0; w < PAGE / 8; w++)                  /* random-ish: raw */
		guest_write64(s, gpa + 8 * w, (w + 1) * 0x9e3779b97f4a7c15ull);
	guest_write64(s, gpa + PAGE, 5);                         /* small */
	/* a third page: page 0 cannot fit the swap area, page 1 can */
	CHECK_EQ(page_pool_fault(&s->pool, gpa + 2 * PAGE, true), POOL_FIRST_TOUCH);
	CHECK_EQ(s->pool.c.pages[0].state, POOL_PAGE_MAPPED);
	CHECK_EQ(s->pool.c.pages[1].state, POOL_PAGE_SWAPPED);
	check_invariants(s);
	for (unsigned w = 0; w < PAGE / 8; w++)                  /* raw too */
		guest_write64(s, gpa + 2 * PAGE + 8 * w, (w + 7) * 0x9e3779b97f4a7c15ull);
	/* now nothing fits: a fourth page has no frame */
	CHECK_EQ(page_pool_fault(&s->pool, gpa + 3 * PAGE, true), POOL_ERR_NO_MEMORY);
	check_invariants(s);
	CHECK_EQ(guest_read64(s, gpa + 8), 2 * 0x9e3779b97f4a7c15ull);
	s->fail_map = true;
	CHECK_EQ(page_pool_fault(&s->pool, gpa + 3 * PAGE, true), POOL_ERR_NO_MEMORY);
	CHECK_STR(page_pool_result_str(POOL_ERR_NO_MEMORY),
		  "no frame left and nothing to swap out");
	sim_free(s);
}

/* A loader's contents, there before the pool: zero pages untouched, others swapped. */
static void test_adopt(void)
{
	struct sim *s = sim_new(4, 2, 4096, &ops);
	_Alignas(8) uint8_t page[PAGE] = { 0 };

	CHECK(page_pool_adopt(&s->pool, 0, page));
	CHECK_EQ(s->pool.c.pages[0].state, POOL_PAGE_UNTOUCHED);
	memcpy(page + 64, &(uint64_t){ 0xfeedull }, 8);
	CHECK(page_pool_adopt(&s->pool, 2, page));
	CHECK_EQ(s->pool.c.pages[2].state, POOL_PAGE_SWAPPED);
	memset(s->mem, 0xcc, 2 * PAGE);                          /* frames hold junk */
	CHECK_EQ(guest_read64(s, GPA_BASE + 2 * PAGE + 64), 0xfeed);
	CHECK_EQ(guest_read64(s, GPA_BASE + 2 * PAGE + 72), 0);
	CHECK_EQ(guest_read64(s, GPA_BASE + 8), 0);
	CHECK_EQ(s->pool.stats.swap_in, 1);
	check_invariants(s);
	sim_free(s);
}

static void test_bad_config(void)
{
	struct page_pool p;
	struct pool_page pages[1];
	struct pool_frame frames[4];
	uint32_t table[4];
	uint64_t map[1];
	struct page_pool_config c = {
		.ops = &ops, .gpa_base = GPA_BASE, .npages = 1, .pages = pages,
		.frame_base = HPA_BASE, .nframes = 4, .frames = frames, .swap = NULL,
		.swap_bytes = 0, .swap_map = map, .share_table = table, .share_slots = 4,
	};

	CHECK(!page_pool_init(&p, &c));                          /* table < 2 * frames */
	c.nframes = 2;
	CHECK(page_pool_init(&p, &c));
	c.share_slots = 3;
	CHECK(!page_pool_init(&p, &c));                          /* not a power of two */
	c.share_slots = 4;
	c.gpa_base += 8;
	CHECK(!page_pool_init(&p, &c));                          /* unaligned */
}

int main(void)
{
	test_first_touch();
	test_share_and_cow();
	test_swapping();
	test_clock();
	test_exhaustion();
	test_adopt();
	test_bad_config();
	return check_report("page_pool");
}
