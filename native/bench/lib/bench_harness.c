// SPDX-License-Identifier: MIT
#include "bench_harness.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_time.h"

/* Beyond the planned time, how long a row may take before it is killed. */
#define BENCH_SLACK_S 10.0

void bench_end_init(struct bench_end *e, struct bench_shared *sh, const struct bench_params *p,
		    int side, bool measure_cpu)
{
	*e = (struct bench_end){
		.sh = sh,
		.p = p,
		.side = side,
		.measure_cpu = measure_cpu,
	};
}

static void take_snap(struct bench_end *e, uint64_t mark)
{
	struct bench_snap *s;

	if (mark >= BENCH_MAX_MARKS) {
		bench_fail(e->sh, "side %d got mark %llu, beyond %d", e->side,
			   (unsigned long long)mark, BENCH_MAX_MARKS);
		return;
	}
	s = &e->sh->snap[e->side][mark];
	s->t_ns = bench_now_ns();
	if (e->measure_cpu) {
		struct rusage ru;

		s->cpu_ns = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (!getrusage(RUSAGE_SELF, &ru))
			s->switches = (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
	}
	s->count = e->count;
	if (e->counters)
		e->counters(e->counters_arg, &s->wakeups, &s->full_events);
	__atomic_store_n(&s->taken, 1, __ATOMIC_RELEASE);
}

bool bench_next(struct bench_end *e, struct kucomms_msg_header *h)
{
	struct bench_shared *sh = e->sh;
	/* Pairs with the store-release of mark_request in the parent. */
	int request = __atomic_load_n(&sh->mark_request, __ATOMIC_ACQUIRE);

	if (!e->announced) {
		__atomic_store_n(&sh->started, 1, __ATOMIC_RELEASE);
		e->announced = true;
	}
	h->length = e->p->payload;
	h->id = 0;
	h->user_value = 0;
	if (e->next_mark >= sh->marks) {
		h->type = BENCH_MSG_STOP;
		return false;
	}
	if (e->next_mark <= request) {
		take_snap(e, (uint64_t)e->next_mark);
		h->type = BENCH_MSG_MARK;
		h->id = (uint64_t)e->next_mark++;
		e->recording = e->next_mark < sh->marks;
		__atomic_store_n(&sh->marks_placed, e->next_mark, __ATOMIC_RELEASE);
	} else {
		h->type = BENCH_MSG_DATA;
	}
	if (e->p->kind == BENCH_ROUNDTRIP) {
		h->user_value = (uint64_t)bench_now_ns();
		e->sent = *h;
	} else {
		e->count++;
	}
	return true;
}

int bench_reply(struct bench_end *e, const struct kucomms_msg_header *h)
{
	if (h->type != e->sent.type || h->id != e->sent.id || h->user_value != e->sent.user_value ||
	    h->length != e->sent.length)
		return bench_fail(e->sh,
				  "an echo came back changed: type %llu id %llu, sent type %llu id %llu",
				  (unsigned long long)h->type, (unsigned long long)h->id,
				  (unsigned long long)e->sent.type, (unsigned long long)e->sent.id);
	if (e->recording)
		bench_hist_add(&e->sh->hist, (uint64_t)bench_now_ns() - h->user_value);
	e->count++;
	return 0;
}

bool bench_received(struct bench_end *e, const struct kucomms_msg_header *h)
{
	if (h->type == BENCH_MSG_STOP)
		return false;
	if (h->type == BENCH_MSG_MARK)
		take_snap(e, h->id);
	e->count++;
	return true;
}

int bench_fail(struct bench_shared *sh, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_exchange_n(&sh->failed, 1, __ATOMIC_ACQ_REL))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sh->error, sizeof(sh->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- parent ---- */

/* Wait until *flag >= value, or until @deadline_ns. */
static int wait_for(const int *flag, int value, int64_t deadline_ns)
{
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < value) {
		if (bench_now_ns() > deadline_ns)
			return -ETIMEDOUT;
		bench_sleep_s(0.001);
	}
	return 0;
}

int bench_reap(pid_t *pids, int n, int64_t deadline_ns, char *why, size_t why_len)
{
	int i, status, left = n, err = 0;

	while (left) {
		for (i = 0; i < n; i++) {
			if (!pids[i] || waitpid(pids[i], &status, WNOHANG) != pids[i])
				continue;
			pids[i] = 0;
			left--;
			if (err || (WIFEXITED(status) && !WEXITSTATUS(status)))
				continue;
			err = -EIO;
			if (WIFEXITED(status))
				snprintf(why, why_len, "process %d exited with status %d", i,
					 WEXITSTATUS(status));
			else
				snprintf(why, why_len, "process %d was killed by signal %d", i,
					 WTERMSIG(status));
		}
		if (!left)
			break;
		if (bench_now_ns() > deadline_ns) {
			for (i = 0; i < n; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			deadline_ns = INT64_MAX;
			if (!err)
				snprintf(why, why_len, "timed out: killed what was still running");
			err = -ETIMEDOUT;
		}
		bench_sleep_s(0.002);
	}
	return err;
}

/* CPU time every core of the machine has spent busy, in seconds. */
static double machine_busy_s(void)
{
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return NAN;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle,
		   &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8)
		return NAN;
	return (double)(user + nice + system + irq + softirq + steal) /
	       (double)sysconf(_SC_CLK_TCK);
}

/* Ask for each mark in turn, a window apart. */
static int pace_marks(const struct bench_plan *plan, struct bench_shared *sh, double *busy_s,
		      int64_t deadline_ns)
{
	int k;

	if (wait_for(&sh->started, 1, deadline_ns))
		return bench_fail(sh, "the initiator never started");
	bench_sleep_s(plan->warmup_s);
	for (k = 0; k < sh->marks; k++) {
		if (k)
			bench_sleep_s(plan->window_s);
		__atomic_store_n(&sh->mark_request, k, __ATOMIC_RELEASE);
		if (wait_for(&sh->marks_placed, k + 1, deadline_ns))
			return bench_fail(sh, "mark %d was never placed", k);
		if (k == 0)
			*busy_s = -machine_busy_s();
	}
	*busy_s += machine_busy_s();
	return 0;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), compare_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int check_snaps(struct bench_shared *sh)
{
	int side, k;

	for (k = 0; k < sh->marks; k++) {
		for (side = 0; side < 2; side++)
			if (!__atomic_load_n(&sh->snap[side][k].taken, __ATOMIC_ACQUIRE))
				return bench_fail(sh, "mark %d never reached side %d", k, side);
		/* Both sides count the messages before a mark: a lossless, in-order
		 * transport gives the same number on both. */
		if (sh->snap[0][k].count != sh->snap[1][k].count)
			return bench_fail(sh,
					  "at mark %d side 0 counted %llu messages, side 1 %llu", k,
					  (unsigned long long)sh->snap[0][k].count,
					  (unsigned long long)sh->snap[1][k].count);
	}
	return 0;
}

static void compute(const struct bench_params *p, struct bench_shared *sh, double machine_busy_s,
		    struct bench_result *out)
{
	double rate[BENCH_MAX_MARKS], cpu[BENCH_MAX_MARKS];
	const struct bench_snap *s0 = sh->snap[0], *s1 = sh->snap[1];
	/* One-way rates are what arrived, so the receiver's clock times them. */
	const struct bench_snap *timer = p->kind == BENCH_ONEWAY ? s1 : s0;
	int k, windows = sh->marks - 1;

	for (k = 0; k < windows; k++) {
		double dt = (double)(timer[k + 1].t_ns - timer[k].t_ns) / 1e9;
		double cpu_s = (double)(s0[k + 1].cpu_ns - s0[k].cpu_ns + s1[k + 1].cpu_ns -
					s1[k].cpu_ns) /
			       1e9;

		rate[k] = (double)(timer[k + 1].count - timer[k].count) / dt;
		cpu[k] = 100 * cpu_s / dt;
	}
	out->msgs_per_s = median(rate, windows);
	out->mb_per_s = out->msgs_per_s * (double)p->payload / 1e6;
	out->cpu_pct = median(cpu, windows);
	/* Whatever else kept the cores busy while the windows ran. */
	out->others_cpu_pct = 100 *
			      (machine_busy_s - (double)(s0[windows].cpu_ns - s0[0].cpu_ns +
							 s1[windows].cpu_ns - s1[0].cpu_ns) /
							1e9) /
			      ((double)(timer[windows].t_ns - timer[0].t_ns) / 1e9);
	if (out->others_cpu_pct < 0)
		out->others_cpu_pct = 0; /* the clock tick's rounding */
	out->messages = timer[windows].count - timer[0].count;
	out->wakeups = s0[windows].wakeups - s0[0].wakeups + s1[windows].wakeups - s1[0].wakeups;
	out->full_events = s0[windows].full_events - s0[0].full_events + s1[windows].full_events -
			   s1[0].full_events;
	out->switches =
		s0[windows].switches - s0[0].switches + s1[windows].switches - s1[0].switches;
	out->monitor_messages = sh->monitor_messages;
	out->monitor_dropped = sh->monitor_dropped;
	if (p->kind == BENCH_ROUNDTRIP) {
		out->rtt_p50_us = bench_hist_quantile(&sh->hist, 0.50) / 1e3;
		out->rtt_p99_us = bench_hist_quantile(&sh->hist, 0.99) / 1e3;
	}
}

int bench_run(const struct bench_plan *plan, const struct bench_params *p, int parties,
	      bench_party_fn fn, void *ctx, struct bench_result *out)
{
	double planned = plan->warmup_s + plan->window_s * plan->windows;
	int64_t deadline_ns = bench_now_ns() + (int64_t)((planned + BENCH_SLACK_S) * 1e9);
	struct bench_shared *sh;
	pid_t pids[2] = { 0, 0 };
	double busy_s = NAN;
	char why[128];
	int i, err;

	memset(out, 0, sizeof(*out));
	if (plan->windows < 1 || plan->windows >= BENCH_MAX_MARKS || parties < 1 || parties > 2) {
		snprintf(out->error, sizeof(out->error), "bad plan: %d windows, %d parties",
			 plan->windows, parties);
		return -EINVAL;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		err = -errno;
		snprintf(out->error, sizeof(out->error), "mmap of the shared results: %s",
			 strerror(-err));
		return err;
	}
	sh->marks = plan->windows + 1;
	sh->mark_request = -1;
	fflush(NULL);
	for (i = 0; i < parties; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			pids[i] = 0;
			bench_fail(sh, "fork: %s", strerror(errno));
			deadline_ns = 0; /* stop the parties already started */
			break;
		}
		if (!pids[i])
			_exit(fn(sh, p, i, ctx) ? 1 : 0);
	}
	if (!sh->failed && pace_marks(plan, sh, &busy_s, deadline_ns))
		deadline_ns = 0;
	err = bench_reap(pids, parties, deadline_ns, why, sizeof(why));
	if (err)
		bench_fail(sh, "%s", why);
	if (!err && !sh->failed)
		err = check_snaps(sh);
	if (!err && !sh->failed)
		compute(p, sh, busy_s, out);
	out->ok = !sh->failed;
	snprintf(out->error, sizeof(out->error), "%s", sh->error);
	munmap(sh, sizeof(*sh));
	return out->ok ? 0 : -EIO;
}
