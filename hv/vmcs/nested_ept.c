/*
 * nested_ept.c - the shadow EPT of nested_ept.h, one per vCPU, 4 KiB pages
 * only: a mapping gets the rights of L2's walk ANDed with L1's, L2's memory
 * type and ignore-PAT bit. Tables come from the hypervisor's pool and go
 * back when the shadow is emptied (then an INVEPT of everything, so the
 * CPU holds no translation through them before they are reused).
 */
#include "boot_mem.h"
#include "guest_mem.h"
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

struct shadow_ept {
	struct ept ept;
	uint64_t l2_eptp;
	bool live;
};

static struct shadow_ept shadow_epts[MAX_VCPUS];

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

/*
 * Empties the shadow but for its PML4, so vmcs02's EPTP stays valid (a
 * VMRESUME that changes nothing does not rewrite it).
 */
void nested_ept_invalidate(struct vcpu *v)
{
	struct shadow_ept *s = &shadow_epts[v->index];

	if (!s->live)
		return;
	if (ept_unmap(&s->ept, 0, SHADOW_SPAN) != EPT_OK)
		panic("emptying the shadow EPT failed");
	invept_all(); /* before the freed tables are handed out again */
}

uint64_t nested_ept_eptp(struct vcpu *v, uint64_t l2_eptp)
{
	struct shadow_ept *s = &shadow_epts[v->index];

	if (!s->live) {
		if (ept_init(&s->ept, &shadow_ops, NULL, false, false) != EPT_OK)
			panic("no memory for a shadow EPT");
		s->live = true;
	} else if (s->l2_eptp != l2_eptp) {
		nested_ept_invalidate(v);
	}
	s->l2_eptp = l2_eptp;
	return ept_eptp(&s->ept, false);
}

enum nested_ept_outcome nested_ept_violation(struct vcpu *v, uint64_t l2_eptp, uint64_t gpa,
					     uint64_t qual, uint64_t *l2_qual)
{
	struct shadow_ept *s = &shadow_epts[v->index];
	bool exec_only = nested_caps.ept_vpid_cap & 1;
	struct ept_mapping l1;
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
	if (!s->live || !ept_lookup(&guest_ept, w.pa, &l1) || (qual & QUAL_ACCESS & ~l1.perms))
		return NESTED_EPT_L2_FAULT;
	if (ept_map(&s->ept, gpa & ~0xfffull, l1.hpa & ~0xfffull, 4096, w.perms & l1.perms,
		    w.memtype, w.ignore_pat) != EPT_OK)
		panic("no memory for the shadow EPT");
	return NESTED_EPT_MAPPED;
}
