/*
 * legacy.S - leaves long mode for 32-bit or PAE paging, runs a script of
 * memory operations there and comes back (pt32.h: struct legacy_run).
 * The way out is the SDM's (Vol. 3A 10.8.5.4): to compatibility mode, paging
 * off (IA-32e mode goes with it), EFER.LME off, CR4 and CR3 for the new
 * paging mode, paging on; back the same way with the long-mode CR3/CR4/EFER.
 * The script runs with ESI at its op and EDI at its record; a #PF records
 * CR2 and the error code in the record and resumes at the next op; any
 * other exception ends the script with its vector in bad_vector.
 */
#define CODE64 0x08
#define DATA 0x10
#define CODE32 0x18
#define CR0_PG (1 << 31)
#define CR4_PSE (1 << 4)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

/* struct legacy_run */
#define R_CR3 0
#define R_CR4 4
#define R_NXE 8
#define R_DONE 12
#define R_SCRIPT 16
#define R_RECS 20
#define R_BAD 24

/* struct op and struct rec: 16 bytes each */
#define OP_A 4
#define OP_B 8
#define OP_C 12
#define REC_VALUE 0
#define REC_FAULT 4
#define REC_CR2 8
#define REC_ERR 12

	.text
	.code64
	.globl legacy_run
legacy_run:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, saved_rsp(%rip)
	mov %cr3, %rax
	mov %eax, saved_cr3(%rip)
	mov %cr4, %rax
	mov %eax, saved_cr4(%rip)
	mov $MSR_EFER, %ecx
	rdmsr
	mov %eax, saved_efer(%rip)
	sgdt saved_gdt(%rip)
	sidt saved_idt(%rip)
	mov %edi, run(%rip)
	lgdt gdt_desc(%rip)
	push $CODE32
	lea to32(%rip), %rax
	push %rax
	lretq

	.code32
to32:
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov %cr0, %eax
	and $~CR0_PG, %eax
	mov %eax, %cr0            /* IA-32e mode off (EFER.LMA clears) */
	mov run, %ebx
	mov $MSR_EFER, %ecx
	rdmsr
	and $~(EFER_LME | EFER_NXE), %eax
	testl $1, R_NXE(%ebx)
	jz 1f
	or $EFER_NXE, %eax
1:	wrmsr
	mov %cr4, %eax
	and $~(CR4_PAE | CR4_PSE), %eax
	or R_CR4(%ebx), %eax
	mov %eax, %cr4
	mov R_CR3(%ebx), %eax
	mov %eax, %cr3
	lidt idt32_desc
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0            /* 32-bit or PAE paging, as CR4.PAE says */
	jmp 2f
2:	mov R_SCRIPT(%ebx), %esi
	mov R_RECS(%ebx), %edi
	mov %esp, script_esp

next:
	movl $0, REC_FAULT(%edi)
	mov (%esi), %eax
	cmp $OPS, %eax
	jae op_end
	jmp *op_table(, %eax, 4)

op_load:
	mov OP_A(%esi), %edx
	mov (%edx), %eax
	mov %eax, REC_VALUE(%edi)
	jmp done
op_store:
	mov OP_A(%esi), %edx
	mov OP_B(%esi), %eax
	mov %eax, (%edx)
	jmp done
op_invlpg:
	mov OP_A(%esi), %edx
	invlpg (%edx)
	jmp done
op_cr3:
	mov OP_A(%esi), %eax
	mov %eax, %cr3
	jmp done
op_call:
	mov OP_A(%esi), %edx
	call *%edx
	jmp done
op_xchg:
	mov OP_A(%esi), %edx
	mov OP_B(%esi), %eax
	xchg %eax, (%edx)
	mov %eax, REC_VALUE(%edi)
	jmp done
op_cx8: /* the 8-byte entry at A becomes C:B, LOCK CMPXCHG8B as a PAE kernel writes it */
	mov OP_A(%esi), %ebp
	mov (%ebp), %eax
	mov 4(%ebp), %edx
	mov OP_B(%esi), %ebx
	mov OP_C(%esi), %ecx
	lock cmpxchg8b (%ebp)
	setz %al
	movzbl %al, %eax
	mov %eax, REC_VALUE(%edi)  /* 1: written */
	jmp done
op_cr4: /* CR4 = (CR4 & ~B) | A */
	mov OP_B(%esi), %edx
	not %edx
	mov %cr4, %eax
	and %edx, %eax
	or OP_A(%esi), %eax
	mov %eax, %cr4
	jmp done
op_efer: /* EFER = (EFER & ~B) | A, by WRMSR (the low dword: SCE, LME, LMA, NXE) */
	mov $MSR_EFER, %ecx
	rdmsr
	mov OP_B(%esi), %ebx
	not %ebx
	and %ebx, %eax
	or OP_A(%esi), %eax
	wrmsr
	jmp done
op_vmxon: /* VMXON [A] (nested=on): the value, EFLAGS.CF|ZF if it did not fault */
	mov OP_A(%esi), %edx
	vmxon (%edx)
	pushf
	pop %eax
	and $0x41, %eax
	mov %eax, REC_VALUE(%edi)
	jmp done
done:
	add $16, %esi
	add $16, %edi
	jmp next

/* #PF: the record gets CR2 and the error code; on to the next op. */
	.globl legacy_pf
legacy_pf:
	pop %eax
	mov %eax, REC_ERR(%edi)
	mov %cr2, %eax
	mov %eax, REC_CR2(%edi)
	movl $1, REC_FAULT(%edi)
	mov script_esp, %esp
	jmp done

/* Any other exception: the script ends, its vector reported. */
	.globl legacy_bad
legacy_bad:
	mov run, %ebx
	movzbl exc_vector, %eax
	mov %eax, R_BAD(%ebx)
	mov script_esp, %esp

op_end:
	mov run, %ebx
	mov %esi, %eax
	sub R_SCRIPT(%ebx), %eax
	shr $4, %eax
	mov %eax, R_DONE(%ebx)
	mov %cr0, %eax
	and $~CR0_PG, %eax
	mov %eax, %cr0
	mov saved_cr4, %eax
	mov %eax, %cr4
	mov saved_cr3, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	mov saved_efer, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0            /* IA-32e mode again, in compatibility mode */
	ljmp $CODE64, $back64

	.code64
back64:
	lgdt saved_gdt(%rip)
	lidt saved_idt(%rip)
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov saved_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* Vectors 0-31 other than #PF: each notes its number, then legacy_bad. */
	.code32
	.globl legacy_exc_stubs
	.p2align 4
legacy_exc_stubs:
	.set vec, 0
	.rept 32
	.p2align 4
	movb $vec, exc_vector
	jmp legacy_bad
	.set vec, vec + 1
	.endr

/* A page of code for the NX checks: a call there returns at once. */
	.p2align 12
	.globl legacy_exec_page
legacy_exec_page:
	ret
	.p2align 12

	.section .rodata
	.p2align 3
gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00cf9a000000ffff /* 0x18: 32-bit code */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
op_table:
	.long op_end, op_load, op_store, op_invlpg, op_cr3, op_call, op_xchg, op_cx8, op_cr4
	.long op_efer, op_vmxon
	.set OPS, (. - op_table) / 4

	.data
	.p2align 3
	.globl legacy_idt
idt32_desc:
	.word 32 * 8 - 1
	.long legacy_idt
	.p2align 3
legacy_idt:
	.skip 32 * 8
saved_gdt:
	.skip 10
saved_idt:
	.skip 10
	.p2align 3
saved_rsp:
	.quad 0
saved_cr3:
	.long 0
saved_cr4:
	.long 0
saved_efer:
	.long 0
run:
	.long 0
script_esp:
	.long 0
exc_vector:
	.byte 0
	.section .note.GNU-stack, "", @progbits
