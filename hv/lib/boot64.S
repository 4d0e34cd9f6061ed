/*
 * boot64.S - the Multiboot2 header and 32-bit entry shared by the hypervisor
 * and the test guests: identity-map the low 4 GiB, enter long mode and call
 * boot_main(magic, info). Entry state: Multiboot2 spec 3.3 (EAX magic, EBX
 * info, protected mode, paging off).
 */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_HEADER_LEN (mb2_header_end - mb2_header)

#define CR0_PE (1 << 0)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_NW (1 << 29)
#define CR0_CD (1 << 30)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

#define BOOT_STACK_SIZE 16384

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long MB2_HEADER_LEN
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + MB2_HEADER_LEN)
	/* end tag */
	.word 0
	.word 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %ebp /* magic, kept for boot_main */

	/* Zero .bss ourselves rather than trust the loader to. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	shrl $2, %ecx
	xorl %eax, %eax
	rep stosl

	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages: 0-4 GiB. */
	movl $boot_pdpt + (PTE_P | PTE_W), boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd + (PTE_P | PTE_W), %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b

	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, boot_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax /* bits 32+ of the 2 MiB frame: entry / 2048 */
	movl %eax, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* GRUB leaves CR0.CD/NW set: caches off would make everything slow. */
	movl %cr0, %eax
	andl $~(CR0_CD | CR0_NW), %eax
	orl $(CR0_PG | CR0_PE | CR0_NE | CR0_WP), %eax
	movl %eax, %cr0

	movl %ebp, %edi /* magic: first argument of boot_main */
	movl %ebx, %esi /* info: second argument */
	lgdt boot_gdt_desc
	ljmp $0x08, $entry64

	.code64
entry64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl %edi, %edi /* upper halves are undefined after the mode switch */
	movl %esi, %esi
	call boot_main
3:	cli
	hlt
	jmp 3b

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
	.globl boot_pdpt
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	/* Unmapped by the hypervisor's own page tables (hv/self_protect.c): an overflow faults. */
	.balign 4096
	.globl boot_stack_guard
boot_stack_guard:
	.skip 4096
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
