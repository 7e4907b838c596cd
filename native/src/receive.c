// SPDX-License-Identifier: MIT
/*
 * Receiving: the endpoint's thread drains each live link's receive ring
 * into the message handler, a batch at a time, and notices a peer that
 * closed its side or corrupted the ring.
 */
#include <errno.h>

#include "internal.h"

/* Messages taken from one link before the others get their turn. */
#define RECEIVE_BATCH 64

static bool peer_closed(const struct kucomms_link *link)
{
	return link->peer_hup ||
	       (__atomic_load_n(&link->peer_state->flags, __ATOMIC_ACQUIRE) & KUCOMMS_SIDE_CLOSED);
}

/*
 * Hand a batch of messages to the handler: how many (a link the handler
 * closed counts as one, so the thread looks again before sleeping).
 */
static unsigned int receive_link(struct kucomms_endpoint *ep, struct kucomms_link *link)
{
	/* Read before draining: what the peer sent before closing is seen. */
	bool closed = peer_closed(link);
	struct kucomms_msg_header hdr;
	const void *data;
	unsigned int n = 0;
	int ret = 0;

	while (n < RECEIVE_BATCH && (ret = kucomms_ring_peek(&link->rx, &hdr, &data)) == 1) {
		struct kc_monitor *monitor = kc_link_monitor(link);

		if (monitor)
			kc_monitor_received(monitor, &hdr, data);
		ep->h.message(link, &hdr, data, ep->user);
		kucomms_ring_consume(&link->rx);
		stat_store(&link->rx_stats.received, link->rx.messages);
		stat_store(&link->rx_stats.bytes_received,
			   stat_load(&link->rx_stats.bytes_received) + hdr.length);
		n++;
		if (link->closing || __atomic_load_n(&ep->stop, __ATOMIC_RELAXED))
			break;
	}
	if (n) {
		kucomms_ring_publish_consumed(&link->rx);
		if (link->ops->room_made && kucomms_ring_should_wake_producer(&link->rx))
			link->ops->room_made(link);
	}
	if (link->closing)
		return n ? n : 1; /* closed by the handler: nothing to report */
	if (ret < 0) {
		kc_error(ret, "%s: the peer wrote an impossible record into the receive ring",
			 link->target);
		kc_link_set_down(link, ret);
	} else if (ret == 0 && closed) {
		kc_error(-EPIPE, "%s: the peer closed the link or its process ended", link->target);
		kc_link_set_down(link, -EPIPE);
	}
	kc_links_report_down(link);
	return n;
}

unsigned int kc_receive_all(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;
	unsigned int delivered = 0;

	for (link = ep->links; link; link = link->next) {
		if (link->closing)
			continue;
		if (!kc_link_live(link))
			kc_links_report_down(link);
		else
			delivered += receive_link(ep, link);
	}
	return delivered;
}
