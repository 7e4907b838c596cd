// SPDX-License-Identifier: MIT
/*
 * kucomms_send_locked() from several threads at once: every message
 * arrives once, in each thread's order, with its bytes intact.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <kucomms/kucomms.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

#define THREADS 4
#define PER_THREAD 20000
#define MAX_DATA 200

struct receiver {
	uint64_t next[THREADS]; /* next id expected from each thread */
	uint64_t total;		/* atomic */
	uint64_t errors;	/* atomic */
	uint64_t first_error_thread, first_error_id;
};

struct sender {
	struct kucomms_link *link;
	int index;
	int err;
	uint64_t full; /* -ENOBUFS retries */
};

static uint64_t length_of(int thread, uint64_t id)
{
	return (id * 13 + (uint64_t)thread * 5) % (MAX_DATA + 1);
}

static uint8_t byte_of(int thread, uint64_t id, uint64_t i)
{
	return (uint8_t)(id ^ ((uint64_t)thread << 6) ^ (i * 3));
}

static void check_message(struct kucomms_link *link, const struct kucomms_msg_header *h,
			  const void *data, void *user)
{
	struct receiver *r = user;
	const uint8_t *p = data;
	int t = (int)h->type;
	bool ok;
	uint64_t i;

	(void)link;
	ok = h->type < THREADS && h->id == r->next[t] && h->length == length_of(t, h->id) &&
	     h->user_value == (uint64_t)t;
	for (i = 0; ok && i < h->length; i++)
		ok = p[i] == byte_of(t, h->id, i);
	if (!ok && !__atomic_load_n(&r->errors, __ATOMIC_RELAXED)) {
		r->first_error_thread = h->type;
		r->first_error_id = h->id;
	}
	if (!ok)
		__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELEASE);
	if (h->type < THREADS)
		r->next[t] = h->id + 1;
	__atomic_add_fetch(&r->total, 1, __ATOMIC_RELEASE);
}

static void *send_all(void *arg)
{
	struct sender *s = arg;
	uint8_t buf[MAX_DATA];
	struct kucomms_msg_header h = {
		.type = (uint64_t)s->index,
		.user_value = (uint64_t)s->index,
	};
	uint64_t id, i;
	int err;

	for (id = 0; id < PER_THREAD; id++) {
		h.id = id;
		h.length = length_of(s->index, id);
		for (i = 0; i < h.length; i++)
			buf[i] = byte_of(s->index, id, i);
		while ((err = kucomms_send_locked(s->link, &h, buf)) == -ENOBUFS) {
			s->full++;
			sched_yield();
		}
		if (err) {
			s->err = err;
			return NULL;
		}
	}
	return NULL;
}

TEST(locked_sends_from_four_threads_arrive_complete_in_order_and_intact)
{
	const struct kucomms_handlers h = { .message = check_message };
	/* A small ring, so the senders also meet it full. */
	struct kucomms_link_options o = { .tx_capacity = 16384, .rx_capacity = 16384 };
	static struct receiver r;
	struct kucomms_endpoint *tx_ep = kucomms_endpoint_create(&h, NULL, NULL);
	struct kucomms_endpoint *rx_ep = kucomms_endpoint_create(&h, &r, NULL);
	struct kucomms_link *tx, *rx;
	struct sender s[THREADS];
	struct kucomms_link_counters c;
	pthread_t threads[THREADS];
	int i;

	memset(&r, 0, sizeof(r));
	CHECK(tx_ep && rx_ep);
	CHECK_EQ(kucomms_link_inproc_pair(tx_ep, rx_ep, &o, &tx, &rx), 0);
	CHECK_EQ(kucomms_endpoint_start(rx_ep), 0);
	for (i = 0; i < THREADS; i++) {
		s[i] = (struct sender){ .link = tx, .index = i };
		CHECK_EQ(pthread_create(&threads[i], NULL, send_all, &s[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < THREADS; i++)
		CHECK_MSG(s[i].err == 0, "thread %d: send failed with %d", i, s[i].err);
	CHECK_MSG(WAIT_FOR(load_u64(&r.total) == THREADS * PER_THREAD),
		  "received %llu of %d messages", (unsigned long long)load_u64(&r.total),
		  THREADS * PER_THREAD);
	CHECK_MSG(load_u64(&r.errors) == 0, "%llu bad messages, the first from thread %llu id %llu",
		  (unsigned long long)load_u64(&r.errors), (unsigned long long)r.first_error_thread,
		  (unsigned long long)r.first_error_id);
	for (i = 0; i < THREADS; i++)
		CHECK_EQ(r.next[i], PER_THREAD);
	kucomms_link_counters(tx, &c);
	CHECK_EQ(c.sent, THREADS * PER_THREAD);
	CHECK_EQ(c.full_events, s[0].full + s[1].full + s[2].full + s[3].full);
	kucomms_link_counters(rx, &c);
	CHECK_EQ(c.received, THREADS * PER_THREAD);
	kucomms_endpoint_destroy(tx_ep);
	kucomms_endpoint_destroy(rx_ep);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
