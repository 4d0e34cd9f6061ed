/*
 * vvmcs.c - VMREAD/VMWRITE semantics on the virtual VMCS's slots: widths,
 * high halves of 64-bit fields, operand truncation (SDM Vol. 3C 25.11.2,
 * 31.3).
 */
#include "vmcs/vvmcs.h"

uint64_t vmcs_width_mask(enum vmcs_width w)
{
	return w == VMCS_WIDTH_16 ? 0xffff : w == VMCS_WIDTH_32 ? 0xffffffffull : ~0ull;
}

uint64_t vvmcs_read(const struct vvmcs *vv, const struct vmcs_field *f, bool high,
		    unsigned bits)
{
	uint64_t v = vv->field[f->index] & vmcs_width_mask(f->width);

	if (high)
		v >>= 32;
	return bits == 64 ? v : (uint32_t)v;
}

void vvmcs_write(struct vvmcs *vv, const struct vmcs_field *f, bool high, uint64_t value)
{
	uint64_t *slot = &vv->field[f->index];

	if (high)
		*slot = (*slot & 0xffffffffull) | (uint64_t)(uint32_t)value << 32;
	else
		*slot = value & vmcs_width_mask(f->width);
}
