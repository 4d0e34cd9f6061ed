/*
 * vmx_ops.h - the VMX instructions as the mini guest hypervisor issues
 * them: each returns how it ended (SDM Vol. 3C 31.2), so the checks can
 * tell VMsucceed, VMfailInvalid (CF) and VMfailValid (ZF) apart.
 */
#ifndef GUESTS_MINIHV_VMX_OPS_H
#define GUESTS_MINIHV_VMX_OPS_H

#include <stdint.h>

enum vm_result { VM_SUCCEED = 0, VM_FAIL_INVALID = 1, VM_FAIL_VALID = 2 };

#define VM_RESULT_ASM "setc %b[cf]\n\tsetz %b[zf]"

static inline enum vm_result vm_result_of(uint8_t cf, uint8_t zf)
{
	return cf ? VM_FAIL_INVALID : zf ? VM_FAIL_VALID : VM_SUCCEED;
}

#define DEFINE_PA_INSN(fn, insn)                                                  \
	static inline enum vm_result fn(uint64_t pa)                              \
	{                                                                         \
		uint8_t cf, zf;                                                   \
		__asm__ volatile(insn " %[pa]\n\t" VM_RESULT_ASM                  \
				 : [cf] "=qm"(cf), [zf] "=qm"(zf)                  \
				 : [pa] "m"(pa)                                    \
				 : "cc", "memory");                                \
		return vm_result_of(cf, zf);                                      \
	}
DEFINE_PA_INSN(vmxon, "vmxon")
DEFINE_PA_INSN(vmclear, "vmclear")
DEFINE_PA_INSN(vmptrld, "vmptrld")
#undef DEFINE_PA_INSN

static inline enum vm_result vmptrst(uint64_t *pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrst %[pa]\n\t" VM_RESULT_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [pa] "=m"(*pa) : : "cc");
	return vm_result_of(cf, zf);
}

static inline enum vm_result vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxoff\n\t" VM_RESULT_ASM : [cf] "=qm"(cf), [zf] "=qm"(zf) : : "cc");
	return vm_result_of(cf, zf);
}

static inline enum vm_result vmread_r(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %[f], %[v]\n\t" VM_RESULT_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [v] "=r"(*value)
			 : [f] "r"(field)
			 : "cc");
	return vm_result_of(cf, zf);
}

/* VMREAD into memory: the memory-operand path of the emulation. */
static inline enum vm_result vmread_m(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %[f], %[v]\n\t" VM_RESULT_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf), [v] "=m"(*value)
			 : [f] "r"(field)
			 : "cc");
	return vm_result_of(cf, zf);
}

static inline enum vm_result vmwrite_r(uint64_t field, uint64_t value)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %[v], %[f]\n\t" VM_RESULT_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [v] "r"(value), [f] "r"(field)
			 : "cc");
	return vm_result_of(cf, zf);
}

static inline enum vm_result invvpid(uint64_t type, const uint64_t desc[2])
{
	uint8_t cf, zf;

	__asm__ volatile("invvpid %[d], %[t]\n\t" VM_RESULT_ASM
			 : [cf] "=qm"(cf), [zf] "=qm"(zf)
			 : [d] "m"(*(const uint64_t(*)[2])desc), [t] "r"(type)
			 : "cc", "memory");
	return vm_result_of(cf, zf);
}

/* The VMCS field reads and writes of the setup code: a failure is a failed check. */
uint64_t vmr(uint64_t field);
void vmw(uint64_t field, uint64_t value);

#endif
