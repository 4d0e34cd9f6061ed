/*
 * walk.c - the guest page walk of walk.h, one loop for every paging mode:
 * a mode is its entry size, number of levels and index bits; PAE's four
 * PDPTEs are a level without rights bits (Vol. 3A 4.4.1).
 */
#include "emul/walk.h"

#include "lib/string.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)

struct level {
	uint64_t gpa, val;
};

static bool nx_enabled(const struct walk_mode *m)
{
	return (m->efer & EFER_NXE) && (m->cr4 & CR4_PAE);
}

/* The error code's access bits for acc (Vol. 3A 4.7). */
static uint32_t access_bits(const struct walk_mode *m, enum walk_access acc)
{
	uint32_t e = (acc == WALK_WRITE ? PF_W : 0) | (m->cpl == 3 ? PF_U : 0);

	if (acc == WALK_FETCH && (nx_enabled(m) || (m->cr4 & CR4_SMEP)))
		e |= PF_I;
	return e;
}

bool walk_allows(const struct walk_mode *m, const struct walk_result *r, enum walk_access acc,
		 uint32_t *error)
{
	bool user = m->cpl == 3, ok = true;

	if (user && !r->user)
		ok = false;
	else if (acc == WALK_WRITE && !r->writable && (user || (m->cr0 & CR0_WP)))
		ok = false;
	else if (acc == WALK_FETCH && (r->nx || (!user && r->user && (m->cr4 & CR4_SMEP))))
		ok = false;
	else if (acc != WALK_FETCH && !user && r->user && (m->cr4 & CR4_SMAP) && !m->ac)
		ok = false; /* SMAP (Vol. 3A 4.6.1) */
	if (!ok)
		*error = access_bits(m, acc) | PF_P;
	return ok;
}

/* Reserved bits of a 64-bit entry at 'level' (0 = PTE) that is a leaf or not. */
static bool reserved(const struct walk_mode *m, uint64_t e, unsigned level, bool lma)
{
	unsigned maxphy = m->maxphyaddr ? m->maxphyaddr : 52;
	uint64_t rsvd = maxphy < 52 ? ((1ull << 52) - 1) & ~((1ull << maxphy) - 1) : 0;

	if (!nx_enabled(m))
		rsvd |= PTE_XD;
	if (e & PTE_PS) {
		if (level == 3 || (level == 2 && !lma))
			return true; /* no 512 GiB pages; PAE's PDPTE has no PS */
		if (level == 2)
			rsvd |= 0x3fffe000ull; /* 1 GiB page: bits 29:13 */
		else if (level == 1)
			rsvd |= 0x1fe000ull;   /* 2 MiB page: bits 20:13 */
	}
	return (e & rsvd) != 0;
}

enum walk_status walk_guest(const struct walk_mode *m, uint64_t la, enum walk_access acc,
			    const struct walk_ops *ops, void *ctx, struct walk_result *r)
{
	struct walk_path path;

	return walk_guest_path(m, la, acc, ops, ctx, r, &path);
}

enum walk_status walk_guest_path(const struct walk_mode *m, uint64_t la, enum walk_access acc,
				 const struct walk_ops *ops, void *ctx, struct walk_result *r,
				 struct walk_path *path)
{
	bool lma = m->efer & EFER_LMA, pae = m->cr4 & CR4_PAE;
	unsigned size = pae ? 8 : 4, levels, top_shift, no_ad = 0;
	uint64_t table, addr_mask = pae ? 0x000ffffffffff000ull : 0xfffff000ull;
	struct level lv[WALK_MAX_LEVELS];
	int n = 0;

	memset(r, 0, sizeof(*r));
	path->levels = 0;
	r->user = r->writable = 1;
	r->page_shift = 12;
	if (!(m->cr0 & CR0_PG)) {
		r->gpa = la & 0xffffffffull;
		return WALK_OK;
	}
	if (lma) {
		levels = 4;
		top_shift = 39;
		table = m->cr3 & addr_mask;
	} else if (pae) {
		uint64_t pdpte;

		/* The PDPTE (Vol. 3A 4.4.1): present or not, no rights of its own. */
		r->leaf_gpa = (m->cr3 & 0xffffffe0ull) + ((la >> 30) & 3) * 8;
		if (m->pdpte) {
			pdpte = m->pdpte[(la >> 30) & 3]; /* the CPU's, not the memory's */
		} else {
			if (!ops->read(ctx, r->leaf_gpa, &pdpte, 8))
				return WALK_BAD_TABLE;
			lv[n++] = (struct level){ r->leaf_gpa, pdpte }; /* no A/D bits of its own */
			no_ad = 1;
		}
		if (!(pdpte & PTE_P)) {
			r->error = access_bits(m, acc);
			return WALK_PAGE_FAULT;
		}
		levels = 2;
		top_shift = 21;
		table = pdpte & addr_mask;
		la &= 0xffffffffull;
	} else {
		levels = 2;
		top_shift = 22;
		table = m->cr3 & addr_mask;
		la &= 0xffffffffull;
	}
	for (int level = (int)levels - 1;; level--) {
		unsigned shift = top_shift - (levels - 1 - (unsigned)level) * (pae ? 9 : 10);
		uint64_t idx = (la >> shift) & (pae ? 511 : 1023), e;

		lv[n].gpa = table + idx * size;
		if (!ops->read(ctx, lv[n].gpa, &e, size))
			return WALK_BAD_TABLE;
		lv[n++].val = e;
		if (!(e & PTE_P)) {
			r->error = access_bits(m, acc);
			return WALK_PAGE_FAULT;
		}
		if (pae && reserved(m, e, (unsigned)level, lma)) {
			r->error = access_bits(m, acc) | PF_P | PF_RSVD;
			return WALK_PAGE_FAULT;
		}
		r->user &= !!(e & PTE_US);
		r->writable &= !!(e & PTE_RW);
		if (pae && nx_enabled(m) && (e & PTE_XD))
			r->nx = 1;
		if (level == 0 || ((e & PTE_PS) && (pae || (m->cr4 & CR4_PSE)))) {
			uint64_t off = la & ((1ull << shift) - 1);

			if (level == 0)
				r->gpa = (e & addr_mask) | off;
			else if (pae)
				r->gpa = (e & addr_mask & ~((1ull << shift) - 1)) | off;
			else /* 4 MiB page; PSE-36 puts address bits 39:32 in 20:13 */
				r->gpa = (e & 0xffc00000ull) | ((e >> 13) & 0xff) << 32 | off;
			r->page_shift = (uint8_t)shift;
			break;
		}
		table = e & addr_mask;
	}
	if (!walk_allows(m, r, acc, &r->error))
		return WALK_PAGE_FAULT;
	/* Accessed on every level, dirty on the leaf of a write (Vol. 3A 4.8); not the PDPTE. */
	for (int i = (int)no_ad; i < n; i++) {
		uint64_t want = lv[i].val | PTE_A | (i == n - 1 && acc == WALK_WRITE ? PTE_D : 0);

		if (want != lv[i].val && !ops->write(ctx, lv[i].gpa, want, size))
			return WALK_BAD_TABLE;
		lv[i].val = want;
	}
	for (int i = 0; i < n; i++) {
		path->gpa[i] = lv[i].gpa;
		path->val[i] = lv[i].val;
	}
	path->levels = (uint8_t)n;
	r->leaf_gpa = lv[n - 1].gpa;
	r->leaf = lv[n - 1].val;
	r->leaf_size = (uint8_t)size;
	return WALK_OK;
}

void walk_tlb_flush(struct walk_tlb *t)
{
	t->gen++;
}

static uint64_t mode_key(const struct walk_mode *m)
{
	return (m->cr0 & (CR0_WP | CR0_PG)) | (m->cr4 & (CR4_PSE | CR4_PAE | CR4_SMEP | CR4_SMAP)) |
	       (m->efer & (EFER_LMA | EFER_NXE)) << 32;
}

/* Whether every entry the cached walk read still holds what the walk left in it. */
static bool path_unchanged(const struct walk_tlb_entry *e, const struct walk_ops *ops, void *ctx)
{
	unsigned size = e->r.leaf_size; /* the PDPTE is 8 bytes under PAE, like the rest */

	if (e->mapped && size == 8) { /* the common case: loads only, no loop, no branch */
		const volatile uint64_t *const *p = (const volatile uint64_t *const *)e->level_ptr;
		const uint64_t *v = e->path.val;
		uint64_t diff = 0;

		switch (e->path.levels) {
		case 4: diff |= *p[3] ^ v[3]; /* fall through */
		case 3: diff |= *p[2] ^ v[2]; /* fall through */
		case 2: diff |= *p[1] ^ v[1]; /* fall through */
		case 1: diff |= *p[0] ^ v[0]; /* fall through */
		default: break;
		}
		return diff == 0;
	}
	for (unsigned i = 0; i < e->path.levels; i++) { /* none with paging off */
		uint64_t val = 0;

		if (e->level_ptr[i])
			val = size == 8 ? *(const volatile uint64_t *)e->level_ptr[i]
					: *(const volatile uint32_t *)e->level_ptr[i];
		else if (!ops->read(ctx, e->path.gpa[i], &val, size))
			return false;
		if (val != e->path.val[i])
			return false;
	}
	return true;
}

enum walk_status walk_cached(struct walk_tlb *t, const struct walk_mode *m, uint64_t la,
			     enum walk_access acc, const struct walk_ops *ops, void *ctx,
			     struct walk_result *res)
{
	uint64_t page = la >> 12, key = mode_key(m);
	/* Fibonacci hashing: code and data pages often agree in their low bits. */
	struct walk_tlb_entry *e = &t->e[(page * 0x9e3779b97f4a7c15ull) >> 58];
	enum walk_status s;

	if (!t->gen)
		t->gen = 1;
	if (m->pdpte) { /* a hit could not see them change (they are no entry it re-reads) */
		t->misses++;
		return walk_guest(m, la, acc, ops, ctx, res);
	}
	if (e->gen == t->gen && e->page == page && e->cr3 == m->cr3 && e->mode_key == key &&
	    path_unchanged(e, ops, ctx) &&
	    (acc != WALK_WRITE || !e->r.leaf_gpa || (e->r.leaf & PTE_D))) {
		*res = e->r;
		res->gpa = (e->r.gpa & ~0xfffull) | (la & 0xfff);
		t->hits++;
		return walk_allows(m, res, acc, &res->error) ? WALK_OK : WALK_PAGE_FAULT;
	}
	t->misses++;
	s = walk_guest_path(m, la, acc, ops, ctx, res, &e->path);
	if (s == WALK_OK) {
		e->cr3 = m->cr3;
		e->page = page;
		e->mode_key = key;
		e->gen = t->gen;
		e->r = *res;
		e->mapped = t->map != NULL;
		for (unsigned i = 0; i < e->path.levels; i++) {
			e->level_ptr[i] = t->map ? t->map(ctx, e->path.gpa[i], res->leaf_size) : NULL;
			e->mapped &= e->level_ptr[i] != NULL;
		}
	} else {
		e->gen = 0; /* its path was overwritten: no hit on it */
	}
	return s;
}
