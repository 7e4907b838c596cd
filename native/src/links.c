// SPDX-License-Identifier: MIT
/*
 * An endpoint's list of links: adding, closing and reporting them down.
 *
 * The list belongs to the endpoint's thread while it runs: only the thread
 * changes it (always holding ep->mu, so other threads may read it under
 * ep->mu). Another thread that adds or closes a link queues an operation,
 * wakes the thread through the control eventfd and waits for it to be
 * applied, so no link is freed while the thread may still touch it.
 */
#define _GNU_SOURCE
#include <string.h>

#include "descriptors.h"
#include "internal.h"

enum op_kind { OP_ADD, OP_CLOSE };

struct endpoint_op {
	enum op_kind kind;
	struct kucomms_link *link;
	int err; /* OP_ADD: what ops->watch returned */
	bool done;
	struct endpoint_op *next;
};

static void unwatch_link(struct kucomms_link *link)
{
	if (!link->in_epoll)
		return;
	link->ops->unwatch(link);
	link->in_epoll = false;
}

/* Tell the peer we are gone, then free everything. Caller holds ep->mu. */
static void destroy_link(struct kucomms_link *link)
{
	unwatch_link(link);
	if (link->own_state)
		__atomic_store_n(&link->own_state->flags, KUCOMMS_SIDE_CLOSED, __ATOMIC_RELEASE);
	if (link->ops->closed)
		link->ops->closed(link);
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
		op->err = link->ops->watch(link);
		if (op->err)
			break;
		link->in_epoll = true;
		link->next = ep->links;
		ep->links = link;
		break;
	case OP_CLOSE:
		unlist_link(ep, link);
		destroy_link(link);
		break;
	}
	op->done = true;
}

/* Apply @kind to @link now if nothing runs, else through the thread. */
static int run_op(struct kucomms_endpoint *ep, enum op_kind kind, struct kucomms_link *link)
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
	return op.err;
}

void kc_links_apply_ops_locked(struct kucomms_endpoint *ep)
{
	struct endpoint_op *op, *next;

	__atomic_store_n(&ep->ops_pending, 0, __ATOMIC_RELAXED);
	for (op = ep->ops; op; op = next) {
		next = op->next;
		apply_op(ep, op); /* @op may be gone once done is set */
	}
	ep->ops = NULL;
	pthread_cond_broadcast(&ep->cv);
}

void kc_links_apply_ops(struct kucomms_endpoint *ep)
{
	if (!__atomic_load_n(&ep->ops_pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&ep->mu);
	kc_links_apply_ops_locked(ep);
	pthread_mutex_unlock(&ep->mu);
}

void kc_links_reap(struct kucomms_endpoint *ep)
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

void kc_links_destroy_all(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;

	pthread_mutex_lock(&ep->mu);
	while ((link = ep->links)) {
		ep->links = link->next;
		destroy_link(link);
	}
	pthread_mutex_unlock(&ep->mu);
}

int kc_link_add(struct kucomms_link *link)
{
	/* The thread may have applied it: the message is set here. */
	int err = run_op(link->ep, OP_ADD, link);

	if (err)
		return kc_error(err, "%s: cannot watch its descriptors: %s", link->target,
				strerror(-err));
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

void kc_links_report_down(struct kucomms_link *link)
{
	int err = __atomic_load_n(&link->down, __ATOMIC_RELAXED);

	if (!err || link->down_reported)
		return;
	link->down_reported = true;
	unwatch_link(link);
	kc_report_state(link, KUCOMMS_LINK_DOWN, err);
}
