/*
 * fields.h - the VMCS field table of field_list.h as data: look a field up by
 * encoding, walk all of them, and decode what an encoding's bits say about
 * width and type (SDM Vol. 3C 25.11.2, Vol. 3D Appendix B).
 */
#ifndef HV_VMCS_FIELDS_H
#define HV_VMCS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcs/field_list.h"

/* Field width, valued as bits 14:13 of an encoding. */
enum vmcs_width {
	VMCS_WIDTH_16 = 0,
	VMCS_WIDTH_64 = 1,
	VMCS_WIDTH_32 = 2,
	VMCS_WIDTH_NATURAL = 3,
};

/* Field type, valued as bits 11:10 of an encoding. */
enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_EXIT_INFO = 1,	/* read-only data */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

/* Whether KVM shadows a field for L1, and how (see field_list.h); 0 if not. */
enum vmcs_kvm_shadow {
	VMCS_KVM_NONE = 0,
	VMCS_KVM_RO,		/* L1's VMREAD does not exit, VMWRITE does */
	VMCS_KVM_RW,		/* neither exits */
};

/* What L2's virtual VMCS offers of a field (see field_list.h). */
enum vmcs_l2 {
	VMCS_L2_NO = 0,		/* unsupported: VMREAD/VMWRITE fail with error 12 */
	VMCS_L2_RO,		/* read-only; may be shadowed for VMREAD */
	VMCS_L2_RW,		/* may be shadowed for VMREAD and VMWRITE */
};

/* One row of the field table. */
struct vmcs_field {
	uint32_t encoding;		/* full encoding (access type 0) */
	const char *name;		/* SDM name, e.g. "GUEST_RIP" */
	enum vmcs_width width;
	enum vmcs_type type;
	enum vmcs_kvm_shadow kvm_shadowed;
	enum vmcs_l2 l2;
	uint16_t index;			/* the row's index: VMCS_IDX_<name> */
};

/* Bit 0 of an encoding: 1 selects the high 32 bits of a 64-bit field. */
#define VMCS_ENCODING_HIGH	1u

/* The width an encoding's bits 14:13 give. */
static inline enum vmcs_width vmcs_encoding_width(uint32_t encoding)
{
	return (enum vmcs_width)((encoding >> 13) & 3);
}

/* The type an encoding's bits 11:10 give. */
static inline enum vmcs_type vmcs_encoding_type(uint32_t encoding)
{
	return (enum vmcs_type)((encoding >> 10) & 3);
}

/* True if the encoding asks for the high half of a 64-bit field. */
static inline bool vmcs_encoding_is_high(uint32_t encoding)
{
	return encoding & VMCS_ENCODING_HIGH;
}

/*
 * The field an encoding names, or NULL if none.  A high-half encoding finds
 * its 64-bit field (check vmcs_encoding_is_high); bit 0 set on any other
 * width finds nothing.  Binary search: O(log n).
 */
const struct vmcs_field *vmcs_field_find(uint32_t encoding);

/* Whether a VMWRITE to the field fails as read-only (SDM Vol. 3C 31.4: error 13). */
static inline bool vmcs_field_read_only(const struct vmcs_field *f)
{
	return f->type == VMCS_TYPE_EXIT_INFO;
}

/* The number of fields in the table. */
size_t vmcs_field_count(void);

/* The table (fields.c), one row per enum vmcs_index. */
extern const struct vmcs_field vmcs_field_table[];

/*
 * Field i in encoding order, or NULL if i >= vmcs_field_count(). Inline: the
 * nested exit path's copy loops (prefetch, shadow push/pull, vmcs02's dirty
 * fields) take one per field, a call each cost a reflected exit ~250 ticks.
 */
static inline const struct vmcs_field *vmcs_field_at(size_t i)
{
	return i < VMCS_FIELD_ROWS ? &vmcs_field_table[i] : NULL;
}

#endif
