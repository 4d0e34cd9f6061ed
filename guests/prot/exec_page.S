/*
 * exec_page.S - a page of its own holding prot_exec_target, so a table can
 * grant or deny execution of exactly this code. A fetch that faults there
 * resumes at the fixup, which returns EXEC_FAULTED to the caller (the
 * return address is still on the stack).
 */
	.section .text.prot_exec, "ax"
	.balign 4096
	.globl prot_exec_page
prot_exec_page:
	.globl prot_exec_target
prot_exec_target:
1:	movl $0x1234, %eax
	ret
	.balign 4096

	.pushsection .fixup, "ax"
2:	movl $0xdead, %eax
	ret
	.popsection

	.pushsection .extable, "a"
	.balign 8
	.quad 1b, 2b
	.popsection
