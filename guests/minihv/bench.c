/*
 * bench.c - minihv's round-trip benchmarks: L3 times CPUID, VMCALL and an
 * OUT to a port minihv intercepts, each exit reflected to minihv and
 * resumed. One L3 run per kind, so the exits into L1 counted around it
 * belong to that kind: under this hypervisor by HC_EXIT_COUNT and
 * HC_NESTED_STATS, under Linux KVM through kvmrun's exit-count port (KVM's
 * own statistic; the reflected exits are then minihv's own count: the
 * timed ones and the closing HLT).
 */
#include "guest.h"
#include "kvmrun_port.h"
#include "lib/format.h"
#include "lib/string.h"
#include "minihv.h"
#include "stats.h"
#include "vmcall.h"
#include "vmx_ops.h"
#include "x86.h"

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

/*
 * What L1 counted so far: its exits (HC_EXIT_COUNT; under KVM its own count
 * through kvmrun), and under this hypervisor the L3 exits reflected to L2
 * and L2's VMREAD/VMWRITE exits (HC_NESTED_STATS).
 */
struct l1_counts {
	uint64_t exits, reflected, vmrw;
};

/* The exits into L1 that reading the counts twice adds: VMCALLs, or kvmrun's IN. */
#define OWN_EXITS (under_hv ? 2 : 1)

static struct l1_counts l1_counts(void)
{
	struct l1_counts c = { 0, 0, 0 };
	struct hc_result s;

	if (!under_hv) {
		c.exits = inl(KVMRUN_PORT_EXIT_COUNT);
		return c;
	}
	c.exits = vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
	s = vmcall(HC_NESTED_STATS, 0, 0, 0);
	c.reflected = s.rcx;
	c.vmrw = s.rdx;
	return c;
}

/* The exits L1 counted over one run: " reflected= l1_exits= ..." for nested-bench, or "". */
static void format_counts(char *out, size_t size, struct l1_counts c0, struct l1_counts c1,
			  const struct exit_log *log)
{
	/* Under KVM the reflected exits are minihv's own count (with the closing HLT). */
	uint64_t reflected = under_hv ? c1.reflected - c0.reflected :
			     log->cpuid + log->vmcall + log->io + log->rdmsr + log->ud + 1;
	uint64_t exits = c1.exits - c0.exits - OWN_EXITS;

	*out = 0;
	if (c0.exits == KVMRUN_NO_COUNT || c1.exits == KVMRUN_NO_COUNT || !reflected)
		return;
	hv_snprintf(out, size, " reflected=%lu l1_exits=%lu l1_exits_x100_per_reflect=%lu",
		    reflected, exits, 100 * exits / reflected);
	if (under_hv)
		hv_snprintf(out + strlen(out), size - strlen(out),
			    " l2_vmrw_exits_x100_per_reflect=%lu",
			    100 * (c1.vmrw - c0.vmrw) / reflected);
}

/* One kind's run: "@guest nested-bench" with L3's statistics and L1's counts if any. */
static bool bench_one(uint64_t vmcs, void *l3_stack_top, uint64_t iters,
		      enum l3_bench_test test)
{
	struct exit_log log;
	struct l1_counts c0, c1;
	struct sample_stats st;
	char counts[160], name[24];

	l3_bench_iters = iters;
	l3_bench_test = test;
	vmclear(vmcs);
	vmptrld(vmcs);
	vmcs_build(l3_bench, (uint64_t)(uintptr_t)l3_stack_top - 8);
	c0 = l1_counts();
	if (!run_l3(&log, true, false))
		return false;
	c1 = l1_counts();
	st = stats_summarize(l3_samples, iters);
	format_counts(counts, sizeof(counts), c0, c1, &log);
	guest_mline("nested-bench", "test=%s iters=%lu min=%lu median=%lu p99=%lu%s",
		    test_names[test], iters, st.min, st.median, st.p99, counts);
	hv_snprintf(name, sizeof(name), "bench-%s", test_names[test]);
	return guest_check(name, exits_of(&log, test) == iters && !log.other &&
			   (!under_hv || c1.reflected - c0.reflected == iters + 1),
			   "exits=%u reflected=%lu", exits_of(&log, test),
			   c1.reflected - c0.reflected);
}

bool bench(uint64_t vmcs, void *l3_stack_top, uint64_t iters)
{
	bool ok = true;

	for (unsigned t = 0; t < L3_BENCH_TESTS; t++)
		ok &= bench_one(vmcs, l3_stack_top, iters, t);
	return ok;
}
