/*
 * run.S - running L3 once: vmx_run(regs, launch) enters L3 with its
 * general-purpose registers from 'regs' (RSP and RIP are in the VMCS) and
 * returns at its next VM exit with 0 and the registers saved, or at once
 * with RFLAGS (CF or ZF set) if VMLAUNCH/VMRESUME failed. HOST_RSP is set
 * here to the frame that holds 'regs' (written only when it changes, and
 * once per VMCS: vmx_run_new_vmcs), HOST_RIP is vmx_exit_stub.
 */
#define HOST_RSP 0x6c14
#define G(n) (8 * (n))

	.text
	.globl vmx_run
vmx_run:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	cmpq %rsp, host_rsp_written(%rip) /* one VMWRITE the first time only: it exits to L1 */
	je 3f
	movq %rsp, host_rsp_written(%rip)
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
3:	movl %esi, %eax
	pushq %rax                 /* launch flag, popped below */
	movq %rdi, %rax
	movq G(1)(%rax), %rcx
	movq G(2)(%rax), %rdx
	movq G(3)(%rax), %rbx
	movq G(5)(%rax), %rbp
	movq G(6)(%rax), %rsi
	movq G(7)(%rax), %rdi
	movq G(8)(%rax), %r8
	movq G(9)(%rax), %r9
	movq G(10)(%rax), %r10
	movq G(11)(%rax), %r11
	movq G(12)(%rax), %r12
	movq G(13)(%rax), %r13
	movq G(14)(%rax), %r14
	movq G(15)(%rax), %r15
	cmpq $0, (%rsp)
	movq G(0)(%rax), %rax      /* MOV leaves the flags of CMP alone */
	leaq 8(%rsp), %rsp         /* LEA too: HOST_RSP's frame is back on top */
	je 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	pushfq                     /* VMfail: report RFLAGS */
	popq %rax
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %rax
	movq 8(%rsp), %rax         /* regs */
	movq %rcx, G(1)(%rax)
	movq %rdx, G(2)(%rax)
	movq %rbx, G(3)(%rax)
	movq %rbp, G(5)(%rax)
	movq %rsi, G(6)(%rax)
	movq %rdi, G(7)(%rax)
	movq %r8, G(8)(%rax)
	movq %r9, G(9)(%rax)
	movq %r10, G(10)(%rax)
	movq %r11, G(11)(%rax)
	movq %r12, G(12)(%rax)
	movq %r13, G(13)(%rax)
	movq %r14, G(14)(%rax)
	movq %r15, G(15)(%rax)
	popq G(0)(%rax)
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	xorl %eax, %eax
	ret

	/* void vmx_run_new_vmcs(void): the current VMCS changed; HOST_RSP is written again. */
	.globl vmx_run_new_vmcs
vmx_run_new_vmcs:
	movq $0, host_rsp_written(%rip)
	ret

	.bss
	.balign 8
host_rsp_written:
	.quad 0
