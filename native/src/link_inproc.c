// SPDX-License-Identifier: MIT
/*
 * In-process links: the link memory is one page-aligned allocation shared
 * by the two link objects, with one eventfd per side to wake it. Both stay
 * until the second side closes, so a side may always wake the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

struct inproc_block {
	int refs; /* atomic: link objects still using it */
	void *mem;
	int wake_fd[2]; /* wake_fd[i] wakes side i */
};

/* One side's view: the eventfd it sleeps on and the one that wakes its peer. */
struct inproc_side {
	struct inproc_block *block;
	int rx_fd, peer_fd;
	struct watch w_rx;
};

static void block_put(struct inproc_block *b)
{
	int i;

	if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < 2; i++)
		kc_close_fd(&b->wake_fd[i]);
	free(b->mem);
	free(b);
}

/*
 * The receive eventfd: edge-triggered, and never read. Every write to an
 * eventfd is a new edge even when its counter is already nonzero, so a
 * wake always wakes, and the read that would reset the counter is a
 * syscall saved per sleep. The counter cannot overflow from wakes (2^64 - 2
 * of them). Only this process holds it: links to other processes never
 * share an eventfd (see link_shm.c).
 */
static int inproc_watch(struct kucomms_link *link)
{
	struct inproc_side *s = link->transport;

	return kc_watch_add(link, s->rx_fd, &s->w_rx, EPOLLIN | EPOLLET);
}

static void inproc_unwatch(struct kucomms_link *link)
{
	struct inproc_side *s = link->transport;

	kc_watch_del(link, s->rx_fd);
}

/* Our side's state says closed: wake the peer to read it. */
static void inproc_closed(struct kucomms_link *link)
{
	struct inproc_side *s = link->transport;

	kc_eventfd_signal(s->peer_fd);
}

static bool inproc_wake(struct kucomms_link *link)
{
	struct inproc_side *s = link->transport;

	kc_eventfd_signal(s->peer_fd);
	return true;
}

static void inproc_release(struct kucomms_link *link)
{
	struct inproc_side *s = link->transport;

	if (!s)
		return;
	block_put(s->block);
	free(s);
}

static const struct link_ops inproc_ops = {
	.watch = inproc_watch,
	.unwatch = inproc_unwatch,
	.closed = inproc_closed,
	.wake = inproc_wake,
	.release = inproc_release,
};

static int block_create(const struct kucomms_link_layout *l, struct inproc_block **out)
{
	struct inproc_block *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return kc_error(-ENOMEM, "inproc: out of memory");
	b->refs = 1;
	b->wake_fd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b->wake_fd[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->wake_fd[0] < 0 || b->wake_fd[1] < 0) {
		err = errno;
		block_put(b);
		return kc_error(-err, "inproc: eventfd: %s", strerror(err));
	}
	b->mem = aligned_alloc(l->page_size, l->total_size);
	if (!b->mem) {
		block_put(b);
		return kc_error(-ENOMEM, "inproc: cannot allocate %llu bytes of link memory",
				(unsigned long long)l->total_size);
	}
	memset(b->mem, 0, l->total_size);
	kucomms_link_info_publish(b->mem, l);
	*out = b;
	return 0;
}

static struct kucomms_link *side_create(struct kucomms_endpoint *ep, struct inproc_block *b,
					const struct kucomms_link_layout *l, int side)
{
	struct kucomms_link *link = kc_link_alloc(ep, &inproc_ops, "inproc");
	struct inproc_side *s;
	__u8 *mem = b->mem;

	if (!link)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		kc_error(-ENOMEM, "inproc: out of memory");
		kc_link_free(link);
		return NULL;
	}
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	s->block = b;
	s->rx_fd = b->wake_fd[side];
	s->peer_fd = b->wake_fd[1 - side];
	link->transport = s;
	kc_link_bind(link, l, side, mem, mem + l->side_offset[1]);
	return link;
}

int kucomms_link_inproc_pair(struct kucomms_endpoint *a, struct kucomms_endpoint *b,
			     const struct kucomms_link_options *opts, struct kucomms_link **link_a,
			     struct kucomms_link **link_b)
{
	struct kucomms_link_layout l;
	struct kucomms_link *la, *lb;
	struct inproc_block *block = NULL;
	uint64_t cap_a, cap_b;
	int err;

	if (!a || !b || !link_a || !link_b)
		return kc_error(-EINVAL, "kucomms_link_inproc_pair: NULL argument");
	err = kc_check_capacities(opts, &cap_a, &cap_b, "inproc");
	if (err)
		return err;
	kucomms_link_layout_init(&l, cap_a, cap_b, (uint64_t)sysconf(_SC_PAGESIZE));
	err = block_create(&l, &block);
	if (err)
		return err;
	la = side_create(a, block, &l, 0);
	lb = la ? side_create(b, block, &l, 1) : NULL;
	block_put(block); /* now held by the links */
	if (!lb) {
		if (la)
			kc_link_free(la);
		return -ENOMEM;
	}
	err = kc_link_add(la);
	if (err) {
		kc_link_free(la);
		kc_link_free(lb);
		return err;
	}
	err = kc_link_add(lb);
	if (err) {
		kucomms_link_close(la);
		kc_link_free(lb);
		return err;
	}
	*link_a = la;
	*link_b = lb;
	return 0;
}
