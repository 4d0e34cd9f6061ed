/*
 * vmx_ops.h - the VMX instructions as the mini guest hypervisor issues
 * them (with hv/vmx_status.h's VMXON, VMCLEAR, VMPTRLD): each returns how
 * it ended (SDM Vol. 3C 31.2), so the checks can tell VMsucceed,
 * VMfailInvalid (CF) and VMfailValid (ZF) apart.
 */
#ifndef GUESTS_MINIHV_VMX_OPS_H
#define GUESTS_MINIHV_VMX_OPS_H

#include <stdint.h>

#include "vmx_status.h"


static inline enum vmx_status vmptrst(uint64_t *pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrst %[pa]\n\t" VMX_STATUS_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [pa] "=m"(*pa) : : "cc");
	return vmx_status_of(cf, zf);
}

static inline enum vmx_status vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxoff\n\t" VMX_STATUS_ASM : [cf] "=qm"(cf), [zf] "=qm"(zf) : : "cc");
	return vmx_status_of(cf, zf);
}

static inline enum vmx_status vmread_r(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %[f], %[v]\n\t" VMX_STATUS_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [v] "=r"(*value)
			 : [f] "r"(field)
			 : "cc");
	return vmx_status_of(cf, zf);
}

/* VMREAD into memory: the memory-operand path of the emulation. */
static inline enum vmx_status vmread_m(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %[f], %[v]\n\t" VMX_STATUS_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [v] "=m"(*value)
			 : [f] "r"(field)
			 : "cc");
	return vmx_status_of(cf, zf);
}

static inline enum vmx_status vmwrite_r(uint64_t field, uint64_t value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %[v], %[f]\n\t" VMX_STATUS_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [v] "r"(value), [f] "r"(field)
			 : "cc");
	return vmx_status_of(cf, zf);
}

/* INVEPT/INVVPID: a type in a register, a 128-bit descriptor in memory. */
#define DEFINE_INV_INSN(fn, insn)                                                 \
	static inline enum vmx_status fn(uint64_t type, const uint64_t desc[2])   \
	{                                                                         \
		uint8_t cf, zf;                                                   \
		__asm__ volatile(insn " %[d], %[t]\n\t" VMX_STATUS_ASM             \
				 : [cf] "=qm"(cf), [zf] "=qm"(zf)                  \
				 : [d] "m"(*(const uint64_t(*)[2])desc), [t] "r"(type) \
				 : "cc", "memory");                                \
		return vmx_status_of(cf, zf);                                     \
	}
DEFINE_INV_INSN(invept, "invept")
DEFINE_INV_INSN(invvpid, "invvpid")
#undef DEFINE_INV_INSN

/* The VMCS field reads and writes of the setup code: a failure is a failed check. */
uint64_t vmr(uint64_t field);
void vmw(uint64_t field, uint64_t value);

#endif
