/*
 * irq/irq.c - the interrupt policy put into effect: irq= parsed at boot,
 * the per-vCPU VMCS controls, the boot report (policy, device table), the
 * end-of-run counters.
 *
 * The hypervisor takes no interrupt of its own: its serial log is polled
 * and its clock is the TSC, so both keep working under every policy and
 * every acknowledged vector is L2's. NMIs exit on every CPU that offers
 * virtual NMIs, whatever its policy: an NMI can arrive while the CPU runs
 * the hypervisor, and only NMI-window exiting (which needs virtual NMIs,
 * which need NMI exiting: SDM Vol. 3C 27.2.1.1) can hand it to L2 later.
 *
 * Once any CPU intercepts, L2's CPUID shows no MONITOR/MWAIT (as KVM's
 * default), so an OS idles with HLT, which the hypervisor sees; and on an
 * intercepting CPU MWAIT exits and completes at once (it may always end
 * early, SDM Vol. 2B MWAIT). Bochs 2.7 wakes a waiting MWAIT only for an
 * interrupt RFLAGS.IF (or ECX[0]) admits and misses those that
 * external-interrupt exiting should turn into VM exits (Linux on two
 * intercepting CPUs slept forever), and an idle loop of MWAIT exits is
 * far too slow under Bochs (Linux's "sleep 1" took minutes).
 *
 * An intercepted interrupt is acknowledged when it arrives, even while L2
 * runs with interrupts off: it is then L2's, as if latched in its IRR. The
 * firmware leaves the 8259s unmasked with the PIT ticking at vector 8 (#DF
 * in protected mode) before L2 can mask them, so L2 starts with both 8259s
 * masked, under every policy alike (an OS programs them before use).
 */
#include "emul/emul_exit.h"
#include "guest_mem.h"
#include "irq/ioapic.h"
#include "irq/irq.h"
#include "irq/route.h"
#include "lib/spinlock.h"
#include "l0.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "platform.h"
#include "power.h"
#include "smp.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

static bool any_intercept, routes_policed;

bool irq_any_intercept(void)
{
	return any_intercept;
}

bool irq_routes_policed(void)
{
	return routes_policed;
}

/* NMI exiting with virtual NMIs and NMI-window exiting, all three offered. */
static bool nmi_exiting(void)
{
	return vmx_ctl_may_be_1(l0.caps.pin, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS) &&
	       vmx_ctl_may_be_1(l0.caps.proc, PROC_NMI_WINDOW_EXITING);
}

void irq_quiesce_platform(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void irq_setup_vmcs(struct vcpu *v)
{
	const struct vmx_caps *c = &l0.caps;
	uint32_t pin = (uint32_t)vmread(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS);
	uint32_t exit = (uint32_t)vmread(VMCS_PRIMARY_VM_EXIT_CONTROLS);

	v->intercept_irq = irq_policy_intercepts(&irq_policy, v->index);
	ppr_watch_setup(v);
	v->virtual_nmis = nmi_exiting();
	if (v->virtual_nmis)
		pin |= PIN_NMI_EXITING | PIN_VIRTUAL_NMIS;
	if (v->intercept_irq) {
		if (!vmx_ctl_may_be_1(c->pin, PIN_EXT_INTR_EXITING) ||
		    !vmx_ctl_may_be_1(c->exit, EXIT_ACK_INTR_ON_EXIT))
			panic("irq=%u:intercept needs external-interrupt exiting and "
			      "acknowledge-interrupt-on-exit, which L0 does not offer", v->index);
		pin |= PIN_EXT_INTR_EXITING;
		exit |= EXIT_ACK_INTR_ON_EXIT;
	}
	vmcs_write(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS, pin);
	vmcs_write(VMCS_PRIMARY_VM_EXIT_CONTROLS, exit);
	if (v->intercept_irq && vmx_ctl_may_be_1(c->proc, PROC_MWAIT_EXITING))
		vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
			   vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) |
			   PROC_MWAIT_EXITING);
	apicv_setup(v);
	v->proc_ctls = (uint32_t)vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	v->irq = (struct irq_queue){ 0 };
	v->root_nmi = false;
	v->events_waiting = false;
}

/* The real IOAPICs behind the models: the register window, one access at a time. */
struct ioapic_hw_state {
	volatile uint32_t *base;
	struct spinlock lock;
};

static struct ioapic_hw_state hw_state[ACPI_MAX_IOAPICS];
static struct ioapic_model models[ACPI_MAX_IOAPICS];
static struct mmio_device devices[ACPI_MAX_IOAPICS];
static uint32_t cpu_apic_ids[IRQ_POLICY_MAX_CPUS];
static struct irq_cpus route_cpus;

static uint32_t hw_read(void *ctx, uint32_t reg)
{
	struct ioapic_hw_state *h = ctx;
	uint32_t value;

	spin_lock(&h->lock);
	h->base[IOAPIC_IOREGSEL / 4] = reg;
	value = h->base[IOAPIC_IOWIN / 4];
	spin_unlock(&h->lock);
	return value;
}

static void hw_write(void *ctx, uint32_t reg, uint32_t value)
{
	struct ioapic_hw_state *h = ctx;

	spin_lock(&h->lock);
	h->base[IOAPIC_IOREGSEL / 4] = reg;
	h->base[IOAPIC_IOWIN / 4] = value;
	spin_unlock(&h->lock);
}

static void hw_eoi(void *ctx, uint32_t vector)
{
	((struct ioapic_hw_state *)ctx)->base[IOAPIC_EOI / 4] = vector;
}

static void route_note(struct ioapic_model *m, unsigned pin, uint64_t wrote,
		       uint64_t programmed, enum irq_route_result r)
{
	unsigned gsi = m->gsi_base + pin;

	log_info("IOAPIC GSI %u: L2's entry %#lx breaks irq=; %s", gsi, wrote,
		 r == IRQ_ROUTE_CORRECTED ? "moved to a CPU that fits" :
					    "no CPU fits, programmed as written");
	log_mline("irq-route", "gsi=%u wrote=%#lx programmed=%#lx result=%s", gsi, wrote,
		  programmed, r == IRQ_ROUTE_CORRECTED ? "corrected" : "no-cpu");
}

/* The CPUs as routes name them (IOAPIC entries, MSI addresses). */
static void route_cpus_setup(void)
{
	for (unsigned c = 0; c < smp_cpus && c < IRQ_POLICY_MAX_CPUS; c++)
		cpu_apic_ids[c] = percpus[c].apic_id;
	route_cpus = (struct irq_cpus){ .n = smp_cpus, .apic_id = cpu_apic_ids,
					.policy = &irq_policy };
}

/* ioapic_model=on: every IOAPIC of the MADT behind its model, its page unmapped for L2. */
static void ioapic_models_setup(const struct acpi_irq_override *ov, unsigned n_ov)
{
	for (unsigned i = 0; i < platform_madt.n_ioapics; i++) {
		const struct acpi_ioapic *a = &platform_madt.ioapics[i];
		struct ioapic_hw hw = { hw_read, hw_write, hw_eoi, &hw_state[i] };
		enum mmio_register_result r;

		hw_state[i].base = (volatile uint32_t *)(uintptr_t)a->addr;
		ioapic_model_init(&models[i], &hw, a->gsi_base, &route_cpus, ov, n_ov, route_note);
		ioapic_model_device(&models[i], a->addr, &devices[i]);
		r = mmio_register(&devices[i]);
		if (r != MMIO_OK)
			panic("IOAPIC model at %#x: %s", a->addr, mmio_register_result_str(r));
		if (ept_unmap(&guest_ept, a->addr, IOAPIC_MMIO_SIZE))
			panic("unmapping the IOAPIC page %#x from L2's EPT failed", a->addr);
		log_info("IOAPIC %u at %#x (GSI %u-%u): L2's accesses go through the model",
			 a->id, a->addr, a->gsi_base, a->gsi_base + models[i].n_pins - 1);
	}
	emul_flush_translations();
	routes_policed = true;
}

void irq_report(void)
{
	char err[160], policy[IRQ_POLICY_MAX_CPUS * 13];
	const struct acpi_irq_override *ov = platform_madt.overrides;
	unsigned n_ov = platform_has_madt ? platform_madt.n_overrides : 0;

	if (!irq_policy_check_cpus(&irq_policy, smp_cpus, err, sizeof(err))) {
		log_error("command line: %s", err);
		hv_finish(false, "bad-cmdline");
	}
	any_intercept = smp_cpus >= IRQ_POLICY_MAX_CPUS ? irq_policy.intercept != 0 :
			(irq_policy.intercept & ((1ull << smp_cpus) - 1)) != 0;
	irq_policy_format(&irq_policy, smp_cpus, policy, sizeof(policy));
	log_info("interrupts: %s; NMIs %s; the hypervisor's serial is polled and its clock "
		 "is the TSC (no interrupt of its own)", policy,
		 nmi_exiting() ? "exit (virtual NMIs)" : "go straight to L2 (no virtual NMIs)");
	route_cpus_setup();
	if (hv_opts.ioapic_model && platform_has_madt)
		ioapic_models_setup(ov, n_ov);
	log_mline("irq-policy", "cpus=%u policy=\"%s\" nmi_exiting=%d mwait_hidden=%d "
		  "ioapic_model=%s msi_model=%s", smp_cpus, policy, nmi_exiting(), any_intercept,
		  hv_opts.ioapic_model && platform_has_madt ? "on" : "off",
		  hv_opts.msi_model ? "on" : "off");
	if (hv_opts.msi_model)
		irq_msi_setup(&route_cpus);
	for (unsigned gsi = 0; gsi < 16; gsi++) {
		const struct irq_source *s = irq_source_for_gsi(gsi, ov, n_ov);

		if (s)
			log_mline("irq-device", "name=%s isa_irq=%u gsi=%u sharing=%s", s->name,
				  s->isa_irq, gsi, irq_sharing_name(s->sharing));
	}
}

void irq_log_counters(const struct vcpu *v)
{
	const struct irq_queue *q = &v->irq;

	log_mline("irq-count", "vcpu=%u policy=%s raised=%lu injected=%lu merged=%lu "
		  "nmis_raised=%lu nmis_injected=%lu ppr_watch=%s ppr_watches=%lu", v->index,
		  v->intercept_irq ? "intercept" : "direct", q->raised, q->injected, q->merged,
		  q->nmis_raised, q->nmis_injected,
		  v->apicv ? "apicv" : v->vapic_pa ? "tpr-shadow" : v->intercept_irq ? "cr8-exiting" : "none",
		  v->ppr_watches);
	if (v->intercept_irq)
		apicv_log_counters(v);
}
