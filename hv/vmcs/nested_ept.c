/*
 * nested_ept.c - the shadow EPTs of nested_ept.h: per vCPU a few, each
 * holding the translations of one of L2's EPTPs (by its EP4TA, bits 51:12,
 * as the CPU tags what it caches: SDM Vol. 3C 29.4.1), the least recently
 * entered one recycled for a new EPTP. A mapping is the largest page both
 * L2's leaf and L1's allow (ept_compose_leaf), with the rights of L2's walk
 * ANDed with L1's, L2's memory type and ignore-PAT bit. INVEPT
 * single-context empties the shadow of that EPTP only, all-context every
 * one of the vCPU's; a change to L1's own EPT (guest_ept.gen moved on,
 * checked before L3 runs) every one. Tables come from the hypervisor's pool and go back
 * when a shadow is emptied (then an INVEPT of that shadow, so the CPU holds
 * no translation through them before they are reused).
 */
#include "boot_mem.h"
#include "guest_mem.h"
#include "l0.h"
#include "log.h"
#include "mmu/ept.h"
#include "mmu/ept_walk.h"
#include "page_alloc.h"
#include "panic.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "vmcs/nested_ept.h"
#include "vmx.h"

#define QUAL_ACCESS 7u           /* bits 2:0: read, write, fetch */
#define QUAL_RIGHTS (7u << 3)    /* bits 5:3: what the walk allowed */
#define SHADOW_SPAN (1ull << 48) /* what a 4-level walk translates */
#define EP4TA(eptp) ((eptp) & 0x000ffffffffff000ull)
#define SHADOWS_PER_VCPU 4

struct shadow_ept {
	struct ept ept;
	uint64_t ep4ta;     /* L2's EPT whose translations it holds */
	uint64_t last_used; /* the vCPU's clock at its last VM entry */
	bool live;          /* its PML4 is allocated */
	bool assigned;      /* it belongs to ep4ta (perhaps empty) */
};

struct shadow_set {
	struct shadow_ept s[SHADOWS_PER_VCPU];
	uint64_t clock;
};

static struct shadow_set shadow_sets[MAX_VCPUS];

static uint64_t table_alloc(void *ctx)
{
	(void)ctx;
	return alloc_page_or_panic("shadow EPT table");
}

static void table_free(uint64_t pa, void *ctx)
{
	(void)ctx;
	page_alloc_free(&hv_pages, pa, 1);
}

static void *table_virt(uint64_t pa, void *ctx)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct ept_ops shadow_ops = { table_alloc, table_free, table_virt };

static bool read_l2_entry(void *ctx, uint64_t pa, uint64_t *entry)
{
	return nested_read_phys(ctx, pa, entry);
}

/* The largest page level the shadows may map (L0's EPT large pages). */
static int max_level(void)
{
	return l0.caps.has[VMXF_EPT_1G] ? 3 : l0.caps.has[VMXF_EPT_2M] ? 2 : 1;
}

/*
 * Empties a shadow but for its PML4, so an EPTP that points at it stays
 * valid (a VMRESUME that changes nothing does not rewrite vmcs02's).
 */
static void shadow_empty(struct vcpu *v, struct shadow_ept *s)
{
	if (!s->live)
		return;
	if (ept_unmap(&s->ept, 0, SHADOW_SPAN) != EPT_OK)
		panic("emptying the shadow EPT failed");
	invept_single(ept_eptp(&s->ept, false)); /* before the freed tables are handed out again */
	v->nested->ept_drops++;
}

/* The shadow assigned to L2's EPTP, or NULL. */
static struct shadow_ept *shadow_of(struct vcpu *v, uint64_t l2_eptp)
{
	struct shadow_set *set = &shadow_sets[v->index];

	for (unsigned i = 0; i < SHADOWS_PER_VCPU; i++)
		if (set->s[i].assigned && set->s[i].ep4ta == EP4TA(l2_eptp))
			return &set->s[i];
	return NULL;
}

void nested_ept_invalidate(struct vcpu *v, bool all, uint64_t l2_eptp)
{
	struct shadow_set *set = &shadow_sets[v->index];
	struct shadow_ept *s;

	if (!all) {
		s = shadow_of(v, l2_eptp);
		if (s)
			shadow_empty(v, s);
		return;
	}
	for (unsigned i = 0; i < SHADOWS_PER_VCPU; i++)
		if (set->s[i].assigned)
			shadow_empty(v, &set->s[i]);
}

void nested_ept_l1_changed(struct vcpu *v, uint64_t gen)
{
	struct shadow_set *set = &shadow_sets[v->index];
	bool any = false;

	v->nested->ept_l1_gen = gen;
	for (unsigned i = 0; i < SHADOWS_PER_VCPU; i++)
		if (set->s[i].assigned) {
			shadow_empty(v, &set->s[i]);
			any = true;
		}
	v->nested->ept_l1_changes += any; /* none yet at the first L3 entry */
}

uint64_t nested_ept_eptp(struct vcpu *v, uint64_t l2_eptp)
{
	struct shadow_set *set = &shadow_sets[v->index];
	struct shadow_ept *s = shadow_of(v, l2_eptp);

	if (!s) {
		/* An unassigned shadow, else the least recently entered one, emptied. */
		s = &set->s[0];
		for (unsigned i = 0; i < SHADOWS_PER_VCPU && s->assigned; i++)
			if (!set->s[i].assigned || set->s[i].last_used < s->last_used)
				s = &set->s[i];
		if (s->assigned)
			shadow_empty(v, s);
		if (!s->live) {
			if (ept_init(&s->ept, &shadow_ops, NULL, max_level() >= 3,
				     max_level() >= 2) != EPT_OK)
				panic("no memory for a shadow EPT");
			s->live = true;
		}
		s->assigned = true;
		s->ep4ta = EP4TA(l2_eptp);
	}
	s->last_used = ++set->clock;
	return ept_eptp(&s->ept, false);
}

enum nested_ept_outcome nested_ept_violation(struct vcpu *v, uint64_t l2_eptp, uint64_t gpa,
					     uint64_t qual, uint64_t *l2_qual)
{
	struct shadow_ept *s = shadow_of(v, l2_eptp);
	bool exec_only = nested_caps.ept_vpid_cap & 1;
	struct ept_mapping l1;
	struct ept_leaf leaf;
	struct ept_walk w;

	switch (ept_walk(l2_eptp, gpa, qual & QUAL_ACCESS, exec_only, nested_maxphyaddr,
			 read_l2_entry, NULL, &w)) {
	case EPT_WALK_VIOLATION:
		*l2_qual = (qual & ~(uint64_t)QUAL_RIGHTS) | (uint64_t)w.perms << 3;
		return NESTED_EPT_VIOLATION;
	case EPT_WALK_MISCONFIG:
		return NESTED_EPT_MISCONFIG;
	case EPT_WALK_NO_MEMORY:
		return NESTED_EPT_L2_FAULT;
	case EPT_WALK_OK:
		break;
	}
	/* L1's EPT must allow it too (it hides L1's memory, traps L2's xAPIC writes). */
	if (!s || !ept_lookup(&guest_ept, w.pa, &l1) || (qual & QUAL_ACCESS & ~l1.perms))
		return NESTED_EPT_L2_FAULT;
	leaf = ept_compose_leaf(gpa, l1.hpa, w.level, l1.level, max_level());
	if (ept_map(&s->ept, leaf.gpa, leaf.hpa, leaf.size, w.perms & l1.perms, w.memtype,
		    w.ignore_pat) != EPT_OK)
		panic("no memory for the shadow EPT");
	v->nested->ept_fills++;
	if (leaf.size > 4096) {
		/* It may have replaced a table of 4 KiB pages, now freed: no translation through it. */
		invept_single(ept_eptp(&s->ept, false));
		v->nested->ept_large_fills++;
	}
	return NESTED_EPT_MAPPED;
}
