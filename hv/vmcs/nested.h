/*
 * nested.h - nested VMX: what the hypervisor (L1) keeps per vCPU while its
 * guest (L2) is itself a hypervisor running a guest (L3). Three VMCSs meet
 * here: vmcs01, the real VMCS L1 runs L2 with (struct vcpu's); L2's virtual
 * VMCSs (struct vvmcs, in L2's memory: the guest-status and host-status
 * areas, controls, exit information); and vmcs02, the real "shadow VMCS"
 * the CPU runs L3 with, built from L2's current virtual VMCS merged with
 * L1's own needs.
 */
#ifndef HV_VMCS_NESTED_H
#define HV_VMCS_NESTED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcpu.h"
#include "vmcs/field_list.h"
#include "vmcs/vvmcs.h"
#include "vmx_caps.h"

#define NO_VMCS (~0ull)
#define FIELD_WORDS ((VMCS_FIELD_ROWS + 63) / 64)

/* A set of fields, one bit per VMCS_IDX_<name>. */
struct field_set {
	uint64_t w[FIELD_WORDS];
};

static inline bool field_set_has(const struct field_set *s, unsigned i)
{
	return s->w[i / 64] >> (i % 64) & 1;
}

static inline void field_set_add(struct field_set *s, unsigned i)
{
	s->w[i / 64] |= 1ull << (i % 64);
}

static inline void field_set_del(struct field_set *s, unsigned i)
{
	s->w[i / 64] &= ~(1ull << (i % 64));
}

struct nested_vcpu {
	bool vmxon;              /* L2 is in VMX operation */
	bool in_l3;              /* L3 runs: the CPU's current VMCS is vmcs02 */
	uint64_t vmxon_ptr;      /* L2's VMXON region */
	uint32_t vmxon_epoch;    /* how many times L2 executed VMXON successfully */
	uint64_t vmptr;          /* L2's current-VMCS pointer, NO_VMCS if none */
	struct vvmcs *vv;        /* the region at vmptr */
	uint64_t vmcs02_pa;
	bool vmcs02_launched;
	bool immediate_exit;     /* vmcs02's VMX-preemption timer is at 0 (nested_irq.c) */
	bool launching;          /* the entry into L3 under way is a VMLAUNCH */
	uint64_t owner;          /* the L2 VMCS whose L3 vmcs02 holds, NO_VMCS if none */
	/*
	 * Fields of the owner's guest-status area and exit information whose
	 * value is in vmcs02, not yet in the virtual VMCS (not prefetched at
	 * the last reflected exit, not read by L2 since), and fields L2 wrote
	 * since its last VM entry, which vmcs02 lacks.
	 */
	struct field_set stale, dirty;
	uint64_t l2_cr0, l2_efer; /* L2's own CR0 and EFER at its VM entry (for the VM exit) */
	/* Counters, logged at the end ("@hv nested", "@hv nested-vmread"). */
	uint64_t entries, l3_exits, reflected, lazy_fetches;
	/* Interrupts L1 acknowledged while L3 ran; of them injected into L3; exits to L2 for one. */
	uint64_t l3_interrupts, l3_injected, l2_interrupt_exits;
	/*
	 * Shadow EPT: mappings made (of them large pages), shadows emptied, times
	 * all were emptied because L1's EPT changed (nested_ept.c); guest_ept.gen
	 * the shadows are built at.
	 */
	uint64_t ept_fills, ept_large_fills, ept_drops, ept_l1_changes;
	uint64_t ept_l1_gen;
	uint64_t vmread_by_field[VMCS_FIELD_ROWS];
	uint64_t vmwrite_by_field[VMCS_FIELD_ROWS];
};

/* L2's VMX capability MSRs (nested_caps.h), computed at boot. */
extern struct vmx_cap_msrs nested_caps;
/* The physical-address width L2 is told (CPUID 0x80000008). */
extern unsigned nested_maxphyaddr;

/* Boot (nested=on): L2's capabilities, printed; the prefetch and shadow sets; v->nested. */
void nested_init(void);
/* L2's VMX instructions (VMXON ... INVEPT, INVVPID): emulated, or #UD with nested=off. */
void handle_vmx_instruction(struct vcpu *v);
/*
 * Whether L2's VMRESUME changed nothing but the fields its exit handler
 * changes (RIP, RSP, RFLAGS, interruptibility and activity state, pending
 * debug exceptions, event injection) since the last entry of the same
 * VMCS: then only their checks run and vmcs02's controls stay (nested_entry.c).
 */
bool nested_resume_is_quick(struct vcpu *v, uint64_t l2_efer);
/*
 * VMLAUNCH/VMRESUME of L2, its checks passed so far: enters L3 (nested_entry.c).
 * l2_efer: L2's IA32_EFER in vmcs01, read once by the caller.
 */
void nested_vmentry(struct vcpu *v, bool launch, bool quick, uint64_t l2_efer);
/* Every exit from L3 (vmx_entry.S's L3 exit entry). */
void nested_exit_handler(struct vcpu *v, uint64_t full_reason);
/* L2's VMCLEAR/VMPTRLD/VMXOFF: the owner's stale fields written back to its region. */
void nested_flush_owner(struct vcpu *v);
/* Reads field idx of the current virtual VMCS, fetching it from vmcs02 if stale. */
uint64_t nested_vvmcs_get(struct vcpu *v, unsigned idx);
/* 8 bytes of L2's physical memory, for the entry checks' read_phys. */
bool nested_read_phys(void *arg, uint64_t pa, uint64_t *value);
/* HC_NESTED_STATS (hypercall.h): the counters into L2's RBX, RCX, RDX. */
int64_t nested_hc_stats(struct vcpu *v);
/* The counters, at the end of a run. */
void nested_log_stats(const struct vcpu *v);

/* Whether a field comes from vmcs02 at an exit (L3 state, exit information): prefetch.c. */
bool prefetchable(const struct vmcs_field *f);
/* The prefetch set (prefetch.c): copied from vmcs02 at every reflected exit. */
extern struct field_set prefetch_set;
/*
 * Parses a prefetch= value (none, default, all, NAME,NAME...) into *set;
 * NULL, or the first name that is no prefetchable field (*bad_len bytes).
 */
const char *prefetch_parse(const char *spec, struct field_set *set, size_t *bad_len);

#endif
