/*
 * exit_init_sipi.c - how L2 starts its APs. INIT exits in VMX non-root
 * operation except in the wait-for-SIPI state, where it is blocked (which
 * is why exit_apic.c drops L2's INITs to vCPUs waiting there): the vCPU
 * goes to the wait-for-SIPI state. A SIPI exits only in that state: the
 * vCPU starts in real mode at vector:0000 (SDM Vol. 3C 26.2, 28.2.1;
 * Vol. 3A 11.4.4).
 */
#include "exit.h"
#include "guest_mem.h"
#include "irq/irq.h"
#include "log.h"
#include "smp.h"
#include "vmcs_setup.h"
#include "vmx.h"

extern char vmx_exit_entry[], vmx_exit_entry_smi_masked[];

static unsigned aps_started;

void handle_init(struct vcpu *v)
{
	vcpu_enter_real_mode(v, 0xf000, 0xffff0000, 0xfff0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_WAIT_FOR_SIPI);
	apicv_init(v); /* irq_eoi=virtual: the virtual APIC's INIT reset */
	__atomic_store_n(&v->started, false, __ATOMIC_RELEASE);
}

/*
 * Outside SMM no exit may save "blocking by SMI" (SDM Vol. 3C 27.3.1.5
 * makes the next entry fail). Bochs 2.7 does on every exit after a SIPI
 * exit, whose delivery it cut short before unmasking SMI: such a vCPU
 * exits through vmx_exit_entry_smi_masked (vmx_entry.S), which clears the
 * bit first. Elsewhere its exits cost what the boot vCPU's do.
 */
static bool choose_exit_entry(void)
{
	bool smi_masked = vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) & INTERRUPTIBILITY_SMI;

	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)(smi_masked ? vmx_exit_entry_smi_masked :
								     vmx_exit_entry));
	return smi_masked;
}

void handle_sipi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)vmread(VMCS_EXIT_QUALIFICATION);
	bool smi_masked = choose_exit_entry();

	vcpu_enter_real_mode(v, (uint16_t)(vector << 8), (uint64_t)vector << 12, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	irq_unblock_nmis(); /* Bochs skipped the unmasking that ends SIPI delivery */
	__atomic_store_n(&v->started, true, __ATOMIC_RELEASE);
	log_info("vCPU %u: start-up IPI, running at %#x:0000%s", v->index, vector << 8,
		 smi_masked ? "; L0 left SMI masked: each exit clears blocking by SMI" : "");
	if (__atomic_add_fetch(&aps_started, 1, __ATOMIC_ACQ_REL) == smp_cpus - 1)
		apic_release_start_ipis(); /* every AP runs: its IPIs are L2's again */
}
