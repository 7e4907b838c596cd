// SPDX-License-Identifier: MIT
/*
 * Monitors of shm links, watching the longtest pair as a user would: two
 * programs started without monitoring in mind ("kucomms_peer longtest
 * shm:NAME", which publishes the link because KUCOMMS_MONITOR=1 is in its
 * environment, and "kucomms_lib_longtest shm:NAME"). What the monitor
 * reads must add up exactly with what each program says it sent, its
 * contents must be the longtest protocol's, and attaching or detaching a
 * monitor must not disturb the link.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms.h>
#include <kucomms/longtest.h>
#include <kucomms/monitor.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

/* Type-0 messages remembered to check their echoes: more than in flight. */
#define COPIES (1u << 16)

struct copy {
	uint64_t id, length, hash;
};

/* What a monitor read of the longtest link, checked as it was read. */
struct tally {
	uint64_t received[2], dropped[2], drop_records, events;
	uint64_t next_app_id, next_seq; /* what comes next, without drops */
	bool started[2];		/* a first message set next_* */
	uint64_t echoes_checked, bad;
	char why[160]; /* the first bad record */
	struct copy copies[COPIES];
};

static uint64_t hash_bytes(const uint8_t *p, uint64_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

__attribute__((format(printf, 2, 3))) static void bad(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->bad++) {
		va_start(ap, fmt);
		vsnprintf(t->why, sizeof(t->why), fmt, ap);
		va_end(ap);
	}
}

/* Is this the longtest's sequence message hdr->id, as far as it was kept? */
static bool seq_ok(const struct kucomms_mon_record *rec, const uint8_t *data)
{
	uint32_t i;

	if (rec->msg.length != kucomms_longtest_seq_length(rec->msg.id))
		return false;
	for (i = 0; i < rec->caplen; i++)
		if (data[i] != kucomms_longtest_seq_byte(rec->msg.id))
			return false;
	return true;
}

/* from-side1: the application's messages and its echoes of the sequence. */
static void app_message(struct tally *t, const struct kucomms_mon_record *rec, const uint8_t *data)
{
	uint64_t id = rec->msg.id;
	struct copy *c = &t->copies[id % COPIES];

	if (rec->msg.type == KUCOMMS_LONGTEST_TYPE_SEQ) {
		if (!seq_ok(rec, data))
			bad(t, "the application's echo of sequence message %llu is not it",
			    (unsigned long long)id);
		return;
	}
	if (rec->msg.type != KUCOMMS_LONGTEST_TYPE_APP) {
		bad(t, "from-side1: a message of type %llu", (unsigned long long)rec->msg.type);
		return;
	}
	if (t->started[1] && !t->dropped[1] && id != t->next_app_id)
		bad(t, "from-side1: message %llu after %llu, none dropped", (unsigned long long)id,
		    (unsigned long long)t->next_app_id - 1);
	t->started[1] = true;
	t->next_app_id = id + 1;
	*c = (struct copy){ .id = id,
			    .length = rec->msg.length,
			    .hash = hash_bytes(data, rec->caplen) };
}

/* from-side0: the peer's sequence and its echoes of the application's. */
static void peer_message(struct tally *t, const struct kucomms_mon_record *rec, const uint8_t *data)
{
	uint64_t id = rec->msg.id;
	const struct copy *c = &t->copies[id % COPIES];

	if (rec->msg.type == KUCOMMS_LONGTEST_TYPE_SEQ) {
		if (!seq_ok(rec, data))
			bad(t, "sequence message %llu is not the pattern", (unsigned long long)id);
		if (t->started[0] && !t->dropped[0] && id != t->next_seq)
			bad(t, "sequence message %llu after %llu, none dropped",
			    (unsigned long long)id, (unsigned long long)t->next_seq - 1);
		t->started[0] = true;
		t->next_seq = id + 1;
		return;
	}
	if (rec->msg.type != KUCOMMS_LONGTEST_TYPE_APP) {
		bad(t, "from-side0: a message of type %llu", (unsigned long long)rec->msg.type);
		return;
	}
	/* An echo of a message this monitor saw: the same bytes. */
	if (t->started[1] && c->id == id) {
		if (c->length != rec->msg.length || c->hash != hash_bytes(data, rec->caplen))
			bad(t, "the echo of message %llu differs from it", (unsigned long long)id);
		t->echoes_checked++;
	}
}

static void tally_record(struct tally *t, const struct kucomms_mon_record *rec, const void *data)
{
	if (rec->kind == KUCOMMS_MON_EVENT) {
		t->events++;
		return;
	}
	if (rec->dir > 1) {
		bad(t, "a record of kind %u without a direction", rec->kind);
		return;
	}
	if (rec->kind == KUCOMMS_MON_DROP) {
		t->dropped[rec->dir] += rec->value;
		t->drop_records++;
		return;
	}
	t->received[rec->dir]++;
	if (rec->caplen != rec->msg.length)
		bad(t, "message %llu kept %u of its %llu bytes", (unsigned long long)rec->msg.id,
		    rec->caplen, (unsigned long long)rec->msg.length);
	if (rec->dir == 1)
		app_message(t, rec, data);
	else
		peer_message(t, rec, data);
}

/*
 * Read what is in the ring now: 1 if anything, 0 if nothing, -EPIPE once
 * the publisher is gone and everything was read.
 */
static int read_some(struct kucomms_monitor *m, struct tally *t)
{
	struct kucomms_mon_record rec;
	const void *data;
	int n, got = 0;

	while ((n = kucomms_monitor_next(m, &rec, &data)) > 0) {
		tally_record(t, &rec, data);
		kucomms_monitor_done(m);
		got = 1;
	}
	if (n < 0)
		return n;
	if (got)
		return 1;
	n = kucomms_monitor_wait(m, WAIT_LIMIT_MS);
	return n == -EPIPE ? -EPIPE : 1;
}

/* Read until @total messages were read or dropped (false on a hangup). */
static bool read_until(struct kucomms_monitor *m, struct tally *t, uint64_t total)
{
	while (t->received[0] + t->received[1] + t->dropped[0] + t->dropped[1] < total)
		if (read_some(m, t) < 0)
			return false;
	return true;
}

/* Read to the end: the publishing program closed the link. */
static bool read_to_end(struct kucomms_monitor *m, struct tally *t)
{
	int n, rounds = 0;

	while ((n = read_some(m, t)) != -EPIPE)
		if (n < 0 || ++rounds > 1000000)
			return false;
	return true;
}

struct child {
	pid_t pid;
	int out, err; /* its stdout and stderr, read ends */
};

/*
 * Start "PROGRAM [MODE] shm:NAME" from the test's own directory, with
 * KUCOMMS_MONITOR=1 if @publish (and without it otherwise).
 */
static bool spawn(struct child *c, const char *program, const char *mode, const char *name,
		  bool publish)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], target[96];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int out[2], err[2];
	pid_t parent = getpid();

	if (n < 0 || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return false;
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/%s", dirname(exe), program);
	snprintf(target, sizeof(target), "shm:%s", name);
	c->pid = fork();
	if (c->pid == 0) {
		die_with_parent(parent);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		if (publish)
			setenv("KUCOMMS_MONITOR", "1", 1);
		else
			unsetenv("KUCOMMS_MONITOR");
		if (mode)
			execl(path, path, mode, target, (char *)NULL);
		else
			execl(path, path, target, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	c->out = out[0];
	c->err = err[0];
	return c->pid > 0;
}

/* Append what @fd has now (or, with @wait, at least something) to @buf. */
static void read_available(int fd, char *buf, size_t size, bool wait)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = strlen(buf);
	ssize_t n;

	while (len + 1 < size && poll(&pfd, 1, wait ? WAIT_LIMIT_MS : 0) == 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = 0;
		wait = false;
	}
}

/* Wait until @fd's output, gathered in @buf, contains @what. */
static bool output_has(int fd, char *buf, size_t size, const char *what)
{
	int rounds = 0;

	while (!strstr(buf, what) && rounds++ < 100) {
		size_t before = strlen(buf);

		read_available(fd, buf, size, true);
		if (strlen(buf) == before)
			return false; /* EOF, or nothing for WAIT_LIMIT_MS */
	}
	return strstr(buf, what) != NULL;
}

/* The value after the last "@key=" in @text, or UINT64_MAX. */
static uint64_t last_value(const char *text, const char *key)
{
	const char *p = text, *hit = NULL;
	size_t n = strlen(key);

	while ((p = strstr(p, key))) {
		if (p[n] == '=')
			hit = p + n + 1;
		p += n;
	}
	return hit ? strtoull(hit, NULL, 10) : UINT64_MAX;
}

struct pair {
	struct child peer, app;
	char name[64];
	char peer_err[1 << 16], app_out[1 << 16];
};

/* The publishing peer, ready: its link's monitor socket is listening. */
static bool start_peer(struct pair *p, const char *what)
{
	unique_name(p->name, sizeof(p->name), what);
	p->peer_err[0] = p->app_out[0] = 0;
	return spawn(&p->peer, "kucomms_peer", "longtest", p->name, true) &&
	       output_has(p->peer.out, p->app_out, sizeof(p->app_out), "ready ");
}

static bool start_app(struct pair *p)
{
	p->app_out[0] = 0;
	return spawn(&p->app, "kucomms_lib_longtest", NULL, p->name, false);
}

/* SIGTERM the application; its exit status, its final report read. */
static int stop_app(struct pair *p)
{
	int status = -1;

	kill(p->app.pid, SIGTERM);
	waitpid(p->app.pid, &status, 0);
	while (strlen(p->app_out) + 1 < sizeof(p->app_out)) {
		size_t before = strlen(p->app_out);

		read_available(p->app.out, p->app_out, sizeof(p->app_out), true);
		if (strlen(p->app_out) == before)
			break; /* EOF */
	}
	return status;
}

static void end_pair(struct pair *p)
{
	stop_peer(p->peer.pid, SIGTERM);
	close(p->peer.out);
	close(p->peer.err);
	close(p->app.out);
	close(p->app.err);
}

/*
 * Both programs' own counts of the link's messages against the monitor's:
 * per direction, received plus dropped equals what was sent.
 */
static void check_exact(struct pair *p, const struct tally *t)
{
	uint64_t app_sent, peer_sent;

	CHECK_MSG(output_has(p->peer.err, p->peer_err, sizeof(p->peer_err), "application gone") &&
			  output_has(p->peer.err, p->peer_err, sizeof(p->peer_err),
				     "seq_compare_errors"),
		  "the peer did not report the application gone: %s", p->peer_err);
	app_sent = last_value(p->app_out, "sent_count_0") + last_value(p->app_out, "sent_count_1");
	peer_sent = last_value(p->peer_err, "echoed") + last_value(p->peer_err, "seq_sent");
	CHECK_EQ(t->received[1] + t->dropped[1], app_sent);
	CHECK_EQ(t->received[0] + t->dropped[0], peer_sent);
	CHECK_EQ(last_value(p->app_out, "compare_error_count"), 0);
	CHECK_EQ(last_value(p->peer_err, "seq_compare_errors"), 0);
	CHECK_MSG(!t->bad, "%llu bad records, the first: %s", (unsigned long long)t->bad, t->why);
}

static struct tally tally_a, tally_b;

TEST(a_monitor_that_keeps_up_sees_every_message_of_both_programs_exactly)
{
	struct tally *t = &tally_a;
	struct kucomms_monitor *m = NULL;
	struct pair p;

	memset(t, 0, sizeof(*t));
	CHECK(start_peer(&p, "mon-exact"));
	/* Attached before the application starts: the whole conversation. */
	CHECK_EQ(kucomms_monitor_open(strcat(strcpy((char[80]){ 0 }, "shm:"), p.name),
				      KUCOMMS_RING_MAX_CAPACITY, 0, &m),
		 0);
	CHECK(start_app(&p));
	CHECK(read_until(m, t, 1500));
	CHECK_EQ(stop_app(&p), 0);
	CHECK(read_to_end(m, t));
	kucomms_monitor_close(m);
	CHECK_EQ(t->events, 2); /* the link was open before the monitor came; it closed */
	CHECK_EQ(t->dropped[0] + t->dropped[1], 0);
	CHECK(t->echoes_checked > 300);
	check_exact(&p, t);
	end_pair(&p);
}

TEST(a_slow_monitor_gets_drop_records_that_add_up_to_what_it_missed)
{
	struct tally *t = &tally_b;
	struct kucomms_monitor *m = NULL;
	struct pair p;

	memset(t, 0, sizeof(*t));
	CHECK(start_peer(&p, "mon-slow"));
	CHECK_EQ(kucomms_monitor_open(strcat(strcpy((char[80]){ 0 }, "shm:"), p.name), 8192, 0, &m),
		 0);
	CHECK(start_app(&p));
	/* Read nothing until records were lost, then read on. */
	CHECK(WAIT_FOR(kucomms_read_once(kucomms_monitor_producer(m)->full_events) >= 100));
	CHECK(read_until(m, t, 1500));
	CHECK_EQ(stop_app(&p), 0);
	CHECK(read_to_end(m, t));
	CHECK(t->dropped[0] + t->dropped[1] >= 100);
	CHECK(t->drop_records > 0);
	CHECK_EQ(t->events, 2); /* the link's open, and its close after the drops */
	kucomms_monitor_close(m);
	check_exact(&p, t);
	end_pair(&p);
}

TEST(monitors_attaching_and_detaching_mid_stream_do_not_disturb_the_link)
{
	struct tally *t = &tally_a;
	struct kucomms_monitor *m = NULL;
	char target[80];
	struct pair p;
	int i, err, busy = 0;

	CHECK(start_peer(&p, "mon-churn"));
	snprintf(target, sizeof(target), "shm:%s", p.name);
	CHECK(start_app(&p));
	for (i = 0; i < 4; i++) {
		memset(t, 0, sizeof(*t));
		/* The last one's hangup may not have been taken yet: EBUSY. */
		while ((err = kucomms_monitor_open(target, 0, 0, &m)) == -EBUSY && ++busy < 20000)
			sleep_ms(1);
		CHECK_EQ(err, 0);
		CHECK(read_until(m, t, 300));
		kucomms_monitor_close(m);
		CHECK_EQ(t->events, 1);
		CHECK_MSG(!t->bad, "attach %d: %s", i, t->why);
	}
	/* Neither program noticed: no link lost, nothing out of order. */
	read_available(p.peer.err, p.peer_err, sizeof(p.peer_err), false);
	CHECK_MSG(!strstr(p.peer_err, "application gone"), "%s", p.peer_err);
	CHECK_EQ(waitpid(p.app.pid, NULL, WNOHANG), 0);
	CHECK_EQ(stop_app(&p), 0);
	CHECK_EQ(last_value(p.app_out, "compare_error_count"), 0);
	CHECK(output_has(p.peer.err, p.peer_err, sizeof(p.peer_err), "seq_compare_errors=0"));
	end_pair(&p);
}

TEST(a_link_nobody_publishes_says_how_to_publish_it)
{
	struct kucomms_monitor *m = NULL;

	CHECK_EQ(kucomms_monitor_open("shm:test-nobody-publishes-this", 0, 0, &m), -ENOENT);
	CHECK_CONTAINS(kucomms_last_error(), "KUCOMMS_MONITOR=1");
	CHECK_EQ(kucomms_monitor_open("tcp:somewhere", 0, 0, &m), -EINVAL);
	CHECK_CONTAINS(kucomms_last_error(), "shm:NAME");
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
