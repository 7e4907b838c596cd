// SPDX-License-Identifier: MIT
/*
 * What every link does the same way whatever its transport: binding to the
 * link memory, sending (plain, locked, zero-copy), going down and counting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

struct kucomms_link *kc_link_alloc(struct kucomms_endpoint *ep, const struct link_ops *ops,
				   const char *target)
{
	/* Aligned: the send and receive state sit on their own cache lines. */
	struct kucomms_link *link = aligned_alloc(KC_CACHELINE, sizeof(*link));

	if (!link) {
		kc_error(-ENOMEM, "%s: out of memory", target);
		return NULL;
	}
	memset(link, 0, sizeof(*link));
	link->ep = ep;
	link->ops = ops;
	snprintf(link->target, sizeof(link->target), "%s", target);
	pthread_mutex_init(&link->send_lock, NULL);
	return link;
}

void kc_link_bind(struct kucomms_link *link, const struct kucomms_link_layout *l, int side,
		  void *region0, void *region1)
{
	struct kucomms_side_page *page[2] = { region0, region1 };

	kucomms_link_bind(l, side, region0, region1, &link->tx, &link->rx);
	link->own_state = &page[side]->state;
	link->peer_state = &page[1 - side]->state;
}

void kc_link_free(struct kucomms_link *link)
{
	if (link->ops->release)
		link->ops->release(link);
	pthread_mutex_destroy(&link->send_lock);
	free(link);
}

void kc_link_set_down(struct kucomms_link *link, int err)
{
	int expected = 0;

	if (__atomic_compare_exchange_n(&link->down, &expected, err, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED) &&
	    !kc_on_thread(link->ep))
		kc_eventfd_signal(link->ep->control_fd); /* to report it */
}

void kc_report_state(struct kucomms_link *link, int state, int err)
{
	struct kucomms_endpoint *ep = link->ep;

	if (ep->h.link_state)
		ep->h.link_state(link, state, err, ep->user);
}

int kc_check_capacities(const struct kucomms_link_options *o, uint64_t *tx, uint64_t *rx,
			const char *what)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t cap[2] = { o ? o->tx_capacity : 0, o ? o->rx_capacity : 0 };
	int i;

	for (i = 0; i < 2; i++) {
		if (!cap[i])
			cap[i] = KUCOMMS_RING_DEFAULT_CAPACITY;
		if (!kucomms_ring_capacity_valid(cap[i], page))
			return kc_error(-EINVAL,
					"%s: ring capacity %llu is not a power of two from %llu to %llu",
					what, (unsigned long long)cap[i],
					(unsigned long long)KUCOMMS_RING_MIN_CAPACITY,
					(unsigned long long)KUCOMMS_RING_MAX_CAPACITY);
	}
	*tx = cap[0];
	*rx = cap[1];
	return 0;
}

struct kucomms_endpoint *kucomms_link_endpoint(const struct kucomms_link *link)
{
	return link->ep;
}

const char *kucomms_link_target(const struct kucomms_link *link)
{
	return link->target;
}

/*
 * Set from any thread while the endpoint's thread may already deliver on
 * the link (a peer can speak the moment it is attached): release/acquire,
 * so a handler that sees the pointer sees what it points at.
 */
void kucomms_link_set_user(struct kucomms_link *link, void *user)
{
	__atomic_store_n(&link->user, user, __ATOMIC_RELEASE);
}

void *kucomms_link_user(const struct kucomms_link *link)
{
	return __atomic_load_n(&link->user, __ATOMIC_ACQUIRE);
}

uint64_t kucomms_link_max_length(const struct kucomms_link *link)
{
	return kucomms_ring_max_length(link->tx.capacity);
}

static int send_error(struct kucomms_link *link, int err, uint64_t length)
{
	switch (err) {
	case -ENOBUFS:
		stat_store(&link->tx_stats.full_events, link->tx.full_events);
		return kc_error_const(err,
				      "the send ring is full (the peer has not read it yet; retry later)");
	case -EMSGSIZE:
		return kc_error(err, "%s: message of %llu bytes exceeds the ring's limit of %llu",
				link->target, (unsigned long long)length,
				(unsigned long long)kucomms_link_max_length(link));
	default:
		kc_link_set_down(link, err);
		return kc_error(err,
				"%s: the peer corrupted the send ring (its read position is impossible)",
				link->target);
	}
}

int kucomms_reserve(struct kucomms_link *link, uint64_t length, struct kucomms_msg_header **rec)
{
	int err = __atomic_load_n(&link->down, __ATOMIC_RELAXED);

	if (err)
		return kc_error(err, "%s: the link is down: %s", link->target,
				kucomms_strerror(err));
	err = kucomms_ring_reserve(&link->tx, length, rec);
	if (err)
		return send_error(link, err, length);
	(*rec)->length = length;
	return 0;
}

void kucomms_commit(struct kucomms_link *link)
{
	struct kc_monitor *monitor = kc_link_monitor(link);

	if (monitor)
		kc_monitor_sent(monitor, &link->tx);
	/*
	 * Stored before the position is published, so a reader that sees
	 * the consumer's position (derived from ours) sees this one too.
	 */
	stat_store(&link->tx_stats.pos, link->tx.pos);
	kucomms_ring_commit(&link->tx);
	stat_store(&link->tx_stats.sent, link->tx.messages);
	stat_store(&link->tx_stats.bytes_sent, link->tx.bytes);
	if (kucomms_ring_need_wakeup(&link->tx) && link->ops->wake(link)) {
		kucomms_ring_count_wakeup(&link->tx);
		stat_store(&link->tx_stats.wakeups_sent, link->tx.wakeups);
	}
}

int kucomms_send(struct kucomms_link *link, const struct kucomms_msg_header *hdr, const void *data)
{
	struct kucomms_msg_header *rec = NULL; /* set whenever err is 0 */
	int err = kucomms_reserve(link, hdr->length, &rec);

	if (err)
		return err;
	rec->type = hdr->type;
	rec->id = hdr->id;
	rec->user_value = hdr->user_value;
	if (hdr->length)
		memcpy(rec + 1, data, hdr->length);
	kucomms_commit(link);
	return 0;
}

int kucomms_send_locked(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			const void *data)
{
	int err;

	pthread_mutex_lock(&link->send_lock);
	err = kucomms_send(link, hdr, data);
	pthread_mutex_unlock(&link->send_lock);
	return err;
}

int kucomms_link_counters(const struct kucomms_link *link, struct kucomms_link_counters *out)
{
	/* The consumer's position first: tx_pos is then at least as new. */
	uint64_t cons = kucomms_load_acquire(&link->tx.cons->pos);
	uint64_t pos = stat_load(&link->tx_stats.pos);
	uint64_t cap = link->tx.capacity;

	out->sent = stat_load(&link->tx_stats.sent);
	out->received = stat_load(&link->rx_stats.received);
	out->bytes_sent = stat_load(&link->tx_stats.bytes_sent);
	out->bytes_received = stat_load(&link->rx_stats.bytes_received);
	out->full_events = stat_load(&link->tx_stats.full_events);
	out->wakeups_sent = stat_load(&link->tx_stats.wakeups_sent);
	out->sleeps = stat_load(&link->rx_stats.sleeps);
	out->tx_capacity = cap;
	out->tx_free = pos - cons <= cap ? cap - (pos - cons) : 0;
	/*
	 * The receive side as the peer published it: display values only,
	 * clamped, since a hostile peer may write anything there.
	 */
	cap = link->rx.capacity;
	cons = kucomms_load_acquire(&link->rx.cons->pos);
	pos = kucomms_load_acquire(&link->rx.prod->pos);
	out->rx_capacity = cap;
	out->rx_used = pos - cons <= cap ? pos - cons : cap;
	out->peer_full_events = kucomms_read_once(link->rx.prod->full_events);
	return 0;
}
