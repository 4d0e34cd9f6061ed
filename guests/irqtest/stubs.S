/*
 * stubs.S - irqtest's interrupt gates: one entry per vector it uses, all
 * saving the caller-saved registers and calling irqtest_interrupt(vector)
 * on a 16-byte aligned stack; the NMI entry calls irqtest_nmi(). The
 * benchmark vector's gate is guests/lib/bench_ipi.S.
 */
	.text

.macro save_call fn
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
	movq %rsp, %rbx
	andq $-16, %rsp
	cld
	call \fn
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
.endm

.macro vector_entry vec
	.globl irqtest_entry_\vec
irqtest_entry_\vec:
	pushq %rdi
	movl $\vec, %edi
	jmp irqtest_common
.endm

irqtest_common:
	save_call irqtest_interrupt
	popq %rdi
	iretq

	vector_entry 0x44
	vector_entry 0x48
	vector_entry 0x50
	vector_entry 0x52
	vector_entry 0x60
	vector_entry 0x61
	vector_entry 0x65
	vector_entry 0x66
	vector_entry 0x71
	vector_entry 0x74
	vector_entry 0x91
	vector_entry 0xff

	.globl irqtest_nmi_entry
irqtest_nmi_entry:
	save_call irqtest_nmi
	iretq
