/*
 * shadow.c - the hardware shadow VMCS of vmcs_shadow=hw (see shadow.h).
 * Exit-information fields can be mirrored only where L0 lets VMWRITE reach
 * read-only fields (IA32_VMX_MISC bit 29, SDM Vol. 3D A.6); without it
 * L2's VMREADs of them still exit.
 */
#include "boot_mem.h"
#include "l0.h"
#include "lib/string.h"
#include "log.h"
#include "options.h"
#include "panic.h"
#include "vmcs/fields.h"
#include "vmcs/shadow.h"
#include "vmx.h"
#include "vmx_bits.h"

#define MISC_VMWRITE_ANY (1ull << 29)

struct field_set shadow_read_set, shadow_write_set;

struct shadow_state {
	uint64_t vmcs_pa;      /* the hardware shadow VMCS */
	uint64_t read_bitmap, write_bitmap;
};

static struct shadow_state shadows[MAX_VCPUS];

static bool hw(void)
{
	return hv_opts.vmcs_shadow == VMCS_SHADOW_HW;
}

void shadow_init(void)
{
	bool ro_ok = l0.msrs.misc & MISC_VMWRITE_ANY;

	if (!hw())
		return;
	for (size_t i = 0; i < vmcs_field_count(); i++) {
		const struct vmcs_field *f = vmcs_field_at(i);

		if (f->l2 == VMCS_L2_RW && f->kvm_shadowed == VMCS_KVM_RW)
			field_set_add(&shadow_write_set, f->index);
	}
	shadow_read_set = shadow_write_set;
	for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++)
		if (field_set_has(&prefetch_set, i) && (ro_ok || vmcs_field_at(i)->l2 == VMCS_L2_RW))
			field_set_add(&shadow_read_set, i);
	if (!ro_ok)
		log_warn("vmcs_shadow=hw: L0 cannot VMWRITE read-only fields (IA32_VMX_MISC bit 29): "
			 "L2's VMREADs of exit information still exit");
}

/* Lets L2 access encoding enc (and a 64-bit field's high half) without an exit. */
static void bitmap_allow(uint64_t bitmap_pa, const struct vmcs_field *f)
{
	uint8_t *b = (uint8_t *)(uintptr_t)bitmap_pa;
	uint32_t enc = f->encoding & 0x7fff;

	b[enc / 8] &= (uint8_t)~(1u << (enc % 8));
	if (f->width == VMCS_WIDTH_64)
		b[(enc + 1) / 8] &= (uint8_t)~(1u << ((enc + 1) % 8));
}

void shadow_vmxon(struct vcpu *v)
{
	struct shadow_state *s = &shadows[v->index];

	if (!hw())
		return;
	if (!s->vmcs_pa) {
		s->vmcs_pa = alloc_page_or_panic("shadow VMCS");
		s->read_bitmap = alloc_page_or_panic("VMREAD bitmap");
		s->write_bitmap = alloc_page_or_panic("VMWRITE bitmap");
		memset((void *)(uintptr_t)s->read_bitmap, 0xff, PAGE_SIZE);
		memset((void *)(uintptr_t)s->write_bitmap, 0xff, PAGE_SIZE);
		for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++) {
			if (field_set_has(&shadow_read_set, i))
				bitmap_allow(s->read_bitmap, vmcs_field_at(i));
			if (field_set_has(&shadow_write_set, i))
				bitmap_allow(s->write_bitmap, vmcs_field_at(i));
		}
		*(uint32_t *)(uintptr_t)s->vmcs_pa = l0.caps.revision | 1u << 31; /* a shadow VMCS */
		if (vmclear(s->vmcs_pa) != VMX_OK)
			panic("VMCLEAR of the shadow VMCS failed");
	}
	vmcs_write(VMCS_VMREAD_BITMAP_ADDRESS, s->read_bitmap);
	vmcs_write(VMCS_VMWRITE_BITMAP_ADDRESS, s->write_bitmap);
	vmcs_write(VMCS_VMCS_LINK_POINTER, ~0ull);
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) | PROC2_VMCS_SHADOWING);
}

void shadow_vmxoff(struct vcpu *v)
{
	(void)v;
	if (!hw())
		return;
	vmcs_write(VMCS_VMCS_LINK_POINTER, ~0ull);
	vmcs_write(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
		   vmread(VMCS_SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS) &
		   ~PROC2_VMCS_SHADOWING);
}

void shadow_push(struct vcpu *v, const struct field_set *which, uint64_t back)
{
	struct vvmcs *vv = v->nested->vv;

	if (!hw())
		return;
	vmptrld(shadows[v->index].vmcs_pa);
	for (unsigned w = 0; w < FIELD_WORDS; w++)
		for (uint64_t bits = which->w[w] & shadow_read_set.w[w]; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);

			vmcs_write(vmcs_field_at(i)->encoding, vv->field[i]);
		}
	vmptrld(back);
}

void shadow_load(struct vcpu *v)
{
	if (!hw())
		return;
	shadow_push(v, &shadow_read_set, v->vmcs_pa);
	vmcs_write(VMCS_VMCS_LINK_POINTER, shadows[v->index].vmcs_pa);
}

void shadow_pull(struct vcpu *v)
{
	struct nested_vcpu *n = v->nested;

	if (!hw() || n->vmptr == NO_VMCS)
		return;
	vmptrld(shadows[v->index].vmcs_pa);
	for (unsigned w = 0; w < FIELD_WORDS; w++)
		for (uint64_t bits = shadow_write_set.w[w]; bits; bits &= bits - 1) {
			unsigned i = w * 64 + (unsigned)__builtin_ctzll(bits);
			uint64_t value = vmread(vmcs_field_at(i)->encoding);

			if (value == n->vv->field[i])
				continue;
			n->vv->field[i] = value;
			field_set_del(&n->stale, i);
			if (n->vmptr == n->owner)
				field_set_add(&n->dirty, i);
		}
	vmptrld(v->vmcs_pa);
}

void shadow_unload(struct vcpu *v)
{
	if (!hw() || v->nested->vmptr == NO_VMCS)
		return;
	shadow_pull(v);
	vmcs_write(VMCS_VMCS_LINK_POINTER, ~0ull);
}
