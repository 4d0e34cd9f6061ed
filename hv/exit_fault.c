/*
 * exit_fault.c - exits that mean L2 touched what it may not, or went wrong:
 * a triple fault, and EPT violations. An EPT violation is first offered to
 * what may serve it: an emulated device (hv/emul/mmio.h: the instruction is
 * emulated, emul_exit.c), the trapped xAPIC page (exit_apic.c), a code page
 * the emulator write-protects (promoted sites) or patched (execute-only
 * copy), a program's protection-table view (prot_violation.c). Otherwise, under the 1:1 EPT,
 * L2 touched the hypervisor's memory or no memory at all: L2's fault,
 * reported (what, where, from which RIP) and never served. guest_fault=stop
 * ends the run; guest_fault=inject gives L2 a #GP(0) at the access instead,
 * so a guest that probes memory (the probe guest's sweep) can go on: it
 * catches the #GP like any refused access. The first faults are logged one
 * by one, later ones only counted (exit_fault_summary). EPT
 * misconfigurations are the hypervisor's own bug.
 */
#include "boot_mem.h"
#include "emul/emul_exit.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_pool.h"
#include "guest_stop.h"
#include "log.h"
#include "options.h"
#include "prot.h"
#include "shadow_mode.h"
#include "vmx.h"
#include "vmx_bits.h"

#define INTR_INFO_VALID (1u << 31)
#define GUEST_BLOCKING_BY_NMI (1u << 3)
#define LOGGED_FAULTS 16 /* then one line per power of two */

static uint64_t injected_faults;

/* Whether the n-th injected fault gets its own log lines. */
static bool log_nth(uint64_t n)
{
	return n <= LOGGED_FAULTS || !(n & (n - 1));
}

/*
 * guest_fault=inject: #GP(0) at the faulting instruction, unless the access
 * happened while L2 was delivering an event (IDT-vectoring information
 * valid), where a #GP would replace that event: then the run stops. An IRET
 * that unblocked NMIs and then faulted must leave them blocked again before
 * the injection (SDM Vol. 3C 28.2.3, 29.3.3).
 */
static bool inject_gp(uint64_t qual)
{
	if (vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD) & INTR_INFO_VALID)
		return false;
	if (qual & EPTV_NMI_UNBLOCKING)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) | GUEST_BLOCKING_BY_NMI);
	inject_exception(13, true, 0);
	return true;
}

void exit_fault_summary(void)
{
	if (injected_faults)
		log_mline("guest-faults", "injected=%lu", __atomic_load_n(&injected_faults,
									 __ATOMIC_RELAXED));
}

void handle_triple_fault(struct vcpu *v)
{
	uint64_t rip = vmread(VMCS_GUEST_RIP);

	log_error("L2 triple-faulted at rip %#lx (it would reset now)", rip);
	log_mline("guest-fault", "kind=triple-fault vcpu=%u rip=%#lx", v->index, rip);
	guest_stop(v, false, "guest-triple-fault");
}

bool ept_device_access(struct vcpu *v, uint64_t gpa, bool write)
{
	struct mmio_device *dev = mmio_find(gpa);

	if (dev) {
		if (!emul_exit(v, gpa, dev))
			guest_stop(v, false, "emul-failed");
		return true;
	}
	if (write && guest_mem_is_trapped_apic(gpa)) {
		if (!apic_write_exit(v, gpa))
			guest_stop(v, false, "emul-failed");
		return true;
	}
	return false;
}

void handle_ept_violation(struct vcpu *v)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS);

	if (guest_pool_violation(v, gpa, qual) || shadow_mode_ept_violation(v, gpa, qual))
		return;
	if (!(qual & EPTV_FETCH) && ept_device_access(v, gpa, qual & EPTV_WRITE))
		return;
	switch (emul_patched_page_access(v, gpa, qual & EPTV_WRITE)) {
	case 1:
		return;
	case -1:
		guest_stop(v, false, "emul-failed");
	}
	if ((qual & EPTV_WRITE) && emul_code_page_write(gpa))
		return;
	if (prot_ept_violation(v, qual, gpa))
		return;

	uint64_t gla = qual & EPTV_GLA_VALID ? vmread(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	uint64_t rip = vmread(VMCS_GUEST_RIP);
	const char *access = qual & EPTV_FETCH ? "fetch" : qual & EPTV_WRITE ? "write" : "read";
	const char *kind = hv_private_overlaps(gpa, 1) ? "hv-memory" : "no-memory";
	bool inject = hv_opts.guest_fault == GUEST_FAULT_INJECT && inject_gp(qual);
	uint64_t n = inject ? __atomic_add_fetch(&injected_faults, 1, __ATOMIC_RELAXED) : 0;

	if (inject && !log_nth(n))
		return;
	log_error("L2 %s of guest-physical %#lx (linear %#lx) at rip %#lx: %s, refused%s", access,
		  gpa, gla, rip, kind[0] == 'h' ? "hypervisor memory" : "nothing is there",
		  inject ? ", #GP(0) injected" : "");
	log_mline("guest-fault", "kind=%s vcpu=%u access=%s gpa=%#lx gla=%#lx rip=%#lx action=%s "
		  "n=%lu", kind, v->index, access, gpa, gla, rip, inject ? "inject" : "stop", n);
	if (!inject)
		guest_stop(v, false, "guest-fault");
}

void handle_ept_misconfig(struct vcpu *v)
{
	log_error("EPT misconfiguration at guest-physical %#lx: a hypervisor bug",
		  vmread(VMCS_GUEST_PHYSICAL_ADDRESS));
	guest_stop(v, false, "ept-misconfig");
}
