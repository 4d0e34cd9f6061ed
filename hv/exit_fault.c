/*
 * exit_fault.c - a triple fault, and EPT violations: an access to an
 * emulated device (hv/emul/mmio.h: the instruction is emulated, emul_exit.c),
 * a write to the trapped xAPIC page (exit_apic.c) or to a code page the
 * promotion cache write-protects (emul_exit.c); otherwise, under the
 * 1:1 EPT, L2 touched the hypervisor's memory or no memory at all. Both
 * are L2's fault: reported (what, where, from which RIP) and the run ends;
 * nothing is ever served.
 * EPT misconfigurations are the hypervisor's own bug.
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "log.h"
#include "vmx.h"

/* EPT-violation exit qualification (SDM Vol. 3C Table 28-7). */
#define EPTV_READ (1u << 0)
#define EPTV_WRITE (1u << 1)
#define EPTV_FETCH (1u << 2)
#define EPTV_GLA_VALID (1u << 7)

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
	struct mmio_device *dev;

	if (!(qual & EPTV_FETCH) && (dev = mmio_find(gpa))) {
		if (!emul_exit(v, gpa, dev))
			guest_stop(v, false, "emul-failed");
		return;
	}
	if ((qual & EPTV_WRITE) && guest_mem_is_trapped_apic(gpa)) {
		if (!apic_write_exit(v, gpa))
			guest_stop(v, false, "emul-failed");
		return;
	}
	switch (emul_patched_page_access(v, gpa, qual & EPTV_WRITE)) {
	case 1:
		return;
	case -1:
		guest_stop(v, false, "emul-failed");
	}
	if ((qual & EPTV_WRITE) && emul_code_page_write(gpa))
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
