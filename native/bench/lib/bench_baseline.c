// SPDX-License-Identifier: MIT
#include "bench_baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEADER_SIZE sizeof(struct kucomms_msg_header)
#define MSG_MAX (HEADER_SIZE + BENCH_MAX_PAYLOAD)
#define STREAM_BUF (64 * 1024 + MSG_MAX)

/* One end's connection, inside its party. */
struct conn {
	struct bench_shared *sh;
	int rfd, wfd;
	bool stream;
	bool spin;	   /* busy-poll with non-blocking calls */
	unsigned char *in; /* received bytes; in[start, end) not yet used */
	size_t start, end, cap;
	unsigned char out[MSG_MAX];
};

int bench_baseline_open(struct bench_baseline *b, const char *transport)
{
	int sv[2], a2b[2], b2a[2];

	if (!strcmp(transport, "unix")) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv))
			return -errno;
		*b = (struct bench_baseline){
			.fd = { { sv[0], sv[0] }, { sv[1], sv[1] } },
		};
		return 0;
	}
	if (strcmp(transport, "pipe"))
		return -EINVAL;
	if (pipe(a2b))
		return -errno;
	if (pipe(b2a)) {
		int err = -errno;

		close(a2b[0]);
		close(a2b[1]);
		return err;
	}
	*b = (struct bench_baseline){
		.stream = true,
		.fd = { { b2a[0], a2b[1] }, { a2b[0], b2a[1] } },
	};
	return 0;
}

void bench_baseline_close(struct bench_baseline *b)
{
	int party, dir;

	for (party = 0; party < 2; party++)
		for (dir = 0; dir < 2; dir++)
			if (b->fd[party][dir] >= 0 &&
			    (dir == 0 || b->fd[party][1] != b->fd[party][0]))
				close(b->fd[party][dir]);
}

/* A party keeps only its own descriptors, so a peer that dies is an EOF. */
static void keep_own_fds(struct bench_baseline *b, int party)
{
	int *other = b->fd[1 - party];
	int dir;

	for (dir = 0; dir < 2; dir++) {
		int fd = other[dir];

		if (fd < 0 || fd == b->fd[party][0] || fd == b->fd[party][1])
			continue;
		close(fd);
		if (other[1 - dir] == fd)
			other[1 - dir] = -1;
		other[dir] = -1;
	}
}

/* Whether a failed call only means "try again" in this mode. */
static bool again(const struct conn *c, ssize_t n)
{
	return n < 0 && (errno == EINTR || (c->spin && errno == EAGAIN));
}

/* Send @len bytes of a whole message in one call (a pipe may take it in parts). */
static int send_raw(struct conn *c, const unsigned char *msg, size_t len)
{
	int flags = MSG_NOSIGNAL | (c->spin ? MSG_DONTWAIT : 0);
	size_t done = 0;

	while (done < len) {
		ssize_t n = c->stream ? write(c->wfd, msg + done, len - done)
				      : send(c->wfd, msg, len, flags);

		if (again(c, n))
			continue;
		if (n < 0)
			return bench_fail(c->sh, "%s: %s", c->stream ? "write" : "send",
					  strerror(errno));
		done += (size_t)n;
	}
	return 0;
}

/* A message of @h and the payload pattern. */
static int send_msg(struct conn *c, const struct kucomms_msg_header *h)
{
	memcpy(c->out, h, HEADER_SIZE);
	return send_raw(c, c->out, HEADER_SIZE + h->length);
}

static ssize_t read_some(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	do
		n = c->stream ? read(c->rfd, buf, len)
			      : recv(c->rfd, buf, len, c->spin ? MSG_DONTWAIT : 0);
	while (again(c, n));
	if (n < 0)
		return bench_fail(c->sh, "%s: %s", c->stream ? "read" : "recv", strerror(errno));
	if (n == 0)
		return bench_fail(c->sh, "the peer closed its end");
	return n;
}

/* The next whole message; its header in *h, the message at *msg. */
static int recv_msg(struct conn *c, struct kucomms_msg_header *h, unsigned char **msg)
{
	ssize_t n;

	if (!c->stream) {
		n = read_some(c, c->in, c->cap);
		if (n < 0)
			return -1;
		memcpy(h, c->in, HEADER_SIZE);
		if ((size_t)n < HEADER_SIZE || (size_t)n != HEADER_SIZE + h->length)
			return bench_fail(c->sh, "recv: a message of %zd bytes", n);
		*msg = c->in;
		return 0;
	}
	for (;;) {
		size_t avail = c->end - c->start;

		if (avail >= HEADER_SIZE) {
			memcpy(h, c->in + c->start, HEADER_SIZE);
			if (h->length > BENCH_MAX_PAYLOAD)
				return bench_fail(c->sh, "read: a message of %llu bytes",
						  (unsigned long long)h->length);
			if (avail >= HEADER_SIZE + h->length) {
				*msg = c->in + c->start;
				c->start += HEADER_SIZE + h->length;
				return 0;
			}
		}
		if (c->cap - c->end < MSG_MAX) {
			memmove(c->in, c->in + c->start, avail);
			c->start = 0;
			c->end = avail;
		}
		n = read_some(c, c->in + c->end, c->cap - c->end);
		if (n < 0)
			return -1;
		c->end += (size_t)n;
	}
}

static int initiate(struct conn *c, struct bench_end *e)
{
	struct kucomms_msg_header h, reply;
	unsigned char *msg;
	bool more;

	do {
		more = bench_next(e, &h);
		if (send_msg(c, &h))
			return -1;
		if (!more || e->p->kind == BENCH_ONEWAY)
			continue;
		if (recv_msg(c, &reply, &msg))
			return -1;
		if (bench_reply(e, &reply))
			return -1;
	} while (more);
	return 0;
}

static int respond(struct conn *c, struct bench_end *e)
{
	struct kucomms_msg_header h;
	unsigned char *msg;

	for (;;) {
		if (recv_msg(c, &h, &msg))
			return -1;
		if (!bench_received(e, &h))
			return 0;
		if (e->p->kind == BENCH_ROUNDTRIP && send_raw(c, msg, HEADER_SIZE + h.length))
			return -1;
	}
}

int bench_baseline_party(struct bench_shared *sh, const struct bench_params *p, int party,
			 void *ctx)
{
	struct bench_baseline *b = ctx;
	struct bench_end e;
	struct conn *c;
	int err;

	keep_own_fds(b, party);
	c = calloc(1, sizeof(*c));
	if (c)
		c->in = malloc(b->stream ? STREAM_BUF : MSG_MAX);
	if (!c || !c->in)
		return bench_fail(sh, "out of memory");
	c->sh = sh;
	c->rfd = b->fd[party][0];
	c->wfd = b->fd[party][1];
	c->stream = b->stream;
	c->spin = p->spin;
	c->cap = b->stream ? STREAM_BUF : MSG_MAX;
	memset(c->out + HEADER_SIZE, 0xa5, BENCH_MAX_PAYLOAD);
	bench_end_init(&e, sh, p, party, true);
	if (p->spin && b->stream) {
		/* Pipes have no per-call flag: make this party's read end non-blocking. */
		int flags = fcntl(c->rfd, F_GETFL);

		if (flags < 0 || fcntl(c->rfd, F_SETFL, flags | O_NONBLOCK))
			return bench_fail(sh, "fcntl O_NONBLOCK: %s", strerror(errno));
	}
	err = party == 0 ? initiate(c, &e) : respond(c, &e);
	free(c->in);
	free(c);
	return err;
}
