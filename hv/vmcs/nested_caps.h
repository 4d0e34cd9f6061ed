/*
 * nested_caps.h - the VMX capability MSRs a guest hypervisor (L2) reads:
 * a consistent subset of L0's (SDM Vol. 3D Appendix A), holding only the
 * controls the nested VMX emulation implements, and the revision
 * identifier of the virtual VMCS (hv/vmcs/vvmcs.h), which is not L0's.
 */
#ifndef HV_VMCS_NESTED_CAPS_H
#define HV_VMCS_NESTED_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx_caps.h"

/* The virtual VMCS's revision identifier ("NH", 1): L2 VMCS regions carry it. */
#define NESTED_VMCS_REVISION 0x4e480001u

/* Controls L2 may set, per control word (SDM Vol. 3C 25.6-25.8); see nested_caps.c. */
extern const uint32_t nested_offered_pin, nested_offered_proc, nested_offered_proc2,
	nested_offered_exit, nested_offered_entry;

/* The MSR values L2 reads, from L0's (0x480-0x491, and which exist). */
void nested_caps_compute(const struct vmx_cap_msrs *l0, struct vmx_cap_msrs *l2);

/* RDMSR of a VMX capability MSR by L2: true and *value, or false for #GP (absent MSR). */
bool nested_caps_rdmsr(const struct vmx_cap_msrs *l2, uint32_t msr, uint64_t *value);

#endif
