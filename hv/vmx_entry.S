/*
 * vmx_entry.S - VM entry and the VM-exit landing point. Guest GPRs live in
 * struct vcpu (gpr[0..15], SDM register order); RSP and RIP are in the VMCS.
 * HOST_RSP points at a slot holding the vcpu pointer (see vmcs_setup.c).
 */
#define G(n) (8 * (n))
#define RAX G(0)
#define RCX G(1)
#define RDX G(2)
#define RBX G(3)
#define RBP G(5)
#define RSI G(6)
#define RDI G(7)
#define R8 G(8)
#define R9 G(9)
#define R10 G(10)
#define R11 G(11)
#define R12 G(12)
#define R13 G(13)
#define R14 G(14)
#define R15 G(15)

/* Loads every guest GPR from the vcpu at %rax, %rax last. */
.macro load_guest_gprs
	movq RCX(%rax), %rcx
	movq RDX(%rax), %rdx
	movq RBX(%rax), %rbx
	movq RBP(%rax), %rbp
	movq RSI(%rax), %rsi
	movq RDI(%rax), %rdi
	movq R8(%rax), %r8
	movq R9(%rax), %r9
	movq R10(%rax), %r10
	movq R11(%rax), %r11
	movq R12(%rax), %r12
	movq R13(%rax), %r13
	movq R14(%rax), %r14
	movq R15(%rax), %r15
	movq RAX(%rax), %rax
.endm

	.text
/* void vmx_launch(struct vcpu *v): returns only if VMLAUNCH fails. */
	.globl vmx_launch
vmx_launch:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rdi, %rax
	load_guest_gprs
	vmlaunch
	/* VMfail: host state is intact but for the GPRs we overwrote. */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

/*
 * Every VM exit lands at an exit entry with RSP = HOST_RSP, where
 * [RSP] = vcpu: save the guest GPRs, call 'handler'(vcpu), restore, resume.
 */
.macro exit_entry name, handler
	.globl \name
\name:
	pushq %rax
	movq 8(%rsp), %rax
	movq %rcx, RCX(%rax)
	movq %rdx, RDX(%rax)
	movq %rbx, RBX(%rax)
	movq %rbp, RBP(%rax)
	movq %rsi, RSI(%rax)
	movq %rdi, RDI(%rax)
	movq %r8, R8(%rax)
	movq %r9, R9(%rax)
	movq %r10, R10(%rax)
	movq %r11, R11(%rax)
	movq %r12, R12(%rax)
	movq %r13, R13(%rax)
	movq %r14, R14(%rax)
	movq %r15, R15(%rax)
	popq RAX(%rax)
	movq %rax, %rdi
	call \handler
	movq (%rsp), %rax /* the vcpu, from the HOST_RSP slot */
	load_guest_gprs
	vmresume
	/* VMfail: report with the vcpu pointer from the HOST_RSP slot. */
	movq (%rsp), %rdi
	call vmresume_failed
1:	hlt
	jmp 1b
.endm

	exit_entry vmx_exit_entry, vmexit_handler
	/* For vCPUs started by a SIPI: see vmexit_handler_sipi_started (exit.c). */
	exit_entry vmx_exit_entry_sipi_started, vmexit_handler_sipi_started
	/* Exits from L3, the guest of a guest hypervisor (vmcs02: hv/vmcs/nested_exit.c). */
	exit_entry vmx_exit_entry_l3, nested_exit_handler
