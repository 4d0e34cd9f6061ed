/*
 * bench.c - minihv's round-trip benchmarks: L3 times CPUID, VMCALL and an
 * OUT to a port minihv intercepts, each exit reflected to minihv and
 * resumed. One L3 run per kind, so under this hypervisor the exits L1
 * counted around it (HC_EXIT_COUNT, HC_NESTED_STATS) belong to that kind;
 * under another L1 (KVM) only L3's own timings are there.
 */
#include "guest.h"
#include "lib/format.h"
#include "minihv.h"
#include "stats.h"
#include "vmcall.h"
#include "vmx_ops.h"

static const char *const test_names[L3_BENCH_TESTS] = {
	[L3_BENCH_CPUID] = "cpuid",
	[L3_BENCH_VMCALL] = "vmcall",
	[L3_BENCH_PIO] = "pio",
};

/* The exits of the timed kind minihv handled in one run. */
static unsigned exits_of(const struct exit_log *log, enum l3_bench_test test)
{
	return test == L3_BENCH_CPUID ? log->cpuid : test == L3_BENCH_VMCALL ? log->vmcall : log->io;
}

/* One kind's run: "@guest nested-bench" with L3's statistics and L1's counts if any. */
static bool bench_one(uint64_t vmcs, void *l3_stack_top, uint64_t iters,
		      enum l3_bench_test test)
{
	struct exit_log log;
	struct hc_result s0 = { 0 }, s1 = { 0 }, e0 = { 0 }, e1 = { 0 };
	struct sample_stats st;
	uint64_t l1_exits, reflected;
	char counts[160] = "", name[24];

	l3_bench_iters = iters;
	l3_bench_test = test;
	vmclear(vmcs);
	vmptrld(vmcs);
	vmcs_build(l3_bench, (uint64_t)(uintptr_t)l3_stack_top - 8);
	if (under_hv) {
		e0 = vmcall(HC_EXIT_COUNT, 0, 0, 0);
		s0 = vmcall(HC_NESTED_STATS, 0, 0, 0);
	}
	if (!run_l3(&log, true, false))
		return false;
	if (under_hv) {
		s1 = vmcall(HC_NESTED_STATS, 0, 0, 0);
		e1 = vmcall(HC_EXIT_COUNT, 0, 0, 0);
	}
	st = stats_summarize(l3_samples, iters);
	reflected = s1.rcx - s0.rcx;
	/* Less the three VMCALLs after the first HC_EXIT_COUNT: L2's own exits. */
	l1_exits = e1.rbx - e0.rbx - 3;
	if (under_hv)
		hv_snprintf(counts, sizeof(counts), " reflected=%lu l1_exits=%lu "
			    "l1_exits_x100_per_reflect=%lu l2_vmrw_exits_x100_per_reflect=%lu",
			    reflected, l1_exits, reflected ? 100 * l1_exits / reflected : 0,
			    reflected ? 100 * (s1.rdx - s0.rdx) / reflected : 0);
	guest_mline("nested-bench", "test=%s iters=%lu min=%lu median=%lu p99=%lu%s",
		    test_names[test], iters, st.min, st.median, st.p99, counts);
	hv_snprintf(name, sizeof(name), "bench-%s", test_names[test]);
	return guest_check(name, exits_of(&log, test) == iters && (!under_hv || reflected == iters + 1),
			   "exits=%u reflected=%lu", exits_of(&log, test), reflected);
}

bool bench(uint64_t vmcs, void *l3_stack_top, uint64_t iters)
{
	bool ok = true;

	for (unsigned t = 0; t < L3_BENCH_TESTS; t++)
		ok &= bench_one(vmcs, l3_stack_top, iters, t);
	return ok;
}
