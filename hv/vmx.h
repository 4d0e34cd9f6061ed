/*
 * vmx.h - the VMX instructions as inline functions (those that take a
 * physical address: vmx_status.h). Each returns how it ended (SDM Vol. 3C
 * 31.2: VMsucceed, VMfailInvalid with CF=1, VMfailValid with ZF=1 and the
 * reason in the VM-instruction error field).
 * vmread/vmwrite count themselves per CPU: the exit path's cost measure.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include <stddef.h>
#include <stdint.h>

#include "percpu.h"
#include "vmcs/field_list.h"
#include "vmx_status.h"


/* One more VMREAD/VMWRITE on this CPU: a single GS-relative increment. */
static inline void count_vmrw(void)
{
	__asm__ volatile("incq %%gs:%c0" : : "i"(offsetof(struct percpu, vmrw)) : "cc");
}

/*
 * This CPU's VMREAD+VMWRITE since the count was last restarted (at the last
 * generic exit), ordered with count_vmrw (all volatile asm).
 */
static inline uint64_t vmrw_count(void)
{
	uint64_t n;

	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(n) : "i"(offsetof(struct percpu, vmrw)));
	return n;
}

/* Restarts this CPU's VMREAD+VMWRITE count at n. */
static inline void vmrw_restart(uint64_t n)
{
	__asm__ volatile("movq %0, %%gs:%c1" : : "ri"(n), "i"(offsetof(struct percpu, vmrw)));
}

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	count_vmrw();
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

/* Reports a failed VMWRITE with the field's name and the VM-instruction error. */
__attribute__((noreturn, cold)) void vmwrite_failed(uint64_t field, uint64_t value);

/*
 * VMWRITE; a failure (CF or ZF set: one JBE on the hot path) is reported
 * and ends the run, since a VMCS that refuses a write cannot be run.
 */
static inline void vmcs_write(uint64_t field, uint64_t v)
{
	count_vmrw();
	__asm__ goto("vmwrite %[v], %[f]\n\t"
		     "jbe %l[failed]"
		     :
		     : [v] "rm"(v), [f] "r"(field)
		     : "cc"
		     : failed);
	return;
failed:
	vmwrite_failed(field, v);
}

struct invept_desc {
	uint64_t eptp, reserved;
};

/* INVEPT type 1: the mappings derived from this EPTP's EP4TA (SDM Vol. 3C 29.4.3.1). */
static inline void invept_single(uint64_t eptp)
{
	struct invept_desc d = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(d), "r"(1ull) : "cc", "memory");
}

/* INVVPID types (SDM Vol. 3C 31.3, INVVPID). */
enum invvpid_type { INVVPID_ADDRESS = 0, INVVPID_SINGLE = 1, INVVPID_ALL = 2,
		    INVVPID_SINGLE_KEEP_GLOBALS = 3 };

static inline void invvpid(enum invvpid_type type, uint16_t vpid, uint64_t gla)
{
	struct {
		uint64_t vpid, gla;
	} d = { vpid, gla };

	__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"((uint64_t)type) : "cc", "memory");
}

/* INVEPT type 2: all contexts. */
static inline void invept_all(void)
{
	struct invept_desc d = { 0, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(d), "r"(2ull) : "cc", "memory");
}

#endif
