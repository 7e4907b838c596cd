// SPDX-License-Identifier: MIT
/*
 * Wakes over a shared-memory link's socket: a sender wakes each sleep its
 * peer announces once, however many messages it commits meanwhile, and
 * never leaves a sleeping peer with a message it was not woken for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"
#include "shm_fakes.h"
#include "testing.h"

TESTING_MAIN_STATE;

static void ignore(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *d,
		   void *user)
{
	(void)link, (void)h, (void)d, (void)user;
}

static const struct kucomms_handlers ignoring = { .message = ignore };

/* The attacher's end of a link, played by the test. */
struct sleeper {
	struct fake_attachment a;
	void *mem;
	size_t size;
	struct kucomms_ring tx, rx;
};

static bool sleeper_attach(const char *name, struct sleeper *p)
{
	struct kucomms_link_layout l;
	struct stat st;

	if (!fake_attach(name, &p->a) || fstat(p->a.memory, &st))
		return false;
	p->size = (size_t)st.st_size;
	p->mem = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, p->a.memory, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return false;
	}
	if (kucomms_link_info_check(p->mem, p->size, &l))
		return false;
	kucomms_link_bind(&l, 1, p->mem, (uint8_t *)p->mem + l.side_offset[1], &p->tx, &p->rx);
	return true;
}

static void sleeper_detach(struct sleeper *p)
{
	if (p->mem)
		munmap(p->mem, p->size);
	fake_detach(&p->a);
}

/* Read every message waiting in the sleeper's ring; how many. */
static int sleeper_consume(struct sleeper *p)
{
	struct kucomms_msg_header h;
	const void *data;
	int n = 0;

	while (kucomms_ring_peek(&p->rx, &h, &data) == 1) {
		kucomms_ring_consume(&p->rx);
		n++;
	}
	kucomms_ring_publish_consumed(&p->rx);
	return n;
}

static uint64_t wakeups_sent(const struct kucomms_link *link)
{
	struct kucomms_link_counters c;

	kucomms_link_counters(link, &c);
	return c.wakeups_sent;
}

static bool send_many(struct kucomms_link *link, int n)
{
	struct kucomms_msg_header h = { .type = 1 };
	int i;

	for (i = 0; i < n; i++) {
		h.id = (uint64_t)i;
		if (kucomms_send_locked(link, &h, NULL))
			return false;
	}
	return true;
}

TEST(a_sleeping_peer_gets_one_wake_per_sleep_it_announces_however_many_messages_come)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&ignoring, NULL, NULL);
	struct sleeper p = { .a = { .conn = -1 } };
	struct kucomms_link *link;
	char name[64];

	CHECK(ep);
	unique_name(name, sizeof(name), "one-wake");
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(sleeper_attach(name, &p));

	/* Awake: nothing to wake. */
	CHECK(send_many(link, 10));
	CHECK_EQ(sleeper_consume(&p), 10);
	CHECK_EQ(fake_read_wakes(p.a.conn), 0);
	CHECK_EQ(wakeups_sent(link), 0);

	/* Asleep: the first message wakes it, the other 99 find it woken. */
	CHECK(kucomms_ring_prepare_sleep(&p.rx));
	CHECK(send_many(link, 100));
	CHECK_EQ(fake_read_wakes(p.a.conn), 1);
	CHECK_EQ(wakeups_sent(link), 1);

	/* It reads its wake, counts the sleep, reads its ring, sleeps again. */
	kucomms_ring_end_sleep(&p.rx, true);
	CHECK_EQ(sleeper_consume(&p), 100);
	CHECK(kucomms_ring_prepare_sleep(&p.rx));
	CHECK(send_many(link, 100));
	CHECK_EQ(fake_read_wakes(p.a.conn), 1);
	CHECK_EQ(wakeups_sent(link), 2);

	/* A sleep it announces without having counted one is not a new one. */
	kucomms_ring_end_sleep(&p.rx, false);
	CHECK_EQ(sleeper_consume(&p), 100);
	CHECK(kucomms_ring_prepare_sleep(&p.rx));
	CHECK(send_many(link, 10));
	CHECK_EQ(fake_read_wakes(p.a.conn), 0);
	CHECK_EQ(wakeups_sent(link), 2);

	kucomms_endpoint_destroy(ep);
	sleeper_detach(&p);
}

/* ---- two real endpoints that sleep at every wait ---- */

struct echoes {
	uint64_t count;	       /* atomic: echoes the sending side got back */
	uint64_t next_id;      /* endpoint thread only */
	uint64_t out_of_order; /* atomic */
};

static void echo_back(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *d,
		      void *user)
{
	(void)user;
	while (kucomms_send(link, h, d) == -ENOBUFS)
		sched_yield();
}

static void count_echo(struct kucomms_link *link, const struct kucomms_msg_header *h, const void *d,
		       void *user)
{
	struct echoes *e = user;

	(void)link, (void)d;
	if (h->id != e->next_id)
		__atomic_add_fetch(&e->out_of_order, 1, __ATOMIC_RELAXED);
	e->next_id = h->id + 1;
	__atomic_add_fetch(&e->count, 1, __ATOMIC_RELEASE);
}

/*
 * Wait for @e to count @n echoes, looking often: a round trip takes
 * microseconds, and a millisecond's nap per round would make the test
 * slow. False at the wait limit.
 */
static bool wait_echoes(const struct echoes *e, uint64_t n)
{
	struct timespec nap = { .tv_nsec = 10000 };
	long naps = 0;

	while (load_u64(&e->count) < n) {
		if (naps++ > WAIT_LIMIT_MS * 100L)
			return false;
		nanosleep(&nap, NULL);
	}
	return true;
}

/* Bursts of 1 to BURST_MAX messages, ROUNDS times. */
#define ROUNDS 4000
#define BURST_MAX 8

/*
 * No spinning and no work or timer handler: each side sleeps in epoll with
 * no deadline at every wait, so a wake skipped wrongly would leave a
 * message unread until the wait limit fails the test, with nothing else
 * to end that sleep. Bursts of varying size make sends race the peer's
 * announcing, reading and counting its sleeps from every angle.
 */
TEST(two_sleeping_endpoints_never_miss_a_message_for_want_of_a_wake)
{
	static const struct kucomms_handlers echoing = { .message = echo_back };
	static const struct kucomms_handlers counting = { .message = count_echo };
	struct kucomms_endpoint_options sleepy;
	struct echoes e = { 0 };
	struct kucomms_endpoint *creator, *attacher;
	struct kucomms_link *lc, *la;
	struct kucomms_msg_header h = { .type = 1 };
	uint64_t sent = 0;
	char name[64];
	int round, i;
	bool all_back = true;

	kucomms_endpoint_options_init(&sleepy);
	sleepy.spin_ns = 0;
	creator = kucomms_endpoint_create(&echoing, NULL, &sleepy);
	attacher = kucomms_endpoint_create(&counting, &e, &sleepy);
	CHECK(creator && attacher);
	unique_name(name, sizeof(name), "sleepy");
	CHECK_EQ(kucomms_link_shm_create(creator, name, NULL, &lc), 0);
	CHECK_EQ(kucomms_endpoint_start(creator), 0);
	CHECK_EQ(kucomms_link_shm_attach(attacher, name, &la), 0);
	CHECK_EQ(kucomms_endpoint_start(attacher), 0);
	for (round = 0; round < ROUNDS && all_back; round++) {
		for (i = 0; i <= round % BURST_MAX; i++) {
			h.id = sent++;
			CHECK_EQ(kucomms_send_locked(la, &h, NULL), 0);
		}
		all_back = wait_echoes(&e, sent);
	}
	CHECK(all_back);
	CHECK_EQ(load_u64(&e.count), sent);
	CHECK_EQ(load_u64(&e.out_of_order), 0);
	kucomms_endpoint_destroy(attacher);
	kucomms_endpoint_destroy(creator);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
