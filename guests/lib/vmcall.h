/*
 * vmcall.h - calling the hypervisor from a test guest: VMCALL with the
 * registers of hv/hypercall.h's ABI (function in RAX, arguments and
 * outputs in RBX, RCX, RDX, result in RAX).
 */
#ifndef GUESTS_LIB_VMCALL_H
#define GUESTS_LIB_VMCALL_H

#include <stdint.h>

#include "hypercall.h"

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

#endif
