/*
 * vmx_status.h - how a VMX instruction ended (SDM Vol. 3C 31.2: VMsucceed,
 * VMfailInvalid with CF=1, VMfailValid with ZF=1) and the instructions that
 * take a physical address. Shared by the hypervisor (vmx.h) and the mini
 * guest hypervisor (guests/minihv), which issue the same instructions.
 */
#ifndef HV_VMX_STATUS_H
#define HV_VMX_STATUS_H

#include <stdint.h>

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

#endif
