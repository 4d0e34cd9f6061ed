/*
 * vvmcs.h - the virtual VMCS: what a guest hypervisor's (L2's) VMCS region
 * holds. The SDM leaves the region's format to the implementation past its
 * first 8 bytes (Vol. 3C 25.2); ours, in L2's own 4 KiB page:
 *
 *   0    revision identifier (bits 30:0), shadow-VMCS indicator (bit 31)
 *   4    VMX-abort indicator
 *   8    launch state: VVMCS_LAUNCHED, anything else is "clear"
 *   12   the VMXON epoch of its last VMLAUNCH: a VMRESUME in a later VMX
 *        operation (VMXOFF and VMXON in between) fails with error 6
 *   16   one 64-bit slot per row of the field table, by VMCS_IDX_<name>
 *
 * A slot holds the field's value zero-extended; its areas are those of
 * field_list.h: the guest-status area (L3's state), the host-status area
 * (L2's state after a VM exit), controls and exit information. L2 must
 * not touch the region except through VMX instructions (SDM 25.11.1).
 */
#ifndef HV_VMCS_VVMCS_H
#define HV_VMCS_VVMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs/fields.h"

#define VVMCS_LAUNCHED 0x4c61756eu /* "nuaL": anything else reads as clear */
#define VVMCS_SHADOW_INDICATOR (1u << 31)

struct vvmcs {
	uint32_t revision;
	uint32_t abort;
	uint32_t launch_state;
	uint32_t vmxon_epoch;
	uint64_t field[VMCS_FIELD_ROWS];
};

_Static_assert(sizeof(struct vvmcs) <= 4096, "the virtual VMCS fits its 4 KiB region");

/*
 * VMREAD's value of field f (high: the encoding named its high half) for
 * an operand of 'bits' (32 or 64): zero-extended, truncated to the operand
 * (SDM Vol. 3C 31.3 VMREAD).
 */
uint64_t vvmcs_read(const struct vvmcs *vv, const struct vmcs_field *f, bool high,
		    unsigned bits);
/* VMWRITE of value to field f: only the field's width is kept (SDM 31.3 VMWRITE). */
void vvmcs_write(struct vvmcs *vv, const struct vmcs_field *f, bool high, uint64_t value);

/* The value a field's width keeps of v. */
uint64_t vmcs_width_mask(enum vmcs_width w);

#endif
