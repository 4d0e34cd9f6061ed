/*
 * vmx_operand.h - the operands of a VMX instruction that exited, from the
 * VM-exit instruction-information field and the exit qualification (SDM
 * Vol. 3C 28.2.5, Tables 28-9, 28-13, 28-14): register or memory operand,
 * the effective address and its segment.
 */
#ifndef HV_VMCS_VMX_OPERAND_H
#define HV_VMCS_VMX_OPERAND_H

#include <stdbool.h>
#include <stdint.h>

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

struct vmx_operand {
	unsigned scale;        /* index scaled by 1 << scale */
	unsigned reg1;         /* VMREAD/VMWRITE: the register operand when is_reg */
	unsigned addr_bits;    /* 16, 32 or 64 */
	bool is_reg;           /* VMREAD/VMWRITE only: a register, not memory */
	unsigned seg;          /* SEG_* */
	unsigned index, base;  /* registers, when their valid flag is set */
	bool index_valid, base_valid;
	unsigned reg2;         /* VMREAD/VMWRITE: the field; INVEPT/INVVPID: the type */
};

/* Decodes the instruction-information field. */
struct vmx_operand vmx_operand_decode(uint32_t info);

/*
 * The memory operand's effective address (base + index * scale +
 * displacement, wrapped to the address size). gpr[] are the guest's
 * registers in SDM order with RSP filled in; disp is the exit
 * qualification (the displacement, sign-extended by the CPU).
 */
uint64_t vmx_operand_ea(const struct vmx_operand *op, const uint64_t gpr[16], uint64_t disp);

#endif
