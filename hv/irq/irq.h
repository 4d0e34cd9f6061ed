/*
 * irq/irq.h - the hypervisor's side of interrupts: the boot policy (irq=),
 * the VMCS controls it sets per vCPU, event injection (irq/event.c) and
 * the IOAPIC model's setup (irq/irq.c).
 */
#ifndef HV_IRQ_IRQ_H
#define HV_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "irq/policy.h"
#include "irq/queue.h"
#include "irq/route.h"
#include "vcpu.h"
#include "x86.h"

/* Masks both 8259s before L2 starts (see irq.c). */
void irq_quiesce_platform(void);
/* Whether any CPU intercepts (MONITOR/MWAIT is then hidden from L2's CPUID, see irq.c). */
bool irq_any_intercept(void);
/* Whether L2's IOAPIC routes go through the model (ioapic_model=on) and are held to irq=. */
bool irq_routes_policed(void);
/* Sets vCPU V's interrupt controls in its (current) VMCS: ext-int and NMI exiting, ack on exit. */
void irq_setup_vmcs(struct vcpu *v);
/* Once every CPU is up: checks irq= against them, logs the policy and the device table. */
void irq_report(void);
/* The end-of-run counters of vCPU V ("@hv irq-count"). */
void irq_log_counters(const struct vcpu *v);
/* msi_model=on (irq/pci_config.c): L2's configuration ports through the MSI model. */
void irq_msi_setup(const struct irq_cpus *cpus);
/* Its end-of-run counters ("@hv irq-msi-count"), if on. */
void irq_msi_log_counters(void);

/*
 * Clears and sets primary processor-based controls of V in its VMCS and in
 * v->proc_ctls, the copy the NMI handler writes the VMCS from: every
 * change to them after VM launch goes through here.
 */
void irq_proc_update(struct vcpu *v, uint32_t clear, uint32_t set);
/* Injects what V's queue allows now and opens the windows for the rest. */
void irq_inject_pending(struct vcpu *v);
/*
 * Queues an interrupt the CPU acknowledged on V's behalf (a VM exit with
 * "acknowledge interrupt on exit" that L2 is to see later: nested_irq.c).
 */
void irq_queue_acknowledged(struct vcpu *v, unsigned vector);

/* irq/apicv.c: irq_eoi=virtual, virtual-interrupt delivery on an intercepting vCPU. */
/* At VMCS setup, after ppr_watch_setup: turns it on where asked for and possible. */
void apicv_setup(struct vcpu *v);
/* Whether CPUID hides x2APIC from L2 because irq_eoi=virtual needs xAPIC mode. */
bool apicv_hides_x2apic(void);
/*
 * An acknowledged VECTOR into L2's virtual IRR (its real EOI sent now if
 * edge-triggered, at L2's EOI if level-triggered); false for a vector that
 * is not in service (spurious, ExtINT), to be queued and injected as before.
 */
bool apicv_acknowledged(struct vcpu *v, unsigned vector);
/*
 * The primary controls virtual-interrupt delivery needs at the coming VM
 * entry: the TPR shadow, and interrupt-window exiting while a virtual
 * interrupt waits and L2 may not take one (RFLAGS.IF clear, STI or MOV-SS
 * blocking, state S).
 */
uint32_t apicv_controls(const struct irq_entry_state *s);
/* L2's INIT to the vCPU: its virtual APIC reset, the level vectors it held ended. */
void apicv_init(struct vcpu *v);
/* L2's HLT: ended at once if a virtual interrupt may be delivered. */
void apicv_hlt(struct vcpu *v);
/* SVI[7:4]: the highest class in L2's virtual ISR. */
unsigned apicv_in_service_class(void);
/* An emulated read of L2's xAPIC register OFFSET served by its virtual APIC (ISR, IRR, PPR). */
bool apicv_read(struct vcpu *v, uint64_t offset, uint64_t *value);
/* An emulated write to L2's xAPIC register OFFSET its virtual APIC takes (EOI, TPR). */
bool apicv_write(struct vcpu *v, uint64_t offset, uint32_t value);
/* The end-of-run line "@hv irq-eoi" of an intercepting vCPU. */
void apicv_log_counters(const struct vcpu *v);

/* irq/ppr_watch.c: L2's processor priority while a queued interrupt waits for it. */
/* At VMCS setup: the virtual-APIC page of an intercepting vCPU, where L0 offers it. */
void ppr_watch_setup(struct vcpu *v);
/* TPR[7:4] of L2: VTPR while watched, else the real one's (L2's own). */
static inline unsigned ppr_watch_tpr_class(const struct vcpu *v)
{
	if (v->ppr_watch) /* on for good under irq_eoi=virtual */
		return (*(volatile uint32_t *)(uintptr_t)(v->vapic_pa + 0x80) >> 4) & 0xf;
	return (unsigned)read_cr8() & 0xf;
}
/* ISRV[7:4]: the highest class L2 has in service (not the queued ones' ISR bits), or 0. */
unsigned irq_in_service_class(const struct vcpu *v);
/*
 * Starts, retunes or ends the watch for decision D; returns the primary
 * controls it needs (the TPR shadow, or CR8-load exiting without it).
 */
uint32_t ppr_watch_update(struct vcpu *v, const struct irq_decision *d);
/* Re-injects the event whose delivery the current exit interrupted; false if none. */
bool irq_reinject_vectoring(void);
/* HLT with events queued (exit_misc.c): they end it if they may. */
void irq_hlt(struct vcpu *v);
/* An NMI exit (from handle_exception). */
void irq_nmi_exit(struct vcpu *v);
/* MOV to CR8 (CR8-load exiting is on while the TPR holds an interrupt back). */
void irq_cr8_write(struct vcpu *v, uint64_t value);
/*
 * An intercepted exception VECTOR raised while delivering the event in
 * VECTORING: an interrupted NMI or interrupt is queued again; the result
 * says whether to deliver the exception, #DF, or stop (triple fault).
 */
enum irq_combine irq_exception_during_delivery(struct vcpu *v, uint32_t vectoring,
					       unsigned vector);
/*
 * Ends the NMI blocking of VMX root operation with an IRET to the next
 * instruction. A VM exit caused by an NMI counts as the NMI's delivery:
 * NMIs stay blocked until the next IRET, which with virtual NMIs L2's own
 * IRET is not (KVM runs the host's NMI handler after such an exit for the
 * same reason). Bochs 2.7 also leaves NMIs masked after a SIPI that exited.
 */
void irq_unblock_nmis(void);
/* From the host NMI handler: true if the NMI was L2's and is queued. */
bool irq_nmi_in_root(void);

#endif
