// SPDX-License-Identifier: MIT
/*
 * The work/timer schedule: exact tick times and overrun skipping on a
 * made-up clock, plus one real-time check of a running endpoint.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <time.h>

#include <kucomms/kucomms.h>

#include "endpoint_helpers.h"
#include "schedule.h"
#include "testing.h"

TESTING_MAIN_STATE;

#define MS 1000000ULL
#define SEC 1000000000ULL

/* Step the clock 1 ms at a time, as a thread that is never late would. */
static uint64_t run_until(struct kc_sched *s, uint64_t from, uint64_t to, uint64_t *calls_at,
			  size_t max_calls)
{
	uint64_t t, calls = 0;

	for (t = from; t <= to; t += MS)
		if (kc_sched_due(s, t)) {
			if (calls < max_calls)
				calls_at[calls] = t;
			calls++;
		}
	return calls;
}

TEST(work_runs_100_times_a_second_at_exact_deadlines)
{
	static uint64_t at[2000];
	struct kc_sched s;
	uint64_t start = 5 * SEC + 123456, i, calls;

	kc_sched_init(&s, start, 10 * MS);
	CHECK_EQ(kc_sched_deadline(&s), start + 10 * MS);
	calls = run_until(&s, start, start + 10 * SEC, at, 2000);
	CHECK_EQ(calls, 1000);
	CHECK_EQ(s.calls, 1000);
	CHECK_EQ(s.skipped, 0);
	/* Tick k comes at the first step at or after start + k * 10 ms. */
	for (i = 0; i < calls; i++) {
		uint64_t due = start + (i + 1) * 10 * MS;

		CHECK_MSG(at[i] >= due && at[i] < due + MS,
			  "tick %llu ran at +%llu ns, due at +%llu ns", (unsigned long long)i + 1,
			  (unsigned long long)(at[i] - start), (unsigned long long)(due - start));
	}
}

TEST(timer_runs_once_a_second)
{
	static uint64_t at[16];
	struct kc_sched s;
	uint64_t calls;

	kc_sched_init(&s, 0, SEC);
	calls = run_until(&s, 0, 10 * SEC + 999 * MS, at, 16);
	CHECK_EQ(calls, 10);
	CHECK_EQ(at[0], SEC);
	CHECK_EQ(at[9], 10 * SEC);
}

TEST(nothing_is_due_before_the_first_period)
{
	struct kc_sched s;

	kc_sched_init(&s, 1000, 10 * MS);
	CHECK(!kc_sched_due(&s, 1000));
	CHECK(!kc_sched_due(&s, 1000 + 10 * MS - 1));
	CHECK(kc_sched_due(&s, 1000 + 10 * MS));
	CHECK(!kc_sched_due(&s, 1000 + 10 * MS)); /* once per tick */
}

TEST(late_calls_do_not_drift)
{
	struct kc_sched s;
	int k;

	kc_sched_init(&s, 0, 10 * MS);
	/* Every tick runs 4 ms late; the next deadline stays on the grid. */
	for (k = 1; k <= 50; k++) {
		CHECK(kc_sched_due(&s, (uint64_t)k * 10 * MS + 4 * MS));
		CHECK_EQ(kc_sched_deadline(&s), (uint64_t)(k + 1) * 10 * MS);
	}
	CHECK_EQ(s.calls, 50);
	CHECK_EQ(s.skipped, 0);
}

TEST(overrun_skips_missed_ticks_once_without_catch_up)
{
	struct kc_sched s;

	kc_sched_init(&s, 0, 10 * MS);
	CHECK(kc_sched_due(&s, 10 * MS));
	/* The tick at 10 ms overran until 47 ms: 20, 30, 40 were missed. */
	CHECK(kc_sched_due(&s, 47 * MS));
	CHECK_EQ(s.calls, 2);
	CHECK_EQ(s.skipped, 2); /* 20 and 30; 40 is the one run now */
	CHECK_EQ(kc_sched_deadline(&s), 50 * MS);
	/* No burst: nothing more is due until the next grid point. */
	CHECK(!kc_sched_due(&s, 47 * MS));
	CHECK(!kc_sched_due(&s, 49 * MS));
	CHECK(kc_sched_due(&s, 50 * MS));
	CHECK_EQ(s.skipped, 2);
}

TEST(overrun_of_a_whole_second_skips_99_work_ticks)
{
	struct kc_sched s;

	kc_sched_init(&s, 0, 10 * MS);
	CHECK(kc_sched_due(&s, 10 * MS));
	CHECK(kc_sched_due(&s, 1010 * MS));
	CHECK_EQ(s.skipped, 99);
	CHECK_EQ(s.calls, 2);
	CHECK_EQ(kc_sched_deadline(&s), 1020 * MS);
}

TEST(overrun_ending_exactly_on_a_deadline_runs_that_tick)
{
	struct kc_sched s;

	kc_sched_init(&s, 0, SEC);
	CHECK(kc_sched_due(&s, 3 * SEC)); /* ticks 1 and 2 missed */
	CHECK_EQ(s.skipped, 2);
	CHECK_EQ(kc_sched_deadline(&s), 4 * SEC);
}

/* The first work call overruns by 55 ms: five deadlines pass meanwhile. */
static void overrun_once(struct kucomms_endpoint *ep, void *user)
{
	struct timespec busy = { .tv_nsec = 55 * 1000000L };
	int *calls = user;

	(void)ep;
	if (__atomic_add_fetch(calls, 1, __ATOMIC_RELEASE) == 1)
		nanosleep(&busy, NULL);
}

TEST(an_endpoint_counts_the_work_ticks_an_overrun_skipped)
{
	struct kucomms_handlers h = { .message = ignore_message, .work = overrun_once };
	struct kucomms_endpoint_counters c;
	int calls = 0;
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&h, &calls, NULL);

	CHECK(ep);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	/* Waiting for calls, not for time: a slow machine only skips more. */
	while (__atomic_load_n(&calls, __ATOMIC_ACQUIRE) < 3)
		sched_yield();
	kucomms_endpoint_stop(ep);
	kucomms_endpoint_counters(ep, &c);
	kucomms_endpoint_destroy(ep);
	CHECK_MSG(c.work_ticks_skipped >= 4,
		  "a 55 ms overrun of a 10 ms tick skipped %llu ticks, expected at least 4",
		  (unsigned long long)c.work_ticks_skipped);
	CHECK_EQ(c.work_calls, calls);
}

#ifndef KUCOMMS_TSAN
struct counts {
	int work, timer;
};

static void count_work(struct kucomms_endpoint *ep, void *user)
{
	(void)ep;
	__atomic_add_fetch(&((struct counts *)user)->work, 1, __ATOMIC_RELAXED);
}

static void count_timer(struct kucomms_endpoint *ep, void *user)
{
	(void)ep;
	__atomic_add_fetch(&((struct counts *)user)->timer, 1, __ATOMIC_RELAXED);
}

/* The one real-time check: tolerances are wide for a loaded machine. */
TEST(endpoint_calls_work_about_100_and_timer_once_in_1_2_seconds)
{
	struct kucomms_handlers h = {
		.message = ignore_message,
		.work = count_work,
		.timer = count_timer,
	};
	struct timespec wait = { .tv_sec = 1, .tv_nsec = 200 * 1000000L };
	struct kucomms_endpoint_counters c;
	struct counts n = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&h, &n, NULL);

	CHECK(ep);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	nanosleep(&wait, NULL);
	CHECK_EQ(kucomms_endpoint_stop(ep), 0);
	kucomms_endpoint_counters(ep, &c);
	kucomms_endpoint_destroy(ep);
	CHECK_MSG(n.work >= 60 && n.work <= 125, "work ran %d times in 1.2 s, expected about 120",
		  n.work);
	CHECK_EQ(n.timer, 1);
	CHECK_EQ(c.work_calls, n.work);
	CHECK_EQ(c.timer_calls, 1);
}
#endif

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
