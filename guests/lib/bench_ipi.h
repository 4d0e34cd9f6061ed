/*
 * bench_ipi.h - timing an IPI from the sender's ICR write (or STI) to the
 * first instruction of its handler, bench_ipi.S's bench_ipi_entry, which
 * stamps the TSC and counts. Shared by trapbench and irqtest.
 */
#ifndef GUESTS_LIB_BENCH_IPI_H
#define GUESTS_LIB_BENCH_IPI_H

#include <stdint.h>

#include "apic.h"
#include "tsc_measure.h"

extern void bench_ipi_entry(void);
extern volatile uint64_t bench_ipi_tsc, bench_ipi_count; /* bench_ipi.S */

/* Interrupts off again; the round trip ended at the stub's timestamp. */
#define BENCH_IPI_STUB_END "cli\n\tmov %[stub_tsc], %%rax\n\tsub %[tsc0], %%rax"

/*
 * Defines 'static uint64_t name(void)': STI, then a fixed self-IPI of
 * VECTOR (whose gate must be bench_ipi_entry); the wait loop ends once the
 * stub has run. Ticks from the ICR write to the stub's timestamp.
 */
#define BENCH_SELF_IPI_TIMED(name, vector) BENCH_IPI_TIMED(name, APIC_ICR_SELF_FIXED | (vector))

/*
 * The same for the ICR low word ICR: e.g. a fixed IPI to the destination
 * the ICR's high word already names (this CPU's APIC ID: a self-IPI
 * without the self shorthand).
 */
#define BENCH_IPI_TIMED(name, icr_low)                                                   \
	static uint64_t name(void)                                                       \
	{                                                                                \
		uint64_t ticks, start;                                                   \
                                                                                         \
		__asm__ volatile("sti\n\t" TSC_BEGIN                                     \
				 "movl %[icr_val], (%[icr])\n\t"                         \
				 "1: cmp %[seen], %[count]\n\t"                          \
				 "je 1b\n\t" BENCH_IPI_STUB_END                          \
				 : "=&a"(ticks), [tsc0] "=&r"(start)                     \
				 : [icr] "r"(apic_reg(APIC_ICR_LOW)),                    \
				   [icr_val] "i"(icr_low),                               \
				   [seen] "r"(bench_ipi_count), [count] "m"(bench_ipi_count), \
				   [stub_tsc] "m"(bench_ipi_tsc)                         \
				 : "rdx", "cc", "memory");                               \
		return ticks;                                                            \
	}

#endif
