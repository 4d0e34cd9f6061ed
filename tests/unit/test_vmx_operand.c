/*
 * test_vmx_operand.c - host unit test of VMX instruction operand decoding
 * (instruction-information field, effective address) and of the guest page
 * walk the hypervisor uses to reach a memory operand.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mmu/guest_walk.h"
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

/* Guest-physical memory for the walks: 64 KiB at 0. */
static uint8_t mem[0x10000];

static bool read_mem(void *ctx, uint64_t gpa, unsigned size, uint64_t *value)
{
	(void)ctx;
	if (gpa + size > sizeof(mem))
		return false;
	*value = 0;
	memcpy(value, mem + gpa, size);
	return true;
}

static void put64(uint64_t pa, uint64_t v)
{
	memcpy(mem + pa, &v, 8);
}

static void put32(uint64_t pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static void check_walk(void)
{
	struct guest_paging lm = { 1ull << 31 | 1 | 1ull << 16, 0x1000, 1ull << 5, 1ull << 10 | 1ull << 8 };
	struct guest_paging p32 = { 1ull << 31 | 1, 0x8000, 1ull << 4, 0 };
	uint64_t gpa = 0;
	uint32_t err = 0;

	memset(mem, 0, sizeof(mem));
	/* 4-level: 0x40201000 -> PML4[0] -> PDPT[1] -> PD[1] -> PT[1] = 0x7000; a 2 MiB page too. */
	put64(0x1000, 0x2000 | 3);
	put64(0x2000 + 8 * 1, 0x3000 | 3);
	put64(0x3000 + 8 * 1, 0x4000 | 1);          /* read-only table */
	put64(0x4000 + 8 * 1, 0x7000 | 3);
	put64(0x3000 + 8 * 2, 0x600000 | 0x83);     /* 2 MiB page */
	CHECK_EQ(guest_walk(&lm, 0x40201234, false, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_OK);
	CHECK_EQ(gpa, 0x7234);
	CHECK_EQ(guest_walk(&lm, 0x40201234, true, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_PAGE_FAULT);
	CHECK_EQ(err, PF_PRESENT | PF_WRITE);
	CHECK_EQ(guest_walk(&lm, 0x40412345, true, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_OK);
	CHECK_EQ(gpa, 0x612345);
	CHECK_EQ(guest_walk(&lm, 0x80000000, false, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_PAGE_FAULT);
	CHECK_EQ(err, 0);
	CHECK_EQ(guest_walk(&lm, 0x40201234, false, true, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_PAGE_FAULT);
	CHECK_EQ(err, PF_PRESENT | PF_USER);
	/* 32-bit paging: a 4 MiB page and a 4 KiB page. */
	put32(0x8000 + 4 * 1, 0x00400000 | 0x83);
	put32(0x8000 + 4 * 2, 0x9000 | 3);
	put32(0x9000 + 4 * 3, 0xa000 | 3);
	CHECK_EQ(guest_walk(&p32, 0x00456789, true, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_OK);
	CHECK_EQ(gpa, 0x456789);
	CHECK_EQ(guest_walk(&p32, 0x00803abc, false, false, read_mem, NULL, &gpa, &err),
		 GUEST_WALK_OK);
	CHECK_EQ(gpa, 0xaabc);
	/* Paging off: linear is physical. */
	p32.cr0 = 1;
	CHECK_EQ(guest_walk(&p32, 0x1234, false, false, read_mem, NULL, &gpa, &err), GUEST_WALK_OK);
	CHECK_EQ(gpa, 0x1234);
	/* A table outside memory. */
	lm.cr3 = 0x100000;
	CHECK_EQ(guest_walk(&lm, 0, false, false, read_mem, NULL, &gpa, &err), GUEST_WALK_NO_MEMORY);
}

int main(void)
{
	check_decode();
	check_walk();
	return check_report("vmx_operand");
}
