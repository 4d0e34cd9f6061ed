/*
 * vmx.h - the VMX instructions as inline functions. Each returns how it
 * ended (SDM Vol. 3C 31.2: VMsucceed, VMfailInvalid with CF=1, VMfailValid
 * with ZF=1 and the reason in the VM-instruction error field).
 * vmread/vmwrite count themselves per CPU: the exit path's cost measure.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include <stdint.h>

#include "percpu.h"
#include "vmcs/field_list.h"

enum vmx_status { VMX_OK = 0, VMX_FAIL_INVALID = 1, VMX_FAIL_VALID = 2 };

/* Decodes CF/ZF after a VMX instruction. */
#define VMX_STATUS_ASM "setc %b[cf]\n\tsetz %b[zf]"

static inline enum vmx_status vmx_status_of(uint8_t cf, uint8_t zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

#define DEFINE_VMX_PA_INSN(fn, insn)                                              \
	static inline enum vmx_status fn(uint64_t pa)                             \
	{                                                                         \
		uint8_t cf, zf;                                                   \
		__asm__ volatile(insn " %[pa]\n\t" VMX_STATUS_ASM                 \
				 : [cf] "=qm"(cf), [zf] "=qm"(zf)                  \
				 : [pa] "m"(pa)                                    \
				 : "cc", "memory");                                \
		return vmx_status_of(cf, zf);                                     \
	}
DEFINE_VMX_PA_INSN(vmxon, "vmxon")
DEFINE_VMX_PA_INSN(vmclear, "vmclear")
DEFINE_VMX_PA_INSN(vmptrld, "vmptrld")
#undef DEFINE_VMX_PA_INSN

static inline uint64_t vmread(uint64_t field)
{
	uint64_t v;

	this_cpu()->vmreads++;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

/* VMWRITE; returns the status so setup code can report a bad field. */
static inline enum vmx_status vmwrite(uint64_t field, uint64_t v)
{
	uint8_t cf, zf;

	this_cpu()->vmwrites++;
	__asm__ volatile("vmwrite %[v], %[f]\n\t" VMX_STATUS_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [v] "rm"(v), [f] "r"(field)
			 : "cc");
	return vmx_status_of(cf, zf);
}

struct invept_desc {
	uint64_t eptp, reserved;
};

/* INVEPT type 2: all contexts. */
static inline void invept_all(void)
{
	struct invept_desc d = { 0, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(d), "r"(2ull) : "cc", "memory");
}

#endif
