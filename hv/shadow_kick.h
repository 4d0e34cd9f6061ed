/*
 * shadow_kick.h - the TLB shoot-down shadow paging needs on more than one
 * CPU: the other CPUs flush their translations of L2 now, not at their
 * next exit (a stale writable translation would let a CPU write a guest
 * table some shadow mirrors without a trap). KVM's kvm_flush_remote_tlbs.
 */
#ifndef HV_SHADOW_KICK_H
#define HV_SHADOW_KICK_H

#include <stdbool.h>
#include <stdint.h>

/* Whether kicks can work here: NMI exiting on every CPU (the kick is an NMI). */
bool shadow_kick_possible(void);
/*
 * Makes every other CPU whose vCPU runs flush L2's translations (its
 * VPID's, and EPT's) and returns when all have; the caller may hold locks
 * (the flush happens in the target's NMI handler).
 */
void shadow_kick_others(void);
/* From an NMI (in VMX root operation, or its exit): true if it was a kick, now served. */
bool shadow_kick_nmi(void);
/* Kicks sent so far, and the TSC ticks senders waited for their answers. */
void shadow_kick_counts(uint64_t *kicks, uint64_t *wait_ticks);

#endif
