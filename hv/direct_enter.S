/*
 * direct_enter.S - leave the hypervisor for good and jump to a loaded
 * 64-bit guest on bare L0 (launch=direct): the same loader, memory map and
 * entry state as under VMX, so the run is the exact native baseline.
 * void direct_enter(u64 cr3, u64 gdt_base, u64 gdt_limit, u64 rip, u64 rsi,
 *                   u64 cs_ds) with cs_ds = CS | DS << 16.
 */
	.text
	.globl direct_enter
direct_enter:
	cli
	subq $16, %rsp
	movw %dx, (%rsp)
	movq %rsi, 2(%rsp)
	lgdt (%rsp)
	movq %rdi, %cr3
	movq %r9, %rax
	shrq $16, %rax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %fs
	movl %eax, %gs
	movl %eax, %ss
	movq %r8, %rsi
	movzwq %r9w, %rax
	pushq %rax
	pushq %rcx
	lretq
