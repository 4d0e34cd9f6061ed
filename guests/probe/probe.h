/*
 * probe.h - the addresses the probe guest reads: memory the hypervisor keeps
 * for itself, as L2 can find it, and one no page table maps.
 */
#ifndef GUESTS_PROBE_PROBE_H
#define GUESTS_PROBE_PROBE_H

#include <stdint.h>

#include "multiboot2.h"

enum probe_target { TARGET_IMAGE, TARGET_POOL, TARGET_UNMAPPED };

/* The address 'target' names in this boot; 0 if there is none. */
uint64_t probe_target_addr(enum probe_target target, const struct mb2_info *mbi);

#endif
