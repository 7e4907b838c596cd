// SPDX-License-Identifier: MIT
/*
 * Shared-memory links between real processes (kucomms_peer and
 * kucomms_lib_longtest run as children): echoes, a peer killed with
 * SIGKILL mid-stream on either side, one attacher per created link, names
 * already served, names free again once their creator closes or dies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms.h>
#include <kucomms/longtest.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

struct session {
	uint64_t echoes; /* atomic */
	uint64_t next_id;
	uint64_t errors; /* atomic */
	int state;	 /* atomic: last link_state */
	int err;	 /* atomic: its err */
	bool echo_type0; /* act as the longtest peer's echo side */
};

static uint64_t length_for(uint64_t id)
{
	return (id * 37) % 1500;
}

static void fill(uint8_t *buf, struct kucomms_msg_header *h, uint64_t id)
{
	uint64_t i;

	*h = (struct kucomms_msg_header){
		.length = length_for(id), .type = 3, .id = id, .user_value = id * 11
	};
	for (i = 0; i < h->length; i++)
		buf[i] = (uint8_t)(id + i * 7);
}

static void on_message(struct kucomms_link *link, const struct kucomms_msg_header *h,
		       const void *data, void *user)
{
	struct session *s = user;
	struct kucomms_msg_header want;
	uint8_t buf[1500];

	if (s->echo_type0) {
		if (h->type == KUCOMMS_LONGTEST_TYPE_APP)
			kucomms_send(link, h, data);
		__atomic_add_fetch(&s->echoes, 1, __ATOMIC_RELEASE);
		return;
	}
	fill(buf, &want, s->next_id);
	if (memcmp(h, &want, sizeof(want)) || memcmp(data, buf, want.length))
		__atomic_add_fetch(&s->errors, 1, __ATOMIC_RELAXED);
	s->next_id = h->id + 1;
	__atomic_add_fetch(&s->echoes, 1, __ATOMIC_RELEASE);
}

static void on_state(struct kucomms_link *link, int state, int err, void *user)
{
	struct session *s = user;

	(void)link;
	__atomic_store_n(&s->err, err, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
}

static const struct kucomms_handlers handlers = {
	.message = on_message,
	.link_state = on_state,
};

static int send_retrying(struct kucomms_link *link, uint64_t id)
{
	struct kucomms_msg_header h;
	uint8_t buf[1500];
	int err;

	fill(buf, &h, id);
	while ((err = kucomms_send_locked(link, &h, buf)) == -ENOBUFS)
		sleep_ms(1);
	return err;
}

/*
 * Nobody serves "shm:@name": an attach says so. Only for names expected to
 * be free, since attaching to a live creator would take its one peer.
 */
static bool served_by_nobody(const char *name)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;
	bool nobody;

	if (!ep)
		return false;
	nobody = kucomms_link_shm_attach(ep, name, &link) == -ENOENT &&
		 strstr(kucomms_last_error(), "no process serves");
	kucomms_endpoint_destroy(ep);
	return nobody;
}

/* Another creator of "shm:@name" is refused: the name is still taken. */
static bool name_taken(const char *name)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;
	bool taken;

	if (!ep)
		return false;
	taken = kucomms_link_shm_create(ep, name, NULL, &link) == -EADDRINUSE;
	kucomms_endpoint_destroy(ep);
	return taken;
}

TEST(messages_echo_through_a_peer_process_in_order_and_intact)
{
	struct session s = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, &s, NULL);
	struct kucomms_link *link;
	char name[64];
	pid_t peer;
	int status;
	uint64_t id;

	CHECK(ep);
	unique_name(name, sizeof(name), "echo");
	peer = spawn_peer("echo", name);
	CHECK(peer > 0);
	CHECK_EQ(kucomms_link_shm_attach(ep, name, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	for (id = 0; id < 3000; id++)
		CHECK_EQ(send_retrying(link, id), 0);
	CHECK_MSG(WAIT_FOR(load_u64(&s.echoes) == 3000), "%llu of 3000 echoes",
		  (unsigned long long)load_u64(&s.echoes));
	CHECK_EQ(load_u64(&s.errors), 0);
	status = stop_peer(peer, SIGTERM);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "kucomms_peer ended with status 0x%x", status);
	/* A peer that closes cleanly is reported too. */
	CHECK(WAIT_FOR(load_int(&s.state) == KUCOMMS_LINK_DOWN));
	CHECK_EQ(load_int(&s.err), -EPIPE);
	CHECK(served_by_nobody(name)); /* its name went with it */
	kucomms_endpoint_destroy(ep);
}

TEST(a_peer_killed_mid_stream_is_reported_and_sends_then_fail_with_epipe)
{
	struct session s = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, &s, NULL);
	struct kucomms_link *link;
	char name[64];
	uint64_t id = 0;
	pid_t peer;
	int err = 0;

	CHECK(ep);
	unique_name(name, sizeof(name), "killed");
	peer = spawn_peer("echo", name);
	CHECK(peer > 0);
	CHECK_EQ(kucomms_link_shm_attach(ep, name, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	for (; id < 200; id++)
		CHECK_EQ(send_retrying(link, id), 0);
	CHECK(WAIT_FOR(load_u64(&s.echoes) >= 100));
	kill(peer, SIGKILL);
	/* Keep sending into the dead peer's ring until the loss is seen. */
	CHECK(WAIT_FOR(load_int(&s.state) == KUCOMMS_LINK_DOWN ||
		       ((err = kucomms_send_locked(link, &(struct kucomms_msg_header){ .id = id++ },
						   NULL)) != 0 &&
			err != -ENOBUFS)));
	waitpid(peer, NULL, 0);
	CHECK(WAIT_FOR(load_int(&s.state) == KUCOMMS_LINK_DOWN));
	CHECK_EQ(load_int(&s.err), -EPIPE);
	CHECK_EQ(kucomms_send_locked(link, &(struct kucomms_msg_header){ 0 }, NULL), -EPIPE);
	CHECK_EQ(load_u64(&s.errors), 0);
	/* A killed creator leaves nothing behind: nobody serves the name. */
	CHECK_EQ(kucomms_link_shm_attach(ep, name, &link), -ENOENT);
	CHECK_CONTAINS(kucomms_last_error(), "no process serves");
	kucomms_endpoint_destroy(ep);
	/* A new creator takes the name at once, and serves it. */
	peer = spawn_peer("echo", name);
	CHECK(peer > 0);
	CHECK(name_taken(name));
	CHECK_EQ(stop_peer(peer, SIGTERM), 0);
	CHECK(served_by_nobody(name));
}

/*
 * Run "kucomms_lib_longtest shm:NAME" with its output into @out (-1: thrown
 * away). With @sigint_ignored it starts the way a shell starts a background
 * job from a script: SIGINT ignored.
 */
static pid_t spawn_longtest_app(const char *name, int out, bool sigint_ignored)
{
	char exe[PATH_MAX], app[PATH_MAX + 32], target[96];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t pid, parent;

	if (n < 0)
		return -1;
	exe[n] = 0;
	snprintf(app, sizeof(app), "%s/kucomms_lib_longtest", dirname(exe));
	snprintf(target, sizeof(target), "shm:%s", name);
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		die_with_parent(parent);
		if (out < 0)
			out = open("/dev/null", O_WRONLY);
		dup2(out, STDOUT_FILENO);
		if (sigint_ignored)
			signal(SIGINT, SIG_IGN);
		execl(app, app, target, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Reaps @pid if it exits within the wait limit; else kills it. Its wait status, or -1. */
static int reap_within_limit(pid_t pid)
{
	pid_t reaped = 0;
	int status = -1;

	/* WAIT_FOR tests its condition once more at the end: waitpid must not run twice. */
	if (WAIT_FOR(reaped == pid || (reaped = waitpid(pid, &status, WNOHANG)) == pid))
		return status;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* The two lines the reference manual shows, each with its numbers, and nothing else. */
static bool is_longtest_report(FILE *f)
{
	unsigned long long v[7];
	char extra;

	rewind(f);
	return fscanf(f, "avail_tx0=%llu : add_error_count=%llu : compare_error_count=%llu\n",
		      &v[0], &v[1], &v[2]) == 3 &&
	       fscanf(f,
		      "sent_count_0=%llu : sent_count_1=%llu : received_count_0=%llu : received_count_1=%llu",
		      &v[3], &v[4], &v[5], &v[6]) == 4 &&
	       fscanf(f, "\n%c", &extra) == EOF && v[1] == 0 && v[2] == 0 && v[3] > 0;
}

TEST(the_longtest_app_started_with_sigint_ignored_stops_on_sigint_and_prints_its_report)
{
	struct session s = { .echo_type0 = true };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, &s, NULL);
	struct kucomms_link *link;
	FILE *out = tmpfile();
	char name[64];
	pid_t app;
	int status;

	CHECK(ep && out);
	unique_name(name, sizeof(name), "bg");
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	app = spawn_longtest_app(name, fileno(out), true);
	CHECK(app > 0);
	/* Streaming: its signals are blocked for sigwait by now, so SIGINT cannot come too early. */
	CHECK(WAIT_FOR(load_u64(&s.echoes) >= 40));
	kill(app, SIGINT);
	status = reap_within_limit(app);
	CHECK(status != -1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(is_longtest_report(out));
	fclose(out);
	kucomms_endpoint_destroy(ep);
}

TEST(an_attached_process_killed_is_reported_to_the_creator)
{
	struct session s = { .echo_type0 = true };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, &s, NULL);
	struct kucomms_link *link;
	char name[64];
	pid_t app;
	int status;

	CHECK(ep);
	unique_name(name, sizeof(name), "app");
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	app = spawn_longtest_app(name, -1, false);
	CHECK(app > 0);
	CHECK(WAIT_FOR(load_int(&s.state) == KUCOMMS_LINK_CONNECTED));
	/* Four messages per work tick: it is streaming. */
	CHECK(WAIT_FOR(load_u64(&s.echoes) >= 40));
	kill(app, SIGKILL);
	waitpid(app, &status, 0);
	CHECK(WIFSIGNALED(status));
	CHECK(WAIT_FOR(load_int(&s.state) == KUCOMMS_LINK_DOWN));
	CHECK_EQ(load_int(&s.err), -EPIPE);
	CHECK_EQ(kucomms_send(link, &(struct kucomms_msg_header){ 0 }, NULL), -EPIPE);
	kucomms_link_close(link);
	CHECK(served_by_nobody(name));
	kucomms_endpoint_destroy(ep);
}

TEST(a_created_link_takes_one_attacher_and_a_live_name_one_creator)
{
	struct session s1 = { 0 }, s2 = { 0 }, s3 = { 0 };
	struct kucomms_endpoint *creator = kucomms_endpoint_create(&handlers, &s1, NULL);
	struct kucomms_endpoint *first = kucomms_endpoint_create(&handlers, &s2, NULL);
	struct kucomms_endpoint *second = kucomms_endpoint_create(&handlers, &s3, NULL);
	struct kucomms_link *lc, *l1, *l2, *again;
	char name[64];

	CHECK(creator && first && second);
	unique_name(name, sizeof(name), "one");
	CHECK_EQ(kucomms_link_shm_create(creator, name, NULL, &lc), 0);
	CHECK_EQ(kucomms_endpoint_start(creator), 0);
	CHECK_EQ(kucomms_link_shm_attach(first, name, &l1), 0);
	CHECK(WAIT_FOR(load_int(&s1.state) == KUCOMMS_LINK_CONNECTED));
	CHECK_EQ(kucomms_link_shm_attach(second, name, &l2), -EBUSY);
	CHECK(strstr(kucomms_last_error(), "already has a peer"));
	CHECK_EQ(kucomms_link_shm_create(second, name, NULL, &again), -EADDRINUSE);
	CHECK(strstr(kucomms_last_error(), "another running process"));
	kucomms_endpoint_destroy(second);
	kucomms_endpoint_destroy(first);
	/* The creator sees its peer leave; the name stays its own. */
	CHECK(WAIT_FOR(load_int(&s1.state) == KUCOMMS_LINK_DOWN));
	CHECK(name_taken(name));
	kucomms_endpoint_destroy(creator);
	CHECK(served_by_nobody(name));
}

TEST(messages_sent_before_the_peer_attaches_wait_in_the_ring)
{
	struct session s = { 0 }, sc = { 0 };
	struct kucomms_endpoint *creator = kucomms_endpoint_create(&handlers, &sc, NULL);
	struct kucomms_endpoint *attacher = kucomms_endpoint_create(&handlers, &s, NULL);
	struct kucomms_link *lc, *la;
	char name[64];
	uint64_t id;

	CHECK(creator && attacher);
	unique_name(name, sizeof(name), "early");
	CHECK_EQ(kucomms_link_shm_create(creator, name, NULL, &lc), 0);
	for (id = 0; id < 20; id++)
		CHECK_EQ(send_retrying(lc, id), 0);
	CHECK_EQ(kucomms_endpoint_start(creator), 0);
	CHECK_EQ(kucomms_link_shm_attach(attacher, name, &la), 0);
	CHECK_EQ(kucomms_endpoint_start(attacher), 0);
	CHECK(WAIT_FOR(load_u64(&s.echoes) == 20));
	CHECK_EQ(load_u64(&s.errors), 0);
	kucomms_endpoint_destroy(attacher);
	kucomms_endpoint_destroy(creator);
}

struct attach_call {
	struct kucomms_endpoint *ep;
	const char *name;
	struct kucomms_link *link;
	int err;
	int done; /* atomic */
};

static void *attach_thread(void *arg)
{
	struct attach_call *a = arg;

	a->err = kucomms_link_shm_attach(a->ep, a->name, &a->link);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(an_attach_racing_the_start_of_its_creators_endpoint_gets_in)
{
	struct session sc = { 0 }, sa = { 0 };
	struct kucomms_endpoint *creator = kucomms_endpoint_create(&handlers, &sc, NULL);
	struct kucomms_endpoint *attacher = kucomms_endpoint_create(&handlers, &sa, NULL);
	struct attach_call call = { .ep = attacher };
	struct kucomms_link *lc;
	char name[64];
	pthread_t t;

	CHECK(creator && attacher);
	call.name = unique_name(name, sizeof(name), "later");
	CHECK_EQ(kucomms_link_shm_create(creator, name, NULL, &lc), 0);
	CHECK_EQ(pthread_create(&t, NULL, attach_thread, &call), 0);
	/* The creator answers from its thread: an attacher that connects
	 * before it runs waits for the answer. */
	CHECK_EQ(kucomms_endpoint_start(creator), 0);
	pthread_join(t, NULL);
	CHECK_EQ(call.err, 0);
	CHECK(WAIT_FOR(load_int(&sc.state) == KUCOMMS_LINK_CONNECTED));
	CHECK_EQ(send_retrying(lc, 0), 0);
	CHECK_EQ(kucomms_endpoint_start(attacher), 0);
	CHECK(WAIT_FOR(load_u64(&sa.echoes) == 1));
	CHECK_EQ(load_u64(&sa.errors), 0);
	kucomms_endpoint_destroy(attacher);
	kucomms_endpoint_destroy(creator);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
