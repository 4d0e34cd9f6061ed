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
 * An intercepted interrupt is acknowledged when it arrives, even while L2
 * runs with interrupts off: it is then L2's, as if latched in its IRR. The
 * firmware leaves the 8259s unmasked with the PIT ticking at vector 8 (#DF
 * in protected mode) before L2 can mask them, so L2 starts with both 8259s
 * masked, under every policy alike (an OS programs them before use).
 */
#include "irq/irq.h"
#include "irq/route.h"
#include "l0.h"
#include "log.h"
#include "panic.h"
#include "platform.h"
#include "power.h"
#include "smp.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

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
	v->proc_ctls = (uint32_t)vmread(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	v->irq = (struct irq_queue){ 0 };
	v->root_nmi = false;
	v->events_waiting = false;
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
	irq_policy_format(&irq_policy, smp_cpus, policy, sizeof(policy));
	log_info("interrupts: %s; NMIs %s; the hypervisor's serial is polled and its clock "
		 "is the TSC (no interrupt of its own)", policy,
		 nmi_exiting() ? "exit (virtual NMIs)" : "go straight to L2 (no virtual NMIs)");
	log_mline("irq-policy", "cpus=%u policy=\"%s\" nmi_exiting=%d ioapic_model=unregistered",
		  smp_cpus, policy, nmi_exiting());
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

	log_mline("irq-count", "vcpu=%u policy=%s raised=%lu injected=%lu nmis_raised=%lu "
		  "nmis_injected=%lu", v->index, v->intercept_irq ? "intercept" : "direct",
		  q->raised, q->injected, q->nmis_raised, q->nmis_injected);
}
