/*
 * l0.h - what the machine under the hypervisor (L0) is and offers: its kind
 * (Bochs, KVM), the CPU, and the VMX capabilities decoded from its MSRs.
 */
#ifndef HV_L0_H
#define HV_L0_H

#include <stdbool.h>

#include "vmx_caps.h"

enum l0_kind { L0_UNKNOWN, L0_BOCHS, L0_KVM, L0_OTHER_HYPERVISOR };

struct l0_info {
	enum l0_kind kind;
	char vendor[13];
	char brand[49];
	char hv_signature[13]; /* CPUID 0x40000000, when a hypervisor is present */
	unsigned family, model, stepping;
	bool vmx;              /* CPUID.1:ECX.VMX */
	bool vmx_enabled;      /* IA32_FEATURE_CONTROL locked with VMX outside SMX */
	struct vmx_cap_msrs msrs;
	struct vmx_caps caps;
	enum vmx_caps_error caps_error;
};

extern struct l0_info l0;

/* Probes L0 and prints the boot banner's L0 and VMX lines. */
void l0_probe(void);
const char *l0_kind_name(enum l0_kind k);

#endif
