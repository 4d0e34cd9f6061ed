/*
 * test_prefetch.c - host unit test of the prefetch= values: none, default,
 * all, named fields, and names that are no field of L3's state or the exit
 * information.
 */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "vmcs/fields.h"
#include "vmcs/nested.h"

static size_t count(const struct field_set *s)
{
	size_t n = 0;

	for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++)
		n += field_set_has(s, i);
	return n;
}

int main(void)
{
	struct field_set s;
	size_t bad_len = 0;
	const char *bad;

	CHECK(prefetch_parse("none", &s, &bad_len) == NULL);
	CHECK_EQ(count(&s), 0);
	CHECK(prefetch_parse("default", &s, &bad_len) == NULL);
	CHECK_EQ(count(&s), 6);
	CHECK(field_set_has(&s, VMCS_IDX_VM_EXIT_REASON));
	CHECK(field_set_has(&s, VMCS_IDX_GUEST_RIP));
	CHECK(prefetch_parse("all", &s, &bad_len) == NULL);
	CHECK(field_set_has(&s, VMCS_IDX_GUEST_PHYSICAL_ADDRESS));
	CHECK(!field_set_has(&s, VMCS_IDX_VM_INSTRUCTION_ERROR)); /* L1's own, never vmcs02's */
	CHECK(!field_set_has(&s, VMCS_IDX_VMCS_LINK_POINTER));
	CHECK(!field_set_has(&s, VMCS_IDX_HOST_RIP));
	CHECK(!field_set_has(&s, VMCS_IDX_EXCEPTION_BITMAP));
	CHECK(!field_set_has(&s, VMCS_IDX_GUEST_IA32_S_CET)); /* not offered to L2 */
	for (unsigned i = 0; i < VMCS_FIELD_ROWS; i++)
		if (field_set_has(&s, i))
			CHECK(prefetchable(vmcs_field_at(i)));
	CHECK(prefetch_parse("GUEST_RIP,EXIT_QUALIFICATION", &s, &bad_len) == NULL);
	CHECK_EQ(count(&s), 2);
	CHECK(field_set_has(&s, VMCS_IDX_EXIT_QUALIFICATION));
	bad = prefetch_parse("GUEST_RIP,HOST_RIP,GUEST_RSP", &s, &bad_len);
	CHECK(bad != NULL && bad_len == 8 && !strncmp(bad, "HOST_RIP", 8));
	bad = prefetch_parse("GUEST_RIPX", &s, &bad_len);
	CHECK(bad != NULL && bad_len == 10);
	return check_report("prefetch");
}
