/*
 * vmcall.h - calling the hypervisor from a test guest: VMCALL with the
 * registers of hv/hypercall.h's ABI (function in RAX, arguments and
 * outputs in RBX, RCX, RDX, result in RAX), and whether it is there at all.
 */
#ifndef GUESTS_LIB_VMCALL_H
#define GUESTS_LIB_VMCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "hypercall.h"
#include "lib/string.h"
#include "x86.h"

#define HV_CPUID_LEAF 0x40000000u
#define HV_SIGNATURE "NestedHVisor" /* CPUID HV_CPUID_LEAF's EBX, ECX, EDX */

struct hc_result {
	int64_t ret; /* HC_OK or a negative HC_ERR_* */
	uint64_t rbx, rcx, rdx;
};

static inline struct hc_result vmcall(uint64_t fn, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	struct hc_result r;

	__asm__ volatile("vmcall"
			 : "=a"(r.ret), "=b"(r.rbx), "=c"(r.rcx), "=d"(r.rdx)
			 : "a"(fn), "b"(rbx), "c"(rcx), "d"(rdx)
			 : "memory");
	return r;
}

/* Whether this project's hypervisor runs us (without it, VMCALL is #UD). */
static inline bool hv_present(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF, 0);
	uint32_t sig[3] = { r.ebx, r.ecx, r.edx };

	return !memcmp(sig, HV_SIGNATURE, sizeof(sig));
}

#endif
