// SPDX-License-Identifier: MIT
/*
 * The endpoint: one thread that sleeps in one epoll on everything its links
 * can be woken by (sleep.c), drains their receive rings into the message
 * handler (receive.c), spins while that pays (spin.c) and runs the work and
 * timer handlers on a drift-free schedule (schedule.c). Its links are
 * added and closed through links.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"
#include "spin.h"

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

static void *endpoint_thread(void *arg)
{
	struct kucomms_endpoint *ep = arg;
	uint64_t now = kc_now_ns(), deadline;

	kc_set_current(ep);
	kc_sched_init(&ep->work, now, ep->opts.work_period_ns);
	kc_sched_init(&ep->timer, now, ep->opts.timer_period_ns);
	ep->armed_deadline = 0;
	while (!__atomic_load_n(&ep->stop, __ATOMIC_ACQUIRE)) {
		unsigned int delivered;

		kc_links_apply_ops(ep);
		delivered = kc_receive_all(ep);
		kc_spin_judge(ep, delivered);
		run_due(ep);
		kc_links_reap(ep);
		if (delivered) {
			ep->had_traffic = true;
			continue;
		}
		deadline = next_deadline(ep);
		if (kc_spin_if_worthwhile(ep, deadline))
			continue;
		ep->had_traffic = false;
		kc_sleep_once(ep, deadline);
		kc_links_reap(ep);
	}
	kc_links_reap(ep);
	pthread_mutex_lock(&ep->mu);
	kc_links_apply_ops_locked(ep);
	ep->running = false;
	pthread_cond_broadcast(&ep->cv);
	pthread_mutex_unlock(&ep->mu);
	kc_set_current(NULL);
	return NULL;
}

void kucomms_endpoint_options_init(struct kucomms_endpoint_options *opts)
{
	opts->spin_ns = KUCOMMS_DEFAULT_SPIN_NS;
	opts->work_period_ns = KUCOMMS_DEFAULT_WORK_PERIOD_NS;
	opts->timer_period_ns = KUCOMMS_DEFAULT_TIMER_PERIOD_NS;
}

static int add_own_watch(struct kucomms_endpoint *ep, int fd, struct watch *w, enum watch_kind kind)
{
	w->kind = kind;
	w->link = NULL;
	return kc_epoll_add(ep->epfd, fd, EPOLLIN, w);
}

struct kucomms_endpoint *kucomms_endpoint_create(const struct kucomms_handlers *h, void *user,
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
		return kc_error(-err, "cannot start the endpoint thread: %s", strerror(err));
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
		return 0; /* ends once the running callback returns */
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
	if (!ep)
		return;
	kucomms_endpoint_stop(ep);
	kc_links_destroy_all(ep);
	kc_close_fd(&ep->epfd);
	kc_close_fd(&ep->control_fd);
	kc_close_fd(&ep->timer_fd);
	pthread_cond_destroy(&ep->cv);
	pthread_mutex_destroy(&ep->mu);
	free(ep);
}

void *kucomms_endpoint_user(const struct kucomms_endpoint *ep)
{
	return ep->user;
}

int kucomms_broadcast(struct kucomms_endpoint *ep, const struct kucomms_msg_header *hdr,
		      const void *data)
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
