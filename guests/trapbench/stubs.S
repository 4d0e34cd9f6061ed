/*
 * stubs.S - trapbench's interrupt gate that only returns; the timed IPI's
 * gate is guests/lib/bench_ipi.S.
 */
	.text

/* #BP and the APIC's spurious vector: nothing to do but return. */
	.globl bench_iret_entry
bench_iret_entry:
	iretq
