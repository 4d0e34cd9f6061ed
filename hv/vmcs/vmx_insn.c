/*
 * vmx_insn.c - L2's VMX instructions, emulated per SDM Vol. 3C chapter 31
 * ("VMX Instruction Reference"). They exit unconditionally from VMX
 * non-root operation, after the CPU's own mode checks (#UD for real or
 * virtual-8086 mode, or compatibility mode); what remains is checked here
 * in the SDM's order: not in VMX operation -> #UD, CPL > 0 -> #GP(0), then
 * VMfailInvalid / VMfailValid with the VM-instruction error of Table 31-1.
 * With nested=off, every one is #UD, as on a CPU without VMX.
 */
#include "exit.h"
#include "guest_mem.h"
#include "l0.h"
#include "log.h"
#include "options.h"
#include "vmcs/entry_checks.h"
#include "vmcs/fields.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "mmu/ept_walk.h"
#include "vmcs/nested_caps.h"
#include "vmcs/nested_ept.h"
#include "vmcs/shadow.h"
#include "vmcs/vm_errors.h"
#include "vmcs/vmx_operand.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define UD 6
#define GP 13
#define RFLAGS_CF (1ull << 0)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_ARITH 0x8d5ull /* CF PF AF ZF SF OF */
#define BLOCKING_MOVSS (1ull << 1)
#define EFER_LMA (1ull << 10)

/* The success and failure conventions (SDM Vol. 3C 31.2), each ending the instruction. */
static void vm_result(uint64_t flag)
{
	vmcs_write(VMCS_GUEST_RFLAGS, (vmread(VMCS_GUEST_RFLAGS) & ~RFLAGS_ARITH) | flag);
	skip_instruction();
}

static void vm_succeed(void)
{
	vm_result(0);
}

static void vm_fail_invalid(void)
{
	vm_result(RFLAGS_CF);
}

static void vm_fail_valid(struct nested_vcpu *n, enum vmx_instruction_error err)
{
	n->vv->field[VMCS_IDX_VM_INSTRUCTION_ERROR] = err;
	vm_result(RFLAGS_ZF);
}

/* VMfail(err): VMfailValid if there is a current VMCS, else VMfailInvalid. */
static void vm_fail(struct nested_vcpu *n, enum vmx_instruction_error err)
{
	if (n->vmptr != NO_VMCS)
		vm_fail_valid(n, err);
	else
		vm_fail_invalid();
}

/* The 64-bit physical address operand of VMXON/VMCLEAR/VMPTRLD; false if it faulted. */
static bool read_pa_operand(struct vcpu *v, uint64_t *pa)
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	uint64_t la;

	return l2_operand_address(v, &op, &la) && l2_linear_copy(la, pa, 8, false);
}

/* Whether pa can be a VMXON/VMCS region: 4 KiB-aligned, within the width, L2's RAM. */
static bool region_ok(uint64_t pa)
{
	return (pa & 0xfff) == 0 && pa >> nested_maxphyaddr == 0 && l2_phys(pa, 4096);
}

/* The revision identifier word at the start of a region. */
static uint32_t region_revision(uint64_t pa)
{
	return *(volatile uint32_t *)l2_phys(pa, 4);
}

/* L2's CR0 and CR4 as it sees them, against the fixed bits it was offered (SDM 24.8). */
static bool l2_crs_fixed_ok(void)
{
	uint64_t cr0 = l2_cr0(), cr4 = l2_cr4();

	return (cr0 & nested_caps.cr0_fixed0) == nested_caps.cr0_fixed0 &&
	       !(cr0 & ~nested_caps.cr0_fixed1) &&
	       (cr4 & nested_caps.cr4_fixed0) == nested_caps.cr4_fixed0 &&
	       !(cr4 & ~nested_caps.cr4_fixed1);
}

static void emulate_vmxon(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t pa;

	if (!(l2_cr4() & CR4_VMXE)) {
		inject_exception(UD, false, 0);
		return;
	}
	if (n->vmxon) {
		if (l2_cpl() > 0)
			inject_exception(GP, true, 0);
		else
			vm_fail(n, VMXERR_VMXON_IN_VMX_ROOT);
		return;
	}
	if (l2_cpl() > 0 || !l2_crs_fixed_ok()) {
		inject_exception(GP, true, 0);
		return;
	}
	if (!read_pa_operand(v, &pa))
		return;
	if (!region_ok(pa) || region_revision(pa) != NESTED_VMCS_REVISION) {
		vm_fail_invalid();
		return;
	}
	n->vmxon = true;
	n->vmxon_epoch++;
	n->vmxon_ptr = pa;
	n->vmptr = NO_VMCS;
	n->vv = NULL;
	shadow_vmxon(v);
	vm_succeed();
}

/* Makes vmptr L2's current VMCS (NO_VMCS: none). */
static void set_current(struct nested_vcpu *n, uint64_t vmptr)
{
	n->vmptr = vmptr;
	n->vv = vmptr == NO_VMCS ? NULL : l2_phys(vmptr, sizeof(struct vvmcs));
}

static void emulate_vmxoff(struct vcpu *v, struct nested_vcpu *n)
{
	shadow_unload(v);
	shadow_vmxoff(v);
	nested_flush_owner(v);
	n->owner = NO_VMCS;
	n->vmxon = false;
	set_current(n, NO_VMCS);
	vm_succeed();
}

/*
 * The VMCS pointer operand of VMCLEAR/VMPTRLD, checked as both do (SDM 31.3):
 * VMfail(bad_address) if misaligned, beyond the width or not L2's memory,
 * VMfail(vmxon_pointer) if it is the VMXON region. False if it failed or faulted.
 */
static bool vmcs_pointer_operand(struct vcpu *v, struct nested_vcpu *n, uint64_t *pa,
				 enum vmx_instruction_error bad_address,
				 enum vmx_instruction_error vmxon_pointer)
{
	if (!read_pa_operand(v, pa))
		return false;
	if (!region_ok(*pa)) {
		vm_fail(n, bad_address);
		return false;
	}
	if (*pa == n->vmxon_ptr) {
		vm_fail(n, vmxon_pointer);
		return false;
	}
	return true;
}

static void emulate_vmclear(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t pa;

	if (!vmcs_pointer_operand(v, n, &pa, VMXERR_VMCLEAR_INVALID_ADDRESS,
				  VMXERR_VMCLEAR_VMXON_POINTER))
		return;
	if (pa == n->vmptr)
		shadow_unload(v);
	if (pa == n->owner) {
		nested_flush_owner(v); /* "ensures that VMCS data ... are written to the VMCS region" */
		n->owner = NO_VMCS;
	}
	((struct vvmcs *)l2_phys(pa, sizeof(struct vvmcs)))->launch_state = 0;
	if (pa == n->vmptr)
		set_current(n, NO_VMCS);
	vm_succeed();
}

static void emulate_vmptrld(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t pa;

	if (!vmcs_pointer_operand(v, n, &pa, VMXERR_VMPTRLD_INVALID_ADDRESS,
				  VMXERR_VMPTRLD_VMXON_POINTER))
		return;
	/* Bit 31 (a shadow VMCS) is refused too: VMCS shadowing is not offered to L2. */
	if (region_revision(pa) != NESTED_VMCS_REVISION) {
		vm_fail(n, VMXERR_VMPTRLD_INCORRECT_REVISION);
		return;
	}
	if (pa != n->vmptr) {
		shadow_unload(v);
		nested_flush_owner(v);
		set_current(n, pa);
		shadow_load(v);
	}
	vm_succeed();
}

static void emulate_vmptrst(struct vcpu *v, struct nested_vcpu *n)
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	uint64_t la;

	if (l2_operand_address(v, &op, &la) && l2_linear_copy(la, &n->vmptr, 8, true))
		vm_succeed();
}

/* The field a VMREAD/VMWRITE names in register reg2; NULL if L2's VMCS has none. */
static const struct vmcs_field *named_field(struct vcpu *v, const struct vmx_operand *op,
					    bool *high)
{
	uint64_t enc = l2_gpr(v, op->reg2);
	const struct vmcs_field *f = enc >> 32 ? NULL : vmcs_field_find((uint32_t)enc);

	if (!f || f->l2 == VMCS_L2_NO)
		return NULL;
	*high = vmcs_encoding_is_high((uint32_t)enc);
	return f;
}

static void vmread_insn(struct vcpu *v, struct nested_vcpu *n)
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	unsigned bits = l2_in_64bit_mode() ? 64 : 32;
	const struct vmcs_field *f;
	uint64_t value, la;
	bool high = false;

	if (n->vmptr == NO_VMCS) {
		vm_fail_invalid();
		return;
	}
	f = named_field(v, &op, &high);
	if (!f) {
		vm_fail_valid(n, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	nested_vvmcs_get(v, f->index);
	n->vmread_by_field[f->index]++;
	value = vvmcs_read(n->vv, f, high, bits);
	if (op.is_reg)
		l2_set_gpr(v, op.reg1, value, bits);
	else if (!l2_operand_address(v, &op, &la) || !l2_linear_copy(la, &value, bits / 8, true))
		return;
	vm_succeed();
}

static void vmwrite_insn(struct vcpu *v, struct nested_vcpu *n)
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	unsigned bits = l2_in_64bit_mode() ? 64 : 32;
	const struct vmcs_field *f;
	uint64_t value = 0, la;
	bool high = false;

	if (n->vmptr == NO_VMCS) {
		vm_fail_invalid();
		return;
	}
	if (op.is_reg)
		value = l2_gpr(v, op.reg1);
	else if (!l2_operand_address(v, &op, &la) || !l2_linear_copy(la, &value, bits / 8, false))
		return;
	if (bits == 32)
		value = (uint32_t)value;
	f = named_field(v, &op, &high);
	if (!f) {
		vm_fail_valid(n, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		return;
	}
	/* IA32_VMX_MISC bit 29 is not offered: exit information is read-only. */
	if (vmcs_field_read_only(f)) {
		vm_fail_valid(n, VMXERR_VMWRITE_READ_ONLY_COMPONENT);
		return;
	}
	n->vmwrite_by_field[f->index]++;
	if (high)
		nested_vvmcs_get(v, f->index); /* the other half must be current */
	vvmcs_write(n->vv, f, high, value);
	field_set_del(&n->stale, f->index);
	if (n->vmptr == n->owner)
		field_set_add(&n->dirty, f->index);
	if (field_set_has(&shadow_read_set, f->index)) {
		struct field_set one = { 0 };

		field_set_add(&one, f->index); /* L2 reads it from the shadow VMCS */
		shadow_push(v, &one, v->vmcs_pa);
	}
	vm_succeed();
}

/* The current virtual VMCS's field idx (fetched from vmcs02 if stale), for the checks. */
static uint64_t vv_field(void *arg, enum vmcs_index idx)
{
	return nested_vvmcs_get(arg, idx);
}

/* 8 bytes of L2's memory, for the entry checks. */
bool nested_read_phys(void *arg, uint64_t pa, uint64_t *value)
{
	const uint64_t *p = l2_phys(pa, 8);

	(void)arg;
	if (!p)
		return false;
	*value = *p;
	return true;
}

/* VMLAUNCH/VMRESUME: the instruction's checks, then those of controls and host state (27.2). */
static void vmlaunch_vmresume(struct vcpu *v, struct nested_vcpu *n, bool launch)
{
	struct entry_check_env env;
	struct entry_check_result r;
	uint64_t efer;
	bool quick;

	if (n->vmptr == NO_VMCS) {
		vm_fail_invalid();
		return;
	}
	shadow_pull(v);
	if (vmread(VMCS_GUEST_INTERRUPTIBILITY_STATE) & BLOCKING_MOVSS) {
		vm_fail_valid(n, VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS);
		return;
	}
	if (launch && n->vv->launch_state == VVMCS_LAUNCHED) {
		vm_fail_valid(n, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
		return;
	}
	if (!launch && n->vv->launch_state != VVMCS_LAUNCHED) {
		vm_fail_valid(n, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
		return;
	}
	if (!launch && n->vv->vmxon_epoch != n->vmxon_epoch) {
		vm_fail_valid(n, VMXERR_VMRESUME_AFTER_VMXOFF);
		return;
	}
	efer = vmread(VMCS_GUEST_IA32_EFER);
	quick = !launch && nested_resume_is_quick(v, efer);
	env = (struct entry_check_env){ &nested_caps, nested_maxphyaddr, efer & EFER_LMA, vv_field,
					nested_read_phys, v };
	r = quick ? entry_check_event_injection(&env) : entry_check_controls_and_host(&env);
	if (r.kind != ENTRY_CHECK_OK) {
		log_info("L2 VM entry refused (VMfailValid): %s", r.what);
		vm_fail_valid(n, r.kind == ENTRY_CHECK_CONTROL ? VMXERR_ENTRY_INVALID_CONTROL_FIELD :
								 VMXERR_ENTRY_INVALID_HOST_STATE_FIELD);
		return;
	}
	nested_vmentry(v, launch, quick, efer);
}

/* The type (register) and 128-bit descriptor (memory) of INVEPT/INVVPID; false if it faulted. */
static bool inv_operands(struct vcpu *v, uint64_t *type, uint64_t desc[2])
{
	struct vmx_operand op = vmx_operand_decode((uint32_t)vmread(VMCS_VM_EXIT_INSTRUCTION_INFORMATION));
	uint64_t la;

	*type = l2_gpr(v, op.reg2);
	if (!l2_in_64bit_mode())
		*type = (uint32_t)*type;
	return l2_operand_address(v, &op, &la) && l2_linear_copy(la, desc, 16, false);
}

/*
 * INVEPT: single-context (1, the descriptor's EPTP must be valid) or
 * all-context (2), as IA32_VMX_EPT_VPID_CAP bits 25-26 offer: the shadow EPT
 * of that EPTP, or every one, is emptied (nested_ept.c).
 */
static void emulate_invept(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t type, desc[2];

	if (!inv_operands(v, &type, desc))
		return;
	if ((type != 1 && type != 2) || !(nested_caps.ept_vpid_cap >> (24 + type) & 1) ||
	    (type == 1 && !ept_eptp_valid(desc[0], nested_caps.ept_vpid_cap, nested_maxphyaddr))) {
		vm_fail(n, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return;
	}
	nested_ept_invalidate(v, type == 2, desc[0]);
	vm_succeed();
}

/* INVVPID of the four types IA32_VMX_EPT_VPID_CAP bits 40-43 offer. */
static void emulate_invvpid(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t type, desc[2];

	if (!inv_operands(v, &type, desc))
		return;
	if (type > 3 || !(nested_caps.ept_vpid_cap >> (40 + type) & 1) || desc[0] >> 16 ||
	    (type != 2 && (uint16_t)desc[0] == 0) || (type == 0 && !is_canonical(desc[1]))) {
		vm_fail(n, VMXERR_INVALID_INVEPT_INVVPID_OPERAND);
		return;
	}
	/*
	 * Nothing is cached for L3 under L2's VPIDs: vmcs02 runs without VPID,
	 * so every VM entry and exit between L2 and L3 flushes L3's mappings.
	 */
	vm_succeed();
}

void handle_vmx_instruction(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	unsigned reason = v->exit_reason & 0xffff;

	if (!n || (reason == EXIT_REASON_INVEPT && !(nested_caps.ept_vpid_cap & EPT_CAP_INVEPT)) ||
	    (reason == EXIT_REASON_INVVPID && !(nested_caps.ept_vpid_cap & VPID_CAP_INVVPID))) {
		inject_exception(UD, false, 0);
		return;
	}
	if (reason == EXIT_REASON_VMXON) {
		emulate_vmxon(v, n);
		return;
	}
	if (!n->vmxon) {
		inject_exception(UD, false, 0);
		return;
	}
	if (l2_cpl() > 0) {
		inject_exception(GP, true, 0);
		return;
	}
	switch (reason) {
	case EXIT_REASON_VMXOFF: emulate_vmxoff(v, n); break;
	case EXIT_REASON_VMCLEAR: emulate_vmclear(v, n); break;
	case EXIT_REASON_VMPTRLD: emulate_vmptrld(v, n); break;
	case EXIT_REASON_VMPTRST: emulate_vmptrst(v, n); break;
	case EXIT_REASON_VMREAD: vmread_insn(v, n); break;
	case EXIT_REASON_VMWRITE: vmwrite_insn(v, n); break;
	case EXIT_REASON_VMLAUNCH: vmlaunch_vmresume(v, n, true); break;
	case EXIT_REASON_VMRESUME: vmlaunch_vmresume(v, n, false); break;
	case EXIT_REASON_INVEPT: emulate_invept(v, n); break;
	case EXIT_REASON_INVVPID: emulate_invvpid(v, n); break;
	default: inject_exception(UD, false, 0); break;
	}
}
