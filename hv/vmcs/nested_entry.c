/*
 * nested_entry.c - L2's VMLAUNCH/VMRESUME past the checks on controls and
 * host state: the guest-status area of L2's current virtual VMCS becomes
 * vmcs02's guest state, L2's controls are merged with L1's own needs, the
 * guest-state checks run (SDM Vol. 3C 27.3), the VM-entry MSR-load list is
 * loaded (27.4), and the CPU enters L3 on vmcs02. A failed check or MSR
 * load is a VM-entry failure exit to L2 (27.8), never a run of L3.
 *
 * vmcs02 runs L3 on L1's EPT (L2's physical memory) when L2 uses no EPT,
 * else on the shadow EPT that composes L2's with it (nested_ept.c); never
 * with VPID, so every VM entry and exit between L2 and L3 flushes L3's
 * linear mappings, as L2 expects without VPID (and allows with it).
 */
#include "boot_mem.h"
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "io_bitmap.h"
#include "l0.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "vmcs/entry_checks.h"
#include "vmcs/fields.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "vmcs/nested_ept.h"
#include "vmcs/nested_exit.h"
#include "vmcs/vm_errors.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "watchdog.h"
#include "x86.h"

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

extern char vmx_exit_entry_l3[], vmx_exit_entry_l3_smi_masked[], vmx_exit_entry_smi_masked[];

/*
 * Fields vmcs02 takes from L2's VMCS as they are: L3's state but for what
 * the load controls decide, and the event injection, #PF filter, CR3 target
 * and TSC offset controls. The rest of the controls are merged.
 */
static struct field_set copied;

/* Builds 'copied' from the field table once. */
static void init_copied(void)
{
	static const enum vmcs_index controls[] = {
		VMCS_IDX_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD, VMCS_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE,
		VMCS_IDX_VM_ENTRY_INSTRUCTION_LENGTH, VMCS_IDX_PAGE_FAULT_ERROR_CODE_MASK,
		VMCS_IDX_PAGE_FAULT_ERROR_CODE_MATCH, VMCS_IDX_CR3_TARGET_COUNT,
		VMCS_IDX_CR3_TARGET_VALUE_0, VMCS_IDX_CR3_TARGET_VALUE_1, VMCS_IDX_CR3_TARGET_VALUE_2,
		VMCS_IDX_CR3_TARGET_VALUE_3, VMCS_IDX_TSC_OFFSET,
	};

	for (size_t i = 0; i < vmcs_field_count(); i++) {
		const struct vmcs_field *f = vmcs_field_at(i);

		if (f->type == VMCS_TYPE_GUEST && prefetchable(f) &&
		    f->encoding != VMCS_GUEST_IA32_EFER && f->encoding != VMCS_GUEST_IA32_PAT &&
		    f->encoding != VMCS_GUEST_DR7 && f->encoding != VMCS_GUEST_IA32_DEBUGCTL)
			field_set_add(&copied, (unsigned)i);
	}
	for (size_t i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
		field_set_add(&copied, controls[i]);
}

/* A control word with L1's wanted bits where L0 allows them and L0's must-be-1 bits. */
static uint32_t with_l0(uint64_t cap, uint32_t want)
{
	return (want & (uint32_t)(cap >> 32)) | (uint32_t)cap;
}

/*
 * Where L3's exits go (vmcs01 current): the L3 exit entry; on a vCPU whose
 * exits save blocking by SMI (exit_init_sipi.c chooses at each SIPI), the
 * one that clears it.
 */
static uint64_t l3_exit_entry(void)
{
	bool smi_masked = vmread(VMCS_HOST_RIP) == (uint64_t)(uintptr_t)vmx_exit_entry_smi_masked;

	return (uint64_t)(uintptr_t)(smi_masked ? vmx_exit_entry_l3_smi_masked : vmx_exit_entry_l3);
}

/* vmcs02, created at L2's first VM entry: L1's host state, exits to exit_entry. */
static void vmcs02_create(struct vcpu *v, struct nested_vcpu *n, uint64_t exit_entry)
{
	n->vmcs02_pa = alloc_page_or_panic("vmcs02");
	*(uint32_t *)(uintptr_t)n->vmcs02_pa = l0.caps.revision;
	if (vmclear(n->vmcs02_pa) != VMX_OK || vmptrld(n->vmcs02_pa) != VMX_OK)
		panic("VMCLEAR/VMPTRLD of vmcs02 failed");
	vmcs_setup_host_state(v, exit_entry);
	vmcs_write(VMCS_VMCS_LINK_POINTER, ~0ull);
	vmcs_write(VMCS_EPT_POINTER, guest_mem_eptp());
	vmcs_write(VMCS_ADDRESS_OF_IO_BITMAP_A, io_bitmap_pa());
	vmcs_write(VMCS_ADDRESS_OF_IO_BITMAP_B, io_bitmap_pa() + PAGE_SIZE);
	vmcs_write(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	init_copied();
}

/*
 * The merged controls (SDM Vol. 3C 25.6-25.8): L2's, except that L1's
 * interrupt policy adds external-interrupt exiting and its acknowledgment
 * (nested_irq.c), every MSR
 * access exits (L1 looks up L2's bitmap, nested_exit.c), I/O exits through
 * L1's bitmap unless L2 asked for I/O exits (then every access exits and
 * L1 looks up L2's bitmap), EPT is L1's and VPID off; L1's exception
 * intercepts are added; VM exits always save and load EFER and PAT for L1.
 */
static void write_merged_controls(struct vcpu *v, const struct vvmcs *vv,
				  const struct vmx_caps *c, const struct vcpu_l2_state *l2)
{
	uint32_t proc = (uint32_t)vv->field[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS];
	uint32_t proc2 = proc & PROC_ACTIVATE_SECONDARY ?
		(uint32_t)vv->field[VMCS_IDX_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] : 0;
	uint32_t entry = (uint32_t)vv->field[VMCS_IDX_VM_ENTRY_CONTROLS];
	uint32_t exit2 = (uint32_t)vv->field[VMCS_IDX_PRIMARY_VM_EXIT_CONTROLS];
	bool l2_io = proc & (PROC_UNCOND_IO_EXITING | PROC_USE_IO_BITMAPS);
	uint64_t cr0_mask = vv->field[VMCS_IDX_CR0_GUEST_HOST_MASK];
	uint64_t cr4_mask = vv->field[VMCS_IDX_CR4_GUEST_HOST_MASK];
	uint64_t efer = vv->field[VMCS_IDX_GUEST_IA32_EFER];
	bool ia32e = entry & ENTRY_IA32E_MODE_GUEST;

	proc &= ~(PROC_USE_MSR_BITMAPS | PROC_USE_IO_BITMAPS | PROC_UNCOND_IO_EXITING);
	proc |= PROC_ACTIVATE_SECONDARY | (l2_io ? PROC_UNCOND_IO_EXITING : PROC_USE_IO_BITMAPS);
	vmcs_write(VMCS_PIN_BASED_VM_EXECUTION_CONTROLS,
		   with_l0(c->pin, nested_irq_pin_controls(
			   v, (uint32_t)vv->field[VMCS_IDX_PIN_BASED_VM_EXECUTION_CONTROLS])));
	watchdog_setup_vmcs(); /* watches L3 too: L2 is never offered the timer */
	v->nested->immediate_exit = false; /* nested_irq_entry arms it again if needed */
	vmcs_write(VMCS_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, with_l0(c->proc, proc));
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   with_l0(c->proc2, (proc2 & ~PROC2_ENABLE_VPID) | PROC2_ENABLE_EPT));
	vmcs_write(VMCS_EPT_POINTER, proc2 & PROC2_ENABLE_EPT ?
		   nested_ept_eptp(v, vv->field[VMCS_IDX_EPT_POINTER]) : guest_mem_eptp());
	vmcs_write(VMCS_PRIMARY_VM_EXIT_CONTROLS,
		   with_l0(c->exit, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
			   EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG_CONTROLS |
			   nested_irq_exit_controls(v, exit2)));
	vmcs_write(VMCS_VM_ENTRY_CONTROLS,
		   with_l0(c->entry, (entry & ENTRY_IA32E_MODE_GUEST) | ENTRY_LOAD_EFER |
			   ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG_CONTROLS));
	vmcs_write(VMCS_EXCEPTION_BITMAP,
		   vv->field[VMCS_IDX_EXCEPTION_BITMAP] | hv_opts.exc_intercept);
	/*
	 * CR0/CR4: L1 owns the bits VMX fixes; PE and PG too unless L3 runs as
	 * an unrestricted guest (offered to L2 only where L0 has it: nested_caps.c).
	 */
	vmcs_write(VMCS_CR0_GUEST_HOST_MASK,
		   cr0_mask | (uint32_t)~c->cr0_fixed1 |
		   (c->cr0_fixed0 & ~(proc2 & PROC2_UNRESTRICTED_GUEST ? CR0_PE | CR0_PG : 0)));
	vmcs_write(VMCS_CR0_READ_SHADOW, (vv->field[VMCS_IDX_CR0_READ_SHADOW] & cr0_mask) |
					 (vv->field[VMCS_IDX_GUEST_CR0] & ~cr0_mask));
	vmcs_write(VMCS_CR4_GUEST_HOST_MASK, cr4_mask | c->cr4_fixed0 | (uint32_t)~c->cr4_fixed1);
	vmcs_write(VMCS_CR4_READ_SHADOW, (vv->field[VMCS_IDX_CR4_READ_SHADOW] & cr4_mask) |
					 (vv->field[VMCS_IDX_GUEST_CR4] & ~cr4_mask));
	/* What L2's load controls leave out stays L2's (SDM 27.3.2.1). */
	if (!(entry & ENTRY_LOAD_EFER)) {
		efer = l2->efer & ~(EFER_LMA | EFER_LME);
		if (ia32e)
			efer |= EFER_LMA | (vv->field[VMCS_IDX_GUEST_CR0] & CR0_PG ? EFER_LME : 0);
	}
	vmcs_write(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write(VMCS_GUEST_IA32_PAT,
		   entry & ENTRY_LOAD_PAT ? vv->field[VMCS_IDX_GUEST_IA32_PAT] : l2->pat);
	vmcs_write(VMCS_GUEST_DR7, entry & ENTRY_LOAD_DEBUG_CONTROLS ?
					   vv->field[VMCS_IDX_GUEST_DR7] : l2->dr7);
	vmcs_write(VMCS_GUEST_IA32_DEBUGCTL, entry & ENTRY_LOAD_DEBUG_CONTROLS ?
						     vv->field[VMCS_IDX_GUEST_IA32_DEBUGCTL] :
						     l2->debugctl);
}

/*
 * PAE paging outside IA-32e mode under EPT: the CPU takes the PDPTEs from
 * vmcs02 (27.3.2.4): L2's own fields if L2 uses EPT, else what L3's CR3
 * points to, as the CPU under L2 would have loaded them.
 */
static void write_pdptes(const struct vvmcs *vv)
{
	uint64_t cr3 = vv->field[VMCS_IDX_GUEST_CR3] & 0xffffffe0u;
	bool l2_ept = vv->field[VMCS_IDX_PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] &
		      PROC_ACTIVATE_SECONDARY &&
		      vv->field[VMCS_IDX_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS] &
		      PROC2_ENABLE_EPT;
	const uint64_t *pdpte = l2_ept ? &vv->field[VMCS_IDX_GUEST_PDPTE0] : l2_phys(cr3, 32);

	if (!(vv->field[VMCS_IDX_GUEST_CR0] & CR0_PG) || !(vv->field[VMCS_IDX_GUEST_CR4] & CR4_PAE) ||
	    (vv->field[VMCS_IDX_VM_ENTRY_CONTROLS] & ENTRY_IA32E_MODE_GUEST) || !pdpte)
		return;
	for (unsigned i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]); /* the four rows are adjacent */
}

/* Writes the fields of 'which' (a subset of 'copied') from vv into vmcs02. */
static void copy_fields(const struct vvmcs *vv, const struct field_set *which)
{
	for (unsigned w = 0; w < FIELD_WORDS; w++)
		for (uint64_t bits = which->w[w] & copied.w[w]; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);

			vmcs_write(vmcs_field_at(i)->encoding, vv->field[i]);
		}
}

/* The guest-state checks' view: stale fields are read from vmcs02, now current. */
static uint64_t field_now(void *arg, enum vmcs_index idx)
{
	struct nested_vcpu *n = arg;

	if (field_set_has(&n->stale, idx))
		return vmread(vmcs_field_at(idx)->encoding);
	return n->vv->field[idx];
}

bool nested_resume_is_quick(struct vcpu *v, uint64_t l2_efer)
{
	static const enum vmcs_index changing[] = {
		VMCS_IDX_GUEST_RIP, VMCS_IDX_GUEST_RSP, VMCS_IDX_GUEST_RFLAGS,
		VMCS_IDX_GUEST_INTERRUPTIBILITY_STATE, VMCS_IDX_GUEST_ACTIVITY_STATE,
		VMCS_IDX_GUEST_PENDING_DEBUG_EXCEPTIONS,
		VMCS_IDX_VM_ENTRY_INTERRUPTION_INFORMATION_FIELD,
		VMCS_IDX_VM_ENTRY_EXCEPTION_ERROR_CODE, VMCS_IDX_VM_ENTRY_INSTRUCTION_LENGTH,
	};
	static struct field_set allowed;
	struct nested_vcpu *n = v->nested;

	if (!allowed.w[0])
		for (size_t i = 0; i < sizeof(changing) / sizeof(changing[0]); i++)
			field_set_add(&allowed, changing[i]);
	if (n->owner != n->vmptr || n->l2_efer != l2_efer)
		return false;
	for (unsigned w = 0; w < FIELD_WORDS; w++)
		if (n->dirty.w[w] & ~allowed.w[w])
			return false;
	return true;
}

void nested_vmentry(struct vcpu *v, bool launch, bool quick, uint64_t l2_efer)
{
	struct nested_vcpu *n = v->nested;
	struct vvmcs *vv = n->vv;
	/* PAT, DR7 and DEBUGCTL only merge into vmcs02's controls: not read for a quick entry. */
	struct vcpu_l2_state l2 = { l2_efer, 0, 0, 0 };
	bool full = launch || n->owner != n->vmptr;
	struct field_set everything;
	struct entry_check_env env = { &nested_caps, nested_maxphyaddr, l2.efer & EFER_LMA,
				       field_now, nested_read_phys, n };
	struct entry_check_result r;
	uint32_t msr_fail;
	/* Chosen again at each VMLAUNCH: an AP started again may exit otherwise now. */
	uint64_t exit_entry = launch || !n->vmcs02_pa ? l3_exit_entry() : 0;

	n->l2_cr0 = l2_cr0();
	n->l2_efer = l2.efer;
	if (!n->vmcs02_pa) {
		vmcs02_create(v, n, exit_entry);
	} else {
		vmptrld(n->vmcs02_pa);
		if (exit_entry)
			vmcs_write(VMCS_HOST_RIP, exit_entry);
	}
	nested_ept_follow_l1(v); /* before vmcs02's EPTP is chosen: it may name an emptied shadow */
	if (full)
		memset(&everything, 0xff, sizeof(everything));
	copy_fields(vv, full ? &everything : &n->dirty);
	if (!quick) {
		l2.pat = vmread(VMCS_GUEST_IA32_PAT);
		l2.dr7 = vmread(VMCS_GUEST_DR7);
		l2.debugctl = vmread(VMCS_GUEST_IA32_DEBUGCTL);
		write_merged_controls(v, vv, &l0.caps, &l2);
		write_pdptes(vv);
	}
	r = quick ? entry_check_resume_guest(&env) : entry_check_guest(&env);
	msr_fail = r.kind == ENTRY_CHECK_OK ? nested_load_msr_list(
		vv->field[VMCS_IDX_VM_ENTRY_MSR_LOAD_ADDRESS],
		vv->field[VMCS_IDX_VM_ENTRY_MSR_LOAD_COUNT]) : 0;
	if (r.kind != ENTRY_CHECK_OK || msr_fail) {
		log_info("L2's VM entry fails: %s", r.kind != ENTRY_CHECK_OK ? r.what :
			 "an entry of the VM-entry MSR-load list");
		nested_entry_failed(v, r.kind != ENTRY_CHECK_OK ? EXIT_REASON_INVALID_GUEST_STATE :
								 EXIT_REASON_MSR_LOADING,
				    r.kind != ENTRY_CHECK_OK ? r.qual : msr_fail);
		return;
	}
	n->launching = launch;
	if (launch) {
		vv->launch_state = VVMCS_LAUNCHED;
		vv->vmxon_epoch = n->vmxon_epoch;
	}
	n->owner = n->vmptr;
	n->dirty = (struct field_set){ 0 };
	n->in_l3 = true;
	n->entries++;
	if (v->events_waiting)
		nested_irq_entry(v);
	if (!n->vmcs02_launched) {
		n->vmcs02_launched = true;
		vmx_launch(v); /* returns only if VMLAUNCH failed */
		log_error("VMLAUNCH of vmcs02 failed: VM-instruction error %lu: %s",
			  vmread(VMCS_VM_INSTRUCTION_ERROR),
			  vmx_instruction_error_str((uint32_t)vmread(VMCS_VM_INSTRUCTION_ERROR)));
		guest_stop(v, false, "vmcs02-launch-failed");
	}
}
