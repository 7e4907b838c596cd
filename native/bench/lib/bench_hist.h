/* SPDX-License-Identifier: MIT */
/*
 * A latency histogram with fixed memory: exact below 128 ns, then 128
 * buckets per power of two (under 1% error), so a run of any length keeps
 * every sample and its percentiles stay honest.
 */
#ifndef KUCOMMS_BENCH_HIST_H
#define KUCOMMS_BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB_BITS 7
#define BENCH_HIST_SUB (1u << BENCH_HIST_SUB_BITS)
#define BENCH_HIST_BUCKETS ((64 - BENCH_HIST_SUB_BITS + 1) * BENCH_HIST_SUB)

struct bench_hist {
	uint64_t total;
	uint64_t bucket[BENCH_HIST_BUCKETS];
};

void bench_hist_add(struct bench_hist *h, uint64_t ns);
/* The value at quantile @q (0 < q <= 1), in ns; 0 when empty. */
double bench_hist_quantile(const struct bench_hist *h, double q);

#endif /* KUCOMMS_BENCH_HIST_H */
