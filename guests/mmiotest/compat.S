/*
 * compat.S - MMIO instructions in 32-bit and 16-bit code: compatibility
 * mode under long mode (SDM Vol. 3A 3.2.1), where segment bases and limits
 * apply again. compat_call(out, fs_sel, code_sel, entry) loads FS with a
 * data segment (the device's scratch or a RAM page: the same instructions
 * run against both), jumps to code_sel:entry with EDI = out, and returns
 * when the body jumps back to 64-bit code. Upper halves of GPRs are
 * undefined after compatibility mode (3.4.1.1): every callee-saved one is
 * saved.
 */
#define FLAT_DATA 0x10
#define CODE64 0x08

	.text
	.code64
	.globl compat_call
compat_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %ds, %eax
	push %rax
	mov %es, %eax
	push %rax
	mov %ss, %eax
	push %rax
	mov %fs, %eax
	push %rax
	mov %rsp, saved_rsp(%rip)
	mov $FLAT_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %esi, %fs
	push %rdx
	push %rcx
	lretq
compat_back:
	mov saved_rsp(%rip), %rsp
	pop %rax
	mov %eax, %fs
	pop %rax
	mov %eax, %ss
	pop %rax
	mov %eax, %es
	pop %rax
	mov %eax, %ds
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* 32-bit code: 32-bit operands and addresses, results to [EDI]. */
	.code32
	.globl compat32_body
compat32_body:
	movl %fs:0, %eax              /* moffs */
	movl %eax, 0(%edi)
	movl $4, %ebx
	movzwl %fs:2(%ebx), %eax      /* base + disp8 */
	movl %eax, 4(%edi)
	movsbl %fs:3(%ebx,%ebx,1), %eax /* SIB */
	movl %eax, 8(%edi)
	movl $0x5a5aa5a5, %ecx
	movl %ecx, %fs:16
	movl %fs:16, %eax
	movl %eax, 12(%edi)
	movl $0x7fffffff, %eax
	addl %eax, %fs:20             /* OF, SF, AF... */
	pushfl
	popl %eax
	movl %eax, 16(%edi)
	movl %fs:20, %eax
	movl %eax, 20(%edi)
	movw $0x1234, %ax
	xchgw %ax, %fs:24
	movl %eax, 24(%edi)
	movl %fs:24, %eax
	movl %eax, 28(%edi)
	ljmpl $CODE64, $compat_back

/* 16-bit code (its CS based at its own page, offsets below 64 KiB): 16-bit addressing on FS. */
	.p2align 12
	.code16
	.globl compat16_body, compat16_page
compat16_page:
compat16_body:
	movw %fs:0, %ax
	addr32 movl %eax, 0(%edi)
	movw $4, %bx
	movzbw %fs:2(%bx), %ax
	addr32 movl %eax, 4(%edi)
	movl $6, %esi
	movw %fs:(%bx,%si), %ax
	addr32 movl %eax, 8(%edi)
	movw $0xa5a5, %cx
	movw %cx, %fs:16
	movl %fs:16, %eax
	addr32 movl %eax, 12(%edi)
	movw $0x7fff, %ax
	subw %ax, %fs:20
	pushfl
	popl %eax
	addr32 movl %eax, 16(%edi)
	movl %fs:20, %eax
	addr32 movl %eax, 20(%edi)
	movb $0x77, %al
	orb %al, %fs:24
	movl %fs:24, %eax
	addr32 movl %eax, 24(%edi)
	movl $0, %eax
	addr32 movl %eax, 28(%edi)
	ljmpl $CODE64, $compat_back

	.data
	.p2align 3
saved_rsp:
	.quad 0
	.section .note.GNU-stack, "", @progbits
