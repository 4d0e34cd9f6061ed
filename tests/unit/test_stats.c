/*
 * test_stats.c - the benchmark guests' statistics (guests/lib/stats.c):
 * heapsort against the host's qsort on random and degenerate inputs, and
 * nearest-rank minimum, median and 99th percentile.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"

#define N_RANDOM 1001

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts a copy with both and compares, for n = 0 .. N_RANDOM. */
static void check_sort_matches_qsort(void)
{
	static uint64_t ours[N_RANDOM], want[N_RANDOM];

	srand(4);
	for (size_t n = 0; n <= N_RANDOM; n += n < 20 ? 1 : 97) {
		for (size_t i = 0; i < n; i++)
			ours[i] = want[i] = (uint64_t)(rand() % 50) << (i % 3 ? 0 : 40);
		stats_sort(ours, n);
		qsort(want, n, sizeof(want[0]), cmp_u64);
		CHECK(!memcmp(ours, want, n * sizeof(ours[0])));
	}
}

static void check_summaries(void)
{
	uint64_t one[] = { 7 };
	uint64_t same[] = { 3, 3, 3, 3 };
	uint64_t hundred[100], spike[1000];
	struct sample_stats s;

	s = stats_summarize(one, 1);
	CHECK(s.min == 7 && s.median == 7 && s.p99 == 7 && s.n == 1);
	s = stats_summarize(same, 4);
	CHECK(s.min == 3 && s.median == 3 && s.p99 == 3);
	/* 100 down to 1: rank 50 is 50, rank 99 is 99. */
	for (int i = 0; i < 100; i++)
		hundred[i] = (uint64_t)(100 - i);
	s = stats_summarize(hundred, 100);
	CHECK_EQ(s.min, 1);
	CHECK_EQ(s.median, 50);
	CHECK_EQ(s.p99, 99);
	/* Ten slow samples in 1000 are the top 1%: p99 (rank 990) stays fast. */
	for (int i = 0; i < 1000; i++)
		spike[i] = i % 100 == 0 ? 5000 : 90;
	s = stats_summarize(spike, 1000);
	CHECK(s.min == 90 && s.median == 90 && s.p99 == 90);
	spike[1] = 5000; /* an eleventh: rank 990 reaches the slow ones */
	s = stats_summarize(spike, 1000);
	CHECK_EQ(s.p99, 5000);
	s = stats_summarize(NULL, 0);
	CHECK(s.min == 0 && s.median == 0 && s.p99 == 0 && s.n == 0);
}

static void check_percentile_ranks(void)
{
	uint64_t two[] = { 10, 20 };
	uint64_t three[] = { 1, 2, 3 };

	CHECK_EQ(stats_percentile(two, 2, 50), 10);
	CHECK_EQ(stats_percentile(two, 2, 99), 20);
	CHECK_EQ(stats_percentile(three, 3, 0), 1);
	CHECK_EQ(stats_percentile(three, 3, 50), 2);
	CHECK_EQ(stats_percentile(three, 3, 100), 3);
}

int main(void)
{
	check_sort_matches_qsort();
	check_summaries();
	check_percentile_ranks();
	return check_report("stats");
}
