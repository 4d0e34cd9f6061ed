/*
 * pt_store_exit.h - shadow paging's page-table writes without Capstone: the
 * store at L2's RIP that hit a write-protected guest table, decoded and run
 * by pt_store.h when it is one of the forms Linux writes its tables with
 * (hv/shadow_mode.c tries this first and falls back to emul_exit).
 */
#ifndef HV_EMUL_PT_STORE_EXIT_H
#define HV_EMUL_PT_STORE_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/walk.h"

struct vcpu;

/*
 * L2 (paging mode m, 64-bit code) wrote linear va, guest-physical gpa, a
 * page some shadow mirrors. If the instruction at RIP is a store the fast
 * path knows, to exactly va and inside one page, it is done (registers,
 * RFLAGS, RIP updated) and true returned, with the bytes it changed in
 * *len (0 if memory is as it was: a failed compare-exchange). False:
 * nothing done, the caller emulates it in full.
 */
bool pt_store_exit(struct vcpu *v, const struct walk_mode *m, uint64_t va, uint64_t gpa,
		   unsigned *len);
/* The end-of-run counters: stores done here, by operation; those left to the emulator. */
void pt_store_log_counters(void);

#endif
