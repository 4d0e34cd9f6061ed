/*
 * vmx_entry.S - VM entry and the VM-exit landing points. Guest GPRs live in
 * struct vcpu (gpr[0..15], SDM register order); RSP and RIP are in the VMCS.
 * HOST_RSP points at a slot holding the vcpu pointer (see vmcs_setup.c).
 *
 * Every exit first reads its reason with L2's registers still live (L2's
 * RDX pushed below the vcpu slot). CPUID of an unedited basic leaf and
 * VMCALL HC_VERSION are then served right here (the fast paths,
 * exit_fast.h): their results overwrite exactly the registers they
 * clobber, so nothing else is saved, and the push is simply left behind
 * (the next exit starts again at HOST_RSP). Every other exit saves the
 * guest GPRs and calls vmexit_handler(vcpu, reason). Four entries (each
 * VMCS's HOST_RIP): vmx_exit_entry, vmx_exit_entry_smi_masked for APs on
 * an L0 that leaves SMI masked after a SIPI, vmx_exit_entry_l3 for L3 and
 * vmx_exit_entry_l3_smi_masked for L3 on such an AP.
 */
#include "exit_fast.h"

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

/* Loads L2's GPRs the SysV ABI lets a C function clobber from the vcpu at %rax, %rax last. */
.macro load_guest_caller_saved_gprs
	movq RCX(%rax), %rcx
	movq RDX(%rax), %rdx
	movq RSI(%rax), %rsi
	movq RDI(%rax), %rdi
	movq R8(%rax), %r8
	movq R9(%rax), %r9
	movq R10(%rax), %r10
	movq R11(%rax), %r11
	movq RAX(%rax), %rax
.endm

/* Loads every guest GPR from the vcpu at %rax, %rax last. */
.macro load_guest_gprs
	movq RBX(%rax), %rbx
	movq RBP(%rax), %rbp
	movq R12(%rax), %r12
	movq R13(%rax), %r13
	movq R14(%rax), %r14
	movq R15(%rax), %r15
	load_guest_caller_saved_gprs
.endm

/*
 * save_guest_gprs for a call of patch_bound_vmcall_exit: RDI = vcpu (EDX,
 * the reason, is not kept).
 */
.macro save_guest_gprs_rdi
	movq 8(%rsp), %rdx
	movq %rax, RAX(%rdx)
	movq %rcx, RCX(%rdx)
	movq %rbx, RBX(%rdx)
	movq %rbp, RBP(%rdx)
	movq %rsi, RSI(%rdx)
	movq %rdi, RDI(%rdx)
	movq %r8, R8(%rdx)
	movq %r9, R9(%rdx)
	movq %r10, R10(%rdx)
	movq %r11, R11(%rdx)
	movq %r12, R12(%rdx)
	movq %r13, R13(%rdx)
	movq %r14, R14(%rdx)
	movq %r15, R15(%rdx)
	popq RDX(%rdx)
	movq %rdx, %rdi
.endm


/* EDX = the exit reason (one VMREAD); L2's RDX is pushed: 8(%rsp) = vcpu. */
.macro read_exit_reason
	pushq %rdx
	movl $ENC_VM_EXIT_REASON, %edx
	vmread %rdx, %rdx
.endm

/*
 * With EDX = the exit reason and L2's RDX pushed: every guest GPR into the
 * vcpu (RSP back at HOST_RSP), then RDI = vcpu and ESI = reason.
 */
.macro save_guest_gprs
	pushq %rax
	movq 16(%rsp), %rax
	movq %rcx, RCX(%rax)
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
	popq RDX(%rax)
	movq %rax, %rdi
	movl %edx, %esi
.endm

/*
 * GUEST_RIP += the exit's instruction length (prefixes included, so it is
 * read, never assumed), with RBX and RDX as scratch.
 */
.macro skip_instruction_fast
	movl $ENC_GUEST_RIP, %ebx
	vmread %rbx, %rdx
	movl $ENC_VM_EXIT_INSTRUCTION_LENGTH, %ebx
	vmread %rbx, %rbx
	addq %rbx, %rdx
	movl $ENC_GUEST_RIP, %ebx
	vmwrite %rdx, %rbx
	jbe fast_vmwrite_failed
.endm

/* One exit of basic reason 'reason' that cost 'vmrw' VMREAD+VMWRITE; RDX scratch. */
.macro count_fast_exit reason, vmrw
	movq 8(%rsp), %rdx
	incq VCPU_EXIT_COUNT + 8 * \reason(%rdx)
	addq $\vmrw, VCPU_EXIT_VMRW + 8 * \reason(%rdx)
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
 * The exit entry of vCPUs whose SIPI exit saved "blocking by SMI" (set at
 * the SIPI, exit_init_sipi.c). Bochs 2.7 delivers a SIPI exit from inside
 * its SIPI delivery and skips the rest, which would have unmasked SMI: from
 * then on every exit of that vCPU saves "blocking by SMI", which outside
 * SMM fails the next VM entry (SDM Vol. 3C 27.3.1.5). The bit is cleared
 * here (one VMREAD, one VMWRITE, charged to this exit's reason), then the
 * exit goes on as any other, fast paths included. RAX and RCX are scratch,
 * pushed above L2's RDX: 24(%rsp) = vcpu.
 */
.macro clear_smi_blocking
	pushq %rax
	pushq %rcx
	movl $ENC_GUEST_INTERRUPTIBILITY_STATE, %ecx
	vmread %rcx, %rax
	andl $~BLOCKING_BY_SMI, %eax
	vmwrite %rax, %rcx
	jbe smi_vmwrite_failed
	cmpl $FAST_REASON_COUNT, %edx
	jae 1f /* a failed VM entry: not counted by reason (exit.c) */
	movq 24(%rsp), %rcx
	addq $SMI_MASKED_VMRW, VCPU_EXIT_VMRW(%rcx, %rdx, 8)
1:	popq %rcx
	popq %rax
.endm

	.globl vmx_exit_entry_smi_masked
vmx_exit_entry_smi_masked:
	read_exit_reason
	clear_smi_blocking
	jmp exit_dispatch

/*
 * Every other exit of a vCPU the hypervisor started lands here with RSP =
 * HOST_RSP, where [RSP] = vcpu. The per-CPU fast-path reasons are
 * FASTPATH_OFF when the fast paths are off, so the two compares then never
 * match.
 */
	.globl vmx_exit_entry
vmx_exit_entry:
	read_exit_reason
exit_dispatch:
	cmpl %gs:PERCPU_FAST_CPUID, %edx
	je cpuid_fast
	cmpl %gs:PERCPU_FAST_VMCALL, %edx
	je vmcall_fast
exit_generic:
	save_guest_gprs
	call vmexit_handler
exit_resume:
	movq (%rsp), %rax /* the vcpu, from the HOST_RSP slot */
	load_guest_gprs
	vmresume
	/* VMfail: report with the vcpu pointer from the HOST_RSP slot. */
vmresume_failed_stub:
	movq (%rsp), %rdi
	call vmresume_failed
1:	hlt
	jmp 1b

/*
 * CPUID of a basic leaf below 32 the hypervisor does not edit: L0's answer
 * straight into L2's registers (EAX and ECX still hold L2's leaf and
 * subleaf; CPUID writes RAX, RBX, RCX, RDX, the only registers used).
 * Any other leaf, or upper RAX bits set, takes the generic path.
 */
cpuid_fast:
	cmpq $31, %rax
	ja exit_generic
	cmpb $0, cpuid_basic_edited(%rax)
	jne exit_generic
	skip_instruction_fast
	count_fast_exit REASON_CPUID, FAST_CPUID_VMRW
	cpuid
	vmresume
	jmp fast_vmresume_failed

/*
 * VMCALL HC_VERSION from CPL 0 while no site is patched: its four result
 * registers are the only ones written. Any other function, or another CPL
 * (HC_ERR_PERM, registers kept), takes the generic path; with sites patched
 * (RAX may be anything there), vmcall_patched decides first.
 */
vmcall_fast:
	cmpq $FAST_HC_VERSION, %rax
	jne vmcall_patched
	cmpl $0, emul_npatched(%rip) /* RAX 0 at a patched site is no HC_VERSION */
	jne vmcall_patched_site
	movl $ENC_GUEST_SS_ACCESS_RIGHTS, %edx
	vmread %rdx, %rdx
	testb $SS_AR_DPL, %dl
	jnz vmcall_not_cpl0
	skip_instruction_fast
	count_fast_exit REASON_VMCALL, FAST_VMCALL_VMRW
	xorl %eax, %eax /* HC_OK */
	movl $FAST_HC_ABI_VERSION, %ebx
	movabsq $FAST_HC_SIGNATURE_LOW, %rcx
	movl $FAST_HC_SIGNATURE_HIGH, %edx
	vmresume
	jmp fast_vmresume_failed
vmcall_not_cpl0:
	/* The SS read is this exit's: charged here, the generic path counts its own. */
	movq 8(%rsp), %rdx
	incq VCPU_EXIT_VMRW + 8 * REASON_VMCALL(%rdx)
	movl $REASON_VMCALL, %edx
	jmp exit_generic

/*
 * Any other VMCALL while sites are patched (hv/emul/patch.c) may be a bound
 * patched site's: patch_bound_vmcall_exit (hv/emul/patch_bound.c) serves
 * and counts it with L2's GPRs saved but without the generic dispatch. L2's
 * callee-saved GPRs (RBX, RBP, R12-R15) are then still in their registers,
 * so only the others are reloaded unless it changed one. A miss goes on as
 * a generic exit.
 */
vmcall_patched:
	cmpl $0, emul_npatched(%rip)
	je exit_generic
vmcall_patched_site:
	save_guest_gprs_rdi
	call patch_bound_vmcall_exit
	testl %eax, %eax /* PATCH_BOUND_MISS */
	jz vmcall_patched_miss
	cmpl $PATCH_BOUND_DONE, %eax
	jne exit_resume
	movq (%rsp), %rax /* the vcpu, from the HOST_RSP slot */
	load_guest_caller_saved_gprs
	vmresume
	jmp vmresume_failed_stub
vmcall_patched_miss:
	movq (%rsp), %rdi
	movl $REASON_VMCALL, %esi
	call vmexit_handler
	jmp exit_resume

/* A fast path's GUEST_RIP write failed: report it (vmwrite_failed does not return). */
fast_vmwrite_failed:
	addq $8, %rsp /* L2's RDX: RSP at HOST_RSP again, 16-byte aligned */
	movl $ENC_GUEST_RIP, %edi
	movq %rdx, %rsi
	call vmwrite_failed
	jmp 1b

/* A fast path's VMRESUME failed: the generic report, from HOST_RSP. */
fast_vmresume_failed:
	addq $8, %rsp
	jmp vmresume_failed_stub

/* The SMI-blocking VMWRITE failed (RAX = the value): reported from HOST_RSP. */
smi_vmwrite_failed:
	addq $24, %rsp /* RCX, RAX, L2's RDX */
	movl $ENC_GUEST_INTERRUPTIBILITY_STATE, %edi
	movq %rax, %rsi
	call vmwrite_failed
	jmp 1b

/*
 * Exits from L3, the guest of a guest hypervisor (vmcs02's HOST_RIP:
 * hv/vmcs/nested_exit.c): always the generic path; no fast path applies,
 * since L2 may want any of them reflected. On a vCPU whose exits save
 * blocking by SMI (above), vmcs02's do too: its HOST_RIP is then
 * vmx_exit_entry_l3_smi_masked, which clears the bit in vmcs02 first, so
 * neither the next entry of L3 nor L2 (reading L3's interruptibility state
 * at a reflected exit) ever sees it.
 */
	.globl vmx_exit_entry_l3_smi_masked
vmx_exit_entry_l3_smi_masked:
	read_exit_reason
	clear_smi_blocking
	jmp l3_exit
	.globl vmx_exit_entry_l3
vmx_exit_entry_l3:
	read_exit_reason
l3_exit:
	save_guest_gprs
	call nested_exit_handler
	jmp exit_resume
