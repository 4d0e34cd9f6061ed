/*
 * exit.h - the VM-exit path: one table of handlers keyed by basic exit
 * reason, and the helpers handlers share.
 */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include <stdbool.h>

#include "vcpu.h"

typedef void (*exit_handler_fn)(struct vcpu *v);

/*
 * Called by vmx_entry.S on every exit its fast paths do not serve, with the
 * full exit reason it read (zero-extended); the vCPU is resumed after it
 * returns.
 */
void vmexit_handler(struct vcpu *v, uint64_t reason);
/* Called by vmx_entry.S when VMRESUME fails. */
__attribute__((noreturn)) void vmresume_failed(struct vcpu *v);
/* Moves the guest past the instruction that exited (GUEST_RIP += length). */
void skip_instruction(void);
/* Queues a hardware exception for the next VM entry (SDM Vol. 3C 27.6; irq/event.c). */
void inject_exception(unsigned vector, bool has_error, uint32_t error);

/* The handlers (exit_*.c, hypercall.c). */
void handle_cpuid(struct vcpu *v);
void handle_io(struct vcpu *v);
void handle_rdmsr(struct vcpu *v);
void handle_wrmsr(struct vcpu *v);
void handle_cr_access(struct vcpu *v);
void handle_hlt(struct vcpu *v);
void handle_invd(struct vcpu *v);
void handle_xsetbv(struct vcpu *v);
void handle_invlpg(struct vcpu *v);
void handle_invpcid(struct vcpu *v);
void handle_vmcall(struct vcpu *v);
void handle_triple_fault(struct vcpu *v);
void handle_ept_violation(struct vcpu *v);
/*
 * An access L2's EPT refuses at gpa, offered to an emulated device or the
 * trapped xAPIC page (also for paging=shadow, where EPT is off): true if
 * one served it (the run stops if its emulation failed).
 */
bool ept_device_access(struct vcpu *v, uint64_t gpa, bool write);
void handle_ept_misconfig(struct vcpu *v);
/* guest_fault=inject: logs how many faults were injected (none: nothing). */
void exit_fault_summary(void);
void handle_vmx_instruction(struct vcpu *v);
void handle_init(struct vcpu *v);
void handle_exception(struct vcpu *v);
void handle_sipi(struct vcpu *v);
void handle_external_interrupt(struct vcpu *v);
void handle_interrupt_window(struct vcpu *v);
void handle_nmi_window(struct vcpu *v);
void handle_mwait(struct vcpu *v);
/* A write to L2's xAPIC page that exited (exit_apic.c): emulated, or false: stop the run. */
bool apic_write_exit(struct vcpu *v, uint64_t gpa);
/* An APIC-access exit at guest-physical GPA of the xAPIC page: emulated on the real APIC. */
bool apic_access_exit(struct vcpu *v, uint64_t gpa);
void handle_tpr_below_threshold(struct vcpu *v);
void handle_apic_access(struct vcpu *v);
/* irq_eoi=virtual (irq/apicv.c): L2 ended a level-triggered vector; L2 wrote its ICR. */
void handle_virtualized_eoi(struct vcpu *v);
void handle_apic_write(struct vcpu *v);
/* L2's WRMSR of the x2APIC ICR while it exits (exit_apic.c). */
void x2apic_icr_exit(struct vcpu *v, uint64_t icr);
/*
 * Until L2 has started every AP, its IPI writes exit (the xAPIC page, the
 * x2APIC ICR), so that an INIT to a vCPU waiting for its SIPI is dropped.
 */
void apic_trap_start_ipis(void);
/* Every AP runs: the xAPIC page and the x2APIC ICR are L2's directly again. */
void apic_release_start_ipis(void);

#endif
