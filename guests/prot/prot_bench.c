/*
 * prot_bench.c - the cost of switching views, per switch: by MOV to CR3
 * (an exit that picks the program's view), by HC_PROT_SWITCH, and by the
 * VMFUNC trampoline (no exit); and of a context switch in a loop that does
 * little else (MOV to CR3, then eight increments of the new program's
 * counter), with protection on or off. Each sample switches to the other
 * program; lines as trapbench prints them ("@guest bench test= min= median=
 * p99= n= exits=").
 */
#include "guest.h"
#include "prot.h"
#include "stats.h"
#include "tsc_measure.h"
#include "vmcall.h"

#define WARMUP 10
#define ITERS_MAX 100000

static uint64_t samples[ITERS_MAX];
static uint64_t next_cr3, next_view;
static void (*trampoline)(unsigned);

TSC_TIMED(empty_once, "", ())
TSC_TIMED(cr3_switch_once, "mov %[cr3], %%cr3", ([cr3] "r"(next_cr3)))
TSC_TIMED(hc_switch_once, "mov %[view], %%rbx\n\tmov %[fn], %%eax\n\tvmcall",
	  ([view] "r"(next_view), [fn] "i"(HC_PROT_SWITCH)), "rbx", "rcx")
TSC_TIMED(vmfunc_switch_once, "call *%[t]", ([t] "r"(trampoline), "D"(next_view)), "rcx")
TSC_TIMED(ctxsw_once, "mov %[cr3], %%cr3\n\t.rept 8\n\tincq (%[w])\n\t.endr",
	  ([cr3] "r"(next_cr3), [w] "r"(WINDOW)))

struct switch_pair {
	uint64_t cr3[2], view[2];
};

static uint64_t exits_so_far(void)
{
	return vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
}

/* Times 'once' iters times, each switching to the other of the pair; prints the line. */
static void measure(const char *test, uint64_t (*once)(void), const struct switch_pair *p,
		    uint64_t iters, uint64_t overhead)
{
	uint64_t exits = 0;
	struct sample_stats s;

	for (uint64_t i = 0; i < WARMUP + iters; i++) {
		uint64_t t;

		if (i == WARMUP)
			exits = exits_so_far();
		next_cr3 = p->cr3[i & 1];
		next_view = p->view[i & 1];
		t = once();
		if (i >= WARMUP)
			samples[i - WARMUP] = t > overhead ? t - overhead : 0;
	}
	exits = exits_so_far() - exits - 1;
	write_cr3(cr3_boot);
	s = stats_summarize(samples, iters);
	guest_mline("bench", "test=%s min=%lu median=%lu p99=%lu n=%zu exits=%lu", test, s.min,
		    s.median, s.p99, s.n, exits);
}

void prot_bench(uint64_t iters, bool protect_on, void (*vmfunc_switch)(unsigned),
		unsigned view_a, unsigned view_b)
{
	const struct switch_pair programs = { { cr3_b, cr3_a }, { view_b, view_a } };
	uint64_t overhead = UINT64_MAX;

	if (iters > ITERS_MAX)
		iters = ITERS_MAX;
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t t = empty_once();

		overhead = t < overhead ? t : overhead;
	}
	guest_mline("bench-setup", "config=hv iters=%lu warmup=%d overhead=%lu", iters, WARMUP,
		    overhead);
	if (!protect_on) {
		measure("ctxsw-protect-off", ctxsw_once, &programs, iters, overhead);
		return;
	}
	measure("view-switch-cr3", cr3_switch_once, &programs, iters, overhead);
	measure("view-switch-hypercall", hc_switch_once, &programs, iters, overhead);
	if (vmfunc_switch) {
		trampoline = vmfunc_switch;
		measure("view-switch-vmfunc", vmfunc_switch_once, &programs, iters, overhead);
		vmfunc_switch(0);
	} else {
		guest_mline("bench", "test=view-switch-vmfunc skipped=\"L0 offers no VMFUNC "
			    "EPTP switching\"");
	}
	vmcall(HC_PROT_SWITCH, 0, 0, 0);
	measure("ctxsw-protect-on", ctxsw_once, &programs, iters, overhead);
}
