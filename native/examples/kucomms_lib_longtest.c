// SPDX-License-Identifier: MIT
/*
 * kucomms_lib_longtest TARGET: the application side of the longtest
 * protocol (kucomms/longtest.h) against the kucomms_longtest kernel module
 * (TARGET /dev/kucomms_longtest) or a userspace peer (TARGET shm:NAME, as
 * served by "kucomms_peer longtest shm:NAME").
 *
 * Each work tick sends four type-0 messages of random length and bytes and
 * remembers them; each echo is checked against its copy. Each type-1
 * message from the peer is echoed back. Every ten seconds it prints
 *
 *   avail_tx0=... : add_error_count=... : compare_error_count=...
 *   sent_count_0=... : sent_count_1=... : received_count_0=... : received_count_1=...
 *
 * where avail_tx0 is the free space in its send ring, add_error_count the
 * sends that failed and compare_error_count the echoes that did not match.
 * On SIGINT or SIGTERM it stops, prints both lines once more with the
 * final counts and exits 0; it exits 1 if the link fails.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/kucomms.h>
#include <kucomms/longtest.h>

/*
 * Copies of messages sent and not yet echoed. Rather than the bytes, each
 * keeps the seed they were generated from. More than fit in both rings at
 * once, so the queue cannot overflow while the peer echoes.
 */
#define IN_FLIGHT_MAX (1u << 16)

struct sent_copy {
	uint64_t id;
	uint64_t length;
	uint64_t seed;
};

struct longtest {
	struct kucomms_link *link;
	uint64_t rng;
	struct sent_copy in_flight[IN_FLIGHT_MAX];
	uint64_t head, tail; /* in_flight[tail % MAX .. head % MAX) */
	uint64_t next_id;
	unsigned int timer_ticks;
	pthread_t main_thread;
	unsigned long long add_error_count, compare_error_count;
	unsigned long long sent_count_0, sent_count_1;
	unsigned long long received_count_0, received_count_1;
};

static uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* The random bytes of one message, reproducible from its seed. */
static void fill_random(uint8_t *data, uint64_t length, uint64_t seed)
{
	uint64_t state = seed | 1, word = 0, i;

	for (i = 0; i < length; i++) {
		if (i % 8 == 0)
			word = xorshift64(&state);
		data[i] = (uint8_t)(word >> (8 * (i % 8)));
	}
}

static void send_app_messages(struct longtest *t)
{
	uint8_t data[KUCOMMS_LONGTEST_APP_MAX_LENGTH];
	struct kucomms_msg_header hdr = { .type = KUCOMMS_LONGTEST_TYPE_APP };
	struct sent_copy *copy;
	int i;

	for (i = 0; i < KUCOMMS_LONGTEST_APP_PER_TICK; i++) {
		if (t->head - t->tail == IN_FLIGHT_MAX) {
			t->add_error_count++; /* the peer stopped echoing */
			continue;
		}
		copy = &t->in_flight[t->head % IN_FLIGHT_MAX];
		copy->id = t->next_id;
		copy->length = xorshift64(&t->rng) % (KUCOMMS_LONGTEST_APP_MAX_LENGTH + 1);
		copy->seed = xorshift64(&t->rng);
		fill_random(data, copy->length, copy->seed);
		hdr.length = copy->length;
		hdr.id = copy->id;
		if (kucomms_send(t->link, &hdr, data)) {
			t->add_error_count++;
			continue;
		}
		t->head++;
		t->next_id++;
		t->sent_count_0++;
	}
}

static bool echo_matches(const struct sent_copy *copy, const struct kucomms_msg_header *hdr,
			 const void *data)
{
	uint8_t expected[KUCOMMS_LONGTEST_APP_MAX_LENGTH];

	if (hdr->id != copy->id || hdr->length != copy->length)
		return false;
	fill_random(expected, copy->length, copy->seed);
	return !memcmp(data, expected, copy->length);
}

static void check_echo(struct longtest *t, const struct kucomms_msg_header *hdr, const void *data)
{
	t->received_count_0++;
	/* Copies older than this echo were never echoed: each is an error. */
	while (t->tail != t->head && t->in_flight[t->tail % IN_FLIGHT_MAX].id < hdr->id) {
		t->compare_error_count++;
		t->tail++;
	}
	if (t->tail == t->head) {
		t->compare_error_count++; /* an echo of nothing we sent */
		return;
	}
	if (!echo_matches(&t->in_flight[t->tail % IN_FLIGHT_MAX], hdr, data))
		t->compare_error_count++;
	if (t->in_flight[t->tail % IN_FLIGHT_MAX].id == hdr->id)
		t->tail++;
}

static void on_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
		       const void *data, void *user)
{
	struct longtest *t = user;

	if (hdr->type == KUCOMMS_LONGTEST_TYPE_APP) {
		check_echo(t, hdr, data);
		return;
	}
	t->received_count_1++;
	if (kucomms_send(link, hdr, data))
		t->add_error_count++;
	else
		t->sent_count_1++;
}

static void on_work(struct kucomms_endpoint *ep, void *user)
{
	(void)ep;
	send_app_messages(user);
}

static void print_report(struct longtest *t)
{
	struct kucomms_link_counters c;

	kucomms_link_counters(t->link, &c);
	printf("avail_tx0=%llu : add_error_count=%llu : compare_error_count=%llu\n",
	       (unsigned long long)c.tx_free, t->add_error_count, t->compare_error_count);
	printf("sent_count_0=%llu : sent_count_1=%llu : received_count_0=%llu : received_count_1=%llu\n",
	       t->sent_count_0, t->sent_count_1, t->received_count_0, t->received_count_1);
	fflush(stdout);
}

static void on_timer(struct kucomms_endpoint *ep, void *user)
{
	struct longtest *t = user;

	(void)ep;
	if (++t->timer_ticks % 10 == 0)
		print_report(t);
}

static void on_link_state(struct kucomms_link *link, int state, int err, void *user)
{
	struct longtest *t = user;

	if (state != KUCOMMS_LINK_DOWN)
		return;
	fprintf(stderr, "kucomms_lib_longtest: %s: link lost: %s\n", kucomms_link_target(link),
		kucomms_strerror(err));
	pthread_kill(t->main_thread, SIGUSR1);
}

int main(int argc, char **argv)
{
	struct kucomms_handlers h = {
		.message = on_message,
		.work = on_work,
		.timer = on_timer,
		.link_state = on_link_state,
	};
	struct kucomms_endpoint *ep;
	struct longtest *t;
	sigset_t wait_for;
	int sig, err;

	if (argc != 2) {
		fprintf(stderr, "usage: kucomms_lib_longtest /dev/kucomms_NAME|shm:NAME\n");
		return 2;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		fprintf(stderr, "kucomms_lib_longtest: out of memory\n");
		return 1;
	}
	t->rng = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	t->rng |= 1;
	t->main_thread = pthread_self();

	/*
	 * A shell starts a background job with SIGINT ignored, and POSIX
	 * leaves open whether sigwait() sees a signal that is ignored: take
	 * the default action back (never run, the signals stay blocked) so
	 * SIGINT stops it however it was started.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGINT);
	sigaddset(&wait_for, SIGTERM);
	sigaddset(&wait_for, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &wait_for, NULL);

	ep = kucomms_endpoint_create(&h, t, NULL);
	if (!ep) {
		fprintf(stderr, "kucomms_lib_longtest: %s\n", kucomms_last_error());
		return 1;
	}
	err = kucomms_link_open_target(ep, argv[1], NULL, &t->link);
	if (!err)
		err = kucomms_endpoint_start(ep);
	if (err) {
		fprintf(stderr, "kucomms_lib_longtest: %s\n", kucomms_last_error());
		kucomms_endpoint_destroy(ep);
		free(t);
		return 1;
	}
	sigwait(&wait_for, &sig);
	/* Stopped, nothing is sent or received any more: the final counts. */
	if (sig != SIGUSR1 && !kucomms_endpoint_stop(ep))
		print_report(t);
	kucomms_endpoint_destroy(ep);
	free(t);
	return sig == SIGUSR1 ? 1 : 0;
}
