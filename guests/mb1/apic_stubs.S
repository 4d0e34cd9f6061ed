/*
 * apic_stubs.S - the interrupt side of the mb1 guest's APIC test: the AP's
 * real-mode start-up code (copied to AP_PAGE, entered by SIPI at vector
 * AP_PAGE >> 12) and the BSP's long-mode interrupt stubs. Every interrupt
 * counts itself and ends with an x2APIC EOI (MSR 0x80b).
 */
#include "apic_test.h"

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EN_EXTD 0xc00
#define X2APIC_ID 0x802
#define X2APIC_TPR 0x808
#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define SVR_ENABLE 0x1ff        /* software enable, spurious vector 0xff */
#define ICR_FIXED_ASSERT 0x4000
#define AP_SEG (AP_PAGE >> 4)

/* Offsets inside AP_PAGE: the code is run at CS = AP_SEG, IP = 0. */
#define REL(label) ((label) - ap16_start)

	.section .rodata
	.code16
	.globl ap16_start, ap16_end
ap16_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	movw %ax, %ss
	movw $AP_STACK_TOP, %sp
	/* x2APIC mode (xAPIC -> x2APIC: EN and EXTD), software-enabled, TPR 0. */
	movl $MSR_APIC_BASE, %ecx
	rdmsr
	orl $APIC_BASE_EN_EXTD, %eax
	wrmsr
	movl $X2APIC_SVR, %ecx
	movl $SVR_ENABLE, %eax
	xorl %edx, %edx
	wrmsr
	movl $X2APIC_TPR, %ecx
	xorl %eax, %eax
	wrmsr
	movl $X2APIC_ID, %ecx
	rdmsr
	movl %eax, AP_DATA_AP_ID
	/* IVT entry AP_VECTOR -> AP_SEG:ap16_irq */
	xorw %ax, %ax
	movw %ax, %es
	movw $REL(ap16_irq), %es:(AP_VECTOR * 4)
	movw $AP_SEG, %es:(AP_VECTOR * 4 + 2)
	lock incl AP_DATA_STARTED
1:	sti
	hlt
	jmp 1b

/* A fixed IPI from the BSP: count it; at the count asked for, send one back. */
ap16_irq:
	pushl %eax
	pushl %ecx
	pushl %edx
	lock incl AP_DATA_IPIS
	movl $X2APIC_EOI, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	movl AP_DATA_IPIS, %eax
	cmpl AP_DATA_REPLY_AFTER, %eax
	jne 2f
	movl $X2APIC_ICR, %ecx
	movl $(ICR_FIXED_ASSERT | BSP_VECTOR), %eax
	movl AP_DATA_BSP_ID, %edx
	wrmsr
2:	popl %edx
	popl %ecx
	popl %eax
	iret
ap16_end:

	.text
	.code64
/* The BSP's interrupts: self-IPIs and the AP's reply. */
	.globl bsp_self_ipi_stub, bsp_reply_stub
bsp_self_ipi_stub:
	lock incl bsp_self_ipis(%rip)
	jmp bsp_eoi
bsp_reply_stub:
	lock incl bsp_replies(%rip)
bsp_eoi:
	pushq %rax
	pushq %rcx
	pushq %rdx
	movl $X2APIC_EOI, %ecx
	xorl %eax, %eax
	xorl %edx, %edx
	wrmsr
	popq %rdx
	popq %rcx
	popq %rax
	iretq
