/*
 * nested_ept.h - nested EPT: when L2 runs L3 with EPT, the CPU runs L3 on a
 * shadow EPT that composes L2's EPT (L3-physical -> L2-physical) with L1's
 * (L2-physical -> host-physical, 1:1 over L2's memory), one per EPTP of L2
 * (a few per vCPU, recycled). It starts empty and fills page by page (large
 * pages where both EPTs have them) on EPT violations; INVEPT empties it,
 * and so does a change L1 makes to its own EPT (nested_ept_follow_l1).
 */
#ifndef HV_VMCS_NESTED_EPT_H
#define HV_VMCS_NESTED_EPT_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "mmu/ept.h"
#include "vcpu.h"
#include "vmcs/nested.h"

/* The EPTP vmcs02 runs with for L2's EPTP l2_eptp (a new one drops the old shadow). */
uint64_t nested_ept_eptp(struct vcpu *v, uint64_t l2_eptp);
/*
 * INVEPT by L2: all-context empties every shadow of the vCPU, single-context
 * the one of l2_eptp only; they refill on demand.
 */
void nested_ept_invalidate(struct vcpu *v, bool all, uint64_t l2_eptp);

/* Empties every shadow of the vCPU, built before L1's EPT became generation gen. */
void nested_ept_l1_changed(struct vcpu *v, uint64_t gen);

/*
 * Before L3 runs again (L2's VM entry, or an L3 exit L1 handled): if L1's
 * own EPT (guest_ept) changed since the vCPU's shadows were built, they
 * compose with what is no longer there (a page L1 took away or write-
 * protected, a page it remapped), so they are emptied and refill from both
 * EPTs as they are now. One compare when nothing changed. A change on
 * another CPU reaches this vCPU's shadows at its next L3 exit or entry.
 */
static inline void nested_ept_follow_l1(struct vcpu *v)
{
	uint64_t gen = __atomic_load_n(&guest_ept.gen, __ATOMIC_ACQUIRE);

	if (__builtin_expect(gen != v->nested->ept_l1_gen, 0))
		nested_ept_l1_changed(v, gen);
}

enum nested_ept_outcome {
	NESTED_EPT_MAPPED,     /* L2's EPT allows it: mapped, L3 resumes */
	NESTED_EPT_VIOLATION,  /* L2's EPT does not: reflect an EPT violation */
	NESTED_EPT_MISCONFIG,  /* L2's EPT is misconfigured there: reflect reason 49 */
	NESTED_EPT_L2_FAULT,   /* L2 mapped L3 onto memory that is not L2's */
};

/*
 * An EPT violation of L3 (vmcs02 current) at guest-physical gpa with exit
 * qualification qual. For NESTED_EPT_VIOLATION, *l2_qual is the
 * qualification L2 must see: the access bits as they were, bits 5:3 the
 * rights of L2's EPT walk (SDM Table 28-7).
 */
enum nested_ept_outcome nested_ept_violation(struct vcpu *v, uint64_t l2_eptp, uint64_t gpa,
					     uint64_t qual, uint64_t *l2_qual);

#endif
