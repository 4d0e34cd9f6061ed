/*
 * nested.c - nested VMX at boot (L2's capabilities, printed; the prefetch
 * set), the lazy side of the status split (a field of L3's state or of the
 * exit information not prefetched is fetched from vmcs02 when L2 first
 * reads it), and the counters a run ends with.
 */
#include "hypercall.h"
#include "l0.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "power.h"
#include "vmcs/fields.h"
#include "vmcs/l2_mem.h"
#include "vmcs/nested.h"
#include "vmcs/nested_caps.h"
#include "vmcs/shadow.h"
#include "vmx.h"
#include "vmx_bits.h"
#include "x86.h"

struct vmx_cap_msrs nested_caps;
unsigned nested_maxphyaddr;
static struct nested_vcpu nested_vcpus[MAX_VCPUS];

void nested_init(void)
{
	const struct vmx_cap_msrs *c = &nested_caps;
	const char *bad;
	size_t bad_len;

	if (!hv_opts.nested)
		return;
	/* L2's memory is read and mapped 1:1 (l2_mem.c, nested_ept.c): L1's EPT must be too. */
	if (hv_opts.paging != PAGING_NESTED || hv_opts.pool) {
		log_error("nested=on needs paging=nested and pool=off: L2's physical memory must be "
			  "1:1 under L1's EPT");
		hv_finish(false, "bad-cmdline");
	}
	nested_maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	nested_caps_compute(&l0.msrs, &nested_caps);
	bad = prefetch_parse(hv_opts.prefetch, &prefetch_set, &bad_len);
	if (bad) {
		log_error("prefetch: '%.*s' is not a field of L3's state or the exit information",
			  (int)bad_len, bad);
		hv_finish(false, "bad-cmdline");
	}
	if (hv_opts.vmcs_shadow == VMCS_SHADOW_HW && !l0.caps.has[VMXF_VMCS_SHADOWING]) {
		log_error("vmcs_shadow=hw: L0 offers no VMCS shadowing; use vmcs_shadow=sw");
		hv_finish(false, "bad-cmdline");
	}
	shadow_init();
	for (unsigned i = 0; i < MAX_VCPUS; i++) {
		nested_vcpus[i] = (struct nested_vcpu){ .vmptr = NO_VMCS, .owner = NO_VMCS };
		vcpus[i].nested = &nested_vcpus[i];
	}
	log_info("nested VMX offered to L2: VMCS revision %#x, %s, %s, %s VMREAD/VMWRITE",
		 NESTED_VMCS_REVISION,
		 c->procbased2 >> 32 & PROC2_ENABLE_EPT ? "EPT (no A/D)" : "no EPT",
		 c->procbased2 >> 32 & PROC2_ENABLE_VPID ? "VPID" : "no VPID",
		 hv_opts.vmcs_shadow == VMCS_SHADOW_HW ? "hw" : "sw");
	log_mline("nested-caps", "revision=%#x basic=%#lx pin=%#lx proc=%#lx proc2=%#lx exit=%#lx "
		  "entry=%#lx misc=%#lx cr0_fixed0=%#lx cr4_fixed0=%#lx vmcs_enum=%#lx "
		  "ept_vpid=%#lx l0_misc=%#lx", NESTED_VMCS_REVISION, c->basic, c->true_pinbased,
		  c->true_procbased, c->procbased2, c->true_exit, c->true_entry, c->misc,
		  c->cr0_fixed0, c->cr4_fixed0, c->vmcs_enum, c->ept_vpid_cap, l0.msrs.misc);
}

/* Copies every stale field from vmcs02 (the current VMCS) into vv. */
static void fetch_from_vmcs02(struct nested_vcpu *n, struct vvmcs *vv)
{
	for (unsigned w = 0; w < FIELD_WORDS; w++) {
		for (uint64_t bits = n->stale.w[w]; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);

			vv->field[i] = vmread(vmcs_field_at(i)->encoding);
		}
		n->stale.w[w] = 0;
	}
}

void nested_flush_owner(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;
	struct field_set none = { 0 };

	if (n->owner == NO_VMCS || !memcmp(&n->stale, &none, sizeof(none)))
		return;
	vmptrld(n->vmcs02_pa);
	fetch_from_vmcs02(n, l2_phys(n->owner, sizeof(struct vvmcs)));
	vmptrld(v->vmcs_pa);
}

uint64_t nested_vvmcs_get(struct vcpu *v, unsigned idx)
{
	struct nested_vcpu *n = v->nested;

	if (field_set_has(&n->stale, idx)) {
		/* L2 runs (vmcs01 current): two VMPTRLDs, the cost a prefetch entry saves. */
		vmptrld(n->vmcs02_pa);
		n->vv->field[idx] = vmread(vmcs_field_at(idx)->encoding);
		vmptrld(v->vmcs_pa);
		field_set_del(&n->stale, idx);
		n->lazy_fetches++;
	}
	return n->vv->field[idx];
}

int64_t nested_hc_stats(struct vcpu *v)
{
	if (!v->nested)
		return HC_ERR_UNKNOWN;
	v->gpr[GPR_RBX] = v->nested->l3_exits;
	v->gpr[GPR_RCX] = v->nested->reflected;
	v->gpr[GPR_RDX] = v->exit_count[EXIT_REASON_VMREAD] + v->exit_count[EXIT_REASON_VMWRITE];
	return HC_OK;
}

void nested_log_stats(const struct vcpu *v)
{
	const struct nested_vcpu *n = v->nested;

	if (!n || !n->entries)
		return;
	log_info("nested: %lu VM entries into L3, %lu exits from L3, %lu reflected to L2, "
		 "%lu fields fetched lazily", n->entries, n->l3_exits, n->reflected,
		 n->lazy_fetches);
	log_mline("nested", "vcpu=%u entries=%lu l3_exits=%lu reflected=%lu lazy_fetches=%lu "
		  "l3_interrupts=%lu l3_injected=%lu l2_interrupt_exits=%lu ept_fills=%lu "
		  "ept_large_fills=%lu ept_drops=%lu ept_l1_changes=%lu prefetch=\"%s\" vmcs_shadow=%s", v->index,
		  n->entries, n->l3_exits, n->reflected, n->lazy_fetches, n->l3_interrupts,
		  n->l3_injected, n->l2_interrupt_exits, n->ept_fills, n->ept_large_fills,
		  n->ept_drops, n->ept_l1_changes, hv_opts.prefetch, hv_opts.vmcs_shadow ? "hw" : "sw");
	for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++)
		if (n->vmread_by_field[i] || n->vmwrite_by_field[i])
			log_mline("nested-vmread", "vcpu=%u field=%s vmread=%lu vmwrite=%lu", v->index,
				  vmcs_field_at(i)->name, n->vmread_by_field[i],
				  n->vmwrite_by_field[i]);
}
