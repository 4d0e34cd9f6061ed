/*
 * user_run.S - user_run_asm(gpr, rflags): enters CPL 3 at USER_CODE_LA with
 * every general-purpose register (RSP too) from gpr[16] and RFLAGS from
 * rflags. It comes back only through user_mode.c's exception catcher,
 * which points the exception's frame at user_run_back: CPL 0 again, on the
 * stack saved here, with the callee-saved registers popped as they were.
 */
#define USER_CS (0x30 | 3)
#define USER_SS (0x28 | 3)
#define USER_CODE_LA 0x0000400000000000

	.text
	.globl user_run_asm, user_run_back, user_kernel_rsp
user_run_asm:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, user_kernel_rsp(%rip)
	pushq $USER_SS
	pushq 32(%rdi)             /* RSP */
	pushq %rsi                 /* RFLAGS */
	pushq $USER_CS
	movabsq $USER_CODE_LA, %rax
	pushq %rax
	movq 0(%rdi), %rax
	movq 8(%rdi), %rcx
	movq 16(%rdi), %rdx
	movq 24(%rdi), %rbx
	movq 40(%rdi), %rbp
	movq 48(%rdi), %rsi
	movq 64(%rdi), %r8
	movq 72(%rdi), %r9
	movq 80(%rdi), %r10
	movq 88(%rdi), %r11
	movq 96(%rdi), %r12
	movq 104(%rdi), %r13
	movq 112(%rdi), %r14
	movq 120(%rdi), %r15
	movq 56(%rdi), %rdi
	iretq

user_run_back:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.bss
	.balign 8
user_kernel_rsp:
	.quad 0
	.section .note.GNU-stack, "", @progbits
