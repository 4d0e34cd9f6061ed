/*
 * root_isr.S - gates for vectors 32-255 in the hypervisor's own IDT. The
 * hypervisor runs with interrupts off and never takes one of its own; it
 * opens interrupts only for an instant on an intercepting CPU
 * (irq_inject_pending), to collect what the local APIC would deliver now,
 * so a higher-priority interrupt that is already pending is injected
 * first. Each stub is 16 bytes: vector v's is at irq_root_stubs + 16*(v-32).
 */
	.text
	.balign 16
	.globl irq_root_stubs
irq_root_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq $vec
	jmp irq_root_common
	.set vec, vec + 1
	.endr

irq_root_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	movq 80(%rsp), %rdi /* the vector */
	movq %rsp, %rbx
	andq $-16, %rsp
	cld
	call irq_root_interrupt
	movq %rbx, %rsp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp /* the vector */
	iretq
