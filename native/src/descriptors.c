// SPDX-License-Identifier: MIT
/* Descriptor helpers: eventfds, epoll watches, closing (descriptors.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

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
		return; /* EAGAIN: already zero */
}

void kc_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int kc_epoll_add(int epfd, int fd, uint32_t events, struct watch *w)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int kc_watch_add(struct kucomms_link *link, int fd, struct watch *w, uint32_t events)
{
	w->kind = WATCH_LINK;
	w->link = link;
	return kc_epoll_add(link->ep->epfd, fd, events, w);
}

void kc_watch_del(struct kucomms_link *link, int fd)
{
	if (fd >= 0)
		epoll_ctl(link->ep->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/*
 * Abstract socket names have no permissions of their own, so both ends
 * check who is on the other side. Unknown is refused like a stranger.
 */
bool kc_peer_same_user(int conn, struct ucred *peer)
{
	socklen_t len = sizeof(*peer);

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, peer, &len)) {
		*peer = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		return false;
	}
	return peer->uid == geteuid() || peer->uid == 0;
}

int kc_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? -errno : -EIO;
}

static void close_passed_fds(struct msghdr *msg)
{
	struct cmsghdr *cmsg;
	size_t i, count;
	int fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

ssize_t kc_recv_with_fd(int sock, void *buf, size_t len, int *fd)
{
	union {
		/* Room for more than one descriptor, to tell them apart. */
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
	    cmsg->cmsg_len == CMSG_LEN(sizeof(int)) && !CMSG_NXTHDR(&msg, cmsg) &&
	    !(msg.msg_flags & MSG_CTRUNC))
		memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	else
		close_passed_fds(&msg);
	return n;
}
