/* SPDX-License-Identifier: MIT */
/*
 * Clocks for the benchmarks. CLOCK_MONOTONIC is system-wide, so times taken
 * in two processes can be subtracted from each other.
 */
#ifndef KUCOMMS_BENCH_TIME_H
#define KUCOMMS_BENCH_TIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t bench_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t bench_now_ns(void)
{
	return bench_clock_ns(CLOCK_MONOTONIC);
}

static inline void bench_sleep_s(double seconds)
{
	struct timespec ts = {
		.tv_sec = (time_t)seconds,
		.tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9),
	};

	while (nanosleep(&ts, &ts))
		;
}

#endif /* KUCOMMS_BENCH_TIME_H */
