/*
 * stats.h - summary statistics of benchmark samples: minimum, median and
 * 99th percentile by the nearest-rank method, so every figure is one of the
 * samples (exact ticks under Bochs, no interpolation). Pure: unit-tested.
 */
#ifndef GUESTS_LIB_STATS_H
#define GUESTS_LIB_STATS_H

#include <stddef.h>
#include <stdint.h>

struct sample_stats {
	uint64_t min, median, p99;
	size_t n;
};

/* Sorts samples[0..n) in place, ascending (heapsort: no recursion, no memory). */
void stats_sort(uint64_t *samples, size_t n);
/* The nearest-rank 'percent'-th percentile of n > 0 sorted samples. */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, unsigned percent);
/* Sorts samples[0..n) and summarizes them; all zero if n is 0. */
struct sample_stats stats_summarize(uint64_t *samples, size_t n);

#endif
