/*
 * stats.c - heapsort and nearest-rank percentiles of benchmark samples.
 */
#include "stats.h"

/* Moves samples[root] down until the max-heap of size n below it holds. */
static void sift_down(uint64_t *a, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		uint64_t t;

		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

void stats_sort(uint64_t *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n; end-- > 1;) {
		uint64_t t = a[0];

		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned percent)
{
	/* Rank ceil(percent/100 * n), 1-based; at least the first sample. */
	size_t rank = (n * percent + 99) / 100;

	return sorted[rank ? rank - 1 : 0];
}

struct sample_stats stats_summarize(uint64_t *samples, size_t n)
{
	struct sample_stats s = { 0, 0, 0, n };

	if (!n)
		return s;
	stats_sort(samples, n);
	s.min = samples[0];
	s.median = stats_percentile(samples, n, 50);
	s.p99 = stats_percentile(samples, n, 99);
	return s;
}
