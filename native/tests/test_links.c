// SPDX-License-Identifier: MIT
/*
 * Links on running endpoints: many of mixed kinds on one endpoint, links
 * added and closed while running, closed from a handler, broadcast,
 * zero-copy sends, a full ring and the peer's view of a closed link.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

/* What one receiving link expects and has seen. */
struct rec {
	uint64_t expect_type; /* the index of the link that sent it */
	uint64_t count;	      /* atomic */
	uint64_t next_id;
	uint64_t errors;       /* atomic: out of order, wrong length or bytes */
	int down_err;	       /* atomic: link_state DOWN's err */
	bool close_on_message; /* close the link in the handler */
};

static uint64_t length_for(uint64_t id)
{
	return (id * 7) % 300;
}

static uint8_t byte_for(uint64_t type, uint64_t id, uint64_t i)
{
	return (uint8_t)(type * 31 + id + i);
}

static void fill(uint8_t *buf, struct kucomms_msg_header *h, uint64_t type, uint64_t id)
{
	uint64_t i;

	h->type = type;
	h->id = id;
	h->length = length_for(id);
	h->user_value = ~id;
	for (i = 0; i < h->length; i++)
		buf[i] = byte_for(type, id, i);
}

static bool matches(const struct kucomms_msg_header *h, const uint8_t *data, uint64_t type,
		    uint64_t id)
{
	uint64_t i;

	if (h->type != type || h->id != id || h->length != length_for(id) || h->user_value != ~id)
		return false;
	for (i = 0; i < h->length; i++)
		if (data[i] != byte_for(type, id, i))
			return false;
	return true;
}

/* Records every message on links whose user pointer is a struct rec. */
static void record(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *data,
		   void *user)
{
	struct rec *r = kucomms_link_user(link);

	(void)user;
	if (!matches(h, data, r->expect_type, r->next_id))
		__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
	r->next_id = h->id + 1;
	__atomic_add_fetch(&r->count, 1, __ATOMIC_RELEASE);
	if (r->close_on_message)
		kucomms_link_close(link);
}

static void record_state(struct kucomms_link *link, int state, int err, void *user)
{
	struct rec *r = kucomms_link_user(link);

	(void)user;
	if (r && state == KUCOMMS_LINK_DOWN)
		__atomic_store_n(&r->down_err, err, __ATOMIC_RELEASE);
}

static void echo(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *data,
		 void *user)
{
	(void)user;
	/* Rings are far larger than what the tests keep in flight. */
	if (kucomms_send(link, h, data))
		abort();
}

static const struct kucomms_handlers recorder = {
	.message = record,
	.link_state = record_state,
};
static const struct kucomms_handlers echoer = { .message = echo };

static struct kucomms_endpoint *started(const struct kucomms_handlers *h)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(h, NULL, NULL);

	if (ep && kucomms_endpoint_start(ep)) {
		kucomms_endpoint_destroy(ep);
		return NULL;
	}
	return ep;
}

static int send_retrying(struct kucomms_link *link, const struct kucomms_msg_header *h,
			 const void *data)
{
	int err;

	while ((err = kucomms_send_locked(link, h, data)) == -ENOBUFS)
		sleep_ms(1);
	return err;
}

#define N_INPROC 5
#define N_SHM 4 /* half created by the hub, half attached */
#define N_LINKS (N_INPROC + N_SHM)
#define N_MESSAGES 300

TEST(many_links_of_mixed_kinds_each_echo_in_order_on_their_own_link)
{
	struct kucomms_endpoint *hub = started(&recorder), *peer = started(&echoer);
	struct kucomms_link *links[N_LINKS], *peer_links[N_LINKS];
	static struct rec recs[N_LINKS];
	struct kucomms_link_counters c;
	char name[64];
	uint8_t buf[300];
	int i, n;

	CHECK(hub && peer);
	memset(recs, 0, sizeof(recs));
	for (i = 0; i < N_INPROC; i++)
		CHECK_EQ(kucomms_link_inproc_pair(hub, peer, NULL, &links[i], &peer_links[i]), 0);
	for (; i < N_LINKS; i++) {
		snprintf(name, sizeof(name), "test-%d-mixed-%d", (int)getpid(), i);
		if (i % 2) {
			CHECK_EQ(kucomms_link_shm_create(hub, name, NULL, &links[i]), 0);
			CHECK_EQ(kucomms_link_shm_attach(peer, name, &peer_links[i]), 0);
		} else {
			CHECK_EQ(kucomms_link_shm_create(peer, name, NULL, &peer_links[i]), 0);
			CHECK_EQ(kucomms_link_shm_attach(hub, name, &links[i]), 0);
		}
	}
	for (i = 0; i < N_LINKS; i++) {
		recs[i].expect_type = (uint64_t)i;
		kucomms_link_set_user(links[i], &recs[i]);
	}
	/* Interleave the links so every ring is busy at once. */
	for (n = 0; n < N_MESSAGES; n++) {
		for (i = 0; i < N_LINKS; i++) {
			struct kucomms_msg_header h;

			fill(buf, &h, (uint64_t)i, (uint64_t)n);
			CHECK_EQ(send_retrying(links[i], &h, buf), 0);
		}
	}
	for (i = 0; i < N_LINKS; i++) {
		CHECK_MSG(WAIT_FOR(load_u64(&recs[i].count) == N_MESSAGES),
			  "link %d (%s) echoed %llu of %d messages", i,
			  kucomms_link_target(links[i]),
			  (unsigned long long)load_u64(&recs[i].count), N_MESSAGES);
		CHECK_EQ(load_u64(&recs[i].errors), 0);
		kucomms_link_counters(links[i], &c);
		CHECK_EQ(c.sent, N_MESSAGES);
		CHECK_EQ(c.received, N_MESSAGES);
		CHECK_EQ(c.bytes_sent, c.bytes_received);
		CHECK_EQ(c.full_events, 0);
	}
	kucomms_endpoint_destroy(hub);
	kucomms_endpoint_destroy(peer);
}

TEST(a_pair_on_one_endpoint_carries_messages_both_ways)
{
	struct kucomms_endpoint *ep = started(&recorder);
	struct kucomms_link *a, *b;
	struct rec ra = { .expect_type = 2 }, rb = { .expect_type = 1 };
	struct kucomms_msg_header h;
	uint8_t buf[300];
	int n;

	CHECK(ep);
	CHECK_EQ(kucomms_link_inproc_pair(ep, ep, NULL, &a, &b), 0);
	kucomms_link_set_user(a, &ra);
	kucomms_link_set_user(b, &rb);
	for (n = 0; n < 100; n++) {
		fill(buf, &h, 1, (uint64_t)n);
		CHECK_EQ(send_retrying(a, &h, buf), 0);
		fill(buf, &h, 2, (uint64_t)n);
		CHECK_EQ(send_retrying(b, &h, buf), 0);
	}
	CHECK(WAIT_FOR(load_u64(&ra.count) == 100 && load_u64(&rb.count) == 100));
	CHECK_EQ(load_u64(&ra.errors) + load_u64(&rb.errors), 0);
	kucomms_endpoint_destroy(ep);
}

TEST(closing_one_side_reports_down_to_the_other_and_its_sends_fail_with_epipe)
{
	struct kucomms_endpoint *a = started(&recorder), *b = started(&recorder);
	struct kucomms_link *la, *lb;
	struct rec rb = { 0 };
	struct kucomms_msg_header h = { 0 };

	CHECK(a && b);
	/* Linked after both started: added by their threads. */
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	kucomms_link_set_user(lb, &rb);
	kucomms_link_close(la); /* from this thread, while running */
	CHECK(WAIT_FOR(load_int(&rb.down_err) != 0));
	CHECK_EQ(load_int(&rb.down_err), -EPIPE);
	CHECK_EQ(kucomms_send(lb, &h, NULL), -EPIPE);
	CHECK(strstr(kucomms_last_error(), "down"));
	kucomms_link_close(lb);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(messages_sent_before_a_close_are_all_delivered_before_down)
{
	struct kucomms_endpoint *a = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *b = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_link *la, *lb;
	struct rec rb = { .expect_type = 7 };
	struct kucomms_msg_header h;
	uint8_t buf[300];
	int n;

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	kucomms_link_set_user(lb, &rb);
	for (n = 0; n < 50; n++) {
		fill(buf, &h, 7, (uint64_t)n);
		CHECK_EQ(kucomms_send(la, &h, buf), 0);
	}
	kucomms_link_close(la);
	CHECK_EQ(kucomms_endpoint_start(b), 0);
	CHECK(WAIT_FOR(load_int(&rb.down_err) != 0));
	CHECK_EQ(load_u64(&rb.count), 50);
	CHECK_EQ(load_u64(&rb.errors), 0);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(a_link_closed_in_its_handler_gets_no_more_messages)
{
	struct kucomms_endpoint *a = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *b = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_link *la, *lb;
	struct rec ra = { 0 }, rb = { .expect_type = 3, .close_on_message = true };
	struct kucomms_msg_header h;
	uint8_t buf[300];
	int n;

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	kucomms_link_set_user(la, &ra);
	kucomms_link_set_user(lb, &rb);
	CHECK_EQ(kucomms_endpoint_start(a), 0);
	for (n = 0; n < 10; n++) {
		fill(buf, &h, 3, (uint64_t)n);
		CHECK_EQ(kucomms_send(la, &h, buf), 0);
	}
	CHECK_EQ(kucomms_endpoint_start(b), 0);
	/* a hears of the close once b has freed the link: nothing follows. */
	CHECK(WAIT_FOR(load_int(&ra.down_err) != 0));
	CHECK_EQ(load_int(&ra.down_err), -EPIPE);
	CHECK_EQ(load_u64(&rb.count), 1);
	CHECK_EQ(load_u64(&rb.errors), 0);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(broadcast_sends_once_on_every_live_link)
{
	struct kucomms_endpoint *hub = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *leaf = started(&recorder);
	struct kucomms_link *hub_links[3], *leaf_links[3];
	struct rec recs[3];
	struct kucomms_msg_header h;
	uint8_t buf[300];
	int i;

	CHECK(hub && leaf);
	for (i = 0; i < 3; i++) {
		recs[i] = (struct rec){ .expect_type = 9 };
		CHECK_EQ(kucomms_link_inproc_pair(hub, leaf, NULL, &hub_links[i], &leaf_links[i]),
			 0);
		kucomms_link_set_user(leaf_links[i], &recs[i]);
	}
	fill(buf, &h, 9, 0);
	CHECK_EQ(kucomms_broadcast(hub, &h, buf), 3);
	for (i = 0; i < 3; i++) {
		CHECK(WAIT_FOR(load_u64(&recs[i].count) == 1));
		CHECK_EQ(load_u64(&recs[i].errors), 0);
	}
	kucomms_endpoint_destroy(hub);
	kucomms_endpoint_destroy(leaf);
}

TEST(zero_copy_reservations_appear_together_at_commit)
{
	struct kucomms_endpoint *a = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *b = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_link *la, *lb;
	struct rec rb = { .expect_type = 5 };
	struct kucomms_msg_header *rec, h;
	struct kucomms_link_counters c;
	uint8_t buf[300];
	int n;

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	kucomms_link_set_user(lb, &rb);
	for (n = 0; n < 3; n++) {
		fill(buf, &h, 5, (uint64_t)n);
		CHECK_EQ(kucomms_reserve(la, h.length, &rec), 0);
		CHECK_EQ(rec->length, h.length);
		rec->type = h.type;
		rec->id = h.id;
		rec->user_value = h.user_value;
		memcpy(rec + 1, buf, h.length);
	}
	kucomms_link_counters(la, &c);
	CHECK_EQ(c.sent, 0);
	CHECK_EQ(c.tx_free, c.tx_capacity); /* nothing published yet */
	kucomms_commit(la);
	kucomms_link_counters(la, &c);
	CHECK_EQ(c.sent, 3);
	CHECK_EQ(c.bytes_sent, length_for(0) + length_for(1) + length_for(2));
	CHECK_EQ(kucomms_endpoint_start(b), 0);
	CHECK(WAIT_FOR(load_u64(&rb.count) == 3));
	CHECK_EQ(load_u64(&rb.errors), 0);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(a_full_ring_refuses_with_enobufs_counts_it_and_accepts_once_drained)
{
	struct kucomms_link_options small = { .tx_capacity = 4096, .rx_capacity = 4096 };
	struct kucomms_endpoint *a = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *b = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_link *la, *lb;
	struct rec rb = { .expect_type = 0 };
	struct kucomms_msg_header h = { .length = 64 };
	struct kucomms_link_counters c;
	uint8_t data[64] = { 0 };
	int sent = 0, err, i;

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, &small, &la, &lb), 0);
	kucomms_link_set_user(lb, &rb);
	rb.errors = 0;
	while ((err = kucomms_send(la, &h, data)) == 0)
		sent++;
	CHECK_EQ(err, -ENOBUFS);
	CHECK(strstr(kucomms_last_error(), "full"));
	/* 96-byte records: 42 fill 4032 bytes, a 43rd does not fit in 64. */
	CHECK_EQ(sent, 42);
	CHECK_EQ(kucomms_send(la, &h, data), -ENOBUFS);
	kucomms_link_counters(la, &c);
	CHECK_EQ(c.sent, 42);
	CHECK_EQ(c.full_events, 2);
	CHECK_EQ(c.tx_capacity, 4096);
	CHECK_EQ(c.tx_free, 64);
	/* The receiving side sees the same ring from its end. */
	kucomms_link_counters(lb, &c);
	CHECK_EQ(c.rx_capacity, 4096);
	CHECK_EQ(c.rx_used, 4032);
	CHECK_EQ(c.peer_full_events, 2);
	/* b counts messages without checking them here. */
	rb.expect_type = ~0ULL;
	CHECK_EQ(kucomms_endpoint_start(b), 0);
	CHECK(WAIT_FOR(load_u64(&rb.count) == 42));
	CHECK(WAIT_FOR((kucomms_link_counters(la, &c), c.tx_free == 4096)));
	kucomms_link_counters(lb, &c);
	CHECK_EQ(c.rx_used, 0);
	for (i = 0; i < 42; i++)
		CHECK_EQ(kucomms_send(la, &h, data), 0);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(an_endpoint_stopped_and_started_again_keeps_its_links)
{
	struct kucomms_endpoint *a = kucomms_endpoint_create(&recorder, NULL, NULL);
	struct kucomms_endpoint *b = started(&recorder);
	struct kucomms_link *la, *lb;
	struct rec rb = { .expect_type = 6 };
	struct kucomms_msg_header h;
	uint8_t buf[300];

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	kucomms_link_set_user(lb, &rb);
	fill(buf, &h, 6, 0);
	CHECK_EQ(kucomms_send(la, &h, buf), 0);
	CHECK(WAIT_FOR(load_u64(&rb.count) == 1));
	CHECK_EQ(kucomms_endpoint_stop(b), 0);
	CHECK_EQ(kucomms_endpoint_stop(b), -EALREADY);
	fill(buf, &h, 6, 1);
	CHECK_EQ(kucomms_send(la, &h, buf), 0);
	CHECK_EQ(kucomms_endpoint_start(b), 0);
	CHECK_EQ(kucomms_endpoint_start(b), -EALREADY);
	CHECK(WAIT_FOR(load_u64(&rb.count) == 2));
	CHECK_EQ(load_u64(&rb.errors), 0);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
