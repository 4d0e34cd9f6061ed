/*
 * prefetch.c - prefetch entries (seed 004): the fields copied from vmcs02
 * into L2's virtual VMCS at every reflected exit, so that L2's VMREADs of
 * them find the value there; every other field of L3's state and the exit
 * information is fetched from vmcs02 only when L2 reads it (nested_vvmcs_get).
 * prefetch=none|default|all|NAME,NAME,... on the command line.
 */
#include <stddef.h>

#include "lib/string.h"
#include "vmcs/fields.h"
#include "vmcs/nested.h"

struct field_set prefetch_set;

/*
 * The default: what a guest hypervisor's exit handler reads first, as
 * measured with minihv (the "@hv nested-vmread" lines of a prefetch=none
 * run): the exit reason, qualification, instruction length and the
 * interruption and IDT-vectoring information it must check, and RIP.
 */
static const enum vmcs_index default_set[] = {
	VMCS_IDX_VM_EXIT_REASON,
	VMCS_IDX_EXIT_QUALIFICATION,
	VMCS_IDX_VM_EXIT_INSTRUCTION_LENGTH,
	VMCS_IDX_VM_EXIT_INTERRUPTION_INFORMATION,
	VMCS_IDX_IDT_VECTORING_INFORMATION_FIELD,
	VMCS_IDX_GUEST_RIP,
};

/* Whether a field's value comes from vmcs02 at an exit: L3's state or exit information. */
bool prefetchable(const struct vmcs_field *f)
{
	if (f->l2 == VMCS_L2_NO || f->encoding == VMCS_VMCS_LINK_POINTER ||
	    f->encoding == VMCS_GUEST_SMBASE || f->encoding == VMCS_VM_INSTRUCTION_ERROR)
		return false;
	return f->type == VMCS_TYPE_GUEST || f->type == VMCS_TYPE_EXIT_INFO;
}

/* Adds the field called name[0..len) to set; false if there is none that may be prefetched. */
static bool add_named(struct field_set *set, const char *name, size_t len)
{
	for (size_t i = 0; i < vmcs_field_count(); i++) {
		const struct vmcs_field *f = vmcs_field_at(i);

		if (strlen(f->name) == len && !memcmp(f->name, name, len) && prefetchable(f)) {
			field_set_add(set, f->index);
			return true;
		}
	}
	return false;
}

const char *prefetch_parse(const char *spec, struct field_set *set, size_t *bad_len)
{
	*set = (struct field_set){ 0 };
	if (!strcmp(spec, "none"))
		return NULL;
	if (!strcmp(spec, "default")) {
		for (size_t i = 0; i < sizeof(default_set) / sizeof(default_set[0]); i++)
			field_set_add(set, default_set[i]);
		return NULL;
	}
	if (!strcmp(spec, "all")) {
		for (size_t i = 0; i < vmcs_field_count(); i++)
			if (prefetchable(vmcs_field_at(i)))
				field_set_add(set, (unsigned)i);
		return NULL;
	}
	for (const char *p = spec; *p;) {
		const char *end = p;

		while (*end && *end != ',')
			end++;
		if (!add_named(set, p, (size_t)(end - p))) {
			*bad_len = (size_t)(end - p);
			return p;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}
