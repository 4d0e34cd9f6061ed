/*
 * nested_exit.c - every VM exit from L3 lands here. L1 keeps what is its
 * own (an MSR or port L2 does not intercept, L1's EPT, a CR0/CR4 bit only
 * VMX fixes, an exception only L1 intercepts); everything else is
 * reflected to L2 as the SDM's VM exit (Vol. 3C 28): the prefetch entries
 * of L3's state and the exit information are copied into L2's virtual
 * VMCS (the rest marked stale, fetched when L2 reads it), then L2's state
 * is loaded from the host-status area into vmcs01 (28.5) and L2 resumes at
 * its HOST_RIP. An exit during event delivery carries its IDT-vectoring
 * information to L2 as the CPU gave it. With L2's own EPT, L3's EPT
 * violations go through nested_ept.c first: filled in, or L2's.
 */
#include "exit.h"
#include "extable.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "vmcs/entry_checks.h"
#include "vmcs/fields.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "vmcs/nested_ept.h"
#include "vmcs/nested_exit.h"
#include "vmcs/shadow.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define GP 13
#define PF 14
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CR4_PCIDE (1ull << 17)
/* CR0 bits a VM exit leaves alone (SDM 28.5.1): ET, CD, NW, 63:32, 28:19, 17, 15:6. */
#define CR0_KEPT (~0xffffffffull | 0x1ff80000ull | 1ull << 17 | 0xffc0ull | 1ull << 4 | \
		  CR0_CD | CR0_NW)
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_SMM_MONITOR_CTL 0x9bu
#define MSR_SMBASE 0x9eu
#define VMX_ABORT_MSR_LOAD 5u

#define VV(n, name) ((n)->vv->field[VMCS_IDX_##name])

/* Fields of L3's state and exit information a VM exit writes: stale until fetched. */
static struct field_set saved_at_exit;

/* What a reflected exit changes in L2's VMCS: those, and two VM-entry controls. */
static struct field_set exit_pushed;

static void init_saved_at_exit(void)
{
	for (size_t i = 0; i < vmcs_field_count(); i++)
		if (prefetchable(vmcs_field_at(i)))
			field_set_add(&saved_at_exit, (unsigned)i);
	exit_pushed = saved_at_exit;
	field_set_add(&exit_pushed, VMCS_IDX_VM_ENTRY_CONTROLS);
	field_set_add(&exit_pushed, VMCS_IDX_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD);
}

/* Whether L2's I/O controls make this access exit (SDM 26.1.3). */
static bool l2_wants_io(const struct nested_vcpu *n, uint64_t qual)
{
	uint64_t proc = VV(n, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS);
	unsigned port = (unsigned)(qual >> 16) & 0xffff, size = (unsigned)(qual & 7) + 1;

	if (proc & PROC_UNCOND_IO_EXITING)
		return true;
	if (!(proc & PROC_USE_IO_BITMAPS))
		return false;
	for (unsigned p = port; p < port + size; p++) {
		const uint8_t *bitmap;

		if (p > 0xffff)
			return true; /* wraps around: exits */
		bitmap = l2_phys(p < 0x8000 ? VV(n, ADDRESS_OF_IO_BITMAP_A) :
					      VV(n, ADDRESS_OF_IO_BITMAP_B), 4096);
		if (!bitmap || bitmap[(p & 0x7fff) / 8] >> (p % 8) & 1)
			return true;
	}
	return false;
}

/* Whether L2's MSR bitmap makes this RDMSR/WRMSR exit (SDM 25.6.9). */
static bool l2_wants_msr(const struct nested_vcpu *n, uint32_t msr, bool write)
{
	const uint8_t *bitmap;
	unsigned offset = write ? 2048 : 0;

	if (!(VV(n, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC_USE_MSR_BITMAPS))
		return true;
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		offset += 1024;
	else if (msr > 0x1fff)
		return true;
	bitmap = l2_phys(VV(n, ADDRESS_OF_MSR_BITMAPS), 4096);
	msr &= 0x1fff;
	return !bitmap || bitmap[offset + msr / 8] >> (msr % 8) & 1;
}

/* Whether a MOV to CR0/CR4 changes a bit L2 owns against its read shadow (26.1.3). */
static bool l2_wants_cr(struct vcpu *v, const struct nested_vcpu *n, uint64_t qual)
{
	unsigned cr = qual & 0xf, type = (qual >> 4) & 3, reg = (qual >> 8) & 0xf;
	uint64_t value = reg == GPR_RSP ? vmread(VMCS_GUEST_RSP) : v->gpr[reg];

	if (type != 0 || (cr != 0 && cr != 4))
		return true; /* CR3/CR8 moves, CLTS, LMSW: only L2's controls make them exit */
	if (cr == 0)
		return ((value ^ VV(n, CR0_READ_SHADOW)) & VV(n, CR0_GUEST_HOST_MASK)) != 0;
	return ((value ^ VV(n, CR4_READ_SHADOW)) & VV(n, CR4_GUEST_HOST_MASK)) != 0;
}

/* Whether L2's exception bitmap (and #PF filter) takes this exception (SDM 26.2). */
static bool l2_wants_exception(const struct nested_vcpu *n)
{
	uint32_t info = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_INFORMATION);
	unsigned vector = info & 0xff;
	bool bit = VV(n, EXCEPTION_BITMAP) >> vector & 1;

	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI)
		return true; /* vmcs02 exits on NMIs only where L2 set NMI exiting */
	if (vector == PF) {
		uint32_t pfec = (uint32_t)vmread(VMCS_VM_EXIT_INTERRUPTION_ERROR_CODE);

		return bit == ((pfec & VV(n, PAGE_FAULT_ERROR_CODE_MASK)) ==
			       VV(n, PAGE_FAULT_ERROR_CODE_MATCH));
	}
	return bit;
}

/* Whether L2 gets this exit; false: L1 handles it for L3. */
static bool l2_wants(struct vcpu *v, const struct nested_vcpu *n, unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_EXCEPTION_OR_NMI:
		return l2_wants_exception(n);
	case EXIT_REASON_IO_INSTRUCTION:
		return l2_wants_io(n, vmread(VMCS_EXIT_QUALIFICATION));
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		return l2_wants_msr(n, (uint32_t)v->gpr[GPR_RCX], basic == EXIT_REASON_WRMSR);
	case EXIT_REASON_CONTROL_REGISTER_ACCESSES:
		return l2_wants_cr(v, n, vmread(VMCS_EXIT_QUALIFICATION));
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIGURATION:
		return false; /* L1's EPT, or the shadow EPT L1 builds: L1's */
	/* Interrupts L1 intercepts: nested_irq.c. */
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return !v->intercept_irq; /* vmcs02 exits on them for L2 only */
	case EXIT_REASON_INTERRUPT_WINDOW: /* L2's first where it asked too */
		return VV(n, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) &
		       PROC_INTR_WINDOW_EXITING;
	case EXIT_REASON_VMX_PREEMPTION_TIMER_EXPIRED:
		return false; /* never offered to L2: L1's immediate exit */
	default:
		return true; /* vmcs02 exits on nothing else L2 did not ask for */
	}
}

/* The MSRs the VMCS switches: a list entry for them goes into the current VMCS. */
static int vmcs_msr_field(uint32_t msr)
{
	switch (msr) {
	case MSR_EFER: return VMCS_GUEST_IA32_EFER;
	case 0x277: return VMCS_GUEST_IA32_PAT;
	case 0x1d9: return VMCS_GUEST_IA32_DEBUGCTL;
	case 0x174: return VMCS_GUEST_IA32_SYSENTER_CS;
	case 0x175: return VMCS_GUEST_IA32_SYSENTER_ESP;
	case 0x176: return VMCS_GUEST_IA32_SYSENTER_EIP;
	default: return -1;
	}
}

/*
 * RDMSR/WRMSR of L3 that L2 does not intercept: the MSRs vmcs02 switches
 * are L3's VMCS fields (on the CPU, L1 would see its own host values);
 * every other MSR is L1's ordinary handler's. False: not handled here.
 */
static bool l3_switched_msr(struct vcpu *v, bool write)
{
	uint32_t msr = (uint32_t)v->gpr[GPR_RCX];
	int field = msr == MSR_FS_BASE ? VMCS_GUEST_FS_BASE :
		    msr == MSR_GS_BASE ? VMCS_GUEST_GS_BASE : vmcs_msr_field(msr);
	uint64_t value;

	if (field < 0)
		return false;
	if (write) {
		vmcs_write((uint32_t)field, (uint32_t)v->gpr[GPR_RAX] | v->gpr[GPR_RDX] << 32);
	} else {
		value = vmread((uint32_t)field);
		v->gpr[GPR_RAX] = (uint32_t)value;
		v->gpr[GPR_RDX] = value >> 32;
	}
	skip_instruction();
	return true;
}

/* An exit L1 handles for L3 with its own handlers (vmcs02 current). */
static void handle_for_l3(struct vcpu *v, unsigned basic)
{
	switch (basic) {
	case EXIT_REASON_IO_INSTRUCTION: handle_io(v); break;
	case EXIT_REASON_RDMSR:
		if (!l3_switched_msr(v, false))
			handle_rdmsr(v);
		break;
	case EXIT_REASON_WRMSR:
		if (!l3_switched_msr(v, true))
			handle_wrmsr(v);
		break;
	case EXIT_REASON_EPT_VIOLATION: handle_ept_violation(v); break;
	case EXIT_REASON_EPT_MISCONFIGURATION: handle_ept_misconfig(v); break;
	case EXIT_REASON_EXCEPTION_OR_NMI: handle_exception(v); return;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_VMX_PREEMPTION_TIMER_EXPIRED:
		nested_irq_exit(v, basic);
		return;
	case EXIT_REASON_CONTROL_REGISTER_ACCESSES:
		/* A bit only VMX fixes (L2 does not own it): the CPU under L2 would #GP. */
		inject_exception(GP, true, 0);
		return;
	default:
		log_error("L3 exit %u is neither L2's nor L1's", basic);
		guest_stop(v, false, "nested-unhandled-exit");
	}
	nested_redeliver_interrupted_event();
}

void nested_redeliver_interrupted_event(void)
{
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFORMATION_FIELD);

	if (idt & INTR_INFO_VALID &&
	    !(vmread(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD) & INTR_INFO_VALID)) {
		if (idt & INTR_INFO_ERROR_VALID)
			vmcs_write(VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE,
				   vmread(VMCS_IDT_VECTORING_ERROR_CODE));
		vmcs_write(VMCS_VM_ENTRY_INSTRUCTION_LENGTH, vmread(VMCS_VM_EXIT_INSTRUCTION_LENGTH));
		vmcs_write(VMCS_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, idt & ~(1u << 12));
	}
}

/* Whether an MSR may be in a VM-entry/exit MSR list (SDM 27.4, 28.6). */
static bool msr_list_allowed(uint32_t msr, uint32_t reserved)
{
	return reserved == 0 && msr != MSR_FS_BASE && msr != MSR_GS_BASE &&
	       (msr >> 8) != 0x8 && msr != MSR_SMM_MONITOR_CTL && msr != MSR_SMBASE;
}


struct msr_entry {
	uint32_t index, reserved;
	uint64_t value;
};

/*
 * An IA32_EFER list entry into the current VMCS as WRMSR takes it: LME may
 * not change under paging (#GP: false), LMA is not written.
 */
static bool load_efer(uint64_t value)
{
	uint64_t now = vmread(VMCS_GUEST_IA32_EFER);

	if ((vmread(VMCS_GUEST_CR0) & CR0_PG) && ((value ^ now) & EFER_LME))
		return false;
	vmcs_write(VMCS_GUEST_IA32_EFER, (value & ~EFER_LMA) | (now & EFER_LMA));
	return true;
}

/* Loads (WRMSR) or stores (RDMSR) an MSR list; 0, or the 1-based failing entry. */
static uint32_t walk_msr_list(uint64_t pa, uint64_t count, bool store)
{
	struct msr_entry *e = count ? l2_phys(pa, count * sizeof(*e)) : NULL;

	for (uint32_t i = 0; i < count; i++) {
		int field;

		if (!e || !msr_list_allowed(e[i].index, e[i].reserved))
			return i + 1;
		field = vmcs_msr_field(e[i].index);
		if (field >= 0 && !store && !entry_check_msr_value(e[i].index, e[i].value))
			return i + 1; /* WRMSR would #GP: the CPU must not get it in a VMCS field */
		if (field >= 0 && store)
			e[i].value = vmread((uint32_t)field);
		else if (e[i].index == MSR_EFER && !load_efer(e[i].value))
			return i + 1;
		else if (e[i].index == MSR_EFER)
			continue;
		else if (field >= 0)
			vmcs_write((uint32_t)field, e[i].value);
		else if (store ? rdmsr_safe(e[i].index, &e[i].value) :
				 wrmsr_safe(e[i].index, e[i].value))
			return i + 1;
	}
	return 0;
}

uint32_t nested_load_msr_list(uint64_t pa, uint64_t count)
{
	return walk_msr_list(pa, count, false);
}

uint32_t nested_store_msr_list(uint64_t pa, uint64_t count)
{
	return walk_msr_list(pa, count, true);
}

/* L2's segment after a VM exit: selector from the host state, flat (SDM 28.5.2). */
static void host_segment(uint32_t sel_field, uint64_t sel, uint64_t base, uint32_t ar)
{
	vmcs_set_segment(sel_field, (uint16_t)sel, base, 0xffffffff, sel ? ar : AR_UNUSABLE);
}

/* L2's state from its host-status area into vmcs01, now current (SDM 28.5). */
static void load_host_state(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t exitc = VV(n, PRIMARY_VM_EXIT_CONTROLS), cr4 = VV(n, HOST_CR4);
	bool host64 = exitc & EXIT_HOST_ADDR_SPACE_SIZE;
	uint64_t efer = (n->l2_efer & ~(EFER_LMA | EFER_LME)) | (host64 ? EFER_LMA | EFER_LME : 0);
	uint64_t entry = vmread(VMCS_VM_ENTRY_CONTROLS);

	vmcs_set_guest_cr0((n->l2_cr0 & CR0_KEPT) | (VV(n, HOST_CR0) & ~CR0_KEPT));
	vmcs_set_guest_cr4(host64 ? cr4 | CR4_PAE : cr4 & ~CR4_PCIDE);
	vmcs_write(VMCS_GUEST_CR3, VV(n, HOST_CR3));
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_CS, VV(n, HOST_IA32_SYSENTER_CS));
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_ESP, VV(n, HOST_IA32_SYSENTER_ESP));
	vmcs_write(VMCS_GUEST_IA32_SYSENTER_EIP, VV(n, HOST_IA32_SYSENTER_EIP));
	vmcs_write(VMCS_GUEST_IA32_EFER, exitc & EXIT_LOAD_EFER ? VV(n, HOST_IA32_EFER) : efer);
	vmcs_write(VMCS_VM_ENTRY_CONTROLS, host64 ? entry | ENTRY_IA32E_MODE_GUEST :
						    entry & ~ENTRY_IA32E_MODE_GUEST);
	if (exitc & EXIT_LOAD_PAT)
		vmcs_write(VMCS_GUEST_IA32_PAT, VV(n, HOST_IA32_PAT));
	vmcs_set_segment(VMCS_GUEST_CS_SELECTOR, (uint16_t)VV(n, HOST_CS_SELECTOR), 0, 0xffffffff,
			 host64 ? AR_CODE64 : AR_CODE32);
	host_segment(VMCS_GUEST_SS_SELECTOR, VV(n, HOST_SS_SELECTOR), 0, AR_DATA);
	host_segment(VMCS_GUEST_DS_SELECTOR, VV(n, HOST_DS_SELECTOR), 0, AR_DATA);
	host_segment(VMCS_GUEST_ES_SELECTOR, VV(n, HOST_ES_SELECTOR), 0, AR_DATA);
	host_segment(VMCS_GUEST_FS_SELECTOR, VV(n, HOST_FS_SELECTOR), VV(n, HOST_FS_BASE), AR_DATA);
	host_segment(VMCS_GUEST_GS_SELECTOR, VV(n, HOST_GS_SELECTOR), VV(n, HOST_GS_BASE), AR_DATA);
	/* FS/GS bases are loaded even for a null selector (28.5.2). */
	vmcs_write(VMCS_GUEST_FS_BASE, VV(n, HOST_FS_BASE));
	vmcs_write(VMCS_GUEST_GS_BASE, VV(n, HOST_GS_BASE));
	vmcs_set_segment(VMCS_GUEST_TR_SELECTOR, (uint16_t)VV(n, HOST_TR_SELECTOR),
			 VV(n, HOST_TR_BASE), 0x67, AR_TSS_BUSY);
	vmcs_set_segment(VMCS_GUEST_LDTR_SELECTOR, 0, 0, 0, AR_UNUSABLE);
	vmcs_write(VMCS_GUEST_GDTR_BASE, VV(n, HOST_GDTR_BASE));
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, VV(n, HOST_IDTR_BASE));
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_RIP, VV(n, HOST_RIP));
	vmcs_write(VMCS_GUEST_RSP, VV(n, HOST_RSP));
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY_STATE, 0);
	vmcs_write(VMCS_GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, 0);
	/* The VM-exit MSR-load list; a failure is a VMX abort (28.7): L2 shuts down. */
	if (nested_load_msr_list(VV(n, VM_EXIT_MSR_LOAD_ADDRESS), VV(n, VM_EXIT_MSR_LOAD_COUNT))) {
		n->vv->abort = VMX_ABORT_MSR_LOAD;
		log_error("L2's VM-exit MSR-load list failed: VMX abort %u", VMX_ABORT_MSR_LOAD);
		guest_stop(v, false, "nested-vmx-abort");
	}
	n->in_l3 = false;
	/* Interrupts acknowledged while L3 ran, or NMIs: L2's now (nested_irq.c). */
	if (v->events_waiting)
		irq_inject_pending(v);
}

void nested_reflect(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	struct vvmcs *vv = n->vv;
	uint64_t exitc = VV(n, PRIMARY_VM_EXIT_CONTROLS);

	if (!saved_at_exit.w[0])
		init_saved_at_exit();
	n->reflected++;
	n->stale = saved_at_exit;
	/* What L2's exit controls do not save keeps its old value (28.3). */
	if (!(exitc & EXIT_SAVE_EFER))
		field_set_del(&n->stale, VMCS_IDX_GUEST_IA32_EFER);
	if (!(exitc & EXIT_SAVE_PAT))
		field_set_del(&n->stale, VMCS_IDX_GUEST_IA32_PAT);
	if (!(exitc & EXIT_SAVE_DEBUG_CONTROLS)) {
		field_set_del(&n->stale, VMCS_IDX_GUEST_DR7);
		field_set_del(&n->stale, VMCS_IDX_GUEST_IA32_DEBUGCTL);
	}
	/*
	 * The prefetch entries: copied now, so L2's VMREADs of them cost no VMCS
	 * switch (and with vmcs_shadow=hw no exit: so are the fields it writes).
	 */
	for (unsigned w = 0; w < FIELD_WORDS; w++) {
		uint64_t now = (prefetch_set.w[w] | shadow_read_set.w[w]) & n->stale.w[w];

		for (uint64_t bits = now; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);

			vv->field[i] = vmread(vmcs_field_at(i)->encoding);
		}
		n->stale.w[w] &= ~now;
	}
	/* IA-32e mode guest follows L3's EFER.LMA; the injected event is consumed (28.2, 28.3). */
	vv->field[VMCS_IDX_VM_ENTRY_CONTROLS] =
		(VV(n, VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST) |
		(vmread(VMCS_VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST);
	vv->field[VMCS_IDX_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD] &= ~(uint64_t)INTR_INFO_VALID;
	if (nested_store_msr_list(VV(n, VM_EXIT_MSR_STORE_ADDRESS), VV(n, VM_EXIT_MSR_STORE_COUNT))) {
		vv->abort = 1; /* VMX abort: saving guest MSRs failed */
		log_error("L2's VM-exit MSR-store list failed: VMX abort 1");
		guest_stop(v, false, "nested-vmx-abort");
	}
	if (hv_opts.vmcs_shadow == VMCS_SHADOW_HW)
		shadow_push(v, &exit_pushed, v->vmcs_pa);
	else
		vmptrld(v->vmcs_pa);
	load_host_state(v, n);
}

void nested_entry_failed(struct vcpu *v, uint32_t basic_reason, uint64_t qual)
{
	struct nested_vcpu *n = v->nested;
	struct field_set none = { 0 };

	/* vmcs02 is current: the owner's stale fields are still there. */
	if (memcmp(&n->stale, &none, sizeof(none))) {
		for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++)
			if (field_set_has(&n->stale, i))
				n->vv->field[i] = vmread(vmcs_field_at(i)->encoding);
		n->stale = none;
	}
	n->owner = NO_VMCS;
	vmptrld(v->vmcs_pa);
	n->vv->field[VMCS_IDX_VM_EXIT_REASON] = EXIT_REASON_FAILED_VMENTRY | basic_reason;
	n->vv->field[VMCS_IDX_EXIT_QUALIFICATION] = qual;
	if (!saved_at_exit.w[0])
		init_saved_at_exit();
	shadow_push(v, &exit_pushed, v->vmcs_pa);
	load_host_state(v, n);
}

/* Whether L2 runs L3 with EPT of its own. */
static bool l2_uses_ept(const struct nested_vcpu *n)
{
	return (VV(n, PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC_ACTIVATE_SECONDARY) &&
	       (VV(n, SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) & PROC2_ENABLE_EPT);
}

void nested_set_exit_field(struct vcpu *v, enum vmcs_index idx, uint64_t value)
{
	struct nested_vcpu *n = v->nested;
	struct field_set one = { 0 };

	n->vv->field[idx] = value;
	field_set_del(&n->stale, idx);
	field_set_add(&one, idx);
	shadow_push(v, &one, v->vmcs_pa);
}

/*
 * An EPT violation of L3 while L2 uses EPT: filled into the shadow EPT if
 * L2's EPT allows the access, else reflected as L2's EPT violation (with
 * its walk's rights) or misconfiguration, at the same guest-physical address.
 */
static void nested_ept_exit(struct vcpu *v, struct nested_vcpu *n)
{
	uint64_t gpa = vmread(VMCS_GUEST_PHYSICAL_ADDRESS), qual = vmread(VMCS_EXIT_QUALIFICATION);
	uint64_t l2_qual = 0;

	switch (nested_ept_violation(v, VV(n, EPT_POINTER), gpa, qual, &l2_qual)) {
	case NESTED_EPT_MAPPED:
		nested_redeliver_interrupted_event();
		return;
	case NESTED_EPT_VIOLATION:
		nested_reflect(v);
		nested_set_exit_field(v, VMCS_IDX_EXIT_QUALIFICATION, l2_qual);
		return;
	case NESTED_EPT_MISCONFIG:
		nested_reflect(v);
		nested_set_exit_field(v, VMCS_IDX_VM_EXIT_REASON, EXIT_REASON_EPT_MISCONFIGURATION);
		nested_set_exit_field(v, VMCS_IDX_EXIT_QUALIFICATION, 0);
		return;
	case NESTED_EPT_L2_FAULT:
		log_error("L2's EPT maps L3's guest-physical %#lx onto memory that is not L2's "
			  "(or its EPT tables are not in L2's memory)", gpa);
		log_mline("guest-fault", "kind=nested-ept vcpu=%u gpa=%#lx qual=%#lx", v->index, gpa,
			  qual);
		guest_stop(v, false, "guest-fault");
	}
}

void nested_exit_handler(struct vcpu *v, uint64_t full_reason)
{
	struct nested_vcpu *n = v->nested;
	uint32_t reason = (uint32_t)full_reason;
	unsigned basic = reason & 0xffff;

	vcpu_charge_vmrw(v, 1); /* 1: vmx_entry.S's VMREAD of this exit's reason */
	v->exit_reason = reason;
	if (basic < VMX_EXIT_REASON_COUNT) {
		v->last_basic = basic;
		v->exit_count[basic]++;
	}
	n->l3_exits++;
	if (reason & EXIT_REASON_FAILED_VMENTRY) {
		/* L1's checks passed what the CPU refused: a rule entry_checks.c lacks. */
		log_warn("the CPU refused L3's VM entry that L1's checks passed: reason %u, "
			 "qualification %lu", basic, vmread(VMCS_EXIT_QUALIFICATION));
		log_mline("nested-cpu-entry-failure", "vcpu=%u reason=%u qual=%lu", v->index, basic,
			  vmread(VMCS_EXIT_QUALIFICATION));
		if (n->launching)
			n->vv->launch_state = 0; /* a failed VMLAUNCH leaves the VMCS clear (27.8) */
	}
	if (reason == EXIT_REASON_EPT_VIOLATION && l2_uses_ept(n))
		nested_ept_exit(v, n);
	else if ((reason & EXIT_REASON_FAILED_VMENTRY) || l2_wants(v, n, basic))
		nested_reflect(v);
	else
		handle_for_l3(v, basic);
	if (n->in_l3)
		nested_ept_follow_l1(v); /* L3 resumes: not on shadows L1's EPT has outdated */
}
