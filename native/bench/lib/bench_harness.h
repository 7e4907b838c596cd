/* SPDX-License-Identifier: MIT */
/*
 * The measuring harness shared by every transport.
 *
 * A row runs in one or two forked "parties" (one process holding both ends,
 * or one process per end). The parent only keeps time: after a warm-up it
 * asks the initiator (the sender or the ping-pong client) to place a mark,
 * waits until it has, lets a window of time pass, and asks for the next.
 * A mark travels in-band as a message of type BENCH_MSG_MARK, so each end
 * records its snapshot (time, CPU time, messages, wakeups) exactly when
 * that message passes through it; the figures of a window are differences
 * between two marks, and a row reports the median over its windows. Round
 * trip latencies between the first and the last mark go into one histogram.
 *
 * Everything the parties report lives in a MAP_SHARED anonymous mapping made
 * before the fork.
 */
#ifndef KUCOMMS_BENCH_HARNESS_H
#define KUCOMMS_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/kucomms.h>

#include "bench_hist.h"

enum bench_kind {
	BENCH_ONEWAY,	 /* the initiator sends, the responder counts */
	BENCH_ROUNDTRIP, /* the responder echoes, the initiator times */
};

/* header.type of every benchmark message; the same on every transport. */
enum bench_msg_type {
	BENCH_MSG_DATA = 0,
	BENCH_MSG_MARK = 1, /* header.id is the mark number */
	BENCH_MSG_STOP = 2, /* the last message of a run; not echoed */
};

#define BENCH_MAX_MARKS 16
#define BENCH_MAX_PAYLOAD 4096

struct bench_params {
	enum bench_kind kind;
	uint64_t payload;     /* data bytes per message */
	bool spin;	      /* baseline round trips: busy-poll */
	long spin_budget_ns;  /* libkucomms: < 0 keeps the default */
	const char *shm_name; /* libkucomms shm rows */
	bool monitored;	      /* libkucomms shm: side 0 publishes to a monitor */
};

struct bench_snap {
	int64_t t_ns;
	int64_t cpu_ns;
	uint64_t switches;    /* context switches of this end's process */
	uint64_t count;	      /* messages before the mark (round trips for a client) */
	uint64_t wakeups;     /* sleeps this end's receiving thread woke from */
	uint64_t full_events; /* sends this end found the ring full */
	int taken;
};

struct bench_shared {
	int started;	  /* the initiator is running */
	int mark_request; /* parent: place marks up to this one */
	int marks_placed; /* initiator: marks placed so far */
	int marks;	  /* marks in this run: windows + 1 */
	int failed;
	char error[256];
	struct bench_snap snap[2][BENCH_MAX_MARKS]; /* [side][mark] */
	/* Monitored rows: what the monitor read, and the drops it was told of. */
	uint64_t monitor_messages, monitor_dropped;
	struct bench_hist hist;
};

/* One end of a benchmark, inside a party. Side 0 initiates, side 1 responds. */
struct bench_end {
	struct bench_shared *sh;
	const struct bench_params *p;
	int side;
	bool measure_cpu; /* false for the second end of a one-process row */
	bool announced;
	bool recording;
	int next_mark;
	uint64_t count;
	struct kucomms_msg_header sent; /* round trips: the message in flight */
	/* This end's library counters, when it has them. */
	void (*counters)(void *arg, uint64_t *wakeups, uint64_t *full_events);
	void *counters_arg;
};

void bench_end_init(struct bench_end *e, struct bench_shared *sh, const struct bench_params *p,
		    int side, bool measure_cpu);

/*
 * Initiator: fill @h (length, type, id, user_value) for the next message,
 * placing a mark when the parent asked for one. Returns false when @h is the
 * STOP message: send it, and the run is over for this end.
 */
bool bench_next(struct bench_end *e, struct kucomms_msg_header *h);

/*
 * Round-trip initiator: the echo of the last message came back. Returns -1
 * (and fails the row) when it is not the message sent.
 */
int bench_reply(struct bench_end *e, const struct kucomms_msg_header *h);

/* Responder: a message arrived. Returns false once it was STOP. */
bool bench_received(struct bench_end *e, const struct kucomms_msg_header *h);

/* Record why a party failed (the first reason wins); returns -1. */
__attribute__((format(printf, 2, 3))) int bench_fail(struct bench_shared *sh, const char *fmt, ...);

/* ---- parent ---- */

struct bench_plan {
	double warmup_s;
	double window_s;
	int windows;
};

/* A party: 0 or 1 (only 0 in a one-process row). Returns 0 or -1. */
typedef int (*bench_party_fn)(struct bench_shared *sh, const struct bench_params *p, int party,
			      void *ctx);

struct bench_result {
	bool ok;
	char error[256];
	double msgs_per_s;     /* messages (one-way) or round trips per second */
	double mb_per_s;       /* payload bytes, 10^6 per second */
	double cpu_pct;	       /* both ends, percent of one core */
	double others_cpu_pct; /* the rest of the machine meanwhile (NaN if unknown) */
	double rtt_p50_us;
	double rtt_p99_us;
	uint64_t messages;    /* measured messages, or round trips */
	uint64_t wakeups;     /* both ends' wakeups over the measured windows */
	uint64_t full_events; /* both ends' sends refused by a full ring, the same */
	uint64_t switches;    /* both ends' context switches, the same */
	uint64_t monitor_messages, monitor_dropped; /* monitored rows, whole run */
};

/*
 * Wait for the @n processes in @pids (0 = none), killing those still
 * running at @deadline_ns (CLOCK_MONOTONIC). Returns 0 when all exited with
 * status 0, else a negative errno value and the first reason in @why.
 */
int bench_reap(pid_t *pids, int n, int64_t deadline_ns, char *why, size_t why_len);

int bench_run(const struct bench_plan *plan, const struct bench_params *p, int parties,
	      bench_party_fn fn, void *ctx, struct bench_result *out);

#endif /* KUCOMMS_BENCH_HARNESS_H */
