/* SPDX-License-Identifier: MIT */
/*
 * libkucomms under the harness. Messages are received by the endpoint's
 * thread in its message handler; one-way rows send from the party's main
 * thread, round trips run entirely in the two message handlers (the client
 * times each echo and sends the next ping from its handler).
 */
#ifndef KUCOMMS_BENCH_KUCOMMS_H
#define KUCOMMS_BENCH_KUCOMMS_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_harness.h"

/* One process: a sending thread and a receiving endpoint, linked in-process. */
int bench_kucomms_inproc_party(struct bench_shared *sh, const struct bench_params *p, int party,
			       void *ctx);
/* Two processes over "shm:" + p->shm_name; party 0 creates, party 1 attaches. */
int bench_kucomms_shm_party(struct bench_shared *sh, const struct bench_params *p, int party,
			    void *ctx);

struct bench_idle_result {
	bool ok;
	char error[256];
	double cpu_pct;	     /* the whole process, percent of one core */
	uint64_t work_calls; /* calls seen while measuring */
	uint64_t timer_calls;
	uint64_t wakeups; /* sleeps ended by a link */
};

/*
 * An endpoint with work and timer handlers and a link to itself, nothing
 * sent, measured in a process of its own for @seconds.
 */
int bench_kucomms_idle(double seconds, struct bench_idle_result *out);

#endif /* KUCOMMS_BENCH_KUCOMMS_H */
