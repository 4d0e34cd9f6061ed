/*
 * shadow_mode.h - paging=shadow: once L2 runs in long mode with paging, its
 * translations come from shadow page tables (mmu/shadow_pt.h) with EPT off.
 */
#ifndef HV_SHADOW_MODE_H
#define HV_SHADOW_MODE_H

#include <stdbool.h>
#include <stdint.h>

#include "emul/walk.h"
#include "options.h"
#include "vcpu.h"
#include "vmx.h"

/* At boot with paging=shadow: refuses what it cannot serve, takes its memory. */
void shadow_mode_init(void);
/* With paging=shadow: CR3-load exiting from the start (to see L2 begin paging). */
void shadow_mode_vmcs_setup(void);
/*
 * MOV to CR3 (already checked by exit_cr.c): true if the shadow took it
 * (GUEST_CR3 is the shadow root now), false if L2 runs nested yet.
 */
bool shadow_mode_cr3_load(struct vcpu *v, uint64_t cr3);
/*
 * MOV to CR0 or CR4 changed how L2 pages (PG, WP, PAE, PSE; exit_cr.c
 * after the write): shadow paging turns off (back to EPT), on, or to the
 * shadows of the new format.
 */
void shadow_mode_paging_changed(struct vcpu *v);
/* MOV to CR4 wrote value over old (exit_cr.c, after the write). */
void shadow_mode_cr4_written(struct vcpu *v, uint64_t old, uint64_t value);
/* L2's own CR3: what it last loaded (shadow on), else the VMCS's. */
uint64_t shadow_mode_guest_cr3(void);
/*
 * Under PAE paging (cr0, cr4, efer L2's own) the four PDPTEs its CPU holds,
 * for walk_mode.pdpte: the VMCS's (saved there at the exit with EPT on,
 * loaded there by exit_cr.c with shadow paging); else NULL.
 */
const uint64_t *shadow_mode_guest_pdptes(uint64_t cr0, uint64_t cr4, uint64_t efer);
/* shadow_mode_guest_paging's case with paging=shadow|hybrid. */
void shadow_mode_guest_paging_shadowed(struct walk_mode *m);
/*
 * M's cr3, cr4 and pdpte as L2's walks of its own tables need them (M's cr0
 * and efer already L2's, its pdpte NULL). Inline for the emulator's exit path: under
 * paging=nested they are the VMCS's, and PDPTEs exist only in PAE paging
 * outside long mode.
 */
static inline void shadow_mode_guest_paging(struct walk_mode *m)
{
	if (hv_opts.paging != PAGING_NESTED) {
		shadow_mode_guest_paging_shadowed(m);
		return;
	}
	m->cr3 = vmread(VMCS_GUEST_CR3);
	m->cr4 = vmread(VMCS_GUEST_CR4);
	if (!(m->efer & EFER_LMA)) /* else M's pdpte stays NULL */
		m->pdpte = shadow_mode_guest_pdptes(m->cr0, m->cr4, m->efer);
}
/*
 * paging=hybrid, a nested space: an EPT violation that is a write to a guest
 * table some shadow mirrors (write-protected in EPT) is emulated and the
 * shadows told; true if it was one.
 */
bool shadow_mode_ept_violation(struct vcpu *v, uint64_t gpa, uint64_t qual);
/* An exception exit with info 'info': true if it was a #PF the shadow served. */
bool shadow_mode_exception(struct vcpu *v, uint32_t info);
/*
 * INVLPG (or INVPCID of one address) of va: dropped from the shadow of the
 * current space and from the TLB (INVVPID of the address, all PCIDs).
 */
void shadow_mode_invlpg(struct vcpu *v, uint64_t va);
/* An INVPCID was emulated (shadow_invpcid.c): counted for the report. */
void shadow_mode_count_invpcid(void);
/* CPUID leaf/sub as L2 sees it: INVPCID only where INVPCID runs (its control on). */
void shadow_mode_cpuid(uint32_t leaf, uint32_t sub, uint32_t *ebx, uint32_t *ecx);
/* The end-of-run counters (nothing unless paging=shadow). */
void shadow_mode_report(void);

#endif
