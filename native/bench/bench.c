// SPDX-License-Identifier: MIT
/*
 * kucomms_bench: libkucomms against a Unix SOCK_SEQPACKET socket pair and a
 * pipe, measured in one run on one machine. Prints one JSON object per line:
 * a row per measurement, then the goals of the libkucomms issue with the
 * ratios measured.
 *
 *	kucomms_bench [--quick] [--only WORD]...
 *
 * --quick shortens every measurement window (the whole run stays under 40
 * seconds); the idle row always measures 5 seconds. --only runs just the
 * rows whose name, transport or mode is one of the WORDs (for looking
 * into one figure; the goals then lack the rows left out).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kucomms/kucomms.h>

#include "lib/bench_baseline.h"
#include "lib/bench_harness.h"
#include "lib/bench_json.h"
#include "lib/bench_kucomms.h"

#define MAX_ROWS 32
#define IDLE_SECONDS 5.0
/* A spin budget no gap between two messages of a round trip comes near. */
#define SPINNING_NS 1000000000L

struct row;
typedef int (*row_runner)(const struct row *r, const struct bench_plan *plan,
			  struct bench_result *res);

struct row {
	const char *name;      /* "oneway" or "roundtrip" */
	const char *transport; /* inproc, shm, unix, pipe */
	const char *mode;      /* round trips: sleeping, spinning, default */
	const char *note;      /* how the ends are placed and wait */
	char note_buf[200];
	char shm_name[64];
	struct bench_params p;
	row_runner run;
	struct bench_result res;
	struct bench_result baseline; /* monitor_overhead: the same, unmonitored */
};

static const uint64_t payloads[] = { 0, 64, 1024, 4096 };

static int run_baseline(const struct row *r, const struct bench_plan *plan,
			struct bench_result *res)
{
	struct bench_baseline b;
	int err = bench_baseline_open(&b, r->transport);

	if (err) {
		snprintf(res->error, sizeof(res->error), "opening the %s pair: %s", r->transport,
			 strerror(-err));
		return err;
	}
	err = bench_run(plan, &r->p, 2, bench_baseline_party, &b, res);
	bench_baseline_close(&b);
	return err;
}

static const char *baseline_note(const char *transport, const char *mode)
{
	bool unix_socket = !strcmp(transport, "unix");

	if (!mode)
		return unix_socket
			       ? "two processes; one send() and one recv() per message"
			       : "two processes; one write() per message, reads in 64 KiB chunks";
	if (!strcmp(mode, "spinning"))
		return unix_socket ? "two processes; busy-polling recv(MSG_DONTWAIT) on both ends"
				   : "two processes; busy-polling non-blocking read() on both ends";
	return unix_socket ? "two processes; blocking send() and recv()"
			   : "two processes; blocking write() and read(), one pipe each way";
}

static int run_kucomms(const struct row *r, const struct bench_plan *plan, struct bench_result *res)
{
	bool inproc = !strcmp(r->transport, "inproc");

	return bench_run(plan, &r->p, inproc ? 1 : 2,
			 inproc ? bench_kucomms_inproc_party : bench_kucomms_shm_party, NULL, res);
}

/*
 * monitor_overhead: echo throughput of a shm link published to a monitor
 * that reads every record, against the same link unmonitored, measured one
 * after the other in this run.
 */
static int run_monitored(const struct row *r, const struct bench_plan *plan,
			 struct bench_result *res)
{
	struct row *row = (struct row *)r;
	struct bench_params p = r->p;
	int err;

	p.monitored = false;
	err = bench_run(plan, &p, 2, bench_kucomms_shm_party, NULL, &row->baseline);
	if (err) {
		*res = row->baseline;
		return err;
	}
	p.monitored = true;
	return bench_run(plan, &p, 2, bench_kucomms_shm_party, NULL, res);
}

static struct row *add_row(struct row *rows, int *n, const char *transport, const char *mode,
			   enum bench_kind kind, uint64_t payload)
{
	struct row *r = &rows[(*n)++];

	*r = (struct row){
		.name = kind == BENCH_ONEWAY ? "oneway" : "roundtrip",
		.transport = transport,
		.mode = mode,
		.p = { .kind = kind, .payload = payload, .spin_budget_ns = -1 },
	};
	return r;
}

static void add_baseline(struct row *rows, int *n, const char *transport, const char *mode,
			 enum bench_kind kind, uint64_t payload)
{
	struct row *r = add_row(rows, n, transport, mode, kind, payload);

	r->p.spin = mode && !strcmp(mode, "spinning");
	r->note = baseline_note(transport, mode);
	r->run = run_baseline;
}

static void add_kucomms(struct row *rows, int *n, const char *transport, const char *mode,
			enum bench_kind kind, uint64_t payload)
{
	struct row *r = add_row(rows, n, transport, mode, kind, payload);
	const char *placing =
		!strcmp(transport, "inproc")
			? "one process: the main thread sends to an endpoint linked in-process"
			: "two processes: the main thread sends to an endpoint over shared memory";
	char budget[64];

	if (mode && !strcmp(mode, "sleeping"))
		r->p.spin_budget_ns = 0;
	else if (mode && !strcmp(mode, "spinning"))
		r->p.spin_budget_ns = SPINNING_NS;
	if (r->p.spin_budget_ns < 0)
		snprintf(budget, sizeof(budget), "the default spin budget (%llu ns)",
			 (unsigned long long)KUCOMMS_DEFAULT_SPIN_NS);
	else if (r->p.spin_budget_ns == 0)
		snprintf(budget, sizeof(budget), "spin budget 0: every wait sleeps in epoll");
	else
		snprintf(budget, sizeof(budget), "spin budget %ld ns: the threads never sleep",
			 r->p.spin_budget_ns);
	if (kind == BENCH_ROUNDTRIP)
		placing =
			"two processes: ping-pong between the message handlers of two endpoints over shared memory";
	snprintf(r->note_buf, sizeof(r->note_buf), "%s; %s", placing, budget);
	r->note = r->note_buf;
	snprintf(r->shm_name, sizeof(r->shm_name), "bench_%d_%d", (int)getpid(), *n);
	r->p.shm_name = r->shm_name;
	r->run = run_kucomms;
}

static int plan_rows(struct row *rows)
{
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		add_kucomms(rows, &n, "inproc", NULL, BENCH_ONEWAY, payloads[i]);
		add_kucomms(rows, &n, "shm", NULL, BENCH_ONEWAY, payloads[i]);
		add_baseline(rows, &n, "unix", NULL, BENCH_ONEWAY, payloads[i]);
		add_baseline(rows, &n, "pipe", NULL, BENCH_ONEWAY, payloads[i]);
	}
	add_kucomms(rows, &n, "shm", "sleeping", BENCH_ROUNDTRIP, 64);
	add_kucomms(rows, &n, "shm", "spinning", BENCH_ROUNDTRIP, 64);
	add_kucomms(rows, &n, "shm", "default", BENCH_ROUNDTRIP, 64);
	add_kucomms(rows, &n, "shm", NULL, BENCH_ROUNDTRIP, 64);
	rows[n - 1].name = "monitor_overhead";
	rows[n - 1].run = run_monitored;
	add_baseline(rows, &n, "unix", "sleeping", BENCH_ROUNDTRIP, 64);
	add_baseline(rows, &n, "unix", "spinning", BENCH_ROUNDTRIP, 64);
	add_baseline(rows, &n, "pipe", "sleeping", BENCH_ROUNDTRIP, 64);
	add_baseline(rows, &n, "pipe", "spinning", BENCH_ROUNDTRIP, 64);
	return n;
}

/*
 * CPU both ends spent per message. Unlike a rate it hardly depends on how
 * much of the machine the row got, so it still compares on a busy machine
 * (a sender polling a full ring counts against its transport).
 */
static double cpu_ns_per_msg(const struct bench_result *res)
{
	return res->cpu_pct / 100 * 1e9 / res->msgs_per_s;
}

/* The row the monitor issue specifies, those fields exactly. */
static void print_monitor_row(const struct row *r)
{
	const struct bench_result *res = &r->res;
	struct bench_json j;

	bench_json_begin(&j);
	bench_json_str(&j, "name", r->name);
	bench_json_str(&j, "transport", r->transport);
	bench_json_u64(&j, "payload", r->p.payload);
	if (!res->ok) {
		bench_json_str(&j, "error", res->error);
		bench_json_end(&j);
		return;
	}
	bench_json_num(&j, "msgs_per_s", res->msgs_per_s, 0);
	bench_json_num(&j, "baseline_msgs_per_s", r->baseline.msgs_per_s, 0);
	bench_json_num(&j, "slowdown", r->baseline.msgs_per_s / res->msgs_per_s, 3);
	bench_json_u64(&j, "dropped", res->monitor_dropped);
	bench_json_end(&j);
}

static void print_row(const struct row *r)
{
	const struct bench_result *res = &r->res;
	struct bench_json j;

	if (r->run == run_monitored) {
		print_monitor_row(r);
		return;
	}
	bench_json_begin(&j);
	bench_json_str(&j, "name", r->name);
	bench_json_str(&j, "transport", r->transport);
	bench_json_u64(&j, "payload", r->p.payload);
	if (r->mode)
		bench_json_str(&j, "mode", r->mode);
	if (!res->ok) {
		bench_json_str(&j, "error", res->error);
		bench_json_end(&j);
		return;
	}
	bench_json_num(&j, "msgs_per_s", res->msgs_per_s, 0);
	if (r->p.kind == BENCH_ONEWAY) {
		bench_json_num(&j, "mb_per_s", res->mb_per_s, 1);
		bench_json_num(&j, "cpu_ns_per_msg", cpu_ns_per_msg(res), 0);
	} else {
		bench_json_num(&j, "rtt_p50_us", res->rtt_p50_us, 2);
		bench_json_num(&j, "rtt_p99_us", res->rtt_p99_us, 2);
	}
	bench_json_num(&j, "cpu_pct", res->cpu_pct, 1);
	bench_json_num(&j, "others_cpu_pct", res->others_cpu_pct, 0);
	bench_json_u64(&j, "context_switches", res->switches);
	if (r->run == run_kucomms) {
		/* What the library's counters say about how the figures came about. */
		bench_json_u64(&j, r->p.kind == BENCH_ONEWAY ? "messages" : "round_trips",
			       res->messages);
		bench_json_u64(&j, "wakeups", res->wakeups);
		bench_json_u64(&j, "full_events", res->full_events);
	}
	bench_json_str(&j, "note", r->note);
	bench_json_end(&j);
}

static const struct row *find(const struct row *rows, int n, const char *name,
			      const char *transport, const char *mode, uint64_t payload)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];

		if (!strcmp(r->name, name) && !strcmp(r->transport, transport) &&
		    r->p.payload == payload &&
		    (mode ? r->mode && !strcmp(r->mode, mode) : !r->mode) && r->res.ok)
			return r;
	}
	return NULL;
}

/* One goal: @measured compared with @limit by @op (">=", "<=" or "<"). */
static bool goal(struct bench_json *j, const char *key, double measured, const char *op,
		 double limit, const char *against)
{
	bool known = !isnan(measured);
	bool met = known && (!strcmp(op, ">=")	 ? measured >= limit
			     : !strcmp(op, "<=") ? measured <= limit
						 : measured < limit);
	char target[32];

	snprintf(target, sizeof(target), "%s %g", op, limit);
	bench_json_object_begin(j, key);
	bench_json_num(j, "measured", measured, 3);
	bench_json_str(j, "target", target);
	bench_json_bool(j, "met", met);
	bench_json_str(j, "against", known ? against : "missing: a row failed or was not run");
	bench_json_object_end(j);
	return met;
}

/* A ratio of two rows' figures; NaN when either row is missing. */
static double ratio(const struct row *a, const struct row *b, size_t offset)
{
	if (!a || !b)
		return NAN;
	return *(const double *)((const char *)&a->res + offset) /
	       *(const double *)((const char *)&b->res + offset);
}

static void print_idle(const struct bench_idle_result *idle)
{
	struct bench_json j;

	bench_json_begin(&j);
	bench_json_str(&j, "name", "idle");
	bench_json_str(&j, "transport", "inproc");
	bench_json_u64(&j, "payload", 0);
	if (!idle->ok) {
		bench_json_str(&j, "error", idle->error);
	} else {
		bench_json_num(&j, "cpu_pct", idle->cpu_pct, 3);
		bench_json_num(&j, "seconds", IDLE_SECONDS, 0);
		bench_json_u64(&j, "work_calls", idle->work_calls);
		bench_json_u64(&j, "timer_calls", idle->timer_calls);
		bench_json_u64(&j, "wakeups", idle->wakeups);
		bench_json_str(&j, "note",
			       "one endpoint with work and timer handlers and a link to itself, nothing sent; the whole process measured");
	}
	bench_json_end(&j);
}

/* The most CPU the rest of the machine took while any row was measured. */
static double max_others(const struct row *rows, int n)
{
	double most = NAN;
	int i;

	for (i = 0; i < n; i++)
		if (rows[i].res.ok && !(rows[i].res.others_cpu_pct <= most))
			most = rows[i].res.others_cpu_pct;
	return most;
}

static void print_goals(const struct row *rows, int n, const struct bench_idle_result *idle,
			double load_before)
{
	const struct row *unix_oneway = find(rows, n, "oneway", "unix", NULL, 64);
	const struct row *unix_rtt = find(rows, n, "roundtrip", "unix", "sleeping", 64);
	const struct row *shm_oneway = find(rows, n, "oneway", "shm", NULL, 64);
	size_t rate = offsetof(struct bench_result, msgs_per_s);
	size_t p50 = offsetof(struct bench_result, rtt_p50_us);
	const char *vs_rtt = "p50 over roundtrip unix sleeping p50 (blocking recv)";
	struct bench_json j;
	bool all = true;

	bench_json_begin(&j);
	bench_json_str(&j, "name", "goals");
	all &= goal(&j, "oneway_64_shm_vs_unix", ratio(shm_oneway, unix_oneway, rate), ">=", 20,
		    "msgs_per_s over oneway unix 64");
	all &= goal(&j, "roundtrip_sleeping_p50",
		    ratio(find(rows, n, "roundtrip", "shm", "sleeping", 64), unix_rtt, p50),
		    "<=", 1, vs_rtt);
	all &= goal(&j, "roundtrip_spinning_p50",
		    ratio(find(rows, n, "roundtrip", "shm", "spinning", 64), unix_rtt, p50),
		    "<=", 0.1, vs_rtt);
	all &= goal(&j, "roundtrip_default_p50",
		    ratio(find(rows, n, "roundtrip", "shm", "default", 64), unix_rtt, p50),
		    "<=", 0.5, vs_rtt);
	all &= goal(&j, "idle_cpu_pct", idle && idle->ok ? idle->cpu_pct : NAN, "<", 1,
		    "cpu_pct of the idle row, percent of one core");
	bench_json_bool(&j, "all_met", all);
	/* Not goals: the first as CPU per message, which a busy machine
	 * disturbs less; spinning against a socket that busy-polls too. */
	bench_json_num(&j, "oneway_64_cpu_per_msg_unix_vs_shm",
		       shm_oneway && unix_oneway ? cpu_ns_per_msg(&unix_oneway->res) /
							   cpu_ns_per_msg(&shm_oneway->res)
						 : NAN,
		       1);
	bench_json_num(&j, "spinning_p50_vs_unix_spinning",
		       ratio(find(rows, n, "roundtrip", "shm", "spinning", 64),
			     find(rows, n, "roundtrip", "unix", "spinning", 64), p50),
		       3);
	bench_json_u64(&j, "cpus", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	bench_json_num(&j, "max_others_cpu_pct", max_others(rows, n), 0);
	bench_json_num(&j, "loadavg_before", load_before, 2);
	bench_json_end(&j);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: kucomms_bench [--quick] [--only WORD]...\n"
		   "  --quick      short measurement windows; the whole run takes under 40 s\n"
		   "  --only WORD  only the rows whose name, transport or mode is WORD\n");
}

static bool selected(const struct row *r, char **only, int n_only)
{
	int i;

	for (i = 0; i < n_only; i++)
		if (!strcmp(only[i], r->name) || !strcmp(only[i], r->transport) ||
		    (r->mode && !strcmp(only[i], r->mode)))
			return true;
	return !n_only;
}

int main(int argc, char **argv)
{
	struct bench_plan plan = { .warmup_s = 0.5, .window_s = 0.5, .windows = 5 };
	static struct row rows[MAX_ROWS];
	const struct row idle_row = { .name = "idle", .transport = "inproc" };
	struct bench_idle_result idle = { .ok = false };
	char *only[MAX_ROWS];
	double load_before = NAN;
	int i, n, n_only = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			plan = (struct bench_plan){ .warmup_s = 0.2,
						    .window_s = 0.2,
						    .windows = 3 };
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc && n_only < MAX_ROWS) {
			only[n_only++] = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "kucomms_bench: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	getloadavg(&load_before, 1);
	n = plan_rows(rows);
	for (i = 0; i < n; i++) {
		if (!selected(&rows[i], only, n_only))
			continue;
		rows[i].run(&rows[i], &plan, &rows[i].res);
		failed += !rows[i].res.ok;
		print_row(&rows[i]);
	}
	if (selected(&idle_row, only, n_only)) {
		failed += bench_kucomms_idle(IDLE_SECONDS, &idle) != 0;
		print_idle(&idle);
	}
	print_goals(rows, n, idle.ok ? &idle : NULL, load_before);
	if (failed)
		fprintf(stderr, "kucomms_bench: %d of %d rows failed\n", failed, n);
	return failed ? 1 : 0;
}
