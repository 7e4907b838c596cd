// SPDX-License-Identifier: MIT
#include "genl_echo.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

/* The family's command and attribute (kucomms_bench_genl.c). */
#define BENCH_GENL_CMD_ECHO	1
#define BENCH_GENL_A_PAYLOAD	1
/* Room for the largest echo the benchmark asks for, with its headers. */
#define GENL_ECHO_MAX_MESSAGE	(64 * 1024)
/* Socket receive buffer: the window of the largest echoes, as the kernel counts them. */
#define GENL_ECHO_RCVBUF	(8 << 20)

__thread char genl_echo_error[256];

__attribute__((format(printf, 2, 3)))
static int fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(genl_echo_error, sizeof(genl_echo_error), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(genl_echo_error))
		snprintf(genl_echo_error + n, sizeof(genl_echo_error) - n, ": %s", strerror(-err));
	return err;
}

struct genl_request {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	struct nlattr attr;
};

/* @len: a multiple of 4, or @data has room for its padding. */
static int send_request(struct genl_echo *g, __u16 type, __u8 cmd, __u16 attr_type,
			const void *data, unsigned int len)
{
	struct genl_request req = {
		.nlh = {
			.nlmsg_len = sizeof(req) + NLA_ALIGN(len),
			.nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST,
		},
		.genl = { .cmd = cmd, .version = 1 },
		.attr = { .nla_len = NLA_HDRLEN + len, .nla_type = attr_type },
	};
	struct iovec iov[2] = {
		{ .iov_base = &req, .iov_len = sizeof(req) },
		{ .iov_base = (void *)data, .iov_len = NLA_ALIGN(len) },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr msg = {
		.msg_name = &kernel, .msg_namelen = sizeof(kernel),
		.msg_iov = iov, .msg_iovlen = 2,
	};

	return sendmsg(g->fd, &msg, 0) < 0 ? -errno : 0;
}

/* One message from the kernel into @buf: its netlink header, checked. */
static int receive(struct genl_echo *g, void *buf, size_t size, struct nlmsghdr **out)
{
	ssize_t n = recv(g->fd, buf, size, 0);
	struct nlmsghdr *nlh = buf;

	if (n < 0)
		return fail(-errno, "recv");
	if (!NLMSG_OK(nlh, n))
		return fail(-EBADMSG, "a truncated netlink message of %zd bytes", n);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		return fail(e->error ? e->error : -EBADMSG, "the kernel answered with an error");
	}
	*out = nlh;
	return 0;
}

/* The first attribute of a generic netlink message, checked. */
static struct nlattr *first_attr(struct nlmsghdr *nlh)
{
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	size_t room = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN ||
	    a->nla_len < NLA_HDRLEN || a->nla_len > room)
		return NULL;
	return a;
}

static int resolve_family(struct genl_echo *g, const char *family)
{
	static __u8 buf[4096] __attribute__((aligned(4)));
	char name[GENL_NAMSIZ] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *a;
	char *end;
	int err;

	snprintf(name, sizeof(name), "%s", family);
	err = send_request(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, name,
			   sizeof(name));
	if (err)
		return fail(err, "asking for the generic netlink family %s", family);
	err = receive(g, buf, sizeof(buf), &nlh);
	if (err)
		return fail(err, "looking up the generic netlink family %s (is its module loaded?)",
			    family);
	end = (char *)nlh + nlh->nlmsg_len;
	for (a = first_attr(nlh); a && (char *)a + NLA_HDRLEN <= end && a->nla_len >= NLA_HDRLEN &&
				  (char *)a + a->nla_len <= end;
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID && a->nla_len >= NLA_HDRLEN + 2) {
			memcpy(&g->family, (char *)a + NLA_HDRLEN, 2);
			return 0;
		}
	}
	return fail(-EBADMSG, "the answer about family %s has no id", family);
}

int genl_echo_open(struct genl_echo *g, const char *family)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	int rcvbuf = GENL_ECHO_RCVBUF;

	memset(g, 0, sizeof(*g));
	g->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g->fd < 0)
		return fail(-errno, "socket(AF_NETLINK, NETLINK_GENERIC)");
	if (bind(g->fd, (struct sockaddr *)&self, sizeof(self)) < 0)
		return fail(-errno, "bind");
	/* FORCE: past rmem_max, which is for unprivileged sockets. */
	if (setsockopt(g->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		return fail(-errno, "SO_RCVBUFFORCE %d", rcvbuf);
	return resolve_family(g, family);
}

void genl_echo_close(struct genl_echo *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

int genl_echo_send(struct genl_echo *g, const void *data, unsigned int len)
{
	int err;

	while (__atomic_load_n(&g->in_flight, __ATOMIC_ACQUIRE) >= GENL_ECHO_WINDOW)
		sched_yield();
	__atomic_add_fetch(&g->in_flight, 1, __ATOMIC_ACQ_REL);
	err = send_request(g, g->family, BENCH_GENL_CMD_ECHO, BENCH_GENL_A_PAYLOAD, data, len);
	return err ? fail(err, "sending %u bytes", len) : 0;
}

int genl_echo_recv(struct genl_echo *g, unsigned int len)
{
	static __thread __u8 buf[GENL_ECHO_MAX_MESSAGE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh;
	struct nlattr *a;
	int err = receive(g, buf, sizeof(buf), &nlh);

	if (err)
		return err;
	__atomic_sub_fetch(&g->in_flight, 1, __ATOMIC_ACQ_REL);
	a = first_attr(nlh);
	if (nlh->nlmsg_type != g->family || !a || a->nla_len != NLA_HDRLEN + len)
		return fail(-EBADMSG, "an echo of type %u with %d bytes instead of %u",
			    nlh->nlmsg_type, a ? a->nla_len - NLA_HDRLEN : -1, len);
	return 0;
}
