/*
 * guest_pool.h - pool=on: part of L2's RAM backed on demand by a page pool
 * (mmu/page_pool.h) through EPT violations, with sharing and swapping.
 */
#ifndef HV_GUEST_POOL_H
#define HV_GUEST_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "hypercall.h"
#include "vcpu.h"

/*
 * With pool=on, takes the highest pool_mib MiB of L2's RAM below 4 GiB out
 * of its EPT and serves it from the pool: after the guest is loaded (what
 * the loader put there is adopted: swapped, to come back on first touch).
 * Refuses the boot if it cannot (several CPUs, no room).
 */
void guest_pool_init(void);
/* Whether the pool is on and gpa lies in its region. */
bool guest_pool_contains(uint64_t gpa);
/*
 * An EPT violation at gpa (qualification qual): true if the pool served it
 * (or stopped the run on an error), false if gpa is not the pool's.
 */
bool guest_pool_violation(struct vcpu *v, uint64_t gpa, uint64_t qual);
/*
 * A pointer to [gpa, gpa + len) in the region for the hypervisor's own
 * access, the page brought in (sharing broken: the caller may write); NULL
 * if the range crosses a page or the pool failed.
 */
void *guest_pool_ptr(uint64_t gpa, uint64_t len);
/* The pool's hypercalls (HC_POOL_*); sets outputs in v->gpr, returns RAX. */
int64_t guest_pool_hypercall(struct vcpu *v, uint64_t fn);
/* The pool's counters as HC_POOL_STATS gives them (zeros with pool=off). */
void guest_pool_stats(struct hc_pool_stats *out);
/* The end-of-run counters (nothing with pool=off). */
void guest_pool_report(void);

#endif
