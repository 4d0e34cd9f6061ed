/*
 * example_vmx_msrs.h - representative L0 VMX capability MSRs for the nested
 * VMX unit tests: revision 4, TRUE_ controls, EPT, VPID, VMCS shadowing,
 * VMFUNC (the shape Bochs' corei7_icelake_u model reports).
 */
#ifndef TESTS_UNIT_EXAMPLE_VMX_MSRS_H
#define TESTS_UNIT_EXAMPLE_VMX_MSRS_H

#include "vmx_caps.h"

static const struct vmx_cap_msrs example_l0_msrs = {
	.basic = 0x00da040000000004ull,
	.pinbased = 0x000000ff00000016ull,
	.procbased = 0xfffbfffe0401e172ull,
	.exit = 0x01ffffff00036dffull,
	.entry = 0x0003ffff000011ffull,
	.misc = 0x00000000000403c5ull,
	.cr0_fixed0 = 0x80000021ull, .cr0_fixed1 = 0xffffffffull,
	.cr4_fixed0 = 0x2000ull, .cr4_fixed1 = 0x3727ffull,
	.vmcs_enum = 0x5aull,
	.procbased2 = 0x02d7ffff00000000ull,
	.ept_vpid_cap = 0x00000f0106f34141ull,
	.true_pinbased = 0x000000ff00000016ull,
	.true_procbased = 0xfffbfffe04006172ull,
	.true_exit = 0x01ffffff00036dfbull,
	.true_entry = 0x0003ffff000011fbull,
	.vmfunc = 1,
};

#endif
