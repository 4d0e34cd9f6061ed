/*
 * exit_cr.c - MOV to CR0/CR4 that changes a bit the host owns (the
 * guest/host masks hold L0's fixed bits). The guest's value goes to the read
 * shadow; the real register keeps the fixed bits. Entering or leaving long
 * mode through CR0.PG updates EFER.LMA and the "IA-32e mode guest" control,
 * as the CPU would (SDM Vol. 3A 10.8.5; Vol. 3C 28.3). MOV to CR3 exits only
 * with protect=on (prot.c): it is done here, TLB flush included, and then
 * names the program that runs.
 */
#include "exit.h"
#include "guest_mem.h"
#include "guest_stop.h"
#include "irq/irq.h"
#include "l0.h"
#include "log.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "prot.h"
#include "shadow_mode.h"
#include "vmcs_setup.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

#define CR0_ET (1ull << 4)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CR4_PSE (1ull << 4)
#define CR4_PGE (1ull << 7)
#define AR_L (1u << 13) /* CS access rights: 64-bit code */
#define GP 13
#define CR3_NO_FLUSH (1ull << 63)	/* with CR4.PCIDE (SDM Vol. 3A 4.10.4.1) */
#define CR4_PCIDE (1ull << 17)
#define PDPTE_P 1ull
#define PDPTE_RESERVED 0x1e6ull		/* bits 2:1, 8:5 (SDM Vol. 3A 4.4.1) */

static bool load_pae_pdptes(uint64_t cr3);

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

/*
 * Whether a write that changes CR0.PG from 'old' to 'value' is refused
 * (SDM Vol. 3A 10.8.5, MOV CRn): clearing PG in 64-bit mode (IA-32e mode is
 * left from compatibility mode only) or with CR4.PCIDE set; setting it with
 * EFER.LME but without CR4.PAE.
 */
static bool bad_paging_change(uint64_t old, uint64_t value)
{
	uint64_t cr4 = l2_cr4(), efer = vmread(VMCS_GUEST_IA32_EFER);

	if (!((old ^ value) & CR0_PG))
		return false;
	if (!(value & CR0_PG))
		return (efer & EFER_LMA && vmread(VMCS_GUEST_CS_ACCESS_RIGHTS) & AR_L) ||
		       cr4 & CR4_PCIDE;
	return efer & EFER_LME && !(cr4 & CR4_PAE);
}

/*
 * Whether a MOV to CR0 or CR4 that changes 'changed' (of CD, NW, PG; PAE,
 * PGE, PSE, SMEP) loads the PDPTEs, leaving PAE paging in use (Vol. 3A
 * 4.4.1); they come from L2's CR3. False: one is bad (#GP).
 */
static bool pdptes_reload(uint64_t changed, uint64_t cr0, uint64_t cr4)
{
	if (!changed || !(cr0 & CR0_PG) || !(cr4 & CR4_PAE) ||
	    (vmread(VMCS_GUEST_IA32_EFER) & EFER_LME))
		return true;
	return load_pae_pdptes(shadow_mode_guest_cr3());
}

/*
 * MOV to CR0: #GP for what the CPU refuses (SDM Vol. 3A 2.5, MOV CRn). PG
 * is in the guest/host mask only under paging=shadow|hybrid, and then the
 * real register holds L2's value of it too.
 */
static bool emulate_cr0_write(struct vcpu *v, uint64_t value)
{
	uint64_t old = vmread(VMCS_GUEST_CR0);

	if (value >> 32 || (value & CR0_PG && !(value & CR0_PE)) ||
	    (value & CR0_NW && !(value & CR0_CD)) || bad_paging_change(old, value) ||
	    !pdptes_reload((old ^ value) & (CR0_CD | CR0_NW | CR0_PG), value, l2_cr4()))
		return false;
	value |= CR0_ET; /* hardwired to 1 */
	vmcs_set_guest_cr0(value);
	update_long_mode(old, value);
	if ((old ^ value) & (CR0_PG | CR0_WP | CR0_CD | CR0_NW)) /* CD, NW: PDPTEs reloaded */
		shadow_mode_paging_changed(v);
	return true;
}

/*
 * MOV to CR4: bits L0 does not allow are reserved for L2: #GP; so is VMXE
 * without nested VMX, and clearing it in VMX operation (SDM Vol. 3C 24.7).
 */
static bool emulate_cr4_write(struct vcpu *v, uint64_t value)
{
	bool vmxe_bad = value & CR4_VMXE ? !v->nested : v->nested && v->nested->vmxon;
	uint64_t mask = vmread(VMCS_CR4_GUEST_HOST_MASK);
	uint64_t old = (vmread(VMCS_GUEST_CR4) & ~mask) | (vmread(VMCS_CR4_READ_SHADOW) & mask);

	if (vmxe_bad || value & ~l0.caps.cr4_fixed1)
		return false;
	/* PAE stays on in IA-32e mode (MOV CRn); with PAE paging a change reloads the PDPTEs. */
	if ((old & ~value & CR4_PAE && vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) ||
	    !pdptes_reload((old ^ value) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP),
			   l2_cr0(), value))
		return false;
	/* Setting PCIDE: only in IA-32e mode and with CR3[11:0] zero (L2's CR3). */
	if (value & ~old & CR4_PCIDE && (!(vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA) ||
					 shadow_mode_guest_cr3() & 0xfff))
		return false;
	vmcs_set_guest_cr4(value);
	shadow_mode_cr4_written(v, old, value);
	/* What MOV to CR4 flushes, the CPU did not: the write exited (Vol. 3A 4.10.4.1). */
	if ((old ^ value) & (CR4_PGE | CR4_PAE | CR4_PSE | CR4_SMEP) || old & ~value & CR4_PCIDE)
		invvpid(l0.caps.ept_vpid_cap & VPID_CAP_INVVPID_SINGLE ? INVVPID_SINGLE
								       : INVVPID_ALL, GUEST_VPID, 0);
	return true;
}

/* The physical-address bits above MAXPHYADDR, which a CR3 or PDPTE must not set. */
static uint64_t above_maxphyaddr(void)
{
	static uint64_t mask;

	if (!mask)
		mask = ~0ull << (cpuid(0x80000008, 0).eax & 0xff);
	return mask;
}

/*
 * PAE paging: MOV to CR3 loads the four PDPTEs, and with EPT the CPU takes
 * them from the VMCS at VM entry (SDM Vol. 3C 27.3.2.4); #GP if one is bad
 * (Vol. 3A 4.4.1).
 */
static bool load_pae_pdptes(uint64_t cr3)
{
	const uint64_t *pdpte = guest_mem_ptr(cr3 & 0xffffffe0, 32);

	if (!pdpte)
		return false;
	for (int i = 0; i < 4; i++)
		if ((pdpte[i] & PDPTE_P) && (pdpte[i] & (PDPTE_RESERVED | above_maxphyaddr())))
			return false;
	for (int i = 0; i < 4; i++)
		vmcs_write(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return true;
}

/*
 * MOV to CR3 as the CPU does it (SDM Vol. 3A MOV CRn, 4.10.4.1): the
 * exit came before its checks and before its TLB flush. With VPID the
 * flush is INVVPID of L2's non-global mappings; bit 63 with CR4.PCIDE
 * keeps them.
 */
static bool emulate_cr3_write(struct vcpu *v, uint64_t value)
{
	/* PCIDE and PG are L2's own in the real registers; PAE may be the host's (shadow). */
	uint64_t cr4 = vmread(VMCS_GUEST_CR4), cap = l0.caps.ept_vpid_cap;
	bool keep = (cr4 & CR4_PCIDE) && (value & CR3_NO_FLUSH);
	bool long_mode = vmread(VMCS_GUEST_IA32_EFER) & EFER_LMA, shadowed;

	value &= ~(keep ? CR3_NO_FLUSH : 0);
	if (long_mode && (value & above_maxphyaddr()))
		return false;
	if (!long_mode && (vmread(VMCS_GUEST_CR0) & CR0_PG) && (l2_cr4() & CR4_PAE) &&
	    !load_pae_pdptes(value))
		return false;
	shadowed = shadow_mode_cr3_load(v, value);
	if (!shadowed)
		vmcs_write(VMCS_GUEST_CR3, value);
	/* Every shadow root runs as the CPU's PCID 0: a switch flushes, bit 63 or not. */
	if (!keep || shadowed)
		invvpid(cap & VPID_CAP_INVVPID_SINGLE_GLOBALS ? INVVPID_SINGLE_KEEP_GLOBALS :
			cap & VPID_CAP_INVVPID_SINGLE ? INVVPID_SINGLE : INVVPID_ALL, GUEST_VPID, 0);
	prot_cr3_loaded(v, value);
	return true;
}

void handle_cr_access(struct vcpu *v)
{
	uint64_t qual = vmread(VMCS_EXIT_QUALIFICATION);
	unsigned cr = qual & 0xf, type = (qual >> 4) & 3, reg = (qual >> 8) & 0xf;
	bool ok;

	if (type == 0 && cr == 8) { /* CR8-load exiting: an interrupt waits for the TPR */
		irq_cr8_write(v, read_gpr(v, reg));
		return;
	}
	if (type == 1 && cr == 3) { /* MOV from CR3: exits with paging=shadow */
		if (reg == GPR_RSP)
			vmcs_write(VMCS_GUEST_RSP, shadow_mode_guest_cr3());
		else
			v->gpr[reg] = shadow_mode_guest_cr3();
		skip_instruction();
		return;
	}
	if (type != 0 || (cr != 0 && cr != 3 && cr != 4)) {
		log_error("L2 control-register access type %u to CR%u: not emulated", type, cr);
		guest_stop(v, false, "unhandled-cr-access");
	}
	ok = cr == 0 ? emulate_cr0_write(v, read_gpr(v, reg)) :
	     cr == 3 ? emulate_cr3_write(v, read_gpr(v, reg)) :
		       emulate_cr4_write(v, read_gpr(v, reg));
	if (ok)
		skip_instruction();
	else
		inject_exception(GP, true, 0);
}
