/*
 * exit_apic.c - L2's writes to its xAPIC page while L2 starts its APs.
 *
 * L2's INIT IPI must never reach an AP whose vCPU waits for its SIPI: in
 * the wait-for-SIPI activity state INIT is blocked and causes no VM exit
 * (SDM Vol. 3C 26.2), so it stays pending through the SIPI exit and fires
 * at the VM entry after it, sending the vCPU back to wait-for-SIPI before
 * its first instruction. (Bochs 2.7 also never clears an INIT that caused
 * a VM exit: it fires again at every later VM entry.) Natively an INIT to
 * a CPU that waits for SIPI changes nothing, so dropping it is exact.
 *
 * Until every AP has had its SIPI the xAPIC page is read-only in L2's EPT
 * (guest_mem_trap_apic_writes); each write exits here and L2's instruction
 * is emulated (hv/emul/emul_exit.c) against a device model that does the
 * access on the real xAPIC from the hypervisor - except an INIT to such a
 * vCPU. Then the page is L2's directly again. In x2APIC mode the ICR is
 * MSR 0x830: its writes exit (the MSR bitmap) for as long, with the same
 * filter.
 */
#include "emul/emul_exit.h"
#include "exit.h"
#include "extable.h"
#include "guest_mem.h"
#include "irq/irq.h"
#include "lapic.h"
#include "lib/string.h"
#include "log.h"
#include "msr_bitmap.h"
#include "page_alloc.h"
#include "percpu.h"
#include "smp.h"
#include "vmx.h"

#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310
#define ICR_MODE(icr) (((icr) >> 8) & 7)
#define ICR_MODE_INIT 5
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
#define ICR_LOGICAL (1u << 11)
#define X2APIC_ICR_MSR 0x830

static volatile bool start_ipis_trapped;

/* The vCPU of the CPU with this APIC ID, or NULL. */
static struct vcpu *vcpu_of_apic(uint32_t apic_id)
{
	for (unsigned i = 0; i < smp_cpus; i++)
		if (percpus[i].apic_id == apic_id)
			return &vcpus[i];
	return NULL;
}

/*
 * An INIT that natively changes nothing: every target still waits for its
 * SIPI. 'dest' is the physical destination's APIC ID.
 */
static bool init_to_waiting(struct vcpu *self, uint32_t icr, uint32_t dest)
{
	struct vcpu *t;

	if (ICR_MODE(icr) != ICR_MODE_INIT)
		return false;
	switch (ICR_SHORTHAND(icr)) {
	case 0:
		if (icr & ICR_LOGICAL)
			return false;
		t = vcpu_of_apic(dest);
		return t && t != self && !t->started;
	case 3: /* all excluding self */
		for (unsigned i = 0; i < smp_cpus; i++)
			if (&vcpus[i] != self && vcpus[i].started)
				return false;
		return true;
	default:
		return false;
	}
}

/* The real xAPIC register behind an emulated access (identity-mapped, 32-bit). */
static volatile uint32_t *apic_reg(const struct mmio_device *d, uint64_t offset)
{
	return (volatile uint32_t *)(uintptr_t)(d->base + (offset & ~3ull));
}

/* xAPIC registers are 32 bits wide and 16-byte aligned (SDM Vol. 3A 11.4.1). */
static bool apic_read(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
		      uint64_t *value)
{
	if (width != 4 || (offset & 3))
		return false;
	if (v->apicv && apicv_read(v, offset, value)) /* ISR, IRR, PPR: L2's virtual ones */
		return true;
	*value = *apic_reg(d, offset);
	return true;
}

static bool apic_write(struct mmio_device *d, struct vcpu *v, uint64_t offset, unsigned width,
		       uint64_t value)
{
	uint32_t val = (uint32_t)value;

	if (width != 4 || (offset & 3))
		return false;
	if (v->apicv && apicv_write(v, offset, val)) /* EOI, TPR: L2's virtual ones */
		return true;
	if (offset == XAPIC_ICR_LO && init_to_waiting(v, val, *apic_reg(d, XAPIC_ICR_HI) >> 24)) {
		log_info("vCPU %u: L2's INIT IPI %#x to a vCPU waiting for SIPI: dropped",
			 v->index, val);
		return true;
	}
	*apic_reg(d, offset) = val;
	return true;
}

bool apic_access_exit(struct vcpu *v, uint64_t gpa)
{
	/* Per exit: CPUs may have different xAPIC bases in principle. */
	struct mmio_device apic = { .name = "xapic", .base = gpa & ~(PAGE_SIZE - 1),
				    .size = PAGE_SIZE, .read = apic_read, .write = apic_write };

	return emul_exit(v, gpa, &apic);
}

bool apic_write_exit(struct vcpu *v, uint64_t gpa)
{
	if (!apic_access_exit(v, gpa))
		return false;
	if (!guest_mem_apic_writes_trapped())
		invept_all(); /* this CPU may still hold the read-only translation */
	return true;
}

/* WRMSR to the x2APIC ICR: the destination is bits 63:32 (SDM Vol. 3A 11.12.9). */
void x2apic_icr_exit(struct vcpu *v, uint64_t icr)
{
	if (init_to_waiting(v, (uint32_t)icr, (uint32_t)(icr >> 32))) {
		log_info("vCPU %u: L2's x2APIC INIT IPI %#lx to a vCPU waiting for SIPI: dropped",
			 v->index, icr);
	} else if (wrmsr_safe(X2APIC_ICR_MSR, icr)) {
		inject_exception(13, true, 0); /* not in x2APIC mode, or reserved bits */
		return;
	}
	skip_instruction();
}

void apic_trap_start_ipis(void)
{
	uint64_t apic;

	if (lapic_xapic_base(&apic))
		guest_mem_trap_apic_writes(apic, true);
	msr_bitmap_intercept(X2APIC_ICR_MSR, 1, false, true);
	start_ipis_trapped = true;
}

void apic_release_start_ipis(void)
{
	if (!start_ipis_trapped)
		return;
	start_ipis_trapped = false;
	if (guest_mem_apic_writes_trapped())
		guest_mem_trap_apic_writes(0, false);
	msr_bitmap_release(X2APIC_ICR_MSR, 1, false, true);
}
