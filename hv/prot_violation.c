/*
 * prot_violation.c - an access a program's view refused: reported (the
 * program, its CR3, guest-virtual and guest-physical address, the access,
 * RIP, the rights it had) and handled by its table's policy: a #PF or
 * #GP(0) for L2's own handler, or the end of the run. Accesses the base
 * EPT refuses too (the hypervisor's memory, nothing there, a trapped
 * page) are not a view's: exit_fault.c handles them as without views.
 */
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "log.h"
#include "prot.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_FETCH (1u << 4)

#define PF 14
#define GP 13
#define VECTORING_VALID (1u << 31)
#define BLOCKING_BY_NMI (1ull << 3)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define LOGGED_VIOLATIONS 16 /* per program; then one line per power of two */

/* The rights an access of this kind needs. */
static unsigned needed_rights(uint64_t qual)
{
	return (qual & EPTV_READ ? EPT_R : 0) | (qual & EPTV_WRITE ? EPT_W : 0) |
	       (qual & EPTV_FETCH ? EPT_X : 0);
}

/*
 * Queues the table's fault. #PF carries the linear address the program
 * used in CR2, which is not part of the VMCS guest state: VM entries and
 * exits leave it as it is, so it is written here and L2 finds it. A
 * violation on L2's own page-table walk is no access to that address, so
 * it gets #GP(0) instead.
 */
static const char *inject_policy(const struct prot_program *p, uint64_t qual, uint64_t gla)
{
	unsigned cpl = AR_DPL(vmread(VMCS_GUEST_SS_ACCESS_RIGHTS));

	/*
	 * The faulting instruction did not complete: an IRET it was keeps NMIs
	 * blocked (SDM Vol. 3C 28.2.3, "NMI unblocking due to IRET").
	 */
	if (qual & EPTV_NMI_UNBLOCKING)
		vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE,
			   vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) | BLOCKING_BY_NMI);
	if (p->table.policy == PROT_INJECT_PF &&
	    (qual & (EPTV_GLA_VALID | EPTV_GLA_TRANSLATED)) ==
	    (EPTV_GLA_VALID | EPTV_GLA_TRANSLATED)) {
		write_cr2(gla);
		inject_exception(PF, true, PF_PRESENT | (qual & EPTV_WRITE ? PF_WRITE : 0) |
				 (cpl == 3 ? PF_USER : 0) | (qual & EPTV_FETCH ? PF_FETCH : 0));
		return "pf";
	}
	inject_exception(GP, true, 0);
	return "gp";
}

bool prot_ept_violation(struct vcpu *v, uint64_t qual, uint64_t gpa)
{
	struct prot_program *p;
	struct ept_mapping base, view;
	uint64_t gla, rip, vectoring, guest_cr3, n;
	const char *access, *action;
	char rights[4];

	if (!prot_active())
		return false; /* no views: not even a VMREAD on other paths */
	p = prot_program_of_eptp(vmread(VMCS_EPT_POINTER));
	if (!p || !ept_lookup(&guest_ept, gpa, &base) ||
	    (base.perms & needed_rights(qual)) != needed_rights(qual))
		return false;
	n = __atomic_add_fetch(&p->violations, 1, __ATOMIC_RELAXED);
	gla = qual & EPTV_GLA_VALID ? vmread(VMCS_GUEST_LINEAR_ADDRESS) : 0;
	rip = vmread(VMCS_GUEST_RIP);
	vectoring = vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD);
	access = qual & EPTV_FETCH ? "fetch" : qual & EPTV_WRITE ? "write" : "read";
	prot_rights_str(ept_lookup(&p->view.ept, gpa, &view) ? view.perms : 0, rights);
	/*
	 * During the delivery of an event a new fault would have to be merged
	 * with it (SDM Vol. 3A 6.15, double faults): not done, the run stops.
	 */
	if (p->table.policy == PROT_STOP || (vectoring & VECTORING_VALID))
		action = "stop";
	else
		action = inject_policy(p, qual, gla);
	if (action[0] != 's' && n > LOGGED_VIOLATIONS && (n & (n - 1)))
		return true; /* a program that keeps at it: its count is in @hv prot-stats */
	guest_cr3 = vmread(VMCS_GUEST_CR3);
	log_msg(action[0] == 's' ? LOG_ERROR : LOG_WARN,
		"program %u (CR3 %#lx; L2's CR3 %#lx): %s of guest-physical %#lx (linear %#lx) "
		"at rip %#lx refused by its table (%s there): %s", p->index, p->cr3, guest_cr3,
		access, gpa, gla, rip, rights, action);
	log_mline("prot-violation", "vcpu=%u program=%u cr3=%#lx guest_cr3=%#lx access=%s "
		  "gpa=%#lx gla=%#lx rip=%#lx rights=%s policy=%s action=%s n=%lu", v->index,
		  p->index, p->cr3, guest_cr3, access, gpa, gla, rip, rights,
		  prot_policy_name(p->table.policy), action, n);
	if (action[0] == 's')
		guest_stop(v, false, "prot-violation");
	return true;
}
