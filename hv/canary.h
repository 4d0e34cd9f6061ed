/*
 * canary.h - a random 64-bit value the hypervisor keeps in its own memory
 * (image data and a pool page) for the probe guest's sweep to look for: a
 * guest that reads it has read L1. L2 gets only its complement
 * (HC_PROBE_CANARY), so the value itself never lies in L2's memory.
 */
#ifndef HV_CANARY_H
#define HV_CANARY_H

#include <stdint.h>

/* Picks the value and plants it; before any guest runs. */
void canary_init(void);
/* Its complement, for HC_PROBE_CANARY. */
uint64_t canary_complement(void);
/* inject=canary-leak: writes the value into L2's RAM at 'gpa' (the sweep's control). */
void canary_leak(uint64_t gpa);

#endif
