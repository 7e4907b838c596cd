// SPDX-License-Identifier: MIT
#include "bench_kucomms.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kucomms/kucomms.h>

#include "bench_time.h"

/* How long an attacher waits for the creator's shared memory to appear. */
#define ATTACH_TIMEOUT_S 5.0
/* Sends refused by a full ring before the sender gives up its core once. */
#define FULL_RETRIES_PER_YIELD 64

struct latch {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
};

/* One end: its endpoint, its link and what its main thread waits for. */
struct kend {
	struct bench_end e;
	struct kucomms_endpoint *ep;
	struct kucomms_link *link;
	struct latch connected;
	struct latch done;
	bool failed;   /* atomic: set by any thread of the party */
	bool finished; /* atomic: the initiator is sending STOP */
};

static const unsigned char payload[BENCH_MAX_PAYLOAD];

static void latch_init(struct latch *l)
{
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->open = false;
}

static void latch_open(struct latch *l)
{
	pthread_mutex_lock(&l->mu);
	l->open = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void latch_wait(struct latch *l)
{
	pthread_mutex_lock(&l->mu);
	while (!l->open)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
}

static bool latch_is_open(struct latch *l)
{
	bool open;

	pthread_mutex_lock(&l->mu);
	open = l->open;
	pthread_mutex_unlock(&l->mu);
	return open;
}

/* Fail the row from any thread of the party, and let its main thread go. */
static int kend_fail(struct kend *k, const char *what, int err)
{
	__atomic_store_n(&k->failed, true, __ATOMIC_RELAXED);
	bench_fail(k->e.sh, "side %d: %s: %s (%s)", k->e.side, what, kucomms_strerror(err),
		   kucomms_last_error());
	latch_open(&k->connected);
	latch_open(&k->done);
	return -1;
}

static void library_counters(void *arg, uint64_t *wakeups, uint64_t *full_events)
{
	struct kend *k = arg;
	struct kucomms_endpoint_counters ec;
	struct kucomms_link_counters lc;
	/* An attacher's link may come in while its thread already runs. */
	struct kucomms_link *link = __atomic_load_n(&k->link, __ATOMIC_ACQUIRE);

	if (!kucomms_endpoint_counters(k->ep, &ec))
		*wakeups = ec.wakeups;
	if (link && !kucomms_link_counters(link, &lc))
		*full_events = lc.full_events;
}

/*
 * Send, retrying while the ring is full: a sender outrunning its receiver
 * waits for room, which is what one-way throughput measures. The library
 * has no way to sleep until there is room, so poll, yielding the core now
 * and then in case the receiver waits for it.
 */
static int send_msg(struct kend *k, struct kucomms_link *link, const struct kucomms_msg_header *h,
		    const void *data)
{
	unsigned int tries = 0;
	int err;

	while ((err = kucomms_send(link, h, h->length ? data : NULL)) == -ENOBUFS)
		if (++tries % FULL_RETRIES_PER_YIELD == 0)
			sched_yield();
	return err ? kend_fail(k, "kucomms_send", err) : 0;
}

/* Initiator: the next message (after a mark if one is due). */
static int send_next(struct kend *k)
{
	struct kucomms_msg_header h;
	bool more = bench_next(&k->e, &h);

	/* Before the send: the peer may close as soon as it has the STOP. */
	if (!more)
		__atomic_store_n(&k->finished, true, __ATOMIC_RELEASE);
	if (send_msg(k, k->link, &h, payload))
		return -1;
	if (!more)
		latch_open(&k->done);
	return 0;
}

static void on_responder_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
				 const void *data, void *user)
{
	struct kend *k = user;

	if (__atomic_load_n(&k->failed, __ATOMIC_RELAXED))
		return;
	if (!bench_received(&k->e, hdr))
		latch_open(&k->done);
	else if (k->e.p->kind == BENCH_ROUNDTRIP)
		send_msg(k, link, hdr, data);
}

static void on_client_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			      const void *data, void *user)
{
	struct kend *k = user;

	(void)link;
	(void)data;
	if (__atomic_load_n(&k->failed, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&k->finished, __ATOMIC_RELAXED))
		return;
	if (bench_reply(&k->e, hdr)) {
		__atomic_store_n(&k->failed, true, __ATOMIC_RELAXED);
		latch_open(&k->done);
		return;
	}
	send_next(k);
}

static void on_link_state(struct kucomms_link *link, int state, int err, void *user)
{
	struct kend *k = user;

	(void)link;
	if (state == KUCOMMS_LINK_CONNECTED) {
		latch_open(&k->connected);
		/* A client starts the ping-pong from its own thread. */
		if (k->e.side == 0 && k->e.p->kind == BENCH_ROUNDTRIP)
			send_next(k);
	} else if (state == KUCOMMS_LINK_DOWN && !latch_is_open(&k->done) &&
		   !__atomic_load_n(&k->finished, __ATOMIC_ACQUIRE)) {
		kend_fail(k, "the link went down", err);
	}
}

static int kend_init(struct kend *k, struct bench_shared *sh, const struct bench_params *p,
		     int side, bool measure_cpu)
{
	struct kucomms_handlers h = {
		.message = side == 0 ? on_client_message : on_responder_message,
		.link_state = on_link_state,
	};
	struct kucomms_endpoint_options opts;

	memset(k, 0, sizeof(*k));
	bench_end_init(&k->e, sh, p, side, measure_cpu);
	k->e.counters = library_counters;
	k->e.counters_arg = k;
	latch_init(&k->connected);
	latch_init(&k->done);
	kucomms_endpoint_options_init(&opts);
	if (p->spin_budget_ns >= 0)
		opts.spin_ns = (uint64_t)p->spin_budget_ns;
	k->ep = kucomms_endpoint_create(&h, k, &opts);
	if (!k->ep)
		return kend_fail(k, "kucomms_endpoint_create", -errno);
	return 0;
}

static int kend_start(struct kend *k)
{
	int err = kucomms_endpoint_start(k->ep);

	return err ? kend_fail(k, "kucomms_endpoint_start", err) : 0;
}

/* A one-way sender: send from this thread until the last mark is through. */
static int send_stream(struct kend *k)
{
	while (!__atomic_load_n(&k->finished, __ATOMIC_RELAXED))
		if (send_next(k))
			return -1;
	return 0;
}

int bench_kucomms_inproc_party(struct bench_shared *sh, const struct bench_params *p, int party,
			       void *ctx)
{
	struct kend tx, rx;
	int err;

	(void)party;
	(void)ctx;
	/* The receiver's process clock covers both ends: the sender's is not taken. */
	if (kend_init(&tx, sh, p, 0, false) || kend_init(&rx, sh, p, 1, true))
		return -1;
	err = kucomms_link_inproc_pair(tx.ep, rx.ep, NULL, &tx.link, &rx.link);
	if (err)
		return kend_fail(&tx, "kucomms_link_inproc_pair", err);
	if (kend_start(&rx) || kend_start(&tx))
		return -1;
	err = p->kind == BENCH_ONEWAY ? send_stream(&tx)
				      : bench_fail(sh, "in-process rows are one-way only");
	if (!err)
		latch_wait(&rx.done);
	kucomms_endpoint_destroy(tx.ep);
	kucomms_endpoint_destroy(rx.ep);
	return err || __atomic_load_n(&tx.failed, __ATOMIC_RELAXED) ||
			       __atomic_load_n(&rx.failed, __ATOMIC_RELAXED)
		       ? -1
		       : 0;
}

static int attach(struct kend *k, const char *name)
{
	int64_t deadline = bench_now_ns() + (int64_t)(ATTACH_TIMEOUT_S * 1e9);
	struct kucomms_link *link;
	int err;

	/* The creator is another process that may not have created it yet. */
	while ((err = kucomms_link_shm_attach(k->ep, name, &link)) && bench_now_ns() < deadline)
		bench_sleep_s(0.001);
	if (err)
		return kend_fail(k, "kucomms_link_shm_attach", err);
	__atomic_store_n(&k->link, link, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A monitor of the link, in a thread of the creator's process: it reads
 * every record until the link is gone, looking every millisecond rather
 * than asking to be woken, as a reader that keeps up with a busy link
 * would (a wake per message would cost the link a system call each).
 */
struct monitor_reader {
	struct kucomms_monitor *m;
	struct bench_shared *sh;
	pthread_t thread;
};

/* Ring bytes of the monitor: ample for what arrives in a millisecond. */
#define MONITOR_RING (1ULL << 24)

static void *monitor_read(void *arg)
{
	struct monitor_reader *r = arg;
	struct kucomms_mon_record rec;
	uint64_t messages = 0, dropped = 0;
	const void *data;
	int n;

	for (;;) {
		while ((n = kucomms_monitor_next(r->m, &rec, &data)) > 0) {
			messages += rec.kind == KUCOMMS_MON_MESSAGE;
			dropped += rec.kind == KUCOMMS_MON_DROP ? rec.value : 0;
			kucomms_monitor_done(r->m);
		}
		/* Gone: the link closed, and its last records were read above. */
		if (n < 0 || kucomms_monitor_wait(r->m, 0) < 0)
			break;
		bench_sleep_s(0.001);
	}
	r->sh->monitor_messages = messages;
	r->sh->monitor_dropped = dropped;
	return NULL;
}

/* Side 0 of a monitored row: publish the link and watch it. */
static int monitor_start(struct kend *k, const struct bench_params *p, struct monitor_reader *r)
{
	char target[80];
	int err = kucomms_link_monitor_enable(k->link);

	snprintf(target, sizeof(target), "shm:%s", p->shm_name);
	if (!err)
		err = kucomms_monitor_open(target, MONITOR_RING, 0, &r->m);
	if (err)
		return kend_fail(k, "starting the monitor", err);
	r->sh = k->e.sh;
	if (pthread_create(&r->thread, NULL, monitor_read, r)) {
		kucomms_monitor_close(r->m);
		r->m = NULL;
		return kend_fail(k, "pthread_create", -EAGAIN);
	}
	return 0;
}

static void monitor_stop(struct monitor_reader *r)
{
	if (!r->m)
		return;
	pthread_join(r->thread, NULL);
	kucomms_monitor_close(r->m);
}

int bench_kucomms_shm_party(struct bench_shared *sh, const struct bench_params *p, int party,
			    void *ctx)
{
	struct monitor_reader monitor = { .m = NULL };
	struct kend k;
	int err = 0;

	(void)ctx;
	if (kend_init(&k, sh, p, party, true))
		return -1;
	if (party == 0) {
		err = kucomms_link_shm_create(k.ep, p->shm_name, NULL, &k.link);
		if (err)
			err = kend_fail(&k, "kucomms_link_shm_create", err);
		if (!err)
			err = kend_start(&k);
		if (!err && p->monitored)
			err = monitor_start(&k, p, &monitor);
		if (!err)
			latch_wait(&k.connected);
		if (!err && !__atomic_load_n(&k.failed, __ATOMIC_RELAXED) &&
		    p->kind == BENCH_ONEWAY)
			err = send_stream(&k);
	} else {
		err = kend_start(&k);
		if (!err)
			err = attach(&k, p->shm_name);
	}
	if (!err)
		latch_wait(&k.done);
	kucomms_endpoint_destroy(k.ep);
	monitor_stop(&monitor); /* the link is gone: the monitor reads to its end */
	return err || __atomic_load_n(&k.failed, __ATOMIC_RELAXED) ? -1 : 0;
}

/* ---- idle ---- */

static void ignore_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			   const void *data, void *user)
{
	(void)link;
	(void)hdr;
	(void)data;
	(void)user;
}

static void idle_tick(struct kucomms_endpoint *ep, void *user)
{
	(void)ep;
	(void)user;
}

static int counters(struct kucomms_endpoint *ep, struct kucomms_endpoint_counters *c,
		    struct bench_idle_result *out)
{
	int err = kucomms_endpoint_counters(ep, c);

	if (err)
		snprintf(out->error, sizeof(out->error), "kucomms_endpoint_counters: %s",
			 kucomms_strerror(err));
	return err;
}

static int idle_process(double seconds, struct bench_idle_result *out)
{
	struct kucomms_handlers h = {
		.message = ignore_message,
		.work = idle_tick,
		.timer = idle_tick,
	};
	struct kucomms_endpoint_counters c0, c1;
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&h, NULL, NULL);
	struct kucomms_link *a, *b;
	int64_t t0, cpu0;
	int err;

	if (!ep) {
		snprintf(out->error, sizeof(out->error), "kucomms_endpoint_create: %s",
			 kucomms_last_error());
		return -1;
	}
	err = kucomms_link_inproc_pair(ep, ep, NULL, &a, &b);
	if (!err)
		err = kucomms_endpoint_start(ep);
	if (err) {
		snprintf(out->error, sizeof(out->error), "setting up the idle endpoint: %s",
			 kucomms_last_error());
		kucomms_endpoint_destroy(ep);
		return -1;
	}
	bench_sleep_s(0.2); /* past the thread's start */
	err = counters(ep, &c0, out);
	t0 = bench_now_ns();
	cpu0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	bench_sleep_s(seconds);
	out->cpu_pct = 100.0 * (double)(bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) /
		       (double)(bench_now_ns() - t0);
	if (!err)
		err = counters(ep, &c1, out);
	kucomms_endpoint_destroy(ep);
	if (err)
		return -1;
	out->work_calls = c1.work_calls - c0.work_calls;
	out->timer_calls = c1.timer_calls - c0.timer_calls;
	out->wakeups = c1.wakeups - c0.wakeups;
	out->ok = true;
	return 0;
}

int bench_kucomms_idle(double seconds, struct bench_idle_result *out)
{
	struct bench_idle_result *shared;
	pid_t pid;
	int err;

	memset(out, 0, sizeof(*out));
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	if (shared == MAP_FAILED) {
		err = -errno;
		snprintf(out->error, sizeof(out->error), "mmap: %s", strerror(-err));
		return err;
	}
	memset(shared, 0, sizeof(*shared));
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(idle_process(seconds, shared) ? 1 : 0);
	if (pid < 0) {
		err = -errno;
		snprintf(out->error, sizeof(out->error), "fork: %s", strerror(-err));
	} else {
		err = bench_reap(&pid, 1, bench_now_ns() + (int64_t)((seconds + 10) * 1e9),
				 out->error, sizeof(out->error));
		if (!err || shared->error[0])
			*out = *shared;
	}
	munmap(shared, sizeof(*shared));
	return out->ok ? 0 : -EIO;
}
