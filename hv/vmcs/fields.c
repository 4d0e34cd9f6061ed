/*
 * fields.c - the VMCS field table built from field_list.h, sorted by
 * encoding, and its binary-search lookup.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcs/fields.h"

#define VMCS_FIELD_ROW(enc, w, t, kvm, l2, n)					\
	{ enc, #n, VMCS_WIDTH_##w, VMCS_TYPE_##t, VMCS_KVM_##kvm, VMCS_L2_##l2, VMCS_IDX_##n },

/* field_list.h keeps its rows in ascending encoding order; the test checks. */
const struct vmcs_field vmcs_field_table[] = {
	VMCS_FIELD_LIST(VMCS_FIELD_ROW)
};

#define fields vmcs_field_table

#define FIELD_COUNT (sizeof(fields) / sizeof(fields[0]))
_Static_assert(FIELD_COUNT == VMCS_FIELD_ROWS, "one index per row");

const struct vmcs_field *vmcs_field_find(uint32_t encoding)
{
	uint32_t full = encoding & ~VMCS_ENCODING_HIGH;
	size_t lo = 0, hi = FIELD_COUNT;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fields[mid].encoding < full)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == FIELD_COUNT || fields[lo].encoding != full)
		return NULL;
	/* Only 64-bit fields have a high half (SDM Vol. 3C 25.11.2). */
	if (full != encoding && fields[lo].width != VMCS_WIDTH_64)
		return NULL;
	return &fields[lo];
}

size_t vmcs_field_count(void)
{
	return FIELD_COUNT;
}
