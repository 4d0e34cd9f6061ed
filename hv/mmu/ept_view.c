/*
 * ept_view.c - EPT views by copy-on-write of paging-structure pages. The
 * view's root starts as a copy of the base's, so every entry points into
 * the base. Restricting a region walks down from the root; a non-leaf
 * entry that still points at a base table is first pointed at a copy of
 * that table (marked EPT_VIEW_OWN, an ignored bit), a large leaf the
 * region covers only in part is split into a table of its own, and the
 * leaves inside the region get their rights cut. Every page reached
 * through an EPT_VIEW_OWN entry, and the root, is the view's.
 */
#include <stdbool.h>
#include <stdint.h>

#include "mmu/ept_entry.h"
#include "mmu/ept_view.h"

static uint64_t *table_of(const struct ept_view *v, uint64_t pa)
{
	return v->ept.ops->phys_to_virt(pa & EPT_ADDR_MASK, v->ept.ctx);
}

/* A new page of the view holding a copy of 'entries' (512); 0 if none is left. */
static uint64_t own_copy(struct ept_view *v, const uint64_t *entries)
{
	uint64_t pa = v->ept.ops->alloc_page(v->ept.ctx);
	uint64_t *t;

	if (!pa)
		return 0;
	t = table_of(v, pa);
	for (int i = 0; entries && i < EPT_ENTRIES; i++)
		t[i] = entries[i];
	v->own_pages++;
	return pa;
}

/* Fills t with the 512 entries at 'level' that the large leaf one level up maps. */
static void split_into(uint64_t *t, uint64_t leaf, int level)
{
	uint64_t attrs = leaf & ~EPT_ADDR_MASK;

	if (level == 1)
		attrs &= ~EPT_LARGE; /* 4 KiB entries are leaves anyway */
	for (int i = 0; i < EPT_ENTRIES; i++)
		t[i] = attrs | ((leaf & EPT_ADDR_MASK) + i * ept_level_size(level));
}

/*
 * Makes *p (a non-leaf entry, or a large leaf to split, at 'level') point
 * at a table of the view's own with the same translations.
 */
static int make_own(struct ept_view *v, uint64_t *p, int level)
{
	bool leaf = ept_is_leaf(*p, level);
	uint64_t pa = own_copy(v, leaf ? NULL : table_of(v, *p));

	if (!pa)
		return EPT_ERR_NOMEM;
	if (leaf)
		split_into(table_of(v, pa), *p, level - 1);
	*p = pa | EPT_RWX | EPT_VIEW_OWN;
	return EPT_OK;
}

/*
 * Cuts the rights in [gpa, end) to 'rights' in the view's own table at
 * 'table_pa' whose entries are at 'level'.
 */
static int restrict_range(struct ept_view *v, uint64_t table_pa, int level, uint64_t gpa,
			  uint64_t end, unsigned rights)
{
	uint64_t *table = table_of(v, table_pa);
	uint64_t size = ept_level_size(level);

	while (gpa < end) {
		uint64_t *p = &table[ept_index(gpa, level)];
		uint64_t start = gpa & ~(size - 1), next = start + size;
		uint64_t stop = next < end ? next : end;
		int err;

		if (!ept_present(*p)) {
			/* Nothing mapped here: nothing to take away. */
		} else if (ept_is_leaf(*p, level) && gpa == start && stop == next) {
			*p &= ~(uint64_t)(EPT_RWX & ~rights);
		} else {
			if (ept_is_leaf(*p, level) || !(*p & EPT_VIEW_OWN)) {
				err = make_own(v, p, level);
				if (err)
					return err;
			}
			err = restrict_range(v, *p, level - 1, gpa, stop, rights);
			if (err)
				return err;
		}
		if (next == 0)
			break; /* the top of the address space */
		gpa = next;
	}
	return EPT_OK;
}

int ept_view_build(struct ept_view *v, const struct ept *base, const struct prot_table *t,
		   const struct ept_ops *ops, void *ctx)
{
	int err = EPT_OK;

	v->ept = *base;
	v->ept.ops = ops;
	v->ept.ctx = ctx;
	v->base = base;
	v->own_pages = 0;
	v->ept.pml4 = own_copy(v, base->ops->phys_to_virt(base->pml4, base->ctx));
	if (!v->ept.pml4)
		return EPT_ERR_NOMEM;
	for (unsigned i = 0; i < t->n && !err; i++)
		err = restrict_range(v, v->ept.pml4, EPT_LEVELS, t->r[i].base,
				     t->r[i].base + t->r[i].size, t->r[i].rights);
	if (err)
		ept_view_destroy(v);
	return err;
}

int ept_view_refresh_page(struct ept_view *v, const struct prot_table *t, uint64_t gpa)
{
	uint64_t *p = &table_of(v, v->ept.pml4)[ept_index(gpa, EPT_LEVELS)];
	struct ept_mapping m;
	unsigned rights;
	int level = EPT_LEVELS;

	gpa &= ~(PAGE_SIZE - 1);
	for (; level > 1; level--) {
		int err = EPT_OK;

		if (ept_present(*p) && !ept_is_leaf(*p, level) && !(*p & EPT_VIEW_OWN))
			return EPT_OK; /* the base's own table: the view sees the change */
		if (!ept_present(*p))
			err = (*p = own_copy(v, NULL)) ? EPT_OK : EPT_ERR_NOMEM;
		else if (ept_is_leaf(*p, level))
			err = make_own(v, p, level);
		if (err)
			return err;
		*p |= EPT_RWX | EPT_VIEW_OWN;
		p = &table_of(v, *p)[ept_index(gpa, level - 1)];
	}
	rights = prot_table_rights(t, gpa, EPT_RWX);
	if (!ept_lookup(v->base, gpa, &m) || !(m.perms & rights)) {
		*p = 0;
		return EPT_OK;
	}
	*p = (m.hpa & EPT_ADDR_MASK) | (m.perms & rights) |
	     (uint64_t)m.memtype << EPT_MEMTYPE_SHIFT | (m.ignore_pat ? EPT_IGNORE_PAT : 0);
	return EPT_OK;
}

/* Frees the view's table at pa (entries at 'level') and its own tables below. */
static void free_own(struct ept_view *v, uint64_t pa, int level)
{
	uint64_t *table = table_of(v, pa);

	for (int i = 0; level > 1 && i < EPT_ENTRIES; i++)
		if (ept_present(table[i]) && !ept_is_leaf(table[i], level) &&
		    (table[i] & EPT_VIEW_OWN))
			free_own(v, table[i], level - 1);
	v->ept.ops->free_page(pa & EPT_ADDR_MASK, v->ept.ctx);
	v->own_pages--;
}

void ept_view_destroy(struct ept_view *v)
{
	if (v->ept.pml4 && v->ept.ops->free_page)
		free_own(v, v->ept.pml4, EPT_LEVELS);
	v->ept.pml4 = 0;
}
