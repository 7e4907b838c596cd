// SPDX-License-Identifier: MIT
#include "bench_hist.h"

static unsigned int bucket_of(uint64_t ns)
{
	unsigned int shift;

	if (ns < BENCH_HIST_SUB)
		return (unsigned int)ns;
	shift = 63 - (unsigned int)__builtin_clzll(ns) - BENCH_HIST_SUB_BITS;
	return (shift + 1) * BENCH_HIST_SUB + (unsigned int)(ns >> shift) - BENCH_HIST_SUB;
}

/* The middle of the bucket's range of values. */
static double bucket_value(unsigned int i)
{
	unsigned int shift;
	uint64_t low;

	if (i < BENCH_HIST_SUB)
		return i;
	shift = i / BENCH_HIST_SUB - 1;
	low = (uint64_t)(i % BENCH_HIST_SUB + BENCH_HIST_SUB) << shift;
	return (double)low + (double)((1ULL << shift) - 1) / 2;
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
	h->bucket[bucket_of(ns)]++;
	h->total++;
}

double bench_hist_quantile(const struct bench_hist *h, double q)
{
	uint64_t rank, seen = 0;
	unsigned int i;

	if (!h->total)
		return 0;
	/* The smallest sample with at least q of all samples at or below it. */
	rank = (uint64_t)(q * (double)h->total);
	if ((double)rank < q * (double)h->total || rank < 1)
		rank++;
	for (i = 0; i < BENCH_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			return bucket_value(i);
	}
	return bucket_value(BENCH_HIST_BUCKETS - 1);
}
