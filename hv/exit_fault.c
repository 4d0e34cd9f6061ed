/*
 * exit_fault.c - a triple fault, and EPT violations: an access to an
 * emulated device (hv/emul/mmio.h: the instruction is emulated, emul_exit.c)
 * or a write to the trapped xAPIC page (exit_apic.c); otherwise, under the
 * 1:1 EPT, L2 touched the hypervisor's memory or no memory at all. Both
 * are L2's fault: reported (what, where, from which RIP) and the run ends;
 * nothing is ever served.
 * EPT misconfigurations are the hypervisor's own bug.
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "guest_stop.h"
#include "log.h"
#include "prot.h"
#include "shadow_mode.h"
#include "vmx.h"
#include "vmx_bits.h"

void handle_triple_fault(struct vcpu *v)
{
	uint64_t rip = vmread(VMCS_GUEST_RIP);

	log_error("L2 triple-faulted at rip %#lx (it would reset now)", rip);
	log_mline("guest-fault", "kind=triple-fault vcpu=%u rip=%#lx", v->index, rip);
	guest_stop(v, false, "guest-triple-fault");
}

void handle_ept_violation(struct vcpu *v)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);

	if (guest_pool_violation(v, gpa, qual) || shadow_mode_ept_violation(v, gpa, qual))
		return;
	if ((qual & EPTV_WRITE) && guest_mem_is_trapped_apic(gpa)) {
		if (!apic_write_exit(v, gpa))
			guest_stop(v, false, "emul-failed");
		return;
	}
	if (!(qual & EPTV_FETCH) && mmio_find(gpa)) {
		if (!emul_mmio_exit(v, gpa))
			guest_stop(v, false, "emul-failed");
		return;
	}
	if (prot_ept_violation(v, qual, gpa))
		return;

	uint64_t gla = qual & EPTV_GLA_VALID ? vmread(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	uint64_t rip = vmread(VMCS_GUEST_RIP);
	const char *access = qual & EPTV_FETCH ? "fetch" : qual & EPTV_WRITE ? "write" : "read";
	const char *kind = hv_private_overlaps(gpa, 1) ? "hv-memory" : "no-memory";

	log_error("L2 %s of guest-physical %#lx (linear %#lx) at rip %#lx: %s, refused", access,
		  gpa, gla, rip, kind[0] == 'h' ? "hypervisor memory" : "nothing is there");
	log_mline("guest-fault", "kind=%s vcpu=%u access=%s gpa=%#lx gla=%#lx rip=%#lx", kind,
		  v->index, access, gpa, gla, rip);
	guest_stop(v, false, "guest-fault");
}

void handle_ept_misconfig(struct vcpu *v)
{
	log_error("EPT misconfiguration at guest-physical %#lx: a hypervisor bug",
		  vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
	guest_stop(v, false, "ept-misconfig");
}
