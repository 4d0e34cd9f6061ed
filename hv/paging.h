/*
 * paging.h - how L2's addresses are translated (paging=nested|shadow|hybrid)
 * and the paging hypercalls (0x700-0x7ff: the page pool, the shared page).
 */
#ifndef HV_PAGING_H
#define HV_PAGING_H

#include <stdint.h>

#include "vcpu.h"

/* At boot, before L2 runs: refuses a mode this build cannot run yet. */
void paging_init(void);
/* A hypercall in HC_PAGING_FIRST..HC_PAGING_LAST; sets outputs in v->gpr, returns RAX. */
int64_t paging_hypercall(struct vcpu *v, uint64_t fn);

#endif
