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
#include "vmcs/field_list.h"

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

/*
 * Reflects the exit L3 just took to L2 (vmcs02 current): its exit
 * information into L2's virtual VMCS, L2's host state into vmcs01, which
 * is current after it.
 */
void nested_reflect(struct vcpu *v);
/* After nested_reflect: an exit-information field L2 must see otherwise. */
void nested_set_exit_field(struct vcpu *v, enum vmcs_index idx, uint64_t value);
/* An exit during event delivery that L1 handled: the event is delivered again (28.2.4). */
void nested_redeliver_interrupted_event(void);

/*
 * Interrupts while L3 runs (nested_irq.c). vmcs02's pin-based and VM-exit
 * controls: L2's, with external-interrupt exiting and acknowledge interrupt
 * on exit where L1 intercepts this CPU's interrupts.
 */
uint32_t nested_irq_pin_controls(const struct vcpu *v, uint32_t l2_pin);
uint32_t nested_irq_exit_controls(const struct vcpu *v, uint32_t l2_exit);
/* At L3's VM entry, vmcs02 current: interrupts L1 holds for L2's world. */
void nested_irq_entry(struct vcpu *v);
/*
 * An L3 exit that is L1's interrupt business (nested_exit.c's l2_wants
 * decides): an external interrupt L1 acknowledged, an interrupt window
 * only L1 asked for, or L1's immediate exit (the VMX-preemption timer,
 * never offered to L2). Handled for L3, or turned into an exit to L2.
 */
void nested_irq_exit(struct vcpu *v, uint32_t reason);

#endif
