/*
 * pooltest.c - a test guest for the page pool (pool=on, hv/guest_pool.h):
 * in the region HC_POOL_INFO names it times first touches, checks that
 * identical pages merge (HC_POOL_SHARE), that reading them costs no exit and
 * that a write copies only the written page, then touches more pages than
 * machine pages back the region and checks every byte comes back through
 * swapping. Prints checks, bench lines (ticks per access, first touch,
 * copy-on-write, swap-in, and a mapped page for comparison) and the pool's
 * counters, then ends the run with HC_EXIT.
 */
#include <stddef.h>

#include "guest.h"
#include "stats.h"
#include "tsc_measure.h"
#include "vmcall.h"

#define PAGE 4096u
#define WORDS (PAGE / 8)
#define TIMED 64        /* pages per timed test */
#define SHARED 32       /* identical pages */
#define MAGIC 0x5eed0000c0ffee00ull

static uint64_t samples[TIMED];
static uint64_t base, npages, nframes, overhead;

/* The ticks of one 8-byte store to p, serialized on both sides. */
static uint64_t timed_write(volatile uint64_t *p, uint64_t v)
{
	uint64_t ticks, start;

	__asm__ volatile(TSC_BEGIN "movq %[v], (%[p])\n\t" TSC_END
			 : "=&a"(ticks), [tsc0] "=&r"(start)
			 : [p] "r"(p), [v] "r"(v)
			 : "rdx", "cc", "memory");
	return ticks;
}

/* The ticks of one 8-byte load from p. */
static uint64_t timed_read(volatile uint64_t *p)
{
	uint64_t ticks, start, v;

	__asm__ volatile(TSC_BEGIN "movq (%[p]), %[v]\n\t" TSC_END
			 : "=&a"(ticks), [tsc0] "=&r"(start), [v] "=&r"(v)
			 : [p] "r"(p)
			 : "rdx", "cc", "memory");
	return ticks;
}

static volatile uint64_t *page(uint64_t i)
{
	return (volatile uint64_t *)(uintptr_t)(base + i * PAGE);
}

static uint64_t exits_so_far(void)
{
	return (uint64_t)vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
}

static struct hc_pool_stats pool_stats(void)
{
	static struct hc_pool_stats s;

	vmcall(HC_POOL_STATS, (uint64_t)(uintptr_t)&s, 0, 0);
	return s;
}

/* One bench line from samples[0..n): ticks less the timing overhead; EXITS in all. */
static void bench_line(const char *test, size_t n, uint64_t exits)
{
	struct sample_stats s;

	for (size_t i = 0; i < n; i++)
		samples[i] = samples[i] > overhead ? samples[i] - overhead : 0;
	s = stats_summarize(samples, n);
	guest_mline("bench", "test=%s min=%lu median=%lu p99=%lu n=%zu exits=%lu", test, s.min,
		    s.median, s.p99, s.n, exits);
}

/* The word each page of the swap test holds at index w. */
static uint64_t stamp(uint64_t i, unsigned w)
{
	return w == 0 ? MAGIC ^ i : w == WORDS - 1 ? ~i : w == (i % WORDS) ? i * 7 : 0;
}

static bool first_touch(void)
{
	uint64_t e = exits_so_far();
	bool ok = true;

	for (uint64_t i = 0; i < TIMED; i++)
		samples[i] = timed_write(page(i) + 1, MAGIC + i);
	bench_line("pool-first-touch", TIMED, exits_so_far() - e - 1);
	for (uint64_t i = 0; i < TIMED; i++)
		ok &= page(i)[0] == 0 && page(i)[1] == MAGIC + i && page(i)[WORDS - 1] == 0;
	e = exits_so_far();
	for (uint64_t i = 0; i < TIMED; i++)
		samples[i] = timed_write(page(i) + 2, i);
	bench_line("pool-mapped-write", TIMED, exits_so_far() - e - 1);
	return guest_check("pool-first-touch", ok, "%u pages zeroed, then written", TIMED);
}

static bool share_and_cow(void)
{
	uint64_t first = TIMED, merged, e;
	struct hc_pool_stats s;
	bool ok = true, reads_free;

	for (uint64_t i = first; i < first + SHARED; i++)
		for (unsigned w = 0; w < WORDS; w++)
			page(i)[w] = MAGIC ^ w;
	merged = (uint64_t)vmcall(HC_POOL_SHARE, 0, 0, 0).rbx;
	s = pool_stats();
	ok &= guest_check("pool-share", merged >= SHARED - 1 && s.frames_shared >= 1,
			  "%lu pages merged, %llu shared frames", merged, s.frames_shared);
	e = exits_so_far();
	for (uint64_t i = first; i < first + SHARED; i++)
		for (unsigned w = 0; w < WORDS; w++)
			ok &= page(i)[w] == (MAGIC ^ w);
	reads_free = exits_so_far() - e == 1;
	ok &= guest_check("pool-shared-reads", ok && reads_free,
			  "%u shared pages read back, %lu exits", SHARED, exits_so_far() - e - 1);
	e = exits_so_far();
	for (uint64_t k = 0; k < SHARED; k++) {
		bool others = true;

		samples[k] = timed_write(page(first + k) + 5, k);
		for (uint64_t j = first + k + 1; j < first + SHARED; j++)
			others &= page(j)[5] == (MAGIC ^ 5);
		if (!others || page(first + k)[5] != k || page(first + k)[6] != (MAGIC ^ 6)) {
			ok = false;
			guest_printf("pooltest: copy-on-write of page %lu went wrong\n", k);
		}
	}
	/* the last write took the frame over: one exit, not a copy */
	bench_line("pool-cow-break", SHARED - 1, exits_so_far() - e - 2);
	s = pool_stats();
	return guest_check("pool-cow", ok && s.cow_copy >= SHARED - 1 && s.cow_reuse >= 1,
			   "%llu copies, %llu take-overs", s.cow_copy, s.cow_reuse) && ok;
}

static bool swapping(void)
{
	uint64_t first = TIMED + SHARED, e, bad = 0;
	struct hc_pool_stats s;

	for (uint64_t i = first; i < npages; i++) {
		page(i)[0] = stamp(i, 0);
		page(i)[i % WORDS] = stamp(i, (unsigned)(i % WORDS));
		page(i)[WORDS - 1] = stamp(i, WORDS - 1);
	}
	vmcall(HC_POOL_SWAP_OUT, nframes, 0, 0); /* every private page out */
	e = exits_so_far();
	for (uint64_t i = 0; i < TIMED; i++)
		samples[i] = timed_read(page(first + i));
	bench_line("pool-swap-in", TIMED, exits_so_far() - e - 1);
	for (uint64_t i = first; i < npages; i++)
		for (unsigned w = 0; w < WORDS; w++)
			bad += page(i)[w] != stamp(i, w);
	for (uint64_t i = 0; i < TIMED; i++) /* the first-touch pages came back too */
		bad += page(i)[1] != MAGIC + i || page(i)[2] != i;
	s = pool_stats();
	guest_mline("pool-stats", "first_touch=%llu swap_in=%llu swap_out=%llu "
		    "swap_out_zero=%llu swap_bytes=%llu cow_copy=%llu merged=%llu",
		    s.first_touch, s.swap_in, s.swap_out, s.swap_out_zero, s.swap_bytes,
		    s.cow_copy, s.merged);
	return guest_check("pool-swap", !bad && s.swap_out >= npages - nframes &&
			   s.swap_in >= npages - nframes,
			   "%lu pages over %lu frames, %lu wrong words, %llu out, %llu in",
			   npages, nframes, bad, s.swap_out, s.swap_in);
}

bool guest_main(const char *cmdline)
{
	struct hc_result info;
	bool ok;

	(void)cmdline;
	if (!hv_present()) {
		guest_mline("pooltest-error", "reason=\"no hypervisor\"");
		return false;
	}
	info = vmcall(HC_POOL_INFO, 0, 0, 0);
	if (info.ret != HC_OK) {
		guest_mline("pooltest-error", "reason=\"no page pool (boot with pool=on)\"");
		return false;
	}
	base = info.rbx;
	npages = info.rcx / PAGE;
	nframes = info.rdx / PAGE;
	overhead = ~0ull;
	for (int i = 0; i < 100; i++) {
		uint64_t t = timed_read(&overhead);

		overhead = t < overhead ? t : overhead;
	}
	guest_mline("pooltest", "base=%#lx pages=%lu frames=%lu overhead=%lu", base, npages,
		    nframes, overhead);
	if (npages < TIMED + SHARED + nframes + 1) {
		guest_mline("pooltest-error", "reason=\"region too small to overcommit\"");
		return false;
	}
	ok = first_touch();
	ok &= share_and_cow();
	ok &= swapping();
	vmcall(HC_EXIT, ok ? 0 : 1, 0, 0);
	return false;
}
