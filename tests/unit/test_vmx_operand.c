/*
 * test_vmx_operand.c - host unit test of VMX instruction operand decoding
 * (instruction-information field, effective address); the page walk that
 * reaches a memory operand is hv/emul/walk.c's (test_walk.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "vmcs/vmx_operand.h"

static void check_decode(void)
{
	uint64_t gpr[16] = { 0 };
	/* vmptrld 0x10(%rax,%rbx,4): scale 2, 64-bit, DS, index RBX, base RAX. */
	uint32_t info = 2 | 2u << 7 | 3u << 15 | 3u << 18 | 0u << 23;
	struct vmx_operand op = vmx_operand_decode(info);

	CHECK_EQ(op.scale, 2);
	CHECK_EQ(op.addr_bits, 64);
	CHECK_EQ(op.seg, SEG_DS);
	CHECK(op.index_valid && op.base_valid && !op.is_reg);
	gpr[0] = 0x1000;
	gpr[3] = 0x10;
	CHECK_EQ(vmx_operand_ea(&op, gpr, 0x10), 0x1000 + 0x40 + 0x10);
	/* Negative displacement, 32-bit address size wraps. */
	op = vmx_operand_decode(1u << 7 | 1u << 22 | 0u << 23);
	gpr[0] = 0x10;
	CHECK_EQ(op.addr_bits, 32);
	CHECK(!op.index_valid);
	CHECK_EQ(vmx_operand_ea(&op, gpr, (uint64_t)-0x20), 0xfffffff0u);
	/* vmread %rcx, %rdx: register operand reg1 = RDX (2)... field in reg2 = RCX (1). */
	op = vmx_operand_decode(2u << 3 | 1u << 10 | 1u << 28 | 1u << 22 | 1u << 27);
	CHECK(op.is_reg);
	CHECK_EQ(op.reg1, 2);
	CHECK_EQ(op.reg2, 1);
	CHECK(!op.base_valid);
	/* RIP-less absolute: no base, no index. */
	CHECK_EQ(vmx_operand_ea(&op, gpr, 0x5000), 0x5000);
}

int main(void)
{
	check_decode();
	return check_report("vmx_operand");
}
