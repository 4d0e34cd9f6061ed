/*
 * shadow_cache.c - the root-keyed cache of shadow_cache.h: a linear search
 * of at most SHADOW_CACHE_MAX slots (a handful of address spaces), a clock
 * stamp per hit for least-recently-used eviction.
 */
#include "mmu/shadow_cache.h"

void shadow_cache_init(struct shadow_cache *c, unsigned nslots)
{
	*c = (struct shadow_cache){ .nslots = nslots < 1 ? 1 :
				    nslots > SHADOW_CACHE_MAX ? SHADOW_CACHE_MAX : nslots };
}

int shadow_cache_lookup(struct shadow_cache *c, uint64_t root)
{
	for (unsigned i = 0; i < c->nslots; i++) {
		if (c->slot[i].valid && c->slot[i].root == root) {
			c->slot[i].last_use = ++c->clock;
			c->hits++;
			return (int)i;
		}
	}
	c->misses++;
	return SHADOW_NO_SLOT;
}

int shadow_cache_victim(const struct shadow_cache *c, int keep)
{
	int best = SHADOW_NO_SLOT;

	for (unsigned i = 0; i < c->nslots; i++)
		if (c->slot[i].valid && (int)i != keep && !(c->pinned >> i & 1) &&
		    (best == SHADOW_NO_SLOT || c->slot[i].last_use < c->slot[best].last_use))
			best = (int)i;
	return best;
}

int shadow_cache_insert(struct shadow_cache *c, uint64_t root, int keep, bool *evicted)
{
	int s = SHADOW_NO_SLOT;

	*evicted = false;
	for (unsigned i = 0; i < c->nslots && s == SHADOW_NO_SLOT; i++)
		if (!c->slot[i].valid)
			s = (int)i;
	if (s == SHADOW_NO_SLOT) {
		s = shadow_cache_victim(c, keep);
		if (s == SHADOW_NO_SLOT)
			return s;
		*evicted = true;
		c->evictions++;
	}
	c->slot[s] = (struct shadow_cache_slot){ .root = root, .last_use = ++c->clock,
						 .valid = true };
	return s;
}

void shadow_cache_remove(struct shadow_cache *c, int slot, bool pressure)
{
	c->slot[slot].valid = false;
	if (pressure)
		c->reclaims++;
	else
		c->invalidations++;
}

unsigned shadow_cache_hit_rate(const struct shadow_cache *c)
{
	uint64_t n = c->hits + c->misses;

	return n ? (unsigned)(c->hits * 100 / n) : 0;
}
