// SPDX-License-Identifier: MIT
/*
 * Sleeping and waking: an idle endpoint sleeps and stays asleep without a
 * wakeup, one message wakes it exactly once, and stop() returns from any
 * thread (including a callback) even when nothing else would wake it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>

#include <kucomms/kucomms.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

struct seen {
	uint64_t messages; /* atomic */
	uint64_t last_id;
	bool stop_in_handler;
};

static void count(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *data,
		  void *user)
{
	struct seen *s = user;

	(void)link;
	(void)data;
	s->last_id = h->id;
	__atomic_add_fetch(&s->messages, 1, __ATOMIC_RELEASE);
	if (s->stop_in_handler)
		kucomms_endpoint_stop(kucomms_link_endpoint(link));
}

static const struct kucomms_handlers counting = { .message = count };

/* No spinning: every idle moment is a sleep, and every sleep is counted. */
static struct kucomms_endpoint *create_sleeper(struct seen *s)
{
	struct kucomms_endpoint_options o;

	kucomms_endpoint_options_init(&o);
	o.spin_ns = 0;
	return kucomms_endpoint_create(&counting, s, &o);
}

static uint64_t ep_sleeps(struct kucomms_endpoint *ep)
{
	struct kucomms_endpoint_counters c;

	kucomms_endpoint_counters(ep, &c);
	return c.sleeps;
}

TEST(an_idle_endpoint_stays_asleep_without_a_wakeup_and_wakes_once_for_a_message)
{
	struct seen s = { 0 }, other = { 0 };
	struct kucomms_endpoint *ep = create_sleeper(&s);
	struct kucomms_endpoint *sender = create_sleeper(&other);
	struct kucomms_endpoint_counters before, after;
	struct kucomms_link_counters rx_before, rx_after, tx;
	struct kucomms_msg_header h = { .id = 42 };
	struct kucomms_link *to_ep, *on_ep;

	CHECK(ep && sender);
	CHECK_EQ(kucomms_link_inproc_pair(sender, ep, NULL, &to_ep, &on_ep), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(WAIT_FOR(ep_sleeps(ep) >= 1));

	kucomms_endpoint_counters(ep, &before);
	kucomms_link_counters(on_ep, &rx_before);
	sleep_ms(200);
	kucomms_endpoint_counters(ep, &after);
	kucomms_link_counters(on_ep, &rx_after);
	CHECK_EQ(after.sleeps, before.sleeps);
	CHECK_EQ(after.wakeups, before.wakeups);
	CHECK_EQ(rx_after.sleeps, rx_before.sleeps);
	CHECK_EQ(load_u64(&s.messages), 0);

	CHECK_EQ(kucomms_send(to_ep, &h, NULL), 0);
	CHECK(WAIT_FOR(load_u64(&s.messages) == 1));
	CHECK_EQ(s.last_id, 42);
	kucomms_link_counters(to_ep, &tx);
	CHECK_EQ(tx.wakeups_sent, 1); /* it slept, so the send woke it */
	CHECK(WAIT_FOR(ep_sleeps(ep) == before.sleeps + 1));
	kucomms_endpoint_counters(ep, &after);
	CHECK_EQ(after.wakeups, before.wakeups + 1);
	kucomms_link_counters(on_ep, &rx_after);
	CHECK_EQ(rx_after.sleeps, rx_before.sleeps + 1);
	CHECK_EQ(rx_after.received, 1);

	kucomms_endpoint_destroy(ep);
	kucomms_endpoint_destroy(sender);
}

/* Wait until the endpoint has stopped waking up: asleep with nothing due. */
static bool settled_asleep(struct kucomms_endpoint *ep)
{
	uint64_t before;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		before = ep_sleeps(ep);
		sleep_ms(50);
		if (before && ep_sleeps(ep) == before)
			return true;
	}
	return false;
}

/*
 * The wake eventfd is never read back to zero, so the test is that a wake
 * still wakes when earlier ones left it nonzero, burst after burst, and
 * that what they left does not keep the endpoint awake.
 */
TEST(every_burst_wakes_a_sleeping_endpoint_which_then_stays_asleep)
{
	struct seen s = { 0 }, other = { 0 };
	struct kucomms_endpoint *ep = create_sleeper(&s);
	struct kucomms_endpoint *sender = create_sleeper(&other);
	struct kucomms_endpoint_counters before, after;
	struct kucomms_link_counters tx_before, tx;
	struct kucomms_msg_header h = { 0 };
	struct kucomms_link *to_ep, *on_ep;
	int burst, i;

	CHECK(ep && sender);
	CHECK_EQ(kucomms_link_inproc_pair(sender, ep, NULL, &to_ep, &on_ep), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	for (burst = 0; burst < 5; burst++) {
		CHECK(settled_asleep(ep));
		kucomms_endpoint_counters(ep, &before);
		kucomms_link_counters(to_ep, &tx_before);
		for (i = 0; i < 3; i++) {
			h.id = (uint64_t)(burst * 3 + i);
			CHECK_EQ(kucomms_send(to_ep, &h, NULL), 0);
		}
		CHECK(WAIT_FOR(load_u64(&s.messages) == (uint64_t)(burst + 1) * 3));
		CHECK_EQ(s.last_id, burst * 3 + 2);
		kucomms_link_counters(to_ep, &tx);
		CHECK(tx.wakeups_sent > tx_before.wakeups_sent);
		kucomms_endpoint_counters(ep, &after);
		CHECK(after.wakeups > before.wakeups);
	}
	CHECK(settled_asleep(ep));
	kucomms_endpoint_counters(ep, &before);
	sleep_ms(200);
	kucomms_endpoint_counters(ep, &after);
	CHECK_EQ(after.sleeps, before.sleeps);
	CHECK_EQ(after.wakeups, before.wakeups);
	kucomms_endpoint_destroy(ep);
	kucomms_endpoint_destroy(sender);
}

TEST(a_send_to_an_awake_consumer_needs_no_wakeup)
{
	struct seen s = { 0 };
	struct kucomms_endpoint *a = create_sleeper(&s), *b = create_sleeper(&s);
	struct kucomms_msg_header h = { 0 };
	struct kucomms_link_counters tx;
	struct kucomms_link *la, *lb;
	int i;

	CHECK(a && b);
	CHECK_EQ(kucomms_link_inproc_pair(a, b, NULL, &la, &lb), 0);
	/* b never ran, so it never announced a sleep. */
	for (i = 0; i < 10; i++)
		CHECK_EQ(kucomms_send(la, &h, NULL), 0);
	kucomms_link_counters(la, &tx);
	CHECK_EQ(tx.wakeups_sent, 0);
	CHECK_EQ(tx.sent, 10);
	kucomms_endpoint_destroy(a);
	kucomms_endpoint_destroy(b);
}

TEST(stop_returns_for_an_endpoint_asleep_with_no_deadline)
{
	struct seen s = { 0 };
	struct kucomms_endpoint *ep = create_sleeper(&s);

	CHECK(ep);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(WAIT_FOR(ep_sleeps(ep) >= 1));
	/* Nothing but stop() can wake it: returning at all proves the wakeup. */
	CHECK_EQ(kucomms_endpoint_stop(ep), 0);
	CHECK_EQ(kucomms_endpoint_stop(ep), -EALREADY);
	kucomms_endpoint_destroy(ep);
}

struct stopper {
	struct kucomms_endpoint *ep;
	int ret;
};

static void *stop_from_thread(void *arg)
{
	struct stopper *st = arg;

	st->ret = kucomms_endpoint_stop(st->ep);
	return NULL;
}

TEST(stop_from_another_thread_returns_once_the_thread_ended)
{
	struct seen s = { 0 };
	struct stopper st = { .ep = create_sleeper(&s), .ret = 1 };
	pthread_t t;

	CHECK(st.ep);
	CHECK_EQ(kucomms_endpoint_start(st.ep), 0);
	CHECK_EQ(pthread_create(&t, NULL, stop_from_thread, &st), 0);
	pthread_join(t, NULL);
	CHECK_EQ(st.ret, 0);
	CHECK_EQ(kucomms_endpoint_start(st.ep), 0); /* and it can start again */
	kucomms_endpoint_destroy(st.ep);
}

TEST(stop_from_a_handler_ends_the_thread_after_that_handler)
{
	struct seen s = { .stop_in_handler = true }, other = { 0 };
	struct kucomms_endpoint *ep = create_sleeper(&s);
	struct kucomms_endpoint *sender = create_sleeper(&other);
	struct kucomms_msg_header h = { 0 };
	struct kucomms_link *to_ep, *on_ep;
	int i;

	CHECK(ep && sender);
	CHECK_EQ(kucomms_link_inproc_pair(sender, ep, NULL, &to_ep, &on_ep), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(kucomms_send(to_ep, &h, NULL), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(WAIT_FOR(load_u64(&s.messages) >= 1));
	/*
	 * Once stop() returns here the thread has ended (whether it had
	 * already, or this call waited for it): it stopped after one.
	 */
	kucomms_endpoint_stop(ep);
	CHECK_EQ(load_u64(&s.messages), 1);
	/* The rest are still in the ring for the next start. */
	s.stop_in_handler = false;
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(WAIT_FOR(load_u64(&s.messages) == 5));
	kucomms_endpoint_destroy(ep);
	kucomms_endpoint_destroy(sender);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
