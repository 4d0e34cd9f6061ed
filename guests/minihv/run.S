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

/* Applies macro m to every GPR but RAX and RSP: m index, name. */
.macro each_gpr m
	\m 1, rcx
	\m 2, rdx
	\m 3, rbx
	\m 5, rbp
	\m 6, rsi
	\m 7, rdi
	\m 8, r8
	\m 9, r9
	\m 10, r10
	\m 11, r11
	\m 12, r12
	\m 13, r13
	\m 14, r14
	\m 15, r15
.endm
.macro load_gpr n, r
	movq G(\n)(%rax), %\r
.endm
.macro store_gpr n, r
	movq %\r, G(\n)(%rax)
.endm
/* The callee-saved registers and the regs pointer off the frame vmx_run built. */
.macro pop_frame
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
.endm

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
	each_gpr load_gpr
	cmpq $0, (%rsp)
	movq G(0)(%rax), %rax      /* MOV leaves the flags of CMP alone */
	leaq 8(%rsp), %rsp         /* LEA too: HOST_RSP's frame is back on top */
	je 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	pushfq                     /* VMfail: report RFLAGS */
	popq %rax
	pop_frame
	ret

	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %rax
	movq 8(%rsp), %rax         /* regs */
	each_gpr store_gpr
	popq G(0)(%rax)
	pop_frame
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
