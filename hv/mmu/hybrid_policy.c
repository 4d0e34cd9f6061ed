/*
 * hybrid_policy.c - paging=hybrid's per-space choice (hybrid_policy.h):
 * shadowed until it traps cfg.writes table writes; then nested, where its
 * table writes cost nothing but its TLB misses walk two dimensions; back to
 * shadow as soon as its hot tables have stayed unchanged for cfg.quiet of
 * its loads in a row and its measured miss cost is high, or blind after
 * cfg.probe loads. A quiet move that the space answers with table writes
 * again within HYBRID_TRIAL loads doubles the quiet loads it needs next
 * time, so a space that churns in bursts does not bounce at every pause.
 */
#include <stddef.h>

#include "mmu/hybrid_policy.h"

#define PAGE_MASK 0xfffull
#define ENTRIES 512
#define PTE_AD 0x60ull             /* accessed, dirty: the CPU writes them on its own */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

void hybrid_init(struct hybrid_policy *p, const struct hybrid_config *cfg,
		 const uint64_t *(*page)(void *ctx, uint64_t gpa), void *ctx)
{
	*p = (struct hybrid_policy){ .cfg = *cfg, .page = page, .ctx = ctx };
	if (!p->cfg.quiet)
		p->cfg.quiet = 1;
}

struct hybrid_space *hybrid_space_of(struct hybrid_policy *p, uint64_t root)
{
	struct hybrid_space *s = &p->spaces[0];

	for (unsigned i = 0; i < HYBRID_SPACES; i++) {
		if (p->spaces[i].valid && p->spaces[i].root == root) {
			s = &p->spaces[i];
			goto found;
		}
		if (!p->spaces[i].valid || p->spaces[i].last_use < s->last_use)
			s = &p->spaces[i];
	}
	*s = (struct hybrid_space){ .root = root, .valid = true, .quiet_need = p->cfg.quiet };
found:
	s->last_use = ++p->clock;
	return s;
}

uint64_t hybrid_table_print(const uint64_t *entries)
{
	uint64_t h = FNV_OFFSET;

	for (unsigned i = 0; i < ENTRIES; i++)
		h = (h ^ (entries[i] & ~PTE_AD)) * FNV_PRIME;
	return h;
}

static uint64_t print_of(const struct hybrid_policy *p, uint64_t gpa)
{
	const uint64_t *e = p->page(p->ctx, gpa);

	return e ? hybrid_table_print(e) : 0;
}

/* Fingerprints s's hot tables again: whether none changed since the last time. */
static bool hot_unchanged(const struct hybrid_policy *p, struct hybrid_space *s)
{
	bool same = true;

	for (uint32_t i = 0; i < s->nhot; i++) {
		uint64_t now = print_of(p, s->hot[i]);

		same &= now == s->hot_print[i];
		s->hot_print[i] = now;
	}
	return same;
}

/* Whether s took at least cfg.misses hidden faults per 100 of its shadowed loads. */
static bool miss_cost_high(const struct hybrid_policy *p, const struct hybrid_space *s)
{
	return s->shadow_loads && s->misses * 100 >= (uint64_t)p->cfg.misses * s->shadow_loads;
}

static enum hybrid_move to_nested(const struct hybrid_policy *p, struct hybrid_space *s)
{
	if (s->quiet_move && s->quiet_need < HYBRID_QUIET_MAX)
		s->quiet_need *= 2; /* the quiet move did not pay off: wait longer next time */
	s->nested = true;
	s->quiet_move = false;
	s->stint_loads = s->quiet_loads = 0;
	for (uint32_t i = 0; i < s->nhot; i++)
		s->hot_print[i] = print_of(p, s->hot[i]);
	return HYBRID_TO_NESTED;
}

static enum hybrid_move to_shadow(struct hybrid_space *s, enum hybrid_move why)
{
	s->nested = false;
	s->quiet_move = why == HYBRID_TO_SHADOW_QUIET;
	s->writes = s->nhot = s->stint_loads = 0;
	s->shadow_loads++; /* this load runs shadowed */
	return why;
}

enum hybrid_move hybrid_load(struct hybrid_policy *p, struct hybrid_space *s)
{
	s->stint_loads++;
	if (!s->nested) {
		if (s->writes >= p->cfg.writes)
			return to_nested(p, s);
		s->shadow_loads++;
		if (s->quiet_move && s->stint_loads >= HYBRID_TRIAL) {
			s->quiet_move = false; /* it paid off */
			s->quiet_need = p->cfg.quiet;
		}
		return HYBRID_STAY;
	}
	if (hot_unchanged(p, s))
		s->quiet_loads++;
	else
		s->quiet_loads = 0;
	if (s->nhot && s->quiet_loads >= s->quiet_need && miss_cost_high(p, s))
		return to_shadow(s, HYBRID_TO_SHADOW_QUIET);
	if (p->cfg.probe && s->stint_loads > p->cfg.probe)
		return to_shadow(s, HYBRID_TO_SHADOW_PROBE);
	return HYBRID_STAY;
}

void hybrid_pt_write(struct hybrid_space *s, uint64_t gpa)
{
	uint64_t page = gpa & ~PAGE_MASK;

	s->writes++;
	for (uint32_t i = 0; i < s->nhot; i++)
		if (s->hot[i] == page)
			return;
	if (s->nhot == HYBRID_HOT) { /* the most recent ones are kept */
		for (uint32_t i = 1; i < HYBRID_HOT; i++)
			s->hot[i - 1] = s->hot[i];
		s->nhot--;
	}
	s->hot[s->nhot++] = page;
}

void hybrid_miss(struct hybrid_space *s)
{
	s->misses++;
}

const char *hybrid_move_reason(enum hybrid_move m)
{
	switch (m) {
	case HYBRID_TO_NESTED:
		return "pt-writes";
	case HYBRID_TO_SHADOW_QUIET:
		return "quiet";
	case HYBRID_TO_SHADOW_PROBE:
		return "probe";
	case HYBRID_STAY:
		break;
	}
	return "";
}
