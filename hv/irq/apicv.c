/*
 * irq/apicv.c - irq_eoi=virtual: an intercepting vCPU takes L2's interrupts
 * through virtual-interrupt delivery (SDM Vol. 3C 29.2), so every EOI is
 * balanced per vector and L2's EOI of an edge-triggered vector costs no exit.
 *
 * Under irq_eoi=count the hypervisor injects each acknowledged vector and
 * L2's EOI goes to the real APIC, which ends its highest vector in service:
 * that may be one still queued, ended before L2 has seen it. Here instead:
 * - an acknowledged vector (the external-interrupt exit) goes into L2's
 *   virtual IRR on the virtual-APIC page and RVI; the CPU delivers it when
 *   RFLAGS.IF, interruptibility and the virtual PPR allow (29.2.1), through
 *   the virtual ISR and SVI, and L2's EOI (a write to the xAPIC page's EOI
 *   register, APIC-access virtualization) ends the highest virtual ISR
 *   bit without an exit (EOI virtualization, 29.1.4). TPR reads and writes
 *   and MOV CR8 use the virtual TPR (29.1.2); the real TPR stays 0;
 * - on the real APIC an edge-triggered vector is ended at once (the one
 *   acknowledged is the highest in service: the APIC delivered it above the
 *   processor priority, 11.8.3.1); a level-triggered one (its TMR bit set,
 *   11.8.4) stays in service until L2 ends it: its bit in the EOI-exit
 *   bitmap makes that EOI exit (EOI-induced VM exit, reason 45) and its
 *   real EOI, which lets the IOAPIC send it again, goes then (eoi_held.h);
 * - a spurious vector, or one delivered as ExtINT (no ISR bit: the 8259's),
 *   is never in service: it is injected as before (irq/queue.h), with NMIs;
 * - every other access to L2's xAPIC page exits (APIC access, fault-like:
 *   no APIC-register virtualization, so no register copy to keep in step)
 *   and is emulated on the real APIC (exit_apic.c), except reads of ISR,
 *   IRR and PPR, which L2 gets from its virtual APIC (apicv_read): so a
 *   vector acknowledged but not yet delivered is in L2's IRR, not its ISR.
 *   An ICR write is virtualized (29.4.3.2): a fixed self-IPI goes into the
 *   virtual IRR without an exit (self-IPI virtualization); any other exits
 *   after the write (APIC-write VM exit, reason 56) and is sent on the real
 *   APIC, whose ICR high half L2's earlier write (an APIC access) set.
 * Needs L2's APIC in xAPIC mode (x2APIC's EOI and ICR would reach the real
 * APIC: the run stops with a clear error if L2 switches) and no nested VMX
 * (an exit from L3 acknowledges with vmcs02 current, where RVI cannot be
 * written); elsewhere, or where L0 lacks the controls, the vCPU counts.
 * Posted interrupts (absent in Bochs 2.7) would let another CPU raise
 * a vector without the exit; not used.
 */
#include "exit.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "l0.h"
#include "lapic.h"
#include "log.h"
#include "options.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define APIC_WRITE_OFFSET(q) ((q) & 0xfff)

/* Bit V of the 256-bit register at OFFSET of the APIC page at BASE (ISR, TMR, IRR). */
static bool reg_bit(uint64_t base, unsigned offset, unsigned v)
{
	return *apic_reg32(base + offset + 16 * (v / 32)) >> (v % 32) & 1;
}

static bool offered(void)
{
	const struct vmx_caps *c = &l0.caps;

	return vmx_ctl_may_be_1(c->proc, PROC_USE_TPR_SHADOW) &&
	       vmx_ctl_may_be_1(c->proc2, PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_INTR_DELIVERY);
}

/*
 * Whether intercepting vCPUs take irq_eoi=virtual (where apicv_setup will
 * turn it on): then CPUID hides x2APIC from L2 (exit_cpuid.c), so Linux
 * keeps its APIC in xAPIC mode, the one this scheme virtualizes, instead of
 * switching to x2APIC on an L0 that offers it (KVM) and stopping the run.
 */
bool apicv_hides_x2apic(void)
{
	return irq_any_intercept() && hv_opts.irq_eoi == IRQ_EOI_VIRTUAL && !hv_opts.nested &&
	       offered();
}

void apicv_setup(struct vcpu *v)
{
	uint64_t base;
	const char *why = NULL;

	v->apicv = false;
	v->eoi_held = (struct irq_eoi_held){ 0 };
	if (!v->intercept_irq || hv_opts.irq_eoi != IRQ_EOI_VIRTUAL)
		return;
	if (!offered() || !v->vapic_pa)
		why = "L0 offers no virtual-interrupt delivery with APIC-access virtualization";
	else if (hv_opts.nested)
		why = "nested=on";
	else if (!lapic_xapic_base(&base))
		why = "the local APIC is in x2APIC mode";
	if (why) {
		log_info("vCPU %u: irq_eoi=virtual not possible (%s): EOIs are counted", v->index,
			 why);
		return;
	}
	/* The virtual-APIC page starts empty but for L2's TPR; the real TPR stays 0. */
	for (unsigned off = 0; off < 0x400; off += 4)
		*apic_reg32(v->vapic_pa + off) = 0;
	*apic_reg32(v->vapic_pa + APIC_TPR) = *apic_reg32(base + APIC_TPR) & 0xff;
	*apic_reg32(base + APIC_TPR) = 0;
	v->apic_access_pa = base;
	vmcs_write(VMCS_APIC_ACCESS_ADDRESS, base);
	for (unsigned i = 0; i < 4; i++)
		vmcs_write(VMCS_EOI_EXIT_BITMAP_0 + 2 * i, 0);
	vmcs_write(VMCS_GUEST_INTERRUPT_STATUS, 0);
	vmcs_write(VMCS_TPR_THRESHOLD, 0);
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
		   PROC2_VIRT_APIC_ACCESSES | PROC2_VIRT_INTR_DELIVERY);
	vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   (vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
		    PROC_USE_TPR_SHADOW) & ~(PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING));
	v->apicv = true;
	v->ppr_watch = true; /* for good: the virtual TPR and PPR are L2's (irq_inject_pending) */
}

/* Sets or clears V's bit in the EOI-exit bitmap (four 64-bit fields, SDM Vol. 3C 25.6.8). */
static void eoi_exit_bit(unsigned v, bool set)
{
	uint64_t field = VMCS_EOI_EXIT_BITMAP_0 + 2 * (v / 64);
	uint64_t bits = vmread(field), bit = 1ull << (v % 64);

	vmcs_write(field, set ? bits | bit : bits & ~bit);
}

/*
 * Ends the HLT L2 waits in if the virtual interrupt now pending may be
 * delivered: RVI's class above VPPR's, RFLAGS.IF set (29.2.1). The CPU does
 * so itself (29.2.2); done here too so an L0 that leaves a vCPU halted with a
 * virtual interrupt recognized cannot lose it.
 */
static void wake_hlt(struct vcpu *v)
{
	unsigned rvi = (unsigned)vmread(VMCS_GUEST_INTERRUPT_STATUS) & 0xff;
	unsigned vppr = *apic_reg32(v->vapic_pa + APIC_PPR) & 0xff;

	if ((rvi >> 4) > (vppr >> 4) && (vmread(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    vmread(VMCS_GUEST_ACTIVITY_STATE) == ACTIVITY_HLT)
		vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
}

bool apicv_acknowledged(struct vcpu *v, unsigned vector)
{
	uint64_t base = v->apic_access_pa, status;

	if (!lapic_xapic_base(&base) || base != v->apic_access_pa) {
		log_error("vCPU %u: irq_eoi=virtual needs L2's local APIC in xAPIC mode at %#lx; "
			  "L2 moved it (x2APIC or a new base): its EOIs would reach the real APIC",
			  v->index, v->apic_access_pa);
		guest_stop(v, false, "apicv-x2apic");
	}
	/* Spurious, or ExtINT (the 8259's vectors): no ISR bit, injected as before. */
	if (vector < 16 || !reg_bit(base, APIC_ISR, vector))
		return false;
	if (reg_bit(base, APIC_TMR, vector)) {
		irq_eoi_held_add(&v->eoi_held, vector);
		eoi_exit_bit(vector, true);
	} else {
		*apic_reg32(base + APIC_EOI) = 0; /* ends VECTOR: the highest in service */
	}
	*apic_reg32(v->vapic_pa + APIC_IRR + 16 * (vector / 32)) |= 1u << (vector % 32);
	status = vmread(VMCS_GUEST_INTERRUPT_STATUS);
	if ((status & 0xff) < vector) /* RVI: the highest vector in the virtual IRR */
		vmcs_write(VMCS_GUEST_INTERRUPT_STATUS, (status & 0xff00) | vector);
	v->irq.raised++;
	wake_hlt(v);
	return true;
}

/*
 * Bochs 2.7 delivers a pending virtual interrupt, whatever RFLAGS.IF, when
 * a real interrupt arrives that external-interrupt exiting should turn into
 * a VM exit (its InterruptAcknowledge tries the virtual one first), so an
 * interrupt acknowledged while L2 has interrupts off would go in at once and
 * out of priority order. The SDM recognizes a virtual interrupt only when
 * RFLAGS.IF is set and no STI/MOV-SS blocking is on (29.2.2), and never
 * while interrupt-window exiting is on; Bochs does not evaluate it then
 * either. So while L2 has interrupts off and its virtual IRR is not empty,
 * the window is open: its exit comes once L2 may take the interrupt, and
 * the VM entry after it, the window closed, delivers it. Correct on any L0;
 * one exit more where an interrupt arrives while L2 has interrupts off.
 */
uint32_t apicv_controls(const struct irq_entry_state *s)
{
	bool blocked = !s->rflags_if ||
		       (s->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));

	return PROC_USE_TPR_SHADOW |
	       (blocked && (vmread(VMCS_GUEST_INTERRUPT_STATUS) & 0xff) ?
		PROC_INTR_WINDOW_EXITING : 0);
}

void apicv_init(struct vcpu *v)
{
	unsigned held = 0;

	if (!v->apicv)
		return;
	/*
	 * The APIC's INIT reset clears IRR, ISR and TPR (SDM Vol. 3A 11.4.7.3); the
	 * real APIC kept L2's level-triggered vectors in service: they end now.
	 */
	for (unsigned w = 0; w < 4; w++)
		for (uint64_t bits = v->eoi_held.held[w]; bits; bits &= bits - 1)
			held++;
	while (held--)
		*apic_reg32(v->apic_access_pa + APIC_EOI) = 0;
	for (unsigned r = 0; r < 8; r++) {
		*apic_reg32(v->vapic_pa + APIC_ISR + 16 * r) = 0;
		*apic_reg32(v->vapic_pa + APIC_IRR + 16 * r) = 0;
	}
	*apic_reg32(v->vapic_pa + APIC_TPR) = 0;
	*apic_reg32(v->vapic_pa + APIC_PPR) = 0;
	for (unsigned i = 0; i < 4; i++) {
		v->eoi_held.held[i] = v->eoi_held.ended[i] = 0;
		vmcs_write(VMCS_EOI_EXIT_BITMAP_0 + 2 * i, 0);
	}
	vmcs_write(VMCS_GUEST_INTERRUPT_STATUS, 0);
}

void apicv_hlt(struct vcpu *v)
{
	if (v->apicv)
		wake_hlt(v);
}

unsigned apicv_in_service_class(void)
{
	return ((unsigned)vmread(VMCS_GUEST_INTERRUPT_STATUS) >> 12) & 0xf; /* SVI[7:4] */
}

/* L2 ended level-triggered VECTOR: its real EOI now, or with a higher one's (eoi_held.h). */
static void level_ended(struct vcpu *v, unsigned vector)
{
	unsigned n;

	eoi_exit_bit(vector, false);
	n = irq_eoi_held_end(&v->eoi_held, vector);
	if (!n && !irq_eoi_held_has(&v->eoi_held, vector))
		log_error("vCPU %u: L2 ended vector %#x, which the hypervisor did not hold",
			  v->index, vector);
	while (n--)
		*apic_reg32(v->apic_access_pa + APIC_EOI) = 0;
}

void handle_virtualized_eoi(struct vcpu *v)
{
	if (!v->apicv) {
		log_error("vCPU %u: EOI-induced exit without virtual-interrupt delivery", v->index);
		guest_stop(v, false, "virtualized-eoi");
	}
	/* Trap-like: L2's write is done, RIP past it; the CPU evaluates what is pending. */
	level_ended(v, (unsigned)vmread(VMCS_EXIT_QUALIFICATION) & 0xff);
}

/* The highest bit of the virtual ISR, or 0 (SDM Vol. 3C 29.1.4). */
static unsigned visr_highest(const struct vcpu *v)
{
	for (int r = 7; r >= 0; r--) {
		uint32_t isr = *apic_reg32(v->vapic_pa + APIC_ISR + 16 * (unsigned)r);

		if (isr)
			return (unsigned)(r * 32 + 31 - __builtin_clz(isr));
	}
	return 0;
}

/* PPR virtualization (29.1.3): VPPR from VTPR and SVI. */
static void ppr_virtualize(struct vcpu *v)
{
	unsigned vtpr = *apic_reg32(v->vapic_pa + APIC_TPR) & 0xff;
	unsigned svi = ((unsigned)vmread(VMCS_GUEST_INTERRUPT_STATUS) >> 8) & 0xff;

	*apic_reg32(v->vapic_pa + APIC_PPR) = (vtpr >> 4) >= (svi >> 4) ? vtpr : svi & 0xf0;
}

/* EOI virtualization (29.1.4) done by the hypervisor, for a write it emulates. */
static void eoi_virtualize(struct vcpu *v)
{
	uint64_t status = vmread(VMCS_GUEST_INTERRUPT_STATUS);
	unsigned svi = (unsigned)(status >> 8) & 0xff;
	uint64_t bitmap = vmread(VMCS_EOI_EXIT_BITMAP_0 + 2 * (svi / 64));

	*apic_reg32(v->vapic_pa + APIC_EOI) = 0;
	*apic_reg32(v->vapic_pa + APIC_ISR + 16 * (svi / 32)) &= ~(1u << (svi % 32));
	vmcs_write(VMCS_GUEST_INTERRUPT_STATUS, (status & 0xff) | visr_highest(v) << 8);
	ppr_virtualize(v);
	if (bitmap >> (svi % 64) & 1)
		level_ended(v, svi);
}

/*
 * A write to L2's xAPIC page that exited as an EPT violation instead of
 * being virtualized (the page is read-only in L2's EPT while L2 starts its
 * APs, exit_apic.c: that exit comes first, 29.4.1): the EOI and the TPR are
 * the virtual APIC's, done here as the CPU would (29.4.3.2); the rest goes
 * to the real APIC (false). The CPU evaluates pending virtual interrupts
 * again at the VM entry (26.3.2.5).
 */
bool apicv_write(struct vcpu *v, uint64_t offset, uint32_t value)
{
	if (offset == APIC_EOI) {
		eoi_virtualize(v);
	} else if (offset == APIC_TPR) {
		*apic_reg32(v->vapic_pa + APIC_TPR) = value & 0xff;
		ppr_virtualize(v);
	} else {
		return false;
	}
	return true;
}

void handle_apic_write(struct vcpu *v)
{
	unsigned offset = APIC_WRITE_OFFSET(vmread(VMCS_EXIT_QUALIFICATION));

	if (!v->apicv || offset != APIC_ICR_LO) {
		log_error("vCPU %u: APIC-write exit at offset %#x (%s)", v->index, offset,
			  v->apicv ? "only the ICR's is expected" : "no virtual-interrupt delivery");
		guest_stop(v, false, "apic-write");
	}
	/* Trap-like: the value is in VICR_LO; the real ICR high half is L2's already. */
	*apic_reg32(v->apic_access_pa + APIC_ICR_LO) = *apic_reg32(v->vapic_pa + APIC_ICR_LO);
}

bool apicv_read(struct vcpu *v, uint64_t offset, uint64_t *value)
{
	if (offset == APIC_PPR) {
		*value = *apic_reg32(v->vapic_pa + APIC_PPR);
	} else if (offset >= APIC_ISR && offset < APIC_TMR && !(offset & 0xf)) {
		*value = *apic_reg32(v->vapic_pa + offset);
	} else if (offset >= APIC_IRR && offset < APIC_IRR + 0x80 && !(offset & 0xf)) {
		/* Acknowledged or not: both are pending for L2. */
		*value = *apic_reg32(v->vapic_pa + offset) | *apic_reg32(v->apic_access_pa + offset);
	} else {
		return false;
	}
	return true;
}

void apicv_log_counters(const struct vcpu *v)
{
	const struct irq_eoi_held *h = &v->eoi_held;

	log_mline("irq-eoi", "vcpu=%u mode=%s level_acks=%lu level_eois=%lu deferred=%lu "
		  "unknown=%lu", v->index, v->apicv ? "virtual" : "count", h->acks, h->eois,
		  h->deferred, h->unknown);
}
