/*
 * exit_cr.c - MOV to CR0/CR4 that changes a bit the host owns (the
 * guest/host masks hold L0's fixed bits). The guest's value goes to the read
 * shadow; the real register keeps the fixed bits. Entering or leaving long
 * mode through CR0.PG updates EFER.LMA and the "IA-32e mode guest" control,
 * as the CPU would (SDM Vol. 3A 10.8.5; Vol. 3C 28.3).
 */
#include "exit.h"
#include "guest_stop.h"
#include "l0.h"
#include "log.h"
#include "vmcs/nested.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define CR0_ET (1ull << 4)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define GP 13

static uint64_t read_gpr(struct vcpu *v, unsigned reg)
{
	return reg == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->gpr[reg];
}

/* Sets EFER.LMA and the IA-32e entry control to follow CR0.PG with EFER.LME. */
static void update_long_mode(uint64_t old_cr0, uint64_t cr0)
{
	uint64_t efer = vmread(VMCS_GUEST_IA32_EFER);
	uint64_t entry = vmread(VMCS_VM_ENTRY_CONTROLS);

	if ((old_cr0 ^ cr0) & CR0_PG && efer & EFER_LME) {
		efer = cr0 & CR0_PG ? efer | EFER_LMA : efer & ~EFER_LMA;
		entry = cr0 & CR0_PG ? entry | ENTRY_IA32E_MODE_GUEST :
				       entry & ~ENTRY_IA32E_MODE_GUEST;
		vmcs_write(VMCS_GUEST_IA32_EFER, efer);
		vmcs_write(VMCS_VM_ENTRY_CONTROLS, entry);
	}
}

/* MOV to CR0: #GP for what the CPU refuses (SDM Vol. 3A 2.5, MOV CRn). */
static bool emulate_cr0_write(uint64_t value)
{
	uint64_t old = vmread(VMCS_CR0_READ_SHADOW);

	if (value >> 32 || (value & CR0_PG && !(value & CR0_PE)) ||
	    (value & CR0_NW && !(value & CR0_CD)))
		return false;
	value |= CR0_ET; /* hardwired to 1 */
	vmcs_set_guest_cr0(value);
	update_long_mode(old, value);
	return true;
}

/*
 * MOV to CR4: bits L0 does not allow are reserved for L2: #GP; so is VMXE
 * without nested VMX, and clearing it in VMX operation (SDM Vol. 3C 24.7).
 */
static bool emulate_cr4_write(struct vcpu *v, uint64_t value)
{
	bool vmxe_ok = v->nested && (value & CR4_VMXE || !v->nested->vmxon);

	if ((value & CR4_VMXE && !v->nested) || !vmxe_ok || value & ~l0.caps.cr4_fixed1)
		return false;
	vmcs_set_guest_cr4(value);
	return true;
}

void handle_cr_access(struct vcpu *v)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned cr = qual & 0xf, type = (qual >> 4) & 3, reg = (qual >> 8) & 0xf;
	bool ok;

	if (type != 0 || (cr != 0 && cr != 4)) {
		log_error("L2 control-register access type %u to CR%u: not emulated", type, cr);
		guest_stop(v, false, "unhandled-cr-access");
	}
	ok = cr == 0 ? emulate_cr0_write(read_gpr(v, reg)) : emulate_cr4_write(v, read_gpr(v, reg));
	if (ok)
		skip_instruction();
	else
		inject_exception(GP, true, 0);
}
