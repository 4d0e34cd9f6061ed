/*
 * event_tests.c - round trips through the guest's IDT: a self-IPI from the
 * ICR write to the handler's entry, HLT woken by an IPI already pending to
 * the handler's entry, and INT3 to its handler and back (reflected by the
 * hypervisor when it intercepts #BP). Interrupts are on only inside the
 * timed asm; the PICs are masked, so only these IPIs arrive.
 */
#include "apic.h"
#include "bench_ipi.h"
#include "trap.h"
#include "trapbench.h"
#include "tsc_measure.h"

#define BENCH_IPI_VECTOR 0x40
#define SPURIOUS_VECTOR 0xff
#define BP_VECTOR 3

extern void bench_iret_entry(void);

TSC_TIMED(int3_once, "int3", ())

BENCH_SELF_IPI_TIMED(self_ipi_once, BENCH_IPI_VECTOR)

/* The IPI is sent with interrupts off, so it waits in the IRR until STI; HLT. */
static uint64_t hlt_ipi_once(void)
{
	uint64_t ticks, start;

	apic_self_ipi(BENCH_IPI_VECTOR);
	__asm__ volatile(TSC_BEGIN
			 "sti\n\t"
			 "hlt\n\t" BENCH_IPI_STUB_END
			 : "=&a"(ticks), [tsc0] "=&r"(start)
			 : [stub_tsc] "m"(bench_ipi_tsc)
			 : "rdx", "cc", "memory");
	return ticks;
}

static const char *needs_apic(const struct bench_env *env)
{
	return env->apic_error;
}

const char *event_tests_init(void)
{
	trap_set_gate(BP_VECTOR, bench_iret_entry);
	trap_set_gate(SPURIOUS_VECTOR, bench_iret_entry);
	trap_set_gate(BENCH_IPI_VECTOR, bench_ipi_entry);
	return apic_init(SPURIOUS_VECTOR);
}

const struct bench_test event_tests[] = {
	{ "self-ipi", self_ipi_once, needs_apic },
	{ "hlt-ipi", hlt_ipi_once, needs_apic },
	{ "exception", int3_once, NULL },
};

const size_t n_event_tests = sizeof(event_tests) / sizeof(event_tests[0]);
