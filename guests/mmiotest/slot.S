/*
 * slot.S - runs one instruction on the CPU with every general-purpose
 * register but RSP, and RFLAGS, loaded from and saved back to a struct
 * native_state (forms.h). The caller copies native_run..native_run_end to
 * an executable buffer and writes the instruction over native_slot (16
 * NOPs). Shared by the host unit test (tests/unit/test_emulate.c) and the
 * conformance guest (guests/mmiotest).
 */
	.text
	.globl native_run, native_slot, native_run_end
native_run:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	pushq 128(%rdi)
	popfq
	mov 0(%rdi), %rax
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 40(%rdi), %rbp
	mov 48(%rdi), %rsi
	mov 64(%rdi), %r8
	mov 72(%rdi), %r9
	mov 80(%rdi), %r10
	mov 88(%rdi), %r11
	mov 96(%rdi), %r12
	mov 104(%rdi), %r13
	mov 112(%rdi), %r14
	mov 120(%rdi), %r15
	mov 56(%rdi), %rdi
native_slot:
	.fill 16, 1, 0x90
	xchg %rdi, (%rsp)
	mov %rax, 0(%rdi)
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 40(%rdi)
	mov %rsi, 48(%rdi)
	mov %r8, 64(%rdi)
	mov %r9, 72(%rdi)
	mov %r10, 80(%rdi)
	mov %r11, 88(%rdi)
	mov %r12, 96(%rdi)
	mov %r13, 104(%rdi)
	mov %r14, 112(%rdi)
	mov %r15, 120(%rdi)
	pushfq
	popq 128(%rdi)
	popq 56(%rdi)
	cld
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
native_run_end:
	.section .note.GNU-stack, "", @progbits
