/*
 * example_vmcs.h - a valid virtual VMCS for the entry-check tests: a flat
 * 64-bit L3 under a 64-bit L2 with HLT exiting, as minihv builds it, under
 * capability MSRs 'caps'. Shared by the unit test and the host fuzzer
 * (tests/fuzz/fuzz_entry_checks.c), which mutates it.
 */
#ifndef TESTS_UNIT_EXAMPLE_VMCS_H
#define TESTS_UNIT_EXAMPLE_VMCS_H

#include <stdint.h>
#include <string.h>

#include "vmcs/field_list.h"
#include "vmx_bits.h"
#include "vmx_caps.h"

#define EXAMPLE_SET(name, v) (f[VMCS_IDX_##name] = (v))

/* A flat 64-bit segment set, a 64-bit host, HLT exiting: what minihv builds. */
static inline void example_valid_vmcs(uint64_t f[VMCS_FIELD_ROWS],
				      const struct vmx_cap_msrs *caps)
{
	memset(f, 0, VMCS_FIELD_ROWS * sizeof(f[0]));
	EXAMPLE_SET(PIN_BASED_VM_EXECUTION_CONTROLS, (uint32_t)caps->true_pinbased);
	EXAMPLE_SET(PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS,
	    (uint32_t)caps->true_procbased | PROC_HLT_EXITING);
	EXAMPLE_SET(PRIMARY_VM_EXIT_CONTROLS, (uint32_t)caps->true_exit | EXIT_HOST_ADDR_SPACE_SIZE);
	EXAMPLE_SET(VM_ENTRY_CONTROLS, (uint32_t)caps->true_entry | ENTRY_IA32E_MODE_GUEST);
	EXAMPLE_SET(HOST_CR0, 0x80000033);
	EXAMPLE_SET(HOST_CR4, 0x2020);
	EXAMPLE_SET(HOST_CR3, 0x1000);
	EXAMPLE_SET(HOST_CS_SELECTOR, 8);
	EXAMPLE_SET(HOST_SS_SELECTOR, 16);
	EXAMPLE_SET(HOST_TR_SELECTOR, 24);
	EXAMPLE_SET(HOST_RIP, 0x1000000);
	EXAMPLE_SET(GUEST_CR0, 0x80000033);
	EXAMPLE_SET(GUEST_CR4, 0x2020);
	EXAMPLE_SET(GUEST_CR3, 0x1000);
	EXAMPLE_SET(GUEST_CS_SELECTOR, 8);
	EXAMPLE_SET(GUEST_CS_LIMIT, 0xffffffff);
	EXAMPLE_SET(GUEST_CS_ACCESS_RIGHTS, 0xa09b);
	for (unsigned i = 0; i < 6; i++) {
		if (i == 1)
			continue;
		f[VMCS_IDX_GUEST_ES_SELECTOR + i] = 16;
		f[VMCS_IDX_GUEST_ES_LIMIT + i] = 0xffffffff;
		f[VMCS_IDX_GUEST_ES_ACCESS_RIGHTS + i] = 0xc093;
	}
	EXAMPLE_SET(GUEST_LDTR_ACCESS_RIGHTS, 0x10000);
	EXAMPLE_SET(GUEST_TR_SELECTOR, 24);
	EXAMPLE_SET(GUEST_TR_LIMIT, 0x67);
	EXAMPLE_SET(GUEST_TR_ACCESS_RIGHTS, 0x8b);
	EXAMPLE_SET(GUEST_GDTR_LIMIT, 0x27);
	EXAMPLE_SET(GUEST_IDTR_LIMIT, 0xfff);
	EXAMPLE_SET(GUEST_RIP, 0x2000000);
	EXAMPLE_SET(GUEST_RFLAGS, 2);
	EXAMPLE_SET(GUEST_IA32_EFER, 0x500);
	EXAMPLE_SET(VMCS_LINK_POINTER, ~0ull);
}

#undef EXAMPLE_SET

#endif
