/*
 * trapbench.c - a test guest that measures exit round trips, natively, as
 * L2 under this hypervisor, or under Linux KVM through kvmrun (the peer
 * configuration; CPUID 0x40000000 tells which): per test a warm-up, then
 * iters= timed runs less the loop overhead (the fastest empty timed
 * region), and one line "@guest bench test=NAME min= median= p99= n="
 * (under this hypervisor also exits=, the VM exits the timed runs caused)
 * or "@guest bench test=NAME skipped=REASON".
 */
#include <stddef.h>

#include "guest.h"
#include "guest_options.h"
#include "lib/format.h"
#include "stats.h"
#include "trapbench.h"
#include "tsc_measure.h"
#include "vmcall.h"

#define ITERS_MAX 100000
#define KVM_SIGNATURE "KVMKVMKVM\0\0\0" /* CPUID 0x40000000's EBX, ECX, EDX under KVM */

static const char *const host_names[] = { [HOST_NATIVE] = "native", [HOST_HV] = "hv",
					  [HOST_KVM] = "kvm" };

struct trapbench_options {
	uint64_t iters, warmup;
};

static const struct opt_def option_table[] = {
	{ .name = "iters", .type = OPT_UINT, .offset = offsetof(struct trapbench_options, iters),
	  .min = 1, .max = ITERS_MAX, .help = "timed runs per test" },
	{ .name = "warmup", .type = OPT_UINT,
	  .offset = offsetof(struct trapbench_options, warmup), .min = 0, .max = ITERS_MAX,
	  .help = "untimed runs before them" },
};

#define NOPTS (sizeof(option_table) / sizeof(option_table[0]))

static uint64_t samples[ITERS_MAX];

TSC_TIMED(empty_once, "", ())

/* Who runs us, by the hypervisor signature in CPUID 0x40000000. */
static enum bench_host find_host(void)
{
	struct cpuid_regs r = cpuid(HV_CPUID_LEAF, 0);
	uint32_t sig[3] = { r.ebx, r.ecx, r.edx };

	if (hv_present())
		return HOST_HV;
	return memcmp(sig, KVM_SIGNATURE, sizeof(sig)) ? HOST_NATIVE : HOST_KVM;
}

/* VM exits of this vCPU so far, the HC_EXIT_COUNT call's own included. */
static uint64_t exits_so_far(void)
{
	return (uint64_t)vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
}

/* The loop overhead: the fastest of 'iters' empty timed regions. */
static uint64_t loop_overhead(uint64_t iters)
{
	uint64_t best = UINT64_MAX;

	for (uint64_t i = 0; i < iters; i++) {
		uint64_t t = empty_once();

		best = t < best ? t : best;
	}
	return best;
}

/* Runs test 't' and prints its line. */
static void run_test(const struct bench_test *t, const struct bench_env *env,
		     const struct trapbench_options *o, uint64_t overhead)
{
	const char *skip = t->ready ? t->ready(env) : NULL;
	uint64_t exits_before = 0;
	struct sample_stats s;
	char exits_field[32] = "";

	if (skip) {
		guest_mline("bench", "test=%s skipped=\"%s\"", t->name, skip);
		return;
	}
	for (uint64_t i = 0; i < o->warmup; i++)
		t->once();
	if (env->host == HOST_HV)
		exits_before = exits_so_far();
	for (uint64_t i = 0; i < o->iters; i++) {
		uint64_t ticks = t->once();

		samples[i] = ticks > overhead ? ticks - overhead : 0;
	}
	if (env->host == HOST_HV)
		hv_snprintf(exits_field, sizeof(exits_field), " exits=%lu",
			    exits_so_far() - exits_before - 1);
	s = stats_summarize(samples, o->iters);
	guest_mline("bench", "test=%s min=%lu median=%lu p99=%lu n=%zu%s", t->name, s.min,
		    s.median, s.p99, s.n, exits_field);
}

bool guest_main(const char *cmdline)
{
	struct trapbench_options o = { .iters = 1000, .warmup = 100 };
	struct bench_env env;
	uint64_t overhead;

	if (!guest_parse_options(cmdline, option_table, NOPTS, &o, "trapbench-error"))
		return false;
	env.host = find_host();
	env.apic_error = event_tests_init();
	overhead = loop_overhead(o.iters);
	guest_mline("bench-setup", "config=%s iters=%lu warmup=%lu overhead=%lu",
		    host_names[env.host], o.iters, o.warmup, overhead);
	for (size_t i = 0; i < n_insn_tests; i++)
		run_test(&insn_tests[i], &env, &o, overhead);
	for (size_t i = 0; i < n_event_tests; i++)
		run_test(&event_tests[i], &env, &o, overhead);
	guest_mline("bench-done", "tests=%zu", n_insn_tests + n_event_tests);
	if (env.host != HOST_HV)
		return true; /* natively, or to kvmrun: isa-debug-exit */
	vmcall(HC_EXIT, 0, 0, 0);
	guest_mline("trapbench-error", "reason=\"HC_EXIT returned\"");
	return false;
}
