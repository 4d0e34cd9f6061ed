/*
 * trapbench.h - the trap-cost benchmark guest: tables of timed round trips
 * (an instruction or event that may exit to the hypervisor, and back), each
 * with the condition it needs to run.
 */
#ifndef GUESTS_TRAPBENCH_TRAPBENCH_H
#define GUESTS_TRAPBENCH_TRAPBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who runs the guest: the configuration column it measures. */
enum bench_host {
	HOST_NATIVE, /* bare L0 */
	HOST_HV,     /* this hypervisor: CPUID 0x40000000 says "NestedHVisor" */
	HOST_KVM,    /* Linux KVM through kvmrun: "KVMKVMKVM\0\0\0" */
};

/* What the tests may depend on, found once at start. */
struct bench_env {
	enum bench_host host;
	const char *apic_error; /* NULL, or why the xAPIC is unusable */
};

struct bench_test {
	const char *name;
	/* One round trip: RDTSC to RDTSC ticks, loop overhead included. */
	uint64_t (*once)(void);
	/* NULL, or the reason the test cannot run here (then it is skipped). */
	const char *(*ready)(const struct bench_env *env);
};

/* Instructions: CPUID, VMCALL, port I/O, MMIO, MSRs, control registers, INVLPG. */
extern const struct bench_test insn_tests[];
extern const size_t n_insn_tests;
/* Events: self-IPI, HLT woken by an IPI, a reflected exception. */
extern const struct bench_test event_tests[];
extern const size_t n_event_tests;

/* Installs the event tests' gates and enables the xAPIC; returns as apic_init(). */
const char *event_tests_init(void);

#endif
