/*
 * ap_trampoline.S - where a started CPU begins: copied to AP_TRAMPOLINE
 * (a page below 1 MiB; the SIPI vector is its page number), it goes from
 * real mode through protected mode to long mode on the BSP's page tables
 * and calls ap_main(index) on the stack the BSP left in the parameters.
 * Every address is absolute: the code only ever runs at AP_TRAMPOLINE.
 */
#include "ap_trampoline.h"

#define T(label) (AP_TRAMPOLINE + ((label) - ap_trampoline_start))

	.section .rodata
	.code16
	.globl ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	xorw %ax, %ax
	movw %ax, %ds
	lgdtl T(tramp_gdt_desc)
	movl %cr0, %eax
	orl $1, %eax /* PE */
	movl %eax, %cr0
	ljmpl $0x08, $T(tramp_pm32)

	.code32
tramp_pm32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $0x20, %eax /* PAE */
	movl %eax, %cr4
	movl T(ap_param_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx /* EFER */
	rdmsr
	orl $0x100, %eax /* LME */
	wrmsr
	movl %cr0, %eax
	andl $0x9fffffff, %eax /* caches on: CD and NW clear */
	orl $0x80010020, %eax /* PG, WP, NE */
	movl %eax, %cr0
	ljmpl $0x18, $T(tramp_lm64)

	.code64
tramp_lm64:
	movq T(ap_param_stack), %rsp
	movl T(ap_param_index), %edi
	xorl %ebp, %ebp
	movq T(ap_param_entry), %rax
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff /* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00af9a000000ffff /* 0x18: 64-bit code */
tramp_gdt_desc:
	.word tramp_gdt_desc - tramp_gdt - 1
	.long T(tramp_gdt)

	.balign 8
	.globl ap_param_cr3, ap_param_stack, ap_param_entry, ap_param_index
ap_param_cr3:
	.quad 0
ap_param_stack:
	.quad 0
ap_param_entry:
	.quad 0
ap_param_index:
	.quad 0
	.globl ap_trampoline_end
ap_trampoline_end:
