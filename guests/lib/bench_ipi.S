/*
 * bench_ipi.S - the interrupt gate that times an IPI's delivery (trapbench,
 * irqtest). It reads the TSC first, as TSC_END does, so a timed round trip
 * ends at the handler's entry. It does not save RAX and RDX: interrupts are
 * on only inside the timed asm of bench_ipi.h's users, which list both as
 * clobbered, and nothing but those tests raises its vector.
 */
	.text

/* The benchmark IPI: timestamp, EOI, count. */
	.globl bench_ipi_entry
bench_ipi_entry:
	lfence
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, bench_ipi_tsc(%rip)
	mov apic_eoi_addr(%rip), %rax
	movl $0, (%rax)
	incq bench_ipi_count(%rip)
	iretq

	.bss
	.balign 8
	.globl bench_ipi_tsc, bench_ipi_count
bench_ipi_tsc:
	.quad 0
bench_ipi_count:
	.quad 0
