/*
 * shadow_format.c - the guest paging formats of shadow_format.h: index
 * arithmetic per format, and the walk with cached PAE PDPTEs.
 */
#include "mmu/shadow_format.h"

#define PS (1ull << 7)
#define ADDR_64 0x000ffffffffff000ull
#define ADDR_32 0xfffff000ull
#define PDPT_SIZE 32u

bool shadow_format_of(const struct walk_mode *m, enum shadow_format *f)
{
	if (!(m->cr0 & CR0_PG))
		return false;
	*f = m->efer & EFER_LMA ? SHADOW_FMT_LONG :
	     m->cr4 & CR4_PAE   ? SHADOW_FMT_PAE : SHADOW_FMT_32BIT;
	return true;
}

const char *shadow_format_name(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? "4-level" : f == SHADOW_FMT_PAE ? "pae" : "32-bit";
}

unsigned shadow_format_top(enum shadow_format f)
{
	return f == SHADOW_FMT_LONG ? 4 : 3;
}

unsigned shadow_format_entry_size(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? 4 : 8;
}

uint64_t shadow_format_addr_mask(enum shadow_format f)
{
	return f == SHADOW_FMT_32BIT ? ADDR_32 : ADDR_64;
}

uint64_t shadow_format_root_key(enum shadow_format f, uint64_t cr3)
{
	return f == SHADOW_FMT_PAE ? cr3 & (ADDR_32 | 0xfe0) : cr3 & shadow_format_addr_mask(f);
}

unsigned shadow_format_guest_index(enum shadow_format f, unsigned level, uint64_t va)
{
	if (f == SHADOW_FMT_32BIT)
		return (unsigned)(va >> (level == 2 ? 22 : 12)) & 1023;
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

unsigned shadow_format_first(enum shadow_format f, unsigned level, uint64_t va)
{
	if (f != SHADOW_FMT_32BIT)
		return 0;
	/* A shadow directory maps 1 GiB: a quarter of the guest's; a shadow table 2 MiB: half. */
	return level == 2 ? (unsigned)((va >> 30) & 3) * 256 : (unsigned)((va >> 21) & 1) * 512;
}

unsigned shadow_format_per(enum shadow_format f, unsigned level)
{
	return f == SHADOW_FMT_32BIT && level == 2 ? 2 : 1;
}

bool shadow_format_leaf(enum shadow_format f, const struct walk_mode *m, unsigned level,
			uint64_t e)
{
	if (level == 1)
		return true;
	/* 32-bit paging: PS counts with CR4.PSE only (Vol. 3A 4.3); PS is reserved in a PML4E. */
	return (e & PS) && level < 4 && (f != SHADOW_FMT_32BIT || (m->cr4 & CR4_PSE));
}

/* Reads of the PDPT at CR3 answered from the PDPTEs cached at its load. */
struct cached_pdpt {
	const struct walk_ops *ops;
	void *ctx;
	uint64_t base;
	const uint64_t *pdpte;
};

static bool cached_read(void *ctx, uint64_t gpa, uint64_t *val, unsigned size)
{
	const struct cached_pdpt *c = ctx;

	if (size == 8 && gpa - c->base < PDPT_SIZE && !(gpa & 7)) {
		*val = c->pdpte[(gpa - c->base) / 8];
		return true;
	}
	return c->ops->read(c->ctx, gpa, val, size);
}

static bool cached_write(void *ctx, uint64_t gpa, uint64_t val, unsigned size)
{
	const struct cached_pdpt *c = ctx;

	return c->ops->write(c->ctx, gpa, val, size);
}

enum walk_status shadow_format_walk(const struct walk_mode *m, const uint64_t *pdpte,
				    uint64_t va, enum walk_access acc, const struct walk_ops *ops,
				    void *ctx, struct walk_result *res)
{
	static const struct walk_ops cached_ops = { cached_read, cached_write };
	struct cached_pdpt c = { ops, ctx, m->cr3 & (ADDR_32 | 0xfe0), pdpte };

	if (!pdpte || (m->efer & EFER_LMA) || !(m->cr4 & CR4_PAE))
		return walk_guest(m, va, acc, ops, ctx, res);
	return walk_guest(m, va, acc, &cached_ops, &c, res);
}
