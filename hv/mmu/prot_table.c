/*
 * prot_table.c - the checks a protection table must pass, and its rights
 * at an address. A table that contradicts itself (overlapping regions
 * with different rights, an empty or wrapping range) or reaches the
 * hypervisor's memory is refused as a whole, with the region at fault.
 */
#include "mmu/prot_table.h"
#include "page_alloc.h"

#define GPA_LIMIT (1ull << 48)	/* what a 4-level EPT walk translates */

/* Whether [base, base + size) and [b2, e2) share a byte; size > 0. */
static bool overlaps(uint64_t base, uint64_t size, uint64_t b2, uint64_t e2)
{
	return base < e2 && b2 < base + size;
}

static bool overlaps_any(const struct prot_region *r, const struct mem_ranges *m)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (overlaps(r->base, r->size, m->r[i].base, m->r[i].end))
			return true;
	return false;
}

/* The checks of one region on its own. */
static enum prot_error check_region(const struct prot_region *r, bool exec_only_ok)
{
	if (!r->size)
		return PROT_ERR_EMPTY;
	if ((r->base | r->size) & (PAGE_SIZE - 1))
		return PROT_ERR_ALIGN;
	if (r->base >= GPA_LIMIT || r->size > GPA_LIMIT - r->base)
		return PROT_ERR_WRAP;
	/* Write without read is an EPT misconfiguration (SDM Vol. 3C 29.3.3.1). */
	if ((r->rights & ~EPT_RWX) || ((r->rights & EPT_W) && !(r->rights & EPT_R)))
		return PROT_ERR_RIGHTS;
	if (r->rights == EPT_X && !exec_only_ok)
		return PROT_ERR_EXEC_ONLY;
	return PROT_OK;
}

bool prot_table_check(const struct prot_table *t, const struct prot_forbidden *f,
		      bool exec_only_ok, struct prot_check *c)
{
	*c = (struct prot_check){ PROT_OK, 0, 0 };
	if (t->n > PROT_MAX_REGIONS)
		c->err = PROT_ERR_COUNT;
	else if ((unsigned)t->policy >= PROT_POLICY_COUNT)
		c->err = PROT_ERR_POLICY;
	for (unsigned i = 0; i < t->n && !c->err; i++) {
		const struct prot_region *r = &t->r[i];

		c->region = i;
		c->err = check_region(r, exec_only_ok);
		if (!c->err && overlaps_any(r, f->hv))
			c->err = PROT_ERR_HV_MEMORY;
		if (!c->err && overlaps_any(r, f->trampoline))
			c->err = PROT_ERR_RESERVED;
		if (!c->err && overlaps_any(r, f->devices))
			c->err = PROT_ERR_DEVICE;
		for (unsigned j = 0; j < i && !c->err; j++) {
			const struct prot_region *o = &t->r[j];

			if (o->rights != r->rights &&
			    overlaps(r->base, r->size, o->base, o->base + o->size)) {
				c->err = PROT_ERR_CONFLICT;
				c->other = j;
			}
		}
	}
	return c->err == PROT_OK;
}

unsigned prot_table_rights(const struct prot_table *t, uint64_t gpa, unsigned outside)
{
	for (unsigned i = 0; i < t->n; i++)
		if (gpa >= t->r[i].base && gpa - t->r[i].base < t->r[i].size)
			return t->r[i].rights;
	return outside;
}

const char *prot_strerror(enum prot_error err)
{
	static const char *const msgs[] = {
		[PROT_OK] = "ok",
		[PROT_ERR_COUNT] = "too many regions",
		[PROT_ERR_POLICY] = "no such violation policy",
		[PROT_ERR_EMPTY] = "an empty region",
		[PROT_ERR_ALIGN] = "a region not 4 KiB aligned",
		[PROT_ERR_WRAP] = "a region that wraps or passes the guest-physical limit",
		[PROT_ERR_RIGHTS] = "bad rights (unknown bits, or write without read)",
		[PROT_ERR_EXEC_ONLY] = "execute-only, which this CPU's EPT does not offer",
		[PROT_ERR_CONFLICT] = "overlaps another region with different rights",
		[PROT_ERR_HV_MEMORY] = "covers the hypervisor's memory",
		[PROT_ERR_RESERVED] = "covers the VMFUNC trampoline page",
		[PROT_ERR_DEVICE] = "covers an emulated device, which no EPT view can guard",
	};

	return (unsigned)err < sizeof(msgs) / sizeof(msgs[0]) ? msgs[err] : "?";
}

const char *prot_policy_name(enum prot_policy p)
{
	static const char *const names[] = { "pf", "gp", "stop" };

	return (unsigned)p < PROT_POLICY_COUNT ? names[p] : "?";
}

const char *prot_rights_str(unsigned rights, char buf[4])
{
	buf[0] = rights & EPT_R ? 'r' : '-';
	buf[1] = rights & EPT_W ? 'w' : '-';
	buf[2] = rights & EPT_X ? 'x' : '-';
	buf[3] = '\0';
	return buf;
}
