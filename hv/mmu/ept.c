/*
 * ept.c - builds and walks 4-level EPT paging structures (SDM Vol. 3C
 * 29.3.2). Every change is one 64-bit store of an entry whose table, if
 * any, is complete, so a CPU walking the tables meanwhile sees old or new.
 */
#include <stdbool.h>
#include <stdint.h>

#include "mmu/ept.h"
#include "mmu/ept_entry.h"
#include "page_alloc.h"

#define ENTRIES EPT_ENTRIES
#define LEVELS EPT_LEVELS
#define ALL_LEVELS 0x1eu		/* levels 1-4, for clearing entries */

/* Leaf memory types that are not a misconfiguration (29.3.3.1). */
#define LEAF_TYPES (1u << 0 | 1u << 1 | 1u << 4 | 1u << 5 | 1u << 6)

#define GPA_LIMIT (1ull << 48)		/* what a 4-level walk translates */
#define HPA_LIMIT (1ull << 52)		/* what bits 51:12 can hold */

/* EPTP fields (SDM Vol. 3C 25.6.11). */
#define EPTP_WB 6ull
#define EPTP_WALK_4 (3ull << 3)		/* page-walk length minus 1 */
#define EPTP_AD (1ull << 6)

/* The entry for gpa at 'level' in the table that 'entry' points to. */
static uint64_t *slot(const struct ept *e, uint64_t entry, uint64_t gpa, int level)
{
	uint64_t *table = e->ops->phys_to_virt(entry & EPT_ADDR_MASK, e->ctx);

	return &table[ept_index(gpa, level)];
}

/* One untorn store, ordered after the writes that filled a new table. */
static void set_entry(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Frees the table at pa, whose entries are at 'level', and those below it. */
static void free_table(struct ept *e, uint64_t pa, int level)
{
	uint64_t *table = e->ops->phys_to_virt(pa, e->ctx);

	for (int i = 0; level > 1 && i < ENTRIES; i++)
		if (ept_present(table[i]) && !(table[i] & EPT_LARGE))
			free_table(e, table[i] & EPT_ADDR_MASK, level - 1);
	e->ops->free_page(pa, e->ctx);
}

/*
 * Points *p, an entry at 'level' that is absent or a large page, at a new
 * table: empty, or 512 entries mapping what the large page mapped with its
 * attributes, so that the translation does not change.
 */
static int new_table(struct ept *e, uint64_t *p, int level)
{
	uint64_t pa = e->ops->alloc_page(e->ctx);
	uint64_t old = *p;

	if (!pa)
		return EPT_ERR_NOMEM;
	if (ept_present(old)) {
		uint64_t *table = e->ops->phys_to_virt(pa, e->ctx);
		uint64_t attrs = old & ~EPT_ADDR_MASK;

		if (level == 2)
			attrs &= ~EPT_LARGE;	/* 4 KiB entries are leaves anyway */
		for (int i = 0; i < ENTRIES; i++)
			table[i] = attrs | ((old & EPT_ADDR_MASK) + i * ept_level_size(level - 1));
	}
	set_entry(p, pa | EPT_RWX);
	return EPT_OK;
}

/*
 * Finds gpa's entry at 'level', putting tables on the way in place of
 * large pages (only part of which is to change) and of absent entries if
 * create; *out is NULL if an entry above is absent and !create.
 */
static int entry_at(struct ept *e, uint64_t gpa, int level, bool create, uint64_t **out)
{
	uint64_t *p = slot(e, e->pml4, gpa, LEVELS);

	*out = NULL;
	for (int l = LEVELS; l > level; l--) {
		if (!ept_present(*p) && !create)
			return EPT_OK;
		if (!ept_present(*p) || (*p & EPT_LARGE)) {
			int err = new_table(e, p, l);

			if (err)
				return err;
		}
		p = slot(e, *p, gpa, l - 1);
	}
	*out = p;
	return EPT_OK;
}

/* Sets gpa's entry at 'level' to v (0: absent), freeing a table it replaces. */
static int put_entry(struct ept *e, uint64_t gpa, int level, uint64_t v)
{
	uint64_t *p, old;
	int err = entry_at(e, gpa, level, v != 0, &p);

	if (err || !p)
		return err;
	old = *p;
	set_entry(p, v);
	if (level > 1 && ept_present(old) && !(old & EPT_LARGE) && e->ops->free_page)
		free_table(e, old & EPT_ADDR_MASK, level - 1);
	return EPT_OK;
}

/* The highest level in 'levels' whose page 'addrs' is aligned to and 'size' fills. */
static int piece_level(unsigned int levels, uint64_t addrs, uint64_t size)
{
	int l = LEVELS;

	while (l > 1 && (!(levels & 1u << l) || (addrs & (ept_level_size(l) - 1)) ||
			 size < ept_level_size(l)))
		l--;
	return l;
}

/* True if [addr, addr + size) is page-aligned and ends at or below limit. */
static bool range_ok(uint64_t addr, uint64_t size, uint64_t limit)
{
	return !((addr | size) & (PAGE_SIZE - 1)) && addr <= limit && size <= limit - addr;
}

/* ept_map and ept_map_typed: 'extra' holds the leaf bits other than type. */
static int map_range(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
		     unsigned int perms, uint64_t extra, ept_type_fn type_of, void *ctx)
{
	if (!range_ok(gpa, size, GPA_LIMIT) || !range_ok(hpa, size, HPA_LIMIT) ||
	    !perms || (perms & ~EPT_RWX) || ((perms & EPT_W) && !(perms & EPT_R)))
		return EPT_ERR_INVAL;
	while (size) {
		int level = piece_level(e->leaf_levels, gpa | hpa, size);
		int type, err;

		while ((type = type_of(hpa, ept_level_size(level), ctx)) < 0 && level > 1)
			level--;
		if (type < 0 || type > 7 || !(LEAF_TYPES & 1u << type))
			return EPT_ERR_INVAL;
		err = put_entry(e, gpa, level, hpa | perms | extra |
				(uint64_t)type << EPT_MEMTYPE_SHIFT |
				(level > 1 ? EPT_LARGE : 0));
		if (err)
			return err;
		gpa += ept_level_size(level);
		hpa += ept_level_size(level);
		size -= ept_level_size(level);
	}
	return EPT_OK;
}

int ept_init(struct ept *e, const struct ept_ops *ops, void *ctx,
	     bool allow_1g, bool allow_2m)
{
	if (allow_1g && !allow_2m)
		return EPT_ERR_INVAL;
	e->ops = ops;
	e->ctx = ctx;
	e->gen = 0;
	e->leaf_levels = 1u << 1 | (allow_2m ? 1u << 2 : 0) | (allow_1g ? 1u << 3 : 0);
	e->pml4 = ops->alloc_page(ctx);
	return e->pml4 ? EPT_OK : EPT_ERR_NOMEM;
}

/* ept_map's type_of: the one type ctx points to, wherever. */
static int fixed_type(uint64_t hpa, uint64_t size, void *ctx)
{
	(void)hpa;
	(void)size;
	return *(const int *)ctx;
}

/* After a change (even a failed one, which may have done part of it): e->gen moves on. */
static int changed(struct ept *e, int err)
{
	__atomic_store_n(&e->gen, e->gen + 1, __ATOMIC_RELEASE);
	return err;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned int perms, unsigned int memtype, bool ignore_pat)
{
	int type = memtype > 7 ? -1 : (int)memtype;

	return changed(e, map_range(e, gpa, hpa, size, perms, ignore_pat ? EPT_IGNORE_PAT : 0,
				    fixed_type, &type));
}

int ept_map_typed(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
		  unsigned int perms, ept_type_fn type_of, void *ctx)
{
	return changed(e, map_range(e, gpa, hpa, size, perms, 0, type_of, ctx));
}

static int unmap_range(struct ept *e, uint64_t gpa, uint64_t size)
{
	if (!range_ok(gpa, size, GPA_LIMIT))
		return EPT_ERR_INVAL;
	while (size) {
		int level = piece_level(ALL_LEVELS, gpa, size);
		int err = put_entry(e, gpa, level, 0);

		if (err)
			return err;
		gpa += ept_level_size(level);
		size -= ept_level_size(level);
	}
	return EPT_OK;
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size)
{
	return changed(e, unmap_range(e, gpa, size));
}

bool ept_lookup(const struct ept *e, uint64_t gpa, struct ept_mapping *m)
{
	int level = LEVELS;
	uint64_t entry;

	if (gpa >= GPA_LIMIT)
		return false;
	entry = *slot(e, e->pml4, gpa, level);
	while (ept_present(entry) && level > 1 && !(entry & EPT_LARGE))
		entry = *slot(e, entry, gpa, --level);
	if (!ept_present(entry))
		return false;
	m->hpa = (entry & EPT_ADDR_MASK) + (gpa & (ept_level_size(level) - 1));
	m->perms = entry & EPT_RWX;
	m->memtype = (entry >> EPT_MEMTYPE_SHIFT) & 7;
	m->ignore_pat = entry & EPT_IGNORE_PAT;
	m->level = level;
	return true;
}

uint64_t ept_eptp(const struct ept *e, bool ad)
{
	return e->pml4 | EPTP_WB | EPTP_WALK_4 | (ad ? EPTP_AD : 0);
}

void ept_destroy(struct ept *e)
{
	if (e->pml4 && e->ops->free_page)
		free_table(e, e->pml4, LEVELS);
	e->pml4 = 0;
}
