/*
 * nested_exit.h - the way back from L3 to L2: a VM exit of L3 that L2 must
 * see (reflected), a VM-entry failure L1 found on L2's behalf, and the
 * MSR lists both directions process.
 */
#ifndef HV_VMCS_NESTED_EXIT_H
#define HV_VMCS_NESTED_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#include "vcpu.h"

/* What L3 inherits from L2 where L2's VM-entry controls load nothing (27.3.2.1). */
struct vcpu_l2_state {
	uint64_t efer, pat, dr7, debugctl;
};

/*
 * A VM-entry failure (basic reason 33 or 34, qualification qual) at L2's
 * VMLAUNCH/VMRESUME, found with vmcs02 current: L2 continues at its host
 * state with the exit reason and qualification recorded (SDM 27.8).
 */
void nested_entry_failed(struct vcpu *v, uint32_t basic_reason, uint64_t qual);

/*
 * Loads (WRMSR) or stores (RDMSR) count entries of an MSR list at L2's
 * physical address pa (SDM 27.4, 28.4, 28.6). Returns 0, or the 1-based
 * number of the entry that failed.
 */
uint32_t nested_load_msr_list(uint64_t pa, uint64_t count);
uint32_t nested_store_msr_list(uint64_t pa, uint64_t count);

#endif
