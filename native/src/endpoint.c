// SPDX-License-Identifier: MIT
/*
 * The endpoint: one thread that sleeps in one epoll on everything its links
 * can be woken by, drains their receive rings into the message handler and
 * runs the work and timer handlers on a drift-free schedule.
 *
 * The list of links belongs to the thread while it runs: only the thread
 * changes it (always holding ep->mu, so other threads may read it under
 * ep->mu). Another thread that adds or closes a link queues an operation,
 * wakes the thread through the control eventfd and waits for it to be
 * applied, so no link is freed while the thread may still touch it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* Messages taken from one link before the others get their turn. */
#define RECEIVE_BATCH	64
#define EPOLL_EVENTS	64

enum op_kind { OP_ADD, OP_CLOSE };

struct endpoint_op {
	enum op_kind kind;
	struct kucomms_link *link;
	bool done;
	struct endpoint_op *next;
};

static __thread struct kucomms_endpoint *current_ep;

bool kc_on_thread(const struct kucomms_endpoint *ep)
{
	return current_ep == ep;
}

uint64_t kc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void kc_eventfd_signal(int fd)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter overflow, which still wakes. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

void kc_eventfd_drain(int fd)
{
	uint64_t value;

	if (read(fd, &value, sizeof(value)) < 0)
		return;		/* EAGAIN: already zero */
}

void kc_watch_add(struct kucomms_link *link, int fd, struct watch *w,
		  enum watch_kind kind, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	w->kind = kind;
	w->link = link;
	/* Cannot fail for a valid new descriptor short of ENOMEM. */
	epoll_ctl(link->ep->epfd, EPOLL_CTL_ADD, fd, &ev);
}

void kc_watch_del(struct kucomms_link *link, int fd)
{
	if (fd >= 0)
		epoll_ctl(link->ep->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void watch_link(struct kucomms_link *link)
{
	/*
	 * An in-process link's eventfd: edge-triggered, and never read. Every
	 * write to an eventfd is a new edge even when its counter is already
	 * nonzero, so a wake always wakes, and the read that would reset the
	 * counter is a syscall saved per sleep. The counter cannot overflow
	 * from wakes (2^64 - 2 of them). Only this process holds it: links to
	 * other processes never share an eventfd (see link_shm.c).
	 */
	if (link->rx_fd >= 0)
		kc_watch_add(link, link->rx_fd, &link->w_rx, WATCH_RX,
			     EPOLLIN | EPOLLET);
	if (link->fd >= 0)
		kc_watch_add(link, link->fd, &link->w_fd, link->fd_kind,
			     link->fd_events);
	if (link->listen_fd >= 0)
		kc_watch_add(link, link->listen_fd, &link->w_listen,
			     WATCH_LISTEN, EPOLLIN);
	link->in_epoll = true;
}

static void unwatch_link(struct kucomms_link *link)
{
	if (!link->in_epoll)
		return;
	kc_watch_del(link, link->rx_fd);
	kc_watch_del(link, link->fd);
	kc_watch_del(link, link->listen_fd);
	link->in_epoll = false;
}

void kc_report_state(struct kucomms_link *link, int state, int err)
{
	struct kucomms_endpoint *ep = link->ep;

	if (ep->h.link_state)
		ep->h.link_state(link, state, err, ep->user);
}

/* Tell the peer we are gone, then free everything. Caller holds ep->mu. */
static void destroy_link(struct kucomms_link *link)
{
	unwatch_link(link);
	if (link->own_state)
		__atomic_store_n(&link->own_state->flags, KUCOMMS_SIDE_CLOSED,
				 __ATOMIC_RELEASE);
	/* Other transports' peers see their descriptor hang up at the free. */
	if (link->tx_wake_fd >= 0)
		kc_eventfd_signal(link->tx_wake_fd);
	kc_link_free(link);
}

static void unlist_link(struct kucomms_endpoint *ep, struct kucomms_link *link)
{
	struct kucomms_link **p;

	for (p = &ep->links; *p; p = &(*p)->next) {
		if (*p == link) {
			*p = link->next;
			return;
		}
	}
}

/* Caller holds ep->mu; the thread is not iterating the list. */
static void apply_op(struct kucomms_endpoint *ep, struct endpoint_op *op)
{
	struct kucomms_link *link = op->link;

	switch (op->kind) {
	case OP_ADD:
		link->next = ep->links;
		ep->links = link;
		watch_link(link);
		break;
	case OP_CLOSE:
		unlist_link(ep, link);
		destroy_link(link);
		break;
	}
	op->done = true;
}

/* Apply @kind to @link now if nothing runs, else through the thread. */
static void run_op(struct kucomms_endpoint *ep, enum op_kind kind,
		   struct kucomms_link *link)
{
	struct endpoint_op op = { .kind = kind, .link = link };
	struct endpoint_op **p;

	pthread_mutex_lock(&ep->mu);
	if (!ep->running || kc_on_thread(ep)) {
		apply_op(ep, &op);
	} else {
		for (p = &ep->ops; *p; p = &(*p)->next)
			;
		*p = &op;
		__atomic_store_n(&ep->ops_pending, 1, __ATOMIC_RELEASE);
		kc_eventfd_signal(ep->control_fd);
		while (!op.done)
			pthread_cond_wait(&ep->cv, &ep->mu);
	}
	pthread_mutex_unlock(&ep->mu);
}

/* Caller holds ep->mu. */
static void apply_ops_locked(struct kucomms_endpoint *ep)
{
	struct endpoint_op *op, *next;

	__atomic_store_n(&ep->ops_pending, 0, __ATOMIC_RELAXED);
	for (op = ep->ops; op; op = next) {
		next = op->next;
		apply_op(ep, op);	/* @op may be gone once done is set */
	}
	ep->ops = NULL;
	pthread_cond_broadcast(&ep->cv);
}

static void apply_ops(struct kucomms_endpoint *ep)
{
	if (!__atomic_load_n(&ep->ops_pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ep->mu);
	apply_ops_locked(ep);
	pthread_mutex_unlock(&ep->mu);
}

/* Free the links closed from callbacks; the thread is between passes. */
static void reap_links(struct kucomms_endpoint *ep)
{
	struct kucomms_link **p, *link;

	if (!ep->reap_pending)
		return;
	pthread_mutex_lock(&ep->mu);
	for (p = &ep->links; *p;) {
		link = *p;
		if (link->closing) {
			*p = link->next;
			destroy_link(link);
		} else {
			p = &link->next;
		}
	}
	pthread_mutex_unlock(&ep->mu);
	ep->reap_pending = false;
}

int kc_link_add(struct kucomms_link *link)
{
	run_op(link->ep, OP_ADD, link);
	return 0;
}

void kucomms_link_close(struct kucomms_link *link)
{
	struct kucomms_endpoint *ep;

	if (!link)
		return;
	ep = link->ep;
	if (kc_on_thread(ep)) {
		/* A callback may be using it: free it between passes. */
		pthread_mutex_lock(&ep->mu);
		link->closing = true;
		pthread_mutex_unlock(&ep->mu);
		unwatch_link(link);
		ep->reap_pending = true;
		return;
	}
	run_op(ep, OP_CLOSE, link);
}

void kc_link_set_down(struct kucomms_link *link, int err)
{
	int expected = 0;

	if (__atomic_compare_exchange_n(&link->down, &expected, err, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
	    !kc_on_thread(link->ep))
		kc_eventfd_signal(link->ep->control_fd);	/* to report it */
}

static void report_down(struct kucomms_link *link)
{
	int err = __atomic_load_n(&link->down, __ATOMIC_RELAXED);

	if (!err || link->down_reported)
		return;
	link->down_reported = true;
	unwatch_link(link);
	kc_report_state(link, KUCOMMS_LINK_DOWN, err);
}

static bool peer_closed(const struct kucomms_link *link)
{
	return link->peer_hup ||
	       (__atomic_load_n(&link->peer_state->flags, __ATOMIC_ACQUIRE) &
		KUCOMMS_SIDE_CLOSED);
}

/* Hand a batch of messages to the handler; true if there were any. */
static bool receive_link(struct kucomms_endpoint *ep, struct kucomms_link *link)
{
	/* Read before draining: what the peer sent before closing is seen. */
	bool closed = peer_closed(link);
	struct kucomms_msg_header hdr;
	const void *data;
	int n = 0, ret = 0;

	while (n < RECEIVE_BATCH &&
	       (ret = kucomms_ring_peek(&link->rx, &hdr, &data)) == 1) {
		ep->h.message(link, &hdr, data, ep->user);
		kucomms_ring_consume(&link->rx);
		stat_store(&link->rx_stats.received, link->rx.messages);
		stat_store(&link->rx_stats.bytes_received,
			   stat_load(&link->rx_stats.bytes_received) + hdr.length);
		n++;
		if (link->closing || __atomic_load_n(&ep->stop, __ATOMIC_RELAXED))
			break;
	}
	if (n)
		kucomms_ring_publish_consumed(&link->rx);
	if (link->closing)
		return true;	/* closed by the handler: nothing to report */
	if (ret < 0) {
		kc_error(ret, "%s: the peer wrote an impossible record into the receive ring",
			 link->target);
		kc_link_set_down(link, ret);
	} else if (ret == 0 && closed) {
		kc_error(-EPIPE, "%s: the peer closed the link or its process ended",
			 link->target);
		kc_link_set_down(link, -EPIPE);
	}
	report_down(link);
	return n > 0;
}

static bool link_live(const struct kucomms_link *link)
{
	return !link->closing && !__atomic_load_n(&link->down, __ATOMIC_RELAXED);
}

static bool receive_all(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;
	bool busy = false;

	for (link = ep->links; link; link = link->next) {
		if (link->closing)
			continue;
		if (!link_live(link))
			report_down(link);
		else if (receive_link(ep, link))
			busy = true;
	}
	return busy;
}

static void run_due(struct kucomms_endpoint *ep)
{
	uint64_t now = kc_now_ns();

	if (ep->h.work && kc_sched_due(&ep->work, now)) {
		stat_store(&ep->work_calls, ep->work.calls);
		stat_store(&ep->work_skipped, ep->work.skipped);
		ep->h.work(ep, ep->user);
	}
	if (ep->h.timer && kc_sched_due(&ep->timer, now)) {
		stat_store(&ep->timer_calls, ep->timer.calls);
		stat_store(&ep->timer_skipped, ep->timer.skipped);
		ep->h.timer(ep, ep->user);
	}
}

static uint64_t next_deadline(const struct kucomms_endpoint *ep)
{
	uint64_t d = 0, t;

	if (ep->h.work)
		d = kc_sched_deadline(&ep->work);
	if (ep->h.timer) {
		t = kc_sched_deadline(&ep->timer);
		if (!d || t < d)
			d = t;
	}
	return d;
}

static bool should_leave_sleep(const struct kucomms_endpoint *ep)
{
	return __atomic_load_n(&ep->stop, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&ep->ops_pending, __ATOMIC_RELAXED);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* How long a spin keeps its core before it lets others run between looks. */
#define SPIN_HARD_NS		5000
/*
 * A sched_yield() that takes longer than this let another thread run on
 * our core: the call alone returns within a microsecond or two.
 */
#define YIELD_RAN_OTHERS_NS	3000
/* Idle moments slept through at once after a spin that did not pay. */
#define SPIN_BACKOFF		64
/*
 * Budgets beyond a scheduler time slice ask to hold the core whatever it
 * costs (e.g. one second: never sleep): those spin every time.
 */
#define SPIN_ADAPTIVE_MAX_NS	1000000

enum spin_result {
	SPIN_HIT,		/* data (or a stop) with a core to ourselves */
	SPIN_HIT_SHARED,	/* data, but only after others ran on our core */
	SPIN_MISS,		/* nothing within the budget */
};

/*
 * Keep looking at the rings for the spin budget. A peer that is running
 * answers within microseconds, so the first ones are spent spinning hard;
 * after that the core is yielded between looks, so a peer (or anyone else)
 * waiting for it can run.
 */
static enum spin_result spin(struct kucomms_endpoint *ep)
{
	uint64_t now = kc_now_ns();
	uint64_t end = now + ep->opts.spin_ns, hard_end = now + SPIN_HARD_NS;
	uint64_t deadline = next_deadline(ep);
	struct kucomms_link *link;
	bool shared = false;
	int i;

	if (deadline && deadline < end)
		end = deadline;
	do {
		for (i = 0; i < 32; i++) {
			for (link = ep->links; link; link = link->next)
				if (link_live(link) &&
				    kucomms_read_once(link->rx.prod->pos) != link->rx.pos)
					return shared ? SPIN_HIT_SHARED : SPIN_HIT;
			if (should_leave_sleep(ep))
				return SPIN_HIT;
			cpu_relax();
		}
		now = kc_now_ns();
		if (now >= hard_end) {
			sched_yield();
			if (kc_now_ns() - now > YIELD_RAN_OTHERS_NS)
				shared = true;
		}
	} while (now < end);
	return SPIN_MISS;
}

/*
 * Spin only while traffic flows, when the next message is likely to come
 * soon, and only while spinning pays. A message that came only after other
 * threads had our core (the peer shares it, or the machine is busy) would
 * have come as soon to a sleeping endpoint, and one that never came was
 * spun for in vain: either makes the next SPIN_BACKOFF waits sleep at once,
 * then one spin looks again. A peer on a core of its own that is merely
 * slow to answer keeps us spinning, so two ends that both backed off find
 * their way back to spinning once cores are free. True if the rings (or a
 * stop) need a look.
 */
static bool spin_if_worthwhile(struct kucomms_endpoint *ep)
{
	enum spin_result r;

	if (!ep->had_traffic || !ep->opts.spin_ns)
		return false;
	if (ep->spin_skips) {
		ep->spin_skips--;
		return false;
	}
	r = spin(ep);
	if (r != SPIN_HIT && ep->opts.spin_ns <= SPIN_ADAPTIVE_MAX_NS)
		ep->spin_skips = SPIN_BACKOFF;
	return r != SPIN_MISS;
}

static void arm_timer(struct kucomms_endpoint *ep)
{
	uint64_t deadline = next_deadline(ep);
	struct itimerspec its = { 0 };

	if (!deadline || deadline == ep->armed_deadline)
		return;
	its.it_value.tv_sec = (time_t)(deadline / 1000000000ULL);
	its.it_value.tv_nsec = (long)(deadline % 1000000000ULL);
	timerfd_settime(ep->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	ep->armed_deadline = deadline;
}

static void handle_event(struct kucomms_endpoint *ep, struct watch *w,
			 uint32_t events)
{
	uint64_t expirations;

	switch (w->kind) {
	case WATCH_CONTROL:
		kc_eventfd_drain(ep->control_fd);
		break;
	case WATCH_TIMER:
		if (read(ep->timer_fd, &expirations, sizeof(expirations)) < 0)
			break;
		ep->armed_deadline = 0;	/* spent: arm again */
		break;
	case WATCH_RX:
		break;		/* edge-triggered: nothing to reset */
	default:
		if (!w->link->closing)
			w->link->ops->event(w->link, w, events);
		break;
	}
}

/*
 * Announce the sleep on every ring (NEED_WAKEUP), look once more, sleep in
 * epoll until a link, the control eventfd or the next deadline wakes us.
 *
 * A shm link's peer sends at most one wake per sleep announced, telling
 * sleeps apart by the count kucomms_ring_end_sleep() publishes; link_shm.c
 * (shm_wake_peer()) has the argument, which needs two things from here:
 * the barrier before the announcement, so a peer that sees NEED_WAKEUP
 * sees the count stored at the end of the previous sleep; and the wakes
 * taken (reported by epoll_wait(), or read by ops->slept) before the sleep
 * is counted, so that no wake sent for a count is taken by the sleep that
 * stored that count, which would leave the next sleep, announced with the
 * same count, without one.
 */
static void sleep_once(struct kucomms_endpoint *ep)
{
	struct epoll_event events[EPOLL_EVENTS];
	struct kucomms_link *link;
	bool may_sleep = true, woken = false;
	int n = 0, i;

	arm_timer(ep);
	kucomms_full_barrier();
	for (link = ep->links; link; link = link->next)
		if (link_live(link) && !kucomms_ring_prepare_sleep(&link->rx))
			may_sleep = false;
	if (should_leave_sleep(ep))
		may_sleep = false;
	if (may_sleep) {
		stat_inc(&ep->sleeps);
		n = epoll_wait(ep->epfd, events, EPOLL_EVENTS, -1);
	}
	for (i = 0; i < n; i++) {
		struct watch *w = events[i].data.ptr;

		if (w->kind != WATCH_TIMER)
			woken = true;
		handle_event(ep, w, events[i].events);
	}
	for (link = ep->links; may_sleep && link; link = link->next)
		if (link_live(link) && link->ops->slept)
			link->ops->slept(link);
	for (link = ep->links; link; link = link->next) {
		if (!link_live(link))
			continue;
		kucomms_ring_end_sleep(&link->rx, may_sleep);
		stat_store(&link->rx_stats.sleeps, link->rx.sleeps);
	}
	if (woken)
		stat_inc(&ep->wakeups);
}

static void *endpoint_thread(void *arg)
{
	struct kucomms_endpoint *ep = arg;
	uint64_t now = kc_now_ns();

	current_ep = ep;
	kc_sched_init(&ep->work, now, ep->opts.work_period_ns);
	kc_sched_init(&ep->timer, now, ep->opts.timer_period_ns);
	ep->armed_deadline = 0;
	while (!__atomic_load_n(&ep->stop, __ATOMIC_ACQUIRE)) {
		bool busy;

		apply_ops(ep);
		busy = receive_all(ep);
		run_due(ep);
		reap_links(ep);
		if (busy) {
			ep->had_traffic = true;
			continue;
		}
		if (spin_if_worthwhile(ep))
			continue;
		ep->had_traffic = false;
		sleep_once(ep);
		reap_links(ep);
	}
	reap_links(ep);
	pthread_mutex_lock(&ep->mu);
	apply_ops_locked(ep);
	ep->running = false;
	pthread_cond_broadcast(&ep->cv);
	pthread_mutex_unlock(&ep->mu);
	current_ep = NULL;
	return NULL;
}

void kucomms_endpoint_options_init(struct kucomms_endpoint_options *opts)
{
	opts->spin_ns = KUCOMMS_DEFAULT_SPIN_NS;
	opts->work_period_ns = KUCOMMS_DEFAULT_WORK_PERIOD_NS;
	opts->timer_period_ns = KUCOMMS_DEFAULT_TIMER_PERIOD_NS;
}

static int add_own_watch(struct kucomms_endpoint *ep, int fd, struct watch *w,
			 enum watch_kind kind)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

	w->kind = kind;
	w->link = NULL;
	return epoll_ctl(ep->epfd, EPOLL_CTL_ADD, fd, &ev);
}

struct kucomms_endpoint *
kucomms_endpoint_create(const struct kucomms_handlers *h, void *user,
			const struct kucomms_endpoint_options *opts)
{
	struct kucomms_endpoint *ep;
	int err;

	if (!h || !h->message) {
		kc_error(-EINVAL, "kucomms_endpoint_create: a message handler is required");
		errno = EINVAL;
		return NULL;
	}
	ep = calloc(1, sizeof(*ep));
	if (!ep) {
		kc_error(-ENOMEM, "kucomms_endpoint_create: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	ep->h = *h;
	ep->user = user;
	kucomms_endpoint_options_init(&ep->opts);
	if (opts) {
		ep->opts.spin_ns = opts->spin_ns;
		if (opts->work_period_ns)
			ep->opts.work_period_ns = opts->work_period_ns;
		if (opts->timer_period_ns)
			ep->opts.timer_period_ns = opts->timer_period_ns;
	}
	pthread_mutex_init(&ep->mu, NULL);
	pthread_cond_init(&ep->cv, NULL);
	ep->epfd = epoll_create1(EPOLL_CLOEXEC);
	ep->control_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ep->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep->epfd < 0 || ep->control_fd < 0 || ep->timer_fd < 0 ||
	    add_own_watch(ep, ep->control_fd, &ep->w_control, WATCH_CONTROL) ||
	    add_own_watch(ep, ep->timer_fd, &ep->w_timer, WATCH_TIMER)) {
		err = errno;
		kc_error(-err, "kucomms_endpoint_create: cannot set up its epoll: %s",
			 strerror(err));
		kucomms_endpoint_destroy(ep);
		errno = err;
		return NULL;
	}
	return ep;
}

int kucomms_endpoint_start(struct kucomms_endpoint *ep)
{
	sigset_t all, old;
	int err;

	pthread_mutex_lock(&ep->mu);
	if (ep->running) {
		pthread_mutex_unlock(&ep->mu);
		return kc_error_const(-EALREADY, "the endpoint is already running");
	}
	if (ep->joinable) {
		/* Stopped from its own callback: it has ended, reap it. */
		pthread_join(ep->thread, NULL);
		ep->joinable = false;
	}
	__atomic_store_n(&ep->stop, 0, __ATOMIC_RELAXED);
	ep->running = true;
	/* Signals belong to the application's threads, not to ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&ep->thread, NULL, endpoint_thread, ep);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		ep->running = false;
		pthread_mutex_unlock(&ep->mu);
		return kc_error(-err, "cannot start the endpoint thread: %s",
				strerror(err));
	}
	ep->joinable = true;
	pthread_mutex_unlock(&ep->mu);
	return 0;
}

int kucomms_endpoint_stop(struct kucomms_endpoint *ep)
{
	bool was_running;
	pthread_t thread;

	pthread_mutex_lock(&ep->mu);
	was_running = ep->running;
	if (was_running) {
		__atomic_store_n(&ep->stop, 1, __ATOMIC_RELEASE);
		kc_eventfd_signal(ep->control_fd);
	}
	if (kc_on_thread(ep)) {
		pthread_mutex_unlock(&ep->mu);
		return 0;	/* ends once the running callback returns */
	}
	while (ep->running)
		pthread_cond_wait(&ep->cv, &ep->mu);
	if (ep->joinable) {
		ep->joinable = false;
		thread = ep->thread;
		pthread_mutex_unlock(&ep->mu);
		pthread_join(thread, NULL);
	} else {
		pthread_mutex_unlock(&ep->mu);
	}
	if (!was_running)
		return kc_error_const(-EALREADY, "the endpoint is not running");
	return 0;
}

void kucomms_endpoint_destroy(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;

	if (!ep)
		return;
	kucomms_endpoint_stop(ep);
	pthread_mutex_lock(&ep->mu);
	while ((link = ep->links)) {
		ep->links = link->next;
		destroy_link(link);
	}
	pthread_mutex_unlock(&ep->mu);
	if (ep->epfd >= 0)
		close(ep->epfd);
	if (ep->control_fd >= 0)
		close(ep->control_fd);
	if (ep->timer_fd >= 0)
		close(ep->timer_fd);
	pthread_cond_destroy(&ep->cv);
	pthread_mutex_destroy(&ep->mu);
	free(ep);
}

void *kucomms_endpoint_user(const struct kucomms_endpoint *ep)
{
	return ep->user;
}

int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_header *hdr, const void *data)
{
	struct kucomms_link *link;
	int sent = 0, first_err = 0, err;

	pthread_mutex_lock(&ep->mu);
	for (link = ep->links; link; link = link->next) {
		if (link->closing)
			continue;
		err = kucomms_send_locked(link, hdr, data);
		if (!err)
			sent++;
		else if (!first_err)
			first_err = err;
	}
	pthread_mutex_unlock(&ep->mu);
	return first_err ? first_err : sent;
}

int kucomms_endpoint_counters(const struct kucomms_endpoint *ep,
			      struct kucomms_endpoint_counters *out)
{
	out->work_calls = stat_load(&ep->work_calls);
	out->timer_calls = stat_load(&ep->timer_calls);
	out->work_ticks_skipped = stat_load(&ep->work_skipped);
	out->timer_ticks_skipped = stat_load(&ep->timer_skipped);
	out->sleeps = stat_load(&ep->sleeps);
	out->wakeups = stat_load(&ep->wakeups);
	return 0;
}
