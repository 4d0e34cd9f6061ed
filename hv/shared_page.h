/*
 * shared_page.h - the per-vCPU page shared on purpose between the
 * hypervisor and L2 (seed 000; struct hv_shared_page in hypercall.h).
 */
#ifndef HV_SHARED_PAGE_H
#define HV_SHARED_PAGE_H

#include <stdint.h>

#include "vcpu.h"

/* HC_SHARED_MAP and HC_SHARED_KICK; sets outputs in v->gpr, returns RAX. */
int64_t shared_page_hypercall(struct vcpu *v, uint64_t fn);

#endif
