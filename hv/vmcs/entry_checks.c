/*
 * entry_checks.c - SDM Vol. 3C 27.2 (VMX controls, host state) and 27.3.1
 * (guest state) for a guest hypervisor's VM entry, one small named check
 * per rule, in the SDM's order; the first failure is the one reported.
 * L2 is offered no TPR shadow, preemption timer, VMCS shadowing, SMM or
 * MTF (nested_caps.c), so their rules reduce to the reserved-bit checks of
 * the control words; unrestricted guest (where L0 has it) relaxes CR0.PE/PG
 * and the segment rules as 27.3.1.1-2 say. With EPT, the PDPTEs are
 * L2's fields, not checked here: the CPU checks them entering vmcs02.
 */
#include "mmu/ept_walk.h"
#include "vmcs/entry_checks.h"
#include "vmcs/vm_errors.h"
#include "vmx_bits.h"

#define F(name) env->field(env->arg, VMCS_IDX_##name)

#define PIN_NMI_EXITING (1u << 3)
#define PIN_VIRTUAL_NMIS (1u << 5)
#define PROC_NMI_WINDOW (1u << 22)
#define ENTRY_SMM (1u << 10)
#define BASIC_TRUE_CTLS (1ull << 55)

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PCIDE (1ull << 17)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_VALID (1ull << 0 | EFER_LME | EFER_LMA | 1ull << 11)
#define RFLAGS_FIXED1 (1ull << 1)
#define RFLAGS_RESERVED (~0x3fffffull | 1ull << 15 | 1ull << 5 | 1ull << 3)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_VM (1ull << 17)

/* Access rights (SDM Vol. 3C 25.4.1, Table 25-2). */
#define AR_TYPE(ar) ((ar) & 0xf)
#define AR_S (1u << 4)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P (1u << 7)
#define AR_L (1u << 13)
#define AR_DB (1u << 14)
#define AR_G (1u << 15)
#define AR_UNUSABLE (1u << 16)
#define AR_RESERVED 0xfffe0f00u

/* Event injection (SDM Vol. 3C 25.8.3). */
#define INTR_VALID (1u << 31)
#define INTR_TYPE(i) (((i) >> 8) & 7)
#define INTR_VECTOR(i) ((i) & 0xff)
#define INTR_DELIVER_ERROR (1u << 11)
#define INTR_RESERVED 0x7ffff000u
enum { TYPE_EXT_INT = 0, TYPE_NMI = 2, TYPE_HW_EXC = 3, TYPE_SOFT_INT = 4,
       TYPE_PRIV_SW_EXC = 5, TYPE_SW_EXC = 6, TYPE_OTHER = 7 };

/* Interruptibility state (SDM Vol. 3C 25.4.2, Table 25-3). */
#define BLOCK_STI (1u << 0)
#define BLOCK_MOVSS (1u << 1)
#define BLOCK_SMI (1u << 2)
#define BLOCK_NMI (1u << 3)
#define ACTIVITY_ACTIVE 0
#define ACTIVITY_HLT 1

#define OK ((struct entry_check_result){ ENTRY_CHECK_OK, 0, 0 })
#define FAIL(kind, q, words) ((struct entry_check_result){ kind, q, words })
#define CHECK(kind, cond, words)              \
	do {                                  \
		if (!(cond))                  \
			return FAIL(kind, ENTRY_QUAL_NONE, words); \
	} while (0)

/* A control word against its capability MSR: must-be-1 set, may-be-1 only. */
static bool ctl_ok(uint64_t value, uint64_t cap)
{
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

	return value >> 32 == 0 && ((uint32_t)value & must1) == must1 &&
	       ((uint32_t)value & ~may1) == 0;
}

/* Whether an address (range end) fits the physical-address width. */
static bool phys_ok(const struct entry_check_env *env, uint64_t pa)
{
	return env->maxphyaddr >= 64 || pa >> env->maxphyaddr == 0;
}

/* A 4 KiB-aligned page address within the width. */
static bool page_ok(const struct entry_check_env *env, uint64_t pa)
{
	return (pa & 0xfff) == 0 && phys_ok(env, pa);
}

/* An MSR list: 16-byte aligned, all of it within the width (27.2.1.2, 27.2.1.3). */
static bool msr_list_ok(const struct entry_check_env *env, uint64_t count, uint64_t pa)
{
	return count == 0 || ((pa & 0xf) == 0 && phys_ok(env, pa + count * 16 - 1));
}

/* Whether a CR0/CR4 value honours the fixed bits (SDM Vol. 3D A.7, A.8). */
static bool fixed_ok(uint64_t v, uint64_t fixed0, uint64_t fixed1)
{
	return (v & fixed0) == fixed0 && (v & ~fixed1) == 0;
}

/* Every byte of a PAT value a valid memory type (0, 1, 4, 5, 6, 7). */
static bool pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* Whether a hardware exception pushes an error code (#DF #TS #NP #SS #GP #PF #AC #CP). */
static bool exception_has_error(unsigned vector)
{
	return vector < 32 && (0x00227d00u >> vector & 1);
}

static uint64_t cap_pin(const struct entry_check_env *env)
{
	return env->caps->basic & BASIC_TRUE_CTLS ? env->caps->true_pinbased : env->caps->pinbased;
}

static uint64_t cap_proc(const struct entry_check_env *env)
{
	return env->caps->basic & BASIC_TRUE_CTLS ? env->caps->true_procbased :
						    env->caps->procbased;
}

static uint64_t cap_exit(const struct entry_check_env *env)
{
	return env->caps->basic & BASIC_TRUE_CTLS ? env->caps->true_exit : env->caps->exit;
}

static uint64_t cap_entry(const struct entry_check_env *env)
{
	return env->caps->basic & BASIC_TRUE_CTLS ? env->caps->true_entry : env->caps->entry;
}

/* Whether L2's controls ask for unrestricted guest (27.2.1.1 makes it need EPT). */
static bool unrestricted(const struct entry_check_env *env)
{
	return (F(PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC_ACTIVATE_SECONDARY) &&
	       (F(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC2_UNRESTRICTED_GUEST);
}

/* 27.2.1.1: VM-execution control fields. */
static struct entry_check_result check_execution_controls(const struct entry_check_env *env)
{
	uint64_t pin = F(PIN_BASED_VM_EXECUTION_CONTROLS);
	uint64_t proc = F(PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	uint64_t proc2 = proc & PROC_ACTIVATE_SECONDARY ?
		F(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) : 0;
	const enum entry_check_kind K = ENTRY_CHECK_CONTROL;

	CHECK(K, ctl_ok(pin, cap_pin(env)), "pin-based controls: reserved bits");
	CHECK(K, ctl_ok(proc, cap_proc(env)), "primary processor-based controls: reserved bits");
	CHECK(K, !(proc & PROC_ACTIVATE_SECONDARY) || ctl_ok(proc2, env->caps->procbased2),
	      "secondary processor-based controls: reserved bits");
	CHECK(K, F(CR3_TARGET_COUNT) <= ((env->caps->misc >> 16) & 0x1ff),
	      "CR3-target count above what IA32_VMX_MISC allows");
	CHECK(K, !(proc & PROC_USE_IO_BITMAPS) || (page_ok(env, F(ADDRESS_OF_IO_BITMAP_A)) &&
						   page_ok(env, F(ADDRESS_OF_IO_BITMAP_B))),
	      "I/O bitmap address not page-aligned or beyond the physical-address width");
	CHECK(K, !(proc & PROC_USE_MSR_BITMAPS) || page_ok(env, F(ADDRESS_OF_MSR_BITMAPS)),
	      "MSR bitmap address not page-aligned or beyond the physical-address width");
	CHECK(K, (pin & PIN_NMI_EXITING) || !(pin & PIN_VIRTUAL_NMIS),
	      "virtual NMIs without NMI exiting");
	CHECK(K, (pin & PIN_VIRTUAL_NMIS) || !(proc & PROC_NMI_WINDOW),
	      "NMI-window exiting without virtual NMIs");
	CHECK(K, !(proc2 & PROC2_ENABLE_VPID) || F(VIRTUAL_PROCESSOR_IDENTIFIER) != 0,
	      "enable VPID with VPID 0");
	CHECK(K, !(proc2 & PROC2_ENABLE_EPT) ||
		 ept_eptp_valid(F(EPT_POINTER), env->caps->ept_vpid_cap, env->maxphyaddr),
	      "EPT pointer: memory type, walk length, A/D or reserved bits not offered");
	CHECK(K, !(proc2 & PROC2_UNRESTRICTED_GUEST) || (proc2 & PROC2_ENABLE_EPT),
	      "unrestricted guest without EPT");
	return OK;
}

/* 27.2.1.2: VM-exit control fields. */
static struct entry_check_result check_exit_controls(const struct entry_check_env *env)
{
	const enum entry_check_kind K = ENTRY_CHECK_CONTROL;

	CHECK(K, ctl_ok(F(PRIMARY_VM_EXIT_CONTROLS), cap_exit(env)),
	      "VM-exit controls: reserved bits");
	CHECK(K, msr_list_ok(env, F(VM_EXIT_MSR_STORE_COUNT), F(VM_EXIT_MSR_STORE_ADDRESS)),
	      "VM-exit MSR-store area misaligned or beyond the physical-address width");
	CHECK(K, msr_list_ok(env, F(VM_EXIT_MSR_LOAD_COUNT), F(VM_EXIT_MSR_LOAD_ADDRESS)),
	      "VM-exit MSR-load area misaligned or beyond the physical-address width");
	return OK;
}

/* 27.2.1.3: event injection. */
static struct entry_check_result check_event_injection(const struct entry_check_env *env)
{
	uint32_t info = (uint32_t)F(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD);
	unsigned type = INTR_TYPE(info), vector = INTR_VECTOR(info);
	const enum entry_check_kind K = ENTRY_CHECK_CONTROL;
	bool pe;

	if (!(info & INTR_VALID))
		return OK;
	pe = F(GUEST_CR0) & CR0_PE; /* read only when needed: it may have to come from vmcs02 */
	CHECK(K, type != 1 && type != TYPE_OTHER, "event injection: reserved interruption type");
	CHECK(K, type != TYPE_NMI || vector == 2, "event injection: NMI with a vector other than 2");
	CHECK(K, type != TYPE_HW_EXC || vector <= 31, "event injection: hardware exception vector above 31");
	CHECK(K, !!(info & INTR_DELIVER_ERROR) == (pe && type == TYPE_HW_EXC &&
						  exception_has_error(vector)),
	      "event injection: deliver-error-code does not match the exception");
	CHECK(K, !(info & INTR_RESERVED), "event injection: reserved bits 30:12 set");
	CHECK(K, !(info & INTR_DELIVER_ERROR) || !(F(VM_ENTRY_EXCEPTION_ERROR_CODE) >> 16),
	      "event injection: error code bits 31:16 set");
	CHECK(K, !(type == TYPE_SOFT_INT || type == TYPE_PRIV_SW_EXC || type == TYPE_SW_EXC) ||
		 (F(VM_ENTRY_INSTRUCTION_LENGTH) >= 1 && F(VM_ENTRY_INSTRUCTION_LENGTH) <= 15),
	      "event injection: software event with instruction length outside 1-15");
	return OK;
}

/* 27.2.1.3: VM-entry control fields. */
static struct entry_check_result check_entry_controls(const struct entry_check_env *env)
{
	struct entry_check_result r;
	const enum entry_check_kind K = ENTRY_CHECK_CONTROL;

	CHECK(K, ctl_ok(F(VM_ENTRY_CONTROLS), cap_entry(env)), "VM-entry controls: reserved bits");
	r = check_event_injection(env);
	if (r.kind != ENTRY_CHECK_OK)
		return r;
	CHECK(K, msr_list_ok(env, F(VM_ENTRY_MSR_LOAD_COUNT), F(VM_ENTRY_MSR_LOAD_ADDRESS)),
	      "VM-entry MSR-load area misaligned or beyond the physical-address width");
	return OK;
}

/* 27.2.2-27.2.4: host control registers, MSRs, segments, address-space size. */
static struct entry_check_result check_host_state(const struct entry_check_env *env)
{
	const struct vmx_cap_msrs *c = env->caps;
	uint64_t exit = F(PRIMARY_VM_EXIT_CONTROLS), efer = F(HOST_IA32_EFER);
	bool host64 = exit & EXIT_HOST_ADDR_SPACE_SIZE;
	static const enum vmcs_index sels[] = {
		VMCS_IDX_HOST_ES_SELECTOR, VMCS_IDX_HOST_CS_SELECTOR, VMCS_IDX_HOST_SS_SELECTOR,
		VMCS_IDX_HOST_DS_SELECTOR, VMCS_IDX_HOST_FS_SELECTOR, VMCS_IDX_HOST_GS_SELECTOR,
		VMCS_IDX_HOST_TR_SELECTOR,
	};
	const enum entry_check_kind K = ENTRY_CHECK_HOST;

	CHECK(K, fixed_ok(F(HOST_CR0), c->cr0_fixed0, c->cr0_fixed1), "host CR0: fixed bits");
	CHECK(K, fixed_ok(F(HOST_CR4), c->cr4_fixed0, c->cr4_fixed1), "host CR4: fixed bits");
	CHECK(K, phys_ok(env, F(HOST_CR3)), "host CR3 beyond the physical-address width");
	CHECK(K, is_canonical(F(HOST_IA32_SYSENTER_ESP)) && is_canonical(F(HOST_IA32_SYSENTER_EIP)),
	      "host SYSENTER_ESP/EIP not canonical");
	CHECK(K, !(exit & EXIT_LOAD_PAT) || pat_ok(F(HOST_IA32_PAT)), "host PAT: invalid memory type");
	CHECK(K, !(exit & EXIT_LOAD_EFER) ||
		 (!(efer & ~EFER_VALID) && !!(efer & EFER_LMA) == host64 &&
		  !!(efer & EFER_LME) == host64),
	      "host EFER: reserved bits, or LMA/LME not the host address-space size");
	for (unsigned i = 0; i < sizeof(sels) / sizeof(sels[0]); i++)
		CHECK(K, (env->field(env->arg, sels[i]) & 7) == 0, "host selector with RPL or TI set");
	CHECK(K, F(HOST_CS_SELECTOR) != 0, "host CS selector 0");
	CHECK(K, F(HOST_TR_SELECTOR) != 0, "host TR selector 0");
	CHECK(K, host64 || F(HOST_SS_SELECTOR) != 0, "host SS selector 0 without a 64-bit host");
	CHECK(K, is_canonical(F(HOST_FS_BASE)) && is_canonical(F(HOST_GS_BASE)) &&
		 is_canonical(F(HOST_GDTR_BASE)) && is_canonical(F(HOST_IDTR_BASE)) &&
		 is_canonical(F(HOST_TR_BASE)),
	      "host FS/GS/GDTR/IDTR/TR base not canonical");
	CHECK(K, host64 == env->host_lma,
	      "host address-space size differs from the processor's IA-32e mode");
	if (host64) {
		CHECK(K, F(HOST_CR4) & CR4_PAE, "64-bit host without CR4.PAE");
		CHECK(K, is_canonical(F(HOST_RIP)), "host RIP not canonical");
	} else {
		CHECK(K, !(F(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST),
		      "IA-32e mode guest under a 32-bit host");
		CHECK(K, !(F(HOST_CR4) & CR4_PCIDE), "32-bit host with CR4.PCIDE");
		CHECK(K, F(HOST_RIP) >> 32 == 0, "32-bit host with RIP above 4 GiB");
	}
	return OK;
}

struct entry_check_result entry_check_controls_and_host(const struct entry_check_env *env)
{
	struct entry_check_result r = check_execution_controls(env);

	if (r.kind == ENTRY_CHECK_OK)
		r = check_exit_controls(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_entry_controls(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_host_state(env);
	return r;
}

/* The G-bit rule every usable segment obeys (27.3.1.2). */
static bool granularity_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return false;
	if ((limit & 0xfff00000u) && !(ar & AR_G))
		return false;
	return true;
}

/* 27.3.1.1: control registers, debug controls, MSRs. */
static struct entry_check_result check_guest_regs(const struct entry_check_env *env)
{
	const struct vmx_cap_msrs *c = env->caps;
	uint64_t entry = F(VM_ENTRY_CONTROLS), cr0 = F(GUEST_CR0), cr4 = F(GUEST_CR4);
	uint64_t efer = F(GUEST_IA32_EFER);
	bool ia32e = entry & ENTRY_IA32E_MODE_GUEST;
	const enum entry_check_kind K = ENTRY_CHECK_GUEST;

	/* Unrestricted guest: PE and PG may be 0 whatever IA32_VMX_CR0_FIXED0 says (27.3.1.1). */
	CHECK(K, fixed_ok(cr0, c->cr0_fixed0 & ~(unrestricted(env) ? CR0_PE | CR0_PG : 0),
			  c->cr0_fixed1), "guest CR0: fixed bits");
	CHECK(K, !(cr0 & CR0_PG) || (cr0 & CR0_PE), "guest CR0.PG without PE");
	CHECK(K, fixed_ok(cr4, c->cr4_fixed0, c->cr4_fixed1), "guest CR4: fixed bits");
	CHECK(K, !(entry & ENTRY_LOAD_DEBUG_CONTROLS) ||
		 !(F(GUEST_IA32_DEBUGCTL) & (~0xffffull | 0x3cull)),
	      "guest IA32_DEBUGCTL: reserved bits");
	CHECK(K, !ia32e || ((cr0 & CR0_PG) && (cr4 & CR4_PAE)),
	      "IA-32e mode guest without CR0.PG and CR4.PAE");
	CHECK(K, ia32e || !(cr4 & CR4_PCIDE), "CR4.PCIDE outside IA-32e mode");
	CHECK(K, phys_ok(env, F(GUEST_CR3)), "guest CR3 beyond the physical-address width");
	CHECK(K, !(entry & ENTRY_LOAD_DEBUG_CONTROLS) || F(GUEST_DR7) >> 32 == 0,
	      "guest DR7 bits 63:32 set");
	CHECK(K, is_canonical(F(GUEST_IA32_SYSENTER_ESP)) &&
		 is_canonical(F(GUEST_IA32_SYSENTER_EIP)),
	      "guest SYSENTER_ESP/EIP not canonical");
	CHECK(K, !(entry & ENTRY_LOAD_PAT) || pat_ok(F(GUEST_IA32_PAT)),
	      "guest PAT: invalid memory type");
	CHECK(K, !(entry & ENTRY_LOAD_EFER) ||
		 (!(efer & ~EFER_VALID) && !!(efer & EFER_LMA) == ia32e &&
		  (!(cr0 & CR0_PG) || !!(efer & EFER_LME) == ia32e)),
	      "guest EFER: reserved bits, or LMA/LME against IA-32e mode guest");
	return OK;
}

/*
 * 27.3.1.2: segment registers (no virtual-8086 mode). Unrestricted guest
 * allows CS of type 3 (real mode's accessed read/write data) with DPL 0,
 * and drops the RPL rules: SS.RPL = CS.RPL, SS.DPL = SS.RPL, and data
 * DPL >= RPL; SS.DPL must then be 0 with CS type 3 or CR0.PE clear.
 */
static struct entry_check_result check_guest_segments(const struct entry_check_env *env)
{
	bool ia32e = F(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST, ug = unrestricted(env);
	uint32_t cs = (uint32_t)F(GUEST_CS_ACCESS_RIGHTS), ss = (uint32_t)F(GUEST_SS_ACCESS_RIGHTS);
	uint32_t tr = (uint32_t)F(GUEST_TR_ACCESS_RIGHTS), ldtr = (uint32_t)F(GUEST_LDTR_ACCESS_RIGHTS);
	const enum entry_check_kind K = ENTRY_CHECK_GUEST;

	CHECK(K, !(F(GUEST_RFLAGS) & RFLAGS_VM), "virtual-8086 mode guests are not supported");
	CHECK(K, !(F(GUEST_TR_SELECTOR) & 4), "guest TR selector TI set");
	CHECK(K, (ldtr & AR_UNUSABLE) || !(F(GUEST_LDTR_SELECTOR) & 4), "guest LDTR selector TI set");
	CHECK(K, ug || (F(GUEST_SS_SELECTOR) & 3) == (F(GUEST_CS_SELECTOR) & 3),
	      "guest SS.RPL != CS.RPL");
	CHECK(K, is_canonical(F(GUEST_TR_BASE)) && is_canonical(F(GUEST_FS_BASE)) &&
		 is_canonical(F(GUEST_GS_BASE)) &&
		 ((ldtr & AR_UNUSABLE) || is_canonical(F(GUEST_LDTR_BASE))),
	      "guest TR/FS/GS/LDTR base not canonical");
	CHECK(K, F(GUEST_CS_BASE) >> 32 == 0, "guest CS base above 4 GiB");
	/* CS (27.3.1.2, access rights). */
	CHECK(K, AR_TYPE(cs) == 9 || AR_TYPE(cs) == 11 || AR_TYPE(cs) == 13 || AR_TYPE(cs) == 15 ||
		 (ug && AR_TYPE(cs) == 3),
	      "guest CS type not accessed code");
	CHECK(K, (cs & AR_S) && (cs & AR_P) && !(cs & AR_RESERVED) && !(cs & AR_UNUSABLE),
	      "guest CS: S, P or reserved bits");
	CHECK(K, AR_TYPE(cs) == 3 ? AR_DPL(cs) == 0 :
		 AR_TYPE(cs) >= 13 ? AR_DPL(cs) <= AR_DPL(ss) : AR_DPL(cs) == AR_DPL(ss),
	      "guest CS.DPL against SS.DPL");
	CHECK(K, !(ia32e && (cs & AR_L)) || !(cs & AR_DB), "guest CS with L and D/B both set");
	CHECK(K, granularity_ok((uint32_t)F(GUEST_CS_LIMIT), cs), "guest CS: G against limit");
	/* SS. */
	if (!(ss & AR_UNUSABLE)) {
		CHECK(K, AR_TYPE(ss) == 3 || AR_TYPE(ss) == 7, "guest SS type not read/write data");
		CHECK(K, (ss & AR_S) && (ss & AR_P) && !(ss & AR_RESERVED), "guest SS: S, P or reserved bits");
		CHECK(K, granularity_ok((uint32_t)F(GUEST_SS_LIMIT), ss), "guest SS: G against limit");
		CHECK(K, F(GUEST_SS_BASE) >> 32 == 0, "guest SS base above 4 GiB");
	}
	CHECK(K, ug || AR_DPL(ss) == (F(GUEST_SS_SELECTOR) & 3), "guest SS.DPL != SS.RPL");
	CHECK(K, (AR_TYPE(cs) != 3 && (F(GUEST_CR0) & CR0_PE)) || AR_DPL(ss) == 0,
	      "guest SS.DPL not 0 with CS type 3 or CR0.PE clear");
	/* DS, ES, FS, GS. */
	for (unsigned i = 0; i < 6; i++) {
		uint32_t ar = (uint32_t)env->field(env->arg, VMCS_IDX_GUEST_ES_ACCESS_RIGHTS + i);
		uint64_t sel = env->field(env->arg, VMCS_IDX_GUEST_ES_SELECTOR + i);
		uint32_t limit = (uint32_t)env->field(env->arg, VMCS_IDX_GUEST_ES_LIMIT + i);

		if (i == 1 || i == 2 || (ar & AR_UNUSABLE))
			continue; /* CS and SS above */
		CHECK(K, (ar & 1) && (!(ar & 8) || (ar & 2)),
		      "guest data segment: not accessed, or unreadable code");
		CHECK(K, (ar & AR_S) && (ar & AR_P) && !(ar & AR_RESERVED),
		      "guest data segment: S, P or reserved bits");
		CHECK(K, ug || AR_TYPE(ar) >= 12 || AR_DPL(ar) >= (sel & 3),
		      "guest data segment DPL < RPL");
		CHECK(K, granularity_ok(limit, ar), "guest data segment: G against limit");
		CHECK(K, i >= 4 || env->field(env->arg, VMCS_IDX_GUEST_ES_BASE + i) >> 32 == 0,
		      "guest DS/ES base above 4 GiB");
	}
	/* TR and LDTR. */
	CHECK(K, AR_TYPE(tr) == 11 || (!ia32e && AR_TYPE(tr) == 3), "guest TR type not a busy TSS");
	CHECK(K, !(tr & AR_S) && (tr & AR_P) && !(tr & AR_RESERVED) && !(tr & AR_UNUSABLE),
	      "guest TR: S, P, unusable or reserved bits");
	CHECK(K, granularity_ok((uint32_t)F(GUEST_TR_LIMIT), tr), "guest TR: G against limit");
	if (!(ldtr & AR_UNUSABLE)) {
		CHECK(K, AR_TYPE(ldtr) == 2 && !(ldtr & AR_S) && (ldtr & AR_P) &&
			 !(ldtr & AR_RESERVED),
		      "guest LDTR: type, S, P or reserved bits");
		CHECK(K, granularity_ok((uint32_t)F(GUEST_LDTR_LIMIT), ldtr),
		      "guest LDTR: G against limit");
	}
	return OK;
}

/* 27.3.1.3: descriptor tables. */
static struct entry_check_result check_guest_tables(const struct entry_check_env *env)
{
	const enum entry_check_kind K = ENTRY_CHECK_GUEST;

	CHECK(K, is_canonical(F(GUEST_GDTR_BASE)) && is_canonical(F(GUEST_IDTR_BASE)),
	      "guest GDTR/IDTR base not canonical");
	CHECK(K, F(GUEST_GDTR_LIMIT) >> 16 == 0 && F(GUEST_IDTR_LIMIT) >> 16 == 0,
	      "guest GDTR/IDTR limit above 0xffff");
	return OK;
}

/* 27.3.1.4: RIP, RFLAGS. */
static struct entry_check_result check_guest_rip_rflags(const struct entry_check_env *env)
{
	bool ia32e = F(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST;
	bool l = F(GUEST_CS_ACCESS_RIGHTS) & AR_L;
	uint64_t rflags = F(GUEST_RFLAGS), rip = F(GUEST_RIP);
	uint32_t info = (uint32_t)F(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD);
	const enum entry_check_kind K = ENTRY_CHECK_GUEST;

	CHECK(K, (ia32e && l) ? is_canonical(rip) : rip >> 32 == 0,
	      "guest RIP: above 4 GiB outside 64-bit mode, or not canonical");
	CHECK(K, !(rflags & RFLAGS_RESERVED) && (rflags & RFLAGS_FIXED1), "guest RFLAGS: reserved bits");
	CHECK(K, !(info & INTR_VALID) || INTR_TYPE(info) != TYPE_EXT_INT || (rflags & RFLAGS_IF),
	      "external interrupt injected with RFLAGS.IF clear");
	return OK;
}

/* 27.3.1.5: activity and interruptibility state, pending debug exceptions. */
static struct entry_check_result check_guest_nonregister(const struct entry_check_env *env)
{
	uint64_t activity = F(GUEST_ACTIVITY_STATE), is = F(GUEST_INTERRUPTIBILITY_STATE);
	uint64_t pde = F(GUEST_PENDING_DEBUG_EXCEPTIONS), rflags = F(GUEST_RFLAGS);
	uint32_t info = (uint32_t)F(VM_ENTRY_INTERRUPTION_INFORMATION_FIELD);
	bool inject = info & INTR_VALID;
	unsigned type = INTR_TYPE(info), vector = INTR_VECTOR(info);
	bool hlt_ok = (env->caps->misc >> 6) & 1;
	const enum entry_check_kind K = ENTRY_CHECK_GUEST;

	CHECK(K, activity == ACTIVITY_ACTIVE || (activity == ACTIVITY_HLT && hlt_ok),
	      "guest activity state not supported");
	CHECK(K, activity != ACTIVITY_HLT || AR_DPL(F(GUEST_SS_ACCESS_RIGHTS)) == 0,
	      "HLT activity state with SS.DPL != 0");
	CHECK(K, activity == ACTIVITY_ACTIVE || !(is & (BLOCK_STI | BLOCK_MOVSS)),
	      "inactive guest with STI or MOV-SS blocking");
	CHECK(K, activity != ACTIVITY_HLT || !inject || type == TYPE_EXT_INT || type == TYPE_NMI ||
		 (type == TYPE_HW_EXC && (vector == 1 || vector == 18)),
	      "event injected into a halted guest that HLT does not allow");
	CHECK(K, !(is >> 5) && !(is & (1u << 4)), "guest interruptibility: reserved bits");
	CHECK(K, (is & (BLOCK_STI | BLOCK_MOVSS)) != (BLOCK_STI | BLOCK_MOVSS),
	      "guest blocked by both STI and MOV SS");
	CHECK(K, !(is & BLOCK_STI) || (rflags & RFLAGS_IF), "STI blocking with RFLAGS.IF clear");
	CHECK(K, !(is & BLOCK_SMI), "SMI blocking outside SMM");
	CHECK(K, !inject || type != TYPE_EXT_INT || !(is & (BLOCK_STI | BLOCK_MOVSS)),
	      "external interrupt injected under STI or MOV-SS blocking");
	CHECK(K, !inject || type != TYPE_NMI || !(is & BLOCK_MOVSS),
	      "NMI injected under MOV-SS blocking");
	if (inject && type == TYPE_NMI && (is & BLOCK_STI))
		return FAIL(K, ENTRY_QUAL_NMI_STI, "NMI injected under STI blocking");
	CHECK(K, !(inject && type == TYPE_NMI &&
		   (F(PIN_BASED_VM_EXECUTION_CONTROLS) & PIN_VIRTUAL_NMIS) && (is & BLOCK_NMI)),
	      "NMI injected while virtual NMIs are blocked");
	CHECK(K, !(pde & (0xff0ull | 1ull << 13 | 1ull << 15 | ~0x1ffffull | 1ull << 16)),
	      "guest pending debug exceptions: reserved bits");
	if ((is & (BLOCK_STI | BLOCK_MOVSS)) || activity == ACTIVITY_HLT) {
		bool btf = F(GUEST_IA32_DEBUGCTL) & 2; /* read only here: the quick path's cost */
		bool bs = pde & (1ull << 14), single_step = (rflags & RFLAGS_TF) && !btf;

		CHECK(K, bs == single_step, "pending BS against RFLAGS.TF and DEBUGCTL.BTF");
	}
	return OK;
}

/* 27.3.1.5: the VMCS link pointer (no VMCS shadowing is offered, so ~0 or an ordinary VMCS). */
static struct entry_check_result check_link_pointer(const struct entry_check_env *env)
{
	uint64_t link = F(VMCS_LINK_POINTER), head;

	if (link == ~0ull)
		return OK;
	if (!page_ok(env, link) || !env->read_phys(env->arg, link, &head) ||
	    (uint32_t)head != (uint32_t)(env->caps->basic & 0x7fffffff))
		return FAIL(ENTRY_CHECK_GUEST, ENTRY_QUAL_VMCS_LINK_POINTER,
			    "VMCS link pointer: not ~0 and no VMCS of this revision there");
	return OK;
}

/* 27.3.1.6: PAE paging outside IA-32e mode without EPT loads the PDPTEs from CR3. */
static struct entry_check_result check_pdptes(const struct entry_check_env *env)
{
	uint64_t cr0 = F(GUEST_CR0), cr4 = F(GUEST_CR4);
	uint64_t reserved = 0x1e6ull | (env->maxphyaddr < 64 ? ~0ull << env->maxphyaddr : 0);

	uint64_t proc = F(PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	bool ept = (proc & PROC_ACTIVATE_SECONDARY) &&
		   (F(SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC2_ENABLE_EPT);

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || ept ||
	    (F(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST))
		return OK;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t pdpte;

		if (!env->read_phys(env->arg, (F(GUEST_CR3) & 0xffffffe0u) + 8 * i, &pdpte) ||
		    ((pdpte & 1) && (pdpte & reserved)))
			return FAIL(ENTRY_CHECK_GUEST, ENTRY_QUAL_PDPTE,
				    "PDPTE with reserved bits set (or not in memory)");
	}
	return OK;
}

bool entry_check_msr_value(uint32_t msr, uint64_t value)
{
	switch (msr) {
	case 0xc0000080u: /* IA32_EFER: SCE, LME, LMA, NXE */
		return !(value & ~EFER_VALID);
	case 0x277u:      /* IA32_PAT */
		return pat_ok(value);
	case 0x1d9u:      /* IA32_DEBUGCTL: as the guest-state check */
		return !(value & (~0xffffull | 0x3cull));
	case 0x175u:      /* IA32_SYSENTER_ESP, IA32_SYSENTER_EIP */
	case 0x176u:
		return is_canonical(value);
	default:
		return true;
	}
}

struct entry_check_result entry_check_event_injection(const struct entry_check_env *env)
{
	return check_event_injection(env);
}

/*
 * Not the descriptor tables: a quick resume has them as the last full check
 * passed them or as the CPU saved them at L3's exit, and LGDT/LIDT give a
 * 16-bit limit and (in 64-bit mode, else a 32-bit) canonical base (SDM Vol. 2A
 * LGDT/LIDT; 28.3.2 saves them as they are).
 */
struct entry_check_result entry_check_resume_guest(const struct entry_check_env *env)
{
	struct entry_check_result r = check_guest_rip_rflags(env);

	if (r.kind == ENTRY_CHECK_OK)
		r = check_guest_nonregister(env);
	return r;
}

struct entry_check_result entry_check_guest(const struct entry_check_env *env)
{
	struct entry_check_result r = check_guest_regs(env);

	if (r.kind == ENTRY_CHECK_OK)
		r = check_guest_segments(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_guest_tables(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_guest_rip_rflags(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_guest_nonregister(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_link_pointer(env);
	if (r.kind == ENTRY_CHECK_OK)
		r = check_pdptes(env);
	return r;
}
