/*
 * vmx_operand.c - decoding the VM-exit instruction-information field of
 * VMCLEAR, VMPTRLD, VMPTRST, VMXON, VMREAD, VMWRITE, INVEPT and INVVPID
 * (SDM Vol. 3C 28.2.5): they share one layout.
 */
#include "vmcs/vmx_operand.h"

struct vmx_operand vmx_operand_decode(uint32_t info)
{
	static const unsigned addr_bits[4] = { 16, 32, 64, 0 };

	return (struct vmx_operand){
		.scale = info & 3,
		.reg1 = (info >> 3) & 0xf,
		.addr_bits = addr_bits[(info >> 7) & 3],
		.is_reg = (info >> 10) & 1,
		.seg = (info >> 15) & 7,
		.index = (info >> 18) & 0xf,
		.index_valid = !((info >> 22) & 1),
		.base = (info >> 23) & 0xf,
		.base_valid = !((info >> 27) & 1),
		.reg2 = (info >> 28) & 0xf,
	};
}

uint64_t vmx_operand_ea(const struct vmx_operand *op, const uint64_t gpr[16], uint64_t disp)
{
	uint64_t ea = disp;

	if (op->base_valid)
		ea += gpr[op->base];
	if (op->index_valid)
		ea += gpr[op->index] << op->scale;
	if (op->addr_bits == 32)
		ea = (uint32_t)ea;
	else if (op->addr_bits == 16)
		ea = (uint16_t)ea;
	return ea;
}
