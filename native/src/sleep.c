// SPDX-License-Identifier: MIT
/*
 * Sleeping: the endpoint's thread announces its sleep on every ring
 * (NEED_WAKEUP), looks once more, and sleeps in one epoll on everything
 * that can wake it: its control eventfd, its timerfd, and the descriptors
 * its links' transports watch.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

#define EPOLL_EVENTS 64

static void arm_timer(struct kucomms_endpoint *ep, uint64_t deadline)
{
	struct itimerspec its = { 0 };

	if (!deadline || deadline == ep->armed_deadline)
		return;
	its.it_value.tv_sec = (time_t)(deadline / 1000000000ULL);
	its.it_value.tv_nsec = (long)(deadline % 1000000000ULL);
	timerfd_settime(ep->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	ep->armed_deadline = deadline;
}

static void handle_event(struct kucomms_endpoint *ep, struct watch *w, uint32_t events)
{
	uint64_t expirations;

	switch (w->kind) {
	case WATCH_CONTROL:
		kc_eventfd_drain(ep->control_fd);
		break;
	case WATCH_TIMER:
		if (read(ep->timer_fd, &expirations, sizeof(expirations)) < 0)
			break;
		ep->armed_deadline = 0; /* spent: arm again */
		break;
	case WATCH_LINK:
		if (!w->link->closing && w->link->ops->event)
			w->link->ops->event(w->link, w, events);
		break;
	}
}

/*
 * A shm link's peer sends at most one wake per sleep announced, telling
 * sleeps apart by the count kucomms_ring_end_sleep() publishes; link_shm.c
 * (shm_wake()) has the argument, which needs two things from here: the
 * barrier before the announcement, so a peer that sees NEED_WAKEUP sees
 * the count stored at the end of the previous sleep; and the wakes taken
 * (reported by epoll_wait(), or read by ops->slept) before the sleep is
 * counted, so that no wake sent for a count is taken by the sleep that
 * stored that count, which would leave the next sleep, announced with the
 * same count, without one.
 */
void kc_sleep_once(struct kucomms_endpoint *ep, uint64_t deadline)
{
	struct epoll_event events[EPOLL_EVENTS];
	struct kucomms_link *link;
	bool may_sleep = true, woken = false;
	int n = 0, i;

	arm_timer(ep, deadline);
	kucomms_full_barrier();
	for (link = ep->links; link; link = link->next)
		if (kc_link_live(link) && !kucomms_ring_prepare_sleep(&link->rx))
			may_sleep = false;
	if (kc_should_leave_sleep(ep))
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
		if (kc_link_live(link) && link->ops->slept)
			link->ops->slept(link);
	for (link = ep->links; link; link = link->next) {
		if (!kc_link_live(link))
			continue;
		kucomms_ring_end_sleep(&link->rx, may_sleep);
		stat_store(&link->rx_stats.sleeps, link->rx.sleeps);
	}
	if (woken)
		stat_inc(&ep->wakeups);
}
