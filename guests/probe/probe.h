/*
 * probe.h - the addresses the probe guest reads: memory the hypervisor keeps
 * for itself, as L2 can find it, and one no page table maps.
 */
#ifndef GUESTS_PROBE_PROBE_H
#define GUESTS_PROBE_PROBE_H

#include <stdint.h>

#include "multiboot2.h"

enum probe_target { TARGET_IMAGE, TARGET_POOL, TARGET_UNMAPPED, TARGET_SWEEP };

/* The address 'target' names in this boot; 0 if there is none. */
uint64_t probe_target_addr(enum probe_target target, const struct mb2_info *mbi);

/* target=sweep (sweep.c): reads everything L2 can name; true if none of it was L1's. */
bool probe_sweep(const struct mb2_info *mbi);

#endif
