// SPDX-License-Identifier: MIT
#include "devlink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

__thread char devlink_error[256];

__attribute__((format(printf, 2, 3)))
static int fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(devlink_error, sizeof(devlink_error), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(devlink_error))
		snprintf(devlink_error + n, sizeof(devlink_error) - n, ": %s", strerror(-err));
	return err;
}

int devlink_open(struct devlink *l, const char *path, __u64 cap0, __u64 cap1)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->ro = l->rw = MAP_FAILED;
	l->fd = open(path, O_RDWR | O_CLOEXEC);
	if (l->fd < 0)
		return fail(-errno, "open %s", path);
	l->setup.ring0_capacity = cap0;
	l->setup.ring1_capacity = cap1;
	if (ioctl(l->fd, KUCOMMS_IOC_SETUP, &l->setup) < 0)
		return fail(-errno, "KUCOMMS_IOC_SETUP on %s", path);
	l->ro = mmap(NULL, l->setup.ro_size, PROT_READ, MAP_SHARED, l->fd, 0);
	if (l->ro == MAP_FAILED)
		return fail(-errno, "mmap of the read-only region (%llu bytes) of %s",
			    (unsigned long long)l->setup.ro_size, path);
	l->rw = mmap(NULL, l->setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     l->fd, (off_t)l->setup.rw_offset);
	if (l->rw == MAP_FAILED)
		return fail(-errno, "mmap of the read-write region (%llu bytes at %llu) of %s",
			    (unsigned long long)l->setup.rw_size,
			    (unsigned long long)l->setup.rw_offset, path);
	err = kucomms_link_info_check(l->ro, l->setup.ro_size + l->setup.rw_size,
				      &l->layout);
	if (err)
		return fail(err, "link description of %s", path);
	if (l->layout.region_size[0] != l->setup.ro_size ||
	    l->layout.region_size[1] != l->setup.rw_size ||
	    l->layout.side_offset[1] != l->setup.rw_offset)
		return fail(-EPROTO, "%s: SETUP reported ro_size %llu rw_offset %llu rw_size %llu, the link description says %llu, %llu, %llu",
			    path, (unsigned long long)l->setup.ro_size,
			    (unsigned long long)l->setup.rw_offset,
			    (unsigned long long)l->setup.rw_size,
			    (unsigned long long)l->layout.region_size[0],
			    (unsigned long long)l->layout.side_offset[1],
			    (unsigned long long)l->layout.region_size[1]);
	kucomms_link_bind(&l->layout, 1, l->ro, l->rw, &l->tx, &l->rx);
	return 0;
}

void devlink_close(struct devlink *l)
{
	if (l->rw != MAP_FAILED)
		munmap(l->rw, l->setup.rw_size);
	if (l->ro != MAP_FAILED)
		munmap(l->ro, l->setup.ro_size);
	if (l->fd >= 0)
		close(l->fd);
	l->ro = l->rw = MAP_FAILED;
	l->fd = -1;
}

int devlink_send(struct devlink *l, const struct kucomms_msg_header *hdr,
		 const void *data)
{
	struct kucomms_msg_header *rec;
	int err;

	err = kucomms_ring_reserve(&l->tx, hdr->length, &rec);
	/* A full ring is no failure: the caller tries again. */
	if (err == -ENOBUFS)
		return err;
	if (err)
		return fail(err, "sending %llu bytes", (unsigned long long)hdr->length);
	*rec = *hdr;
	if (hdr->length)
		memcpy(rec + 1, data, hdr->length);
	kucomms_ring_commit(&l->tx);
	if (kucomms_ring_need_wakeup(&l->tx)) {
		if (ioctl(l->fd, KUCOMMS_IOC_WAKE) < 0)
			return fail(-errno, "KUCOMMS_IOC_WAKE");
		kucomms_ring_count_wakeup(&l->tx);
	}
	return 0;
}

int devlink_take(struct devlink *l, struct kucomms_msg_header *hdr,
		 void *buf, size_t size)
{
	const void *data;
	int ret = kucomms_ring_peek(&l->rx, hdr, &data);

	if (ret < 0)
		return fail(ret, "reading ring 0");
	if (ret == 0)
		return 0;
	if (size)
		memcpy(buf, data, hdr->length < size ? hdr->length : size);
	kucomms_ring_consume(&l->rx);
	kucomms_ring_publish_consumed(&l->rx);
	/*
	 * The module's reply waits for this room: wake its thread rather than
	 * leave it to its retry timer. Only a hint, so an error (EPIPE on a
	 * closed link) is for the next send to report.
	 */
	if (kucomms_ring_should_wake_producer(&l->rx))
		(void)ioctl(l->fd, KUCOMMS_IOC_WAKE);
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int devlink_recv(struct devlink *l, struct kucomms_msg_header *hdr,
		 void *buf, size_t size, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int ret = devlink_take(l, hdr, buf, size);

	/* Until a message, a hangup or the deadline: a wakeup may find nothing. */
	while (!ret) {
		struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
		long long left = deadline - now_ms();

		if (!kucomms_ring_prepare_sleep(&l->rx)) {
			kucomms_ring_end_sleep(&l->rx, false);
			return devlink_take(l, hdr, buf, size);
		}
		ret = poll(&pfd, 1, left > 0 ? (int)left : 0);
		kucomms_ring_end_sleep(&l->rx, ret > 0);
		if (ret < 0)
			return fail(-errno, "poll");
		ret = devlink_take(l, hdr, buf, size);
		if (!ret && (pfd.revents & (POLLHUP | POLLERR)))
			return fail(-EPIPE, "poll returned 0x%x", pfd.revents);
		if (left <= 0)
			break;
	}
	return ret;
}

int devlink_kernel_closed(const struct devlink *l)
{
	const struct kucomms_side_page *side0 = l->ro;

	return !!(kucomms_read_once(side0->state.flags) & KUCOMMS_SIDE_CLOSED);
}

void devlink_describe(const struct devlink *l, char *buf, size_t size)
{
	snprintf(buf, size, "ring1 %llu/%llu flags %u, ring0 %llu/%llu flags %u",
		 (unsigned long long)l->tx.pos,
		 (unsigned long long)kucomms_read_once(l->tx.cons->pos),
		 kucomms_read_once(l->tx.cons->flags),
		 (unsigned long long)kucomms_read_once(l->rx.prod->pos),
		 (unsigned long long)l->rx.pos,
		 kucomms_read_once(l->rx.cons->flags));
}
