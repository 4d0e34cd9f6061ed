/*
 * shadow_pt.c - shadow page tables (shadow_pt.h): table pages from a fixed
 * pool, found by the guest table they mirror through a hash, freed by
 * subtree (through limbo: reused after the next sync of the other CPUs);
 * writable leaves recorded by guest page (rmap) so a page that becomes a
 * guest table can be write-protected wherever it is mapped.
 */
#include "mmu/shadow_pt.h"

#define PAGE 4096ull
#define ENTRIES 512u
#define UPPER (SPT_P | SPT_W | SPT_U | SPT_A) /* the leaf decides the rights */
/*
 * A PAE-format root's entries: no rights, bits 2:1 and 8:5 reserved (Vol.
 * 3A 4.4.1). With EPT off every VM entry checks and loads the four PDPTEs
 * from the root at GUEST_CR3 (Vol. 3C 26.3.1.6, 27.3.2.4; a reserved bit
 * set fails the entry as invalid guest state; the VMCS's PDPTE fields are
 * not used), so a change here counts from the next entry on.
 */
#define PDPTE SPT_P
#define ZAP_BATCH 64u
/* Neighbouring entries a hidden fault fills too, an aligned group (KVM's PTE_PREFETCH_NUM). */
#define PREFETCH 8u
#define FLOOD_WRITES 8u /* writes to a table no fault walked since, before it is dropped */
#define VA_BITS 0xffffffffffffull /* a 4-level linear address, without its sign extension */
/* The fill path takes the format as a parameter and is inlined per format (shadow_pt_fault). */
#define FORMAT_INLINE inline __attribute__((always_inline))

/* ---- table pages ---- */

static uint64_t *table_of(struct shadow_pt *s, uint32_t i)
{
	return s->c.ops->table(s->c.ctx, s->c.pages[i].hpa);
}

static uint32_t page_at(const struct shadow_pt *s, uint64_t hpa)
{
	return (uint32_t)(((hpa & SPT_ADDR) - s->c.page_base) / PAGE);
}

static unsigned index_at(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & (ENTRIES - 1);
}

/* The size of the guest's entries. */
static unsigned gsize(const struct shadow_pt *s)
{
	return shadow_format_entry_size(s->fmt);
}

/*
 * The entries [*k0, *k1] of shadow page p that mirror guest entries
 * [g0, g1] of its table; false if none do.
 */
static bool mirrored(const struct shadow_pt *s, const struct shadow_page *p, unsigned g0,
		     unsigned g1, unsigned *k0, unsigned *k1)
{
	unsigned per = shadow_format_per(s->fmt, p->level), last = p->first + ENTRIES / per - 1;

	if (g1 < p->first || g0 > last)
		return false;
	*k0 = ((g0 > p->first ? g0 : p->first) - p->first) * per;
	*k1 = ((g1 < last ? g1 : last) - p->first) * per + per - 1;
	return true;
}

static uint32_t bucket_of(const struct shadow_pt *s, uint64_t gpa)
{
	uint64_t h = (gpa >> 12) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (s->c.nbuckets - 1);
}

bool shadow_pt_entry_va(const struct shadow_pt *s, uint64_t gpa, uint64_t *va, unsigned *level)
{
	uint64_t page = gpa & ~(PAGE - 1);

	unsigned g = (unsigned)((gpa - page) / gsize(s)), k, k1;

	for (uint32_t i = s->c.buckets[bucket_of(s, page)]; i != SHADOW_NONE; i = s->c.pages[i].next) {
		const struct shadow_page *p = &s->c.pages[i];

		if (p->guest_table != page || !mirrored(s, p, g, g, &k, &k1))
			continue;
		*level = p->level;
		*va = p->va + ((uint64_t)k << (12 + 9 * (p->level - 1)));
		if (*va & (1ull << 47)) /* canonical: bits 63:48 copy bit 47 */
			*va |= ~0ull << 48;
		return true;
	}
	return false;
}

bool shadow_pt_is_table(const struct shadow_pt *s, uint64_t gpa)
{
	gpa &= ~(PAGE - 1);
	for (uint32_t i = s->c.buckets[bucket_of(s, gpa)]; i != SHADOW_NONE; i = s->c.pages[i].next)
		if (s->c.pages[i].guest_table == gpa)
			return true;
	return false;
}

static void hash_remove(struct shadow_pt *s, uint32_t i)
{
	uint32_t *link = &s->c.buckets[bucket_of(s, s->c.pages[i].guest_table)];

	while (*link != i)
		link = &s->c.pages[*link].next;
	*link = s->c.pages[i].next;
}

/* Makes every other CPU flush (ops->sync); the pages in limbo are free then. */
static void sync_others(struct shadow_pt *s)
{
	if (s->c.ops->sync) {
		s->c.ops->sync(s->c.ctx);
		s->stats.syncs++;
	}
	if (s->limbo_head == SHADOW_NONE)
		return;
	s->c.pages[s->limbo_tail].next = s->free_head;
	s->free_head = s->limbo_head;
	s->limbo_head = SHADOW_NONE;
}

/* Frees page i and every table below it (into limbo: another CPU may cache them). */
static void free_tree(struct shadow_pt *s, uint32_t i)
{
	struct shadow_page *p = &s->c.pages[i];

	if (p->level > 1) {
		uint64_t *t = table_of(s, i);

		for (unsigned k = 0; k < ENTRIES; k++)
			if (t[k] & SPT_P)
				free_tree(s, page_at(s, t[k]));
	}
	if (p->guest_table != SHADOW_NO_TABLE) {
		hash_remove(s, i);
		if (s->c.ops->track && !shadow_pt_is_table(s, p->guest_table))
			s->c.ops->track(s->c.ctx, p->guest_table, false);
	}
	p->slot = -1;
	p->next = s->limbo_head;
	if (s->limbo_head == SHADOW_NONE)
		s->limbo_tail = i;
	s->limbo_head = i;
	s->stats.pages_used--;
}

/* Clears entry k of page i, freeing the tables below it. */
static void zap_entry(struct shadow_pt *s, uint32_t i, unsigned k)
{
	uint64_t *t = table_of(s, i);

	if (!(t[k] & SPT_P))
		return;
	if (s->c.pages[i].level > 1)
		free_tree(s, page_at(s, t[k]));
	t[k] = 0;
	s->stats.zaps++;
	s->flush = true;
}

/* Empties slot's root table (the root page itself stays). */
static void empty_root(struct shadow_pt *s, int slot)
{
	for (unsigned k = 0; k < ENTRIES; k++)
		zap_entry(s, s->root_page[slot], k);
}

/* ---- write protection of guest tables ---- */

/* Makes every recorded writable leaf that maps guest page gpa read-only; true if one was. */
static bool write_protect(struct shadow_pt *s, uint64_t gpa)
{
	bool any = false;
	uint64_t gfn = gpa >> 12, hpa;
	uint32_t *link = &s->c.rmap_buckets[bucket_of(s, gpa)];
	bool ram;

	ram = s->c.ops->translate(s->c.ctx, gpa, &hpa, &(bool){ false });
	while (*link != SHADOW_NONE) {
		struct shadow_rmap *r = &s->c.rmap[*link];
		uint32_t n = *link;

		if (r->gfn != gfn) {
			link = &r->next;
			continue;
		}
		/* The entry may have changed since: it counts only if it still maps gpa. */
		if (ram && s->c.pages[r->page].slot >= 0 && s->c.pages[r->page].level == 1) {
			uint64_t *e = &table_of(s, r->page)[r->index];

			if ((*e & SPT_P) && (*e & SPT_W) && (*e & SPT_ADDR) == hpa) {
				*e &= ~SPT_W;
				s->stats.write_protects++;
				s->flush = true;
				any = true;
			}
		}
		*link = r->next;
		r->next = s->rmap_free;
		s->rmap_free = n;
	}
	return any;
}

static bool rmap_add(struct shadow_pt *s, uint64_t gpa, uint32_t page, unsigned index)
{
	uint32_t n = s->rmap_free, b = bucket_of(s, gpa);

	if (n == SHADOW_NONE)
		return false;
	s->rmap_free = s->c.rmap[n].next;
	s->c.rmap[n] = (struct shadow_rmap){ .gfn = gpa >> 12, .page = page,
					     .index = (uint16_t)index,
					     .next = s->c.rmap_buckets[b] };
	s->c.rmap_buckets[b] = n;
	return true;
}

static void rmap_clear(struct shadow_pt *s)
{
	for (uint32_t b = 0; b < s->c.nbuckets; b++)
		s->c.rmap_buckets[b] = SHADOW_NONE;
	for (uint32_t n = 0; n < s->c.nrmap; n++)
		s->c.rmap[n].next = n + 1 < s->c.nrmap ? n + 1 : SHADOW_NONE;
	s->rmap_free = s->c.nrmap ? 0 : SHADOW_NONE;
}

/* ---- allocation, eviction, reclaim ---- */

static void release_slot(struct shadow_pt *s, int slot, bool pressure)
{
	free_tree(s, s->root_page[slot]);
	shadow_cache_remove(&s->cache, slot, pressure);
}

/* s->current starts (on) or stops running on its slot. */
static void use_slot(struct shadow_pt *s, bool on)
{
	int slot = s->current;

	if (slot == SHADOW_NO_SLOT)
		return;
	s->users[slot] = (uint8_t)(s->users[slot] + (on ? 1 : -1));
	if (s->users[slot])
		s->cache.pinned |= 1u << slot;
	else
		s->cache.pinned &= ~(1u << slot);
}

void shadow_pt_leave(struct shadow_pt *s)
{
	use_slot(s, false);
	s->current = SHADOW_NO_SLOT;
}

/*
 * A zeroed table page at 'level' for the current slot, mirroring guest
 * table gt (or SHADOW_NO_TABLE); under pressure another address space's
 * shadow is reclaimed first. SHADOW_NONE if there is none to reclaim.
 */
static uint32_t alloc_page(struct shadow_pt *s, unsigned level, uint64_t gt, uint64_t va)
{
	uint32_t i;
	uint64_t *t;

	while (s->free_head == SHADOW_NONE) {
		int victim = shadow_cache_victim(&s->cache, s->current);

		if (s->limbo_head != SHADOW_NONE) {
			sync_others(s);
			continue;
		}
		if (victim == SHADOW_NO_SLOT)
			return SHADOW_NONE;
		release_slot(s, victim, true);
	}
	i = s->free_head;
	s->free_head = s->c.pages[i].next;
	t = table_of(s, i);
	for (unsigned k = 0; k < ENTRIES; k++)
		t[k] = 0;
	s->c.pages[i].level = (uint8_t)level;
	s->c.pages[i].slot = (int8_t)s->current;
	s->c.pages[i].guest_table = gt;
	s->c.pages[i].first = (uint16_t)(gt == SHADOW_NO_TABLE ? 0
							       : shadow_format_first(s->fmt, level, va));
	s->c.pages[i].parent = SHADOW_NONE;
	s->c.pages[i].writes = 0;
	s->c.pages[i].va = level >= 4 ? 0 : va & ~((1ull << (12 + 9 * level)) - 1) & VA_BITS;
	if (++s->stats.pages_used > s->stats.pages_max)
		s->stats.pages_max = s->stats.pages_used;
	if (gt != SHADOW_NO_TABLE) {
		bool newly = !shadow_pt_is_table(s, gt);
		uint32_t b = bucket_of(s, gt);

		s->c.pages[i].next = s->c.buckets[b];
		s->c.buckets[b] = i;
		if (newly) {
			bool was_writable = write_protect(s, gt);

			if (s->c.ops->track)
				s->c.ops->track(s->c.ctx, gt, true);
			/* Another CPU may write it without a trap until it flushes. */
			if (was_writable || s->c.ops->track || s->limbo_head != SHADOW_NONE)
				sync_others(s);
			s->new_tables++;
		}
	}
	return i;
}

/* Every address space's shadow emptied, the roots vCPUs run on kept: the last resort. */
static void reset_all(struct shadow_pt *s)
{
	for (unsigned slot = 0; slot < s->cache.nslots; slot++) {
		if (!s->cache.slot[slot].valid)
			continue;
		if ((int)slot != s->current && !s->users[slot])
			release_slot(s, (int)slot, true);
		else if (s->root_page[slot] != SHADOW_NONE) /* none yet: the root being made */
			empty_root(s, (int)slot);
	}
	rmap_clear(s);
	s->stats.resets++;
	s->flush = true;
}

/* ---- the interface ---- */

bool shadow_pt_init(struct shadow_pt *s, const struct shadow_pt_config *c)
{
	if (!c->ops || !c->npages || c->npages >= SHADOW_NONE || c->page_base % PAGE ||
	    !c->nbuckets || (c->nbuckets & (c->nbuckets - 1)) || c->nrmap >= SHADOW_NONE)
		return false;
	*s = (struct shadow_pt){ .c = *c, .current = SHADOW_NO_SLOT, .limbo_head = SHADOW_NONE };
	shadow_cache_init(&s->cache, c->roots);
	for (uint32_t i = 0; i < c->npages; i++) {
		uint32_t next = i + 1 < c->npages ? i + 1 : SHADOW_NONE;

		c->pages[i] = (struct shadow_page){ .hpa = c->page_base + i * PAGE, .slot = -1,
						    .next = next };
	}
	for (uint32_t b = 0; b < c->nbuckets; b++)
		c->buckets[b] = SHADOW_NONE;
	rmap_clear(s);
	return true;
}

enum shadow_result shadow_pt_activate(struct shadow_pt *s, uint64_t cr3, uint64_t *root_hpa)
{
	uint64_t root = shadow_format_root_key(s->fmt, cr3);
	unsigned top = shadow_format_top(s->fmt);
	/* Only a PML4 is a table the root mirrors: the PDPTEs are cached, a directory is below. */
	uint64_t gt = s->fmt == SHADOW_FMT_LONG ? root : SHADOW_NO_TABLE;
	int slot;
	bool evicted;
	uint32_t page;

	shadow_pt_leave(s);
	slot = shadow_cache_lookup(&s->cache, root);
	if (slot == SHADOW_NO_SLOT) {
		slot = shadow_cache_insert(&s->cache, root, SHADOW_NO_SLOT, &evicted);
		if (slot == SHADOW_NO_SLOT) /* every slot is some other vCPU's */
			return SHADOW_ERROR;
		if (evicted)
			free_tree(s, s->root_page[slot]);
		s->root_page[slot] = SHADOW_NONE;
		s->current = slot;
		page = alloc_page(s, top, gt, 0);
		if (page == SHADOW_NONE) { /* only this address space is left: start over */
			reset_all(s);
			page = alloc_page(s, top, gt, 0);
		}
		if (page == SHADOW_NONE) {
			shadow_cache_remove(&s->cache, slot, true);
			s->current = SHADOW_NO_SLOT;
			return SHADOW_ERROR;
		}
		s->root_page[slot] = page;
		for (unsigned i = 0; i < 4; i++)
			s->pdpte[slot][i] = 0;
	}
	s->current = slot;
	use_slot(s, true);
	*root_hpa = s->c.pages[s->root_page[slot]].hpa;
	return SHADOW_FILLED;
}

/* The guest's walk of va: its tables, leaf, and the rights of the levels above the leaf. */
struct guest_path {
	uint64_t gt[5];    /* gt[4]: the root ... gt[leaf_level]: the leaf's table */
	uint64_t ge[5];    /* the entries read: ge[leaf_level] is the leaf */
	uint64_t leaf;
	unsigned leaf_level;
	bool user, writable, nx; /* combined over the levels above the leaf */
};

/* The guest entry at level that maps va in guest table gt. */
static uint64_t guest_entry_gpa(enum shadow_format f, uint64_t gt, unsigned level, uint64_t va)
{
	return gt + (uint64_t)shadow_format_guest_index(f, level, va) * shadow_format_entry_size(f);
}

/*
 * Outside long mode the root's level mirrors no guest table: a PAE guest's
 * PDPTE is the cached one, a 32-bit guest's directory is the level below.
 */
static FORMAT_INLINE bool guest_path(struct shadow_pt *s, enum shadow_format f,
				     const struct walk_mode *m, uint64_t va, struct guest_path *p)
{
	unsigned top = 4;
	uint64_t addr = shadow_format_addr_mask(f);

	p->user = p->writable = true;
	p->nx = false;
	if (f == SHADOW_FMT_LONG) {
		p->gt[4] = m->cr3 & SPT_ADDR;
	} else {
		p->gt[3] = SHADOW_NO_TABLE;
		p->ge[3] = f == SHADOW_FMT_PAE ? s->pdpte[s->current][(va >> 30) & 3]
						    : (m->cr3 & addr) | SPT_P;
		if (!(p->ge[3] & SPT_P))
			return false;
		p->gt[2] = p->ge[3] & addr;
		top = 2;
	}
	for (unsigned level = top;; level--) {
		uint64_t e = 0;

		if (!s->c.ops->guest.read(s->c.ctx, guest_entry_gpa(f, p->gt[level], level, va), &e,
					  shadow_format_entry_size(f)))
			return false;
		p->ge[level] = e;
		if (shadow_format_leaf(f, m, level, e)) {
			p->leaf_level = level;
			p->leaf = e;
			return true;
		}
		p->user &= (e & SPT_U) != 0;
		p->writable &= (e & SPT_W) != 0;
		p->nx |= (m->efer & EFER_NXE) && (e & SPT_NX);
		p->gt[level - 1] = e & addr;
	}
}

/* A shadow leaf for host page hpa from the guest leaf at leaf_level, with these rights. */
static uint64_t leaf_entry(uint64_t hpa, uint64_t leaf, unsigned leaf_level, bool w, bool user,
			   bool nx)
{
	return hpa | SPT_P | SPT_A | SPT_D | (leaf & (SPT_PWT | SPT_PCD)) |
	       (leaf_level == 1 ? leaf & SPT_PAT_4K : (leaf & SPT_PAT_LARGE ? SPT_PAT_4K : 0)) |
	       (w ? SPT_W : 0) | (user ? SPT_U : 0) | (nx ? SPT_NX : 0);
}

/*
 * Fills the empty neighbours of entry k in leaf shadow table sp (the group
 * of PREFETCH around it) from the guest entries that map them, so nearby
 * first touches need no fault. Only entries the guest already marked
 * accessed (for a large page: this walk did), so no A bit is owed; a
 * writable one only with D set and an rmap node free, as in fill.
 */
static FORMAT_INLINE void prefetch(struct shadow_pt *s, enum shadow_format f,
				   const struct walk_mode *m, uint32_t sp, unsigned k,
				   const struct guest_path *p, const struct walk_result *res)
{
	uint64_t *t = table_of(s, sp);
	unsigned size = shadow_format_entry_size(f), first = s->c.pages[sp].first;

	for (unsigned j = k & ~(PREFETCH - 1); j < (k & ~(PREFETCH - 1)) + PREFETCH; j++) {
		uint64_t leaf = p->leaf, gpa, hpa;
		bool user = res->user, w = res->writable, nx = res->nx, ram_writable;

		if (j == k || (t[j] & SPT_P))
			continue;
		if (p->leaf_level == 1) {
			leaf = 0;
			if (!s->c.ops->guest.read(s->c.ctx, p->gt[1] + (first + j) * size, &leaf, size) ||
			    (leaf & (SPT_P | SPT_A)) != (SPT_P | SPT_A) ||
			    (!(m->efer & EFER_NXE) && (leaf & SPT_NX)))
				continue; /* absent, not yet accessed, or a reserved bit set */
			gpa = leaf & SPT_ADDR;
			user = p->user && (leaf & SPT_U);
			w = p->writable && (leaf & SPT_W);
			nx = p->nx || ((m->efer & EFER_NXE) && (leaf & SPT_NX));
		} else { /* the same large page, 4 KiB further on */
			gpa = (res->gpa & ~(PAGE - 1)) - (uint64_t)k * PAGE + (uint64_t)j * PAGE;
		}
		if (!s->c.ops->translate(s->c.ctx, gpa, &hpa, &ram_writable))
			continue;
		w = w && ram_writable && (leaf & SPT_D) && !shadow_pt_is_table(s, gpa) &&
		    rmap_add(s, gpa, sp, j);
		t[j] = leaf_entry(hpa, leaf, p->leaf_level, w, user, nx);
		s->stats.prefetched++;
	}
}

/*
 * After a guest table was newly write-protected during a fill: the first
 * level whose entry changed since guest_path read it (another CPU wrote it
 * before it flushed its writable translation), or 0 if none did.
 */
static FORMAT_INLINE unsigned path_changed(struct shadow_pt *s, enum shadow_format f, uint64_t va,
					   const struct guest_path *p)
{
	/* Outside long mode the root's level is no guest table's (guest_path). */
	for (unsigned level = f == SHADOW_FMT_LONG ? 4 : 2; level >= p->leaf_level; level--) {
		uint64_t e = 0;

		if (!s->c.ops->guest.read(s->c.ctx, guest_entry_gpa(f, p->gt[level], level, va), &e,
					  shadow_format_entry_size(f)) ||
		    e != p->ge[level])
			return level;
	}
	return 0;
}

enum fill_result { FILL_OK, FILL_NOMEM, FILL_ERROR, FILL_RETRY };

/* Builds the shadow path for va from the guest's (already walked: res), in format f. */
static FORMAT_INLINE enum fill_result fill(struct shadow_pt *s, enum shadow_format f,
					   const struct walk_mode *m, uint64_t va,
					   const struct walk_result *res)
{
	uint64_t hpa, gpa = res->gpa & ~(PAGE - 1), e, old, *t;
	struct guest_path p;
	unsigned k, changed;
	uint32_t sp = s->root_page[s->current], path[5], new_tables = s->new_tables;
	bool ram_writable, w;

	if (!guest_path(s, f, m, va, &p) || !s->c.ops->translate(s->c.ctx, gpa, &hpa, &ram_writable))
		return FILL_ERROR;
	for (unsigned level = shadow_format_top(f); level > 1; level--) {
		uint32_t n;

		path[level] = sp;
		k = index_at(va, level);
		s->c.pages[sp].writes = 0; /* walked: still a table in use */
		if (table_of(s, sp)[k] & SPT_P) {
			sp = page_at(s, table_of(s, sp)[k]);
			continue;
		}
		n = alloc_page(s, level - 1,
			       level - 1 >= p.leaf_level ? p.gt[level - 1] : SHADOW_NO_TABLE, va);
		if (n == SHADOW_NONE)
			return FILL_NOMEM;
		table_of(s, sp)[k] = s->c.pages[n].hpa | (level == 3 && f != SHADOW_FMT_LONG ?
							   PDPTE : UPPER);
		s->c.pages[n].parent = sp;
		s->c.pages[n].parent_index = (uint16_t)k;
		sp = n;
	}
	if (s->new_tables != new_tables) {
		changed = path_changed(s, f, va, &p);
		if (changed > 1)
			zap_entry(s, path[changed], index_at(va, changed));
		if (changed) {
			s->stats.retries++;
			return FILL_RETRY;
		}
	}
	s->c.pages[sp].writes = 0;
	/* Writable only once the guest's D is set, so the first write comes here. */
	w = res->writable && ram_writable && (p.leaf & SPT_D) && !shadow_pt_is_table(s, gpa);
	e = leaf_entry(hpa, p.leaf, p.leaf_level, w, res->user, res->nx);
	k = index_at(va, 1);
	if (w && !rmap_add(s, gpa, sp, k))
		return FILL_NOMEM;
	t = table_of(s, sp);
	old = t[k];
	t[k] = e;
	/* The fault dropped va's translation (Vol. 3A 4.10.4.1); other changes need a flush. */
	if ((old & SPT_P) && ((old ^ e) & ~SPT_W))
		s->flush = true;
	s->stats.fills++;
	prefetch(s, f, m, sp, k, &p, res);
	return FILL_OK;
}

enum shadow_result shadow_pt_fault(struct shadow_pt *s, const struct walk_mode *m, uint64_t va,
				   uint32_t error, uint32_t *guest_error, uint64_t *pt_gpa)
{
	enum walk_access acc = error & PF_I ? WALK_FETCH : error & PF_W ? WALK_WRITE : WALK_READ;
	struct walk_result res;
	struct walk_mode pae;
	const struct walk_mode *wm = m;
	enum shadow_format f;
	uint64_t hpa;
	bool ram_writable;

	if (s->current == SHADOW_NO_SLOT || !shadow_format_of(m, &f) || f != s->fmt) {
		s->stats.unsupported++;
		return SHADOW_UNSUPPORTED;
	}
	if (f == SHADOW_FMT_PAE) { /* the PDPTEs this root was built from */
		pae = *m;
		pae.pdpte = s->pdpte[s->current];
		wm = &pae;
	}
	switch (walk_guest(wm, va, acc, &s->c.ops->guest, s->c.ctx, &res)) {
	case WALK_PAGE_FAULT:
		s->stats.true_faults++;
		*guest_error = res.error;
		return SHADOW_TRUE_FAULT;
	case WALK_BAD_TABLE:
		return SHADOW_ERROR;
	case WALK_OK:
		break;
	}
	if (acc == WALK_WRITE && shadow_pt_is_table(s, res.gpa)) {
		s->stats.pt_writes++;
		*pt_gpa = res.gpa;
		return SHADOW_PT_WRITE;
	}
	if (!s->c.ops->translate(s->c.ctx, res.gpa & ~(PAGE - 1), &hpa, &ram_writable) ||
	    (acc == WALK_WRITE && !ram_writable)) {
		s->stats.device++;
		*pt_gpa = res.gpa;
		return SHADOW_DEVICE;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		/* The 4-level fill compiled apart: the other formats cost it nothing. */
		enum fill_result r = f == SHADOW_FMT_LONG ? fill(s, SHADOW_FMT_LONG, m, va, &res)
							  : fill(s, f, m, va, &res);

		if (r == FILL_OK || r == FILL_RETRY) { /* a retry: the guest faults again */
			s->stats.hidden++;
			return SHADOW_FILLED;
		}
		if (r == FILL_ERROR)
			return SHADOW_ERROR;
		reset_all(s); /* out of table pages or rmap nodes: start over once */
	}
	return SHADOW_ERROR;
}

void shadow_pt_table_write(struct shadow_pt *s, uint64_t gpa, unsigned len)
{
	uint64_t end = gpa + (len ? len : 1);

	for (uint64_t page = gpa & ~(PAGE - 1); page < end; page += PAGE) {
		uint64_t lo = gpa > page ? gpa : page, hi = end < page + PAGE ? end : page + PAGE;
		uint32_t found[ZAP_BATCH], n = 0;

		for (uint32_t i = s->c.buckets[bucket_of(s, page)]; i != SHADOW_NONE;
		     i = s->c.pages[i].next)
			if (s->c.pages[i].guest_table == page && n < ZAP_BATCH)
				found[n++] = i;
		for (uint32_t j = 0; j < n; j++) {
			struct shadow_page *p = &s->c.pages[found[j]];
			unsigned k0, k1;

			/* An earlier zap may have freed it (a table that maps itself). */
			if (p->slot < 0 || p->guest_table != page ||
			    !mirrored(s, p, (unsigned)((lo - page) / gsize(s)),
				      (unsigned)((hi - 1 - page) / gsize(s)), &k0, &k1))
				continue;
			if (p->parent != SHADOW_NONE && ++p->writes >= FLOOD_WRITES) {
				zap_entry(s, p->parent, p->parent_index); /* frees p's tree */
				s->stats.unlinked++;
				continue;
			}
			for (unsigned k = k0; k <= k1; k++)
				zap_entry(s, found[j], k);
		}
		if (n == ZAP_BATCH) /* more mirrors than one batch: drop them all */
			reset_all(s);
	}
}

void shadow_pt_forget(struct shadow_pt *s, uint64_t cr3)
{
	int slot = SHADOW_NO_SLOT;

	for (unsigned i = 0; i < s->cache.nslots && slot == SHADOW_NO_SLOT; i++)
		if (s->cache.slot[i].valid &&
		    s->cache.slot[i].root == shadow_format_root_key(s->fmt, cr3))
			slot = (int)i;
	if (slot == SHADOW_NO_SLOT || s->users[slot] > (s->current == slot))
		return;
	if (s->current == slot)
		shadow_pt_leave(s);
	release_slot(s, slot, false);
	s->flush = true;
}

void shadow_pt_drop_all(struct shadow_pt *s)
{
	shadow_pt_leave(s);
	for (unsigned slot = 0; slot < s->cache.nslots; slot++) {
		if (!s->cache.slot[slot].valid)
			continue;
		if (s->users[slot])
			empty_root(s, (int)slot);
		else
			release_slot(s, (int)slot, false);
	}
	rmap_clear(s);
	s->stats.resets++;
	s->flush = true;
}

void shadow_pt_invlpg(struct shadow_pt *s, uint64_t va)
{
	uint32_t sp;

	if (s->current == SHADOW_NO_SLOT)
		return;
	sp = s->root_page[s->current];
	for (unsigned level = shadow_format_top(s->fmt); level > 1; level--) {
		uint64_t e = table_of(s, sp)[index_at(va, level)];

		if (!(e & SPT_P))
			return;
		sp = page_at(s, e);
	}
	zap_entry(s, sp, index_at(va, 1));
}

bool shadow_pt_set_format(struct shadow_pt *s, enum shadow_format f)
{
	if (f == s->fmt)
		return true;
	for (unsigned slot = 0; slot < s->cache.nslots; slot++)
		if (s->users[slot] > ((int)slot == s->current))
			return false;
	shadow_pt_leave(s);
	for (unsigned slot = 0; slot < s->cache.nslots; slot++)
		if (s->cache.slot[slot].valid)
			release_slot(s, (int)slot, false);
	rmap_clear(s);
	s->fmt = f;
	s->flush = true;
	return true;
}

void shadow_pt_set_pdptes(struct shadow_pt *s, const uint64_t pdpte[4])
{
	uint64_t *had;

	if (s->current == SHADOW_NO_SLOT || s->fmt != SHADOW_FMT_PAE)
		return;
	had = s->pdpte[s->current];
	for (unsigned i = 0; i < 4; i++) {
		if (had[i] != pdpte[i])
			zap_entry(s, s->root_page[s->current], i);
		had[i] = pdpte[i];
	}
}

const char *shadow_result_str(enum shadow_result r)
{
	static const char *const names[] = {
		[SHADOW_FILLED] = "filled", [SHADOW_TRUE_FAULT] = "true fault",
		[SHADOW_PT_WRITE] = "guest page-table write", [SHADOW_DEVICE] = "device access",
		[SHADOW_UNSUPPORTED] = "unsupported",
		[SHADOW_ERROR] = "error",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
