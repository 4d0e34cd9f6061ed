/*
 * shadow_cache.h - shadow page tables cached by the guest's table root
 * (seed 004): a CR3 load of a root seen before finds its shadow instead of
 * rebuilding it. A small fixed set of slots, least recently used first out;
 * the owner releases a slot's tables when it is evicted (on a miss with
 * every slot taken) or reclaimed (under memory pressure). Pure logic.
 */
#ifndef HV_MMU_SHADOW_CACHE_H
#define HV_MMU_SHADOW_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define SHADOW_CACHE_MAX 32
#define SHADOW_NO_SLOT (-1)

struct shadow_cache_slot {
	uint64_t root;     /* the guest's table root (CR3's address bits) */
	uint64_t last_use; /* the cache's clock at the last lookup that found it */
	uint32_t value;    /* the owner's: e.g. its shadow root table */
	bool valid;
};

struct shadow_cache {
	struct shadow_cache_slot slot[SHADOW_CACHE_MAX];
	unsigned nslots;   /* in use of slot[]: the bound, 1..SHADOW_CACHE_MAX */
	uint64_t clock;
	uint32_t pinned;   /* the owner's: slots never chosen as victims (one bit each) */
	uint64_t hits, misses, evictions, reclaims, invalidations;
};

/* An empty cache of nslots slots (clamped to 1..SHADOW_CACHE_MAX). */
void shadow_cache_init(struct shadow_cache *c, unsigned nslots);
/* The slot holding root, made most recently used (a hit), or SHADOW_NO_SLOT (a miss). */
int shadow_cache_lookup(struct shadow_cache *c, uint64_t root);
/*
 * A slot for root after a miss: a free one, else the least recently used
 * one other than 'keep' (SHADOW_NO_SLOT: none to keep) or a pinned one, whose old contents
 * the caller must release first (*evicted set true).
 */
int shadow_cache_insert(struct shadow_cache *c, uint64_t root, int keep, bool *evicted);
/* The least recently used valid slot other than 'keep' or a pinned one, or SHADOW_NO_SLOT. */
int shadow_cache_victim(const struct shadow_cache *c, int keep);
/* Empties a slot (its tables released by the caller); counts a reclaim if 'pressure'. */
void shadow_cache_remove(struct shadow_cache *c, int slot, bool pressure);
/* Hits / lookups in percent (0 before any lookup). */
unsigned shadow_cache_hit_rate(const struct shadow_cache *c);

#endif
