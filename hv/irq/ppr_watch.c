/*
 * irq/ppr_watch.c - exits that say L2's processor priority fell, while a
 * queued interrupt waits for it (SDM Vol. 3A 11.8.3.1: delivered only
 * above PPR[7:4] = max(TPR[7:4], ISRV[7:4])).
 *
 * L2 owns its local APIC: its TPR and EOI writes never exit. So while an
 * acknowledged interrupt waits for L2 to lower its TPR or to end the
 * interrupt in service, an intercepting vCPU with L2's APIC in xAPIC mode
 * "watches" (where L0 offers the TPR shadow and APIC-access
 * virtualization, SDM Vol. 3C 29.1.2, 29.4):
 * - the TPR moves to the virtual-APIC page (VTPR): MOV to CR8 and the
 *   xAPIC page's TPR register are served from it without an exit, and a
 *   write that takes VTPR[7:4] below the TPR threshold (the waiting
 *   vector's class) exits at once, trap-like (TPR below threshold);
 * - every other access to the xAPIC page exits (APIC access) and is
 *   emulated on the real APIC: an EOI is seen as it happens;
 * - the real TPR is 0 meanwhile, so every interrupt still exits and is
 *   queued against VTPR; it is given VTPR back when the watch ends.
 * The watch ends as soon as nothing waits for the priority: the cost (an
 * exit per other APIC access) is paid only while it is on. Without these
 * controls, or in x2APIC mode, MOV to CR8 exits instead (CR8-load
 * exiting) and a TPR written through the APIC or an EOI is seen at the
 * vCPU's next exit.
 */
#include "exit.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "l0.h"
#include "lapic.h"
#include "log.h"
#include "boot_mem.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define X2APIC_ISR_MSR 0x810 /* 8 MSRs */
#define APIC_ACCESS_OFFSET(q) ((q) & 0xfff)
#define APIC_ACCESS_TYPE(q) (((q) >> 12) & 0xf)
#define APIC_ACCESS_LINEAR_READ 0
#define APIC_ACCESS_LINEAR_WRITE 1

void ppr_watch_setup(struct vcpu *v)
{
	v->ppr_watch = false;
	if (!v->intercept_irq || !vmx_ctl_may_be_1(l0.caps.proc, PROC_USE_TPR_SHADOW) ||
	    !vmx_ctl_may_be_1(l0.caps.proc2, PROC2_VIRT_APIC_ACCESSES))
		return;
	if (!v->vapic_pa)
		v->vapic_pa = alloc_page_or_panic("virtual-APIC page");
	vmcs_write(VMCS_VIRTUAL_APIC_ADDRESS, v->vapic_pa);
}

/* ISR register R (vectors 32R..32R+31) of this CPU's real APIC. */
static uint32_t isr_reg(unsigned r, bool x2apic, uint64_t base)
{
	return x2apic ? (uint32_t)rdmsr(X2APIC_ISR_MSR + r) : *apic_reg32(base + APIC_ISR + 16 * r);
}

unsigned irq_in_service_class(const struct vcpu *v)
{
	int highest = irq_queue_highest(&v->irq);
	uint64_t base = 0;
	bool x2apic;

	if (v->apicv)
		return apicv_in_service_class();
	x2apic = !lapic_xapic_base(&base);

	/*
	 * The real ISR holds L2's interrupts in service and the queued ones the
	 * hypervisor acknowledged (one bit each: raise_acknowledged); only
	 * classes at or above the highest queued vector's can hold it.
	 */
	for (int r = 7; highest >= 0 && r >= highest / 32; r--) {
		uint32_t queued = (uint32_t)(v->irq.pending[r / 2] >> (32 * (r & 1)));
		uint32_t isr = isr_reg((unsigned)r, x2apic, base) & ~queued;

		if (isr)
			return (unsigned)(r * 32 + 31 - __builtin_clz(isr)) >> 4;
	}
	return 0;
}

/* Starts watching: VTPR takes L2's TPR, the real one goes to 0. */
static bool watch_start(struct vcpu *v)
{
	uint64_t base;

	if (!lapic_xapic_base(&base))
		return false;
	*apic_reg32(v->vapic_pa + APIC_TPR) = *apic_reg32(base + APIC_TPR) & 0xff;
	*apic_reg32(base + APIC_TPR) = 0;
	v->apic_access_pa = base;
	vmcs_write(VMCS_APIC_ACCESS_ADDRESS, base);
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
		   PROC2_VIRT_APIC_ACCESSES);
	v->ppr_watch = true;
	v->ppr_watches++;
	return true;
}

/* Ends it: the real TPR gets VTPR back. */
static void watch_end(struct vcpu *v)
{
	*apic_reg32(v->apic_access_pa + APIC_TPR) = *apic_reg32(v->vapic_pa + APIC_TPR) & 0xff;
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) &
		   ~PROC2_VIRT_APIC_ACCESSES);
	v->ppr_watch = false;
}

uint32_t ppr_watch_update(struct vcpu *v, const struct irq_decision *d)
{
	if (d->held && v->vapic_pa && (v->ppr_watch || watch_start(v))) {
		/*
		 * The waiting vector's class: a TPR write below it exits. VTPR[7:4]
		 * is at or above it (it holds the vector), as the entry checks
		 * want (SDM Vol. 3C 26.2.1.1).
		 */
		vmcs_write(VMCS_TPR_THRESHOLD, d->held & IRQ_HELD_TPR ?
			   (unsigned)irq_queue_highest(&v->irq) >> 4 : 0);
		return PROC_USE_TPR_SHADOW;
	}
	if (v->ppr_watch)
		watch_end(v);
	return d->held & IRQ_HELD_TPR ? PROC_CR8_LOAD_EXITING : 0;
}

void handle_tpr_below_threshold(struct vcpu *v)
{
	irq_inject_pending(v); /* trap-like: L2's write is done, RIP past it */
}

void handle_apic_access(struct vcpu *v)
{
	uint64_t q = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned type = APIC_ACCESS_TYPE(q);

	bool on = v->ppr_watch; /* the page is L2's APIC-access page only then (or apicv) */

	if (!on || (type != APIC_ACCESS_LINEAR_READ && type != APIC_ACCESS_LINEAR_WRITE)) {
		log_error("vCPU %u: APIC-access exit, qualification %#lx (%s)", v->index, q,
			  on ? "not an instruction's read or write" : "no watch on");
		guest_stop(v, false, "apic-access");
	}
	if (!apic_access_exit(v, v->apic_access_pa + APIC_ACCESS_OFFSET(q)))
		guest_stop(v, false, "emul-failed");
	irq_inject_pending(v); /* an EOI may have ended what held the queue */
}
