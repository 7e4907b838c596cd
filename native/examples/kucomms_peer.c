// SPDX-License-Identifier: MIT
/*
 * kucomms_peer: a userspace peer for applications to talk to, no kernel
 * module needed. It creates the shared memory of "shm:NAME", waits for an
 * application to attach, and serves it until SIGINT or SIGTERM; when the
 * application goes away it waits for the next one.
 *
 *   kucomms_peer echo shm:NAME       echo every message back unchanged
 *   kucomms_peer stamp shm:NAME      echo every message back with user_value
 *                                    set to the number of messages received
 *                                    from the application so far (1, 2, ...),
 *                                    as servers that stamp a sequence do: a
 *                                    peer whose replies differ from an echo's
 *                                    in exactly one header field
 *   kucomms_peer longtest shm:NAME   the longtest protocol's peer side
 *                                    (kucomms/longtest.h), the partner of
 *                                    kucomms_lib_longtest shm:NAME
 *
 * Prints "ready shm:NAME" on stdout once an application may attach.
 *
 * With --exit-with-parent after the target, the peer also stops when its
 * standard input hangs up: a launcher (the Studio) keeps a pipe to it open,
 * so the peer ends with the launcher even when that is killed outright and
 * never gets to send SIGTERM.
 *
 * An echo that finds the send ring full waits in a backlog, in order, and
 * goes out as the application reads: the peer never drops one silently.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <kucomms/kucomms.h>
#include <kucomms/longtest.h>

/* Echoes waiting for room in the send ring, oldest first. */
struct pending {
	struct pending *next;
	struct kucomms_msg_header hdr;
	uint8_t data[];
};

/* Beyond this the application is not reading at all: drop and count. */
#define BACKLOG_MAX_BYTES (64u << 20)

struct peer {
	const char *name;
	bool longtest;
	bool stamp;
	struct kucomms_link *link; /* NULL between applications */
	bool ready_printed;

	/* longtest: the current application's session */
	bool app_spoke;
	uint64_t seq_next;   /* next sequence message to send */
	uint64_t seq_expect; /* next echo to check */
	uint64_t echoed, echo_errors, seq_sent, seq_send_errors;
	uint64_t seq_received, seq_compare_errors;
	unsigned int timer_ticks;

	/* stamp: messages received from the current application */
	uint64_t stamped;

	struct pending *backlog, **backlog_tail;
	uint64_t backlog_bytes;
};

static void backlog_clear(struct peer *p)
{
	struct pending *e;

	while ((e = p->backlog)) {
		p->backlog = e->next;
		free(e);
	}
	p->backlog_tail = &p->backlog;
	p->backlog_bytes = 0;
}

/* Send what waits; true once the backlog is empty. */
static bool backlog_flush(struct peer *p)
{
	struct pending *e;

	while ((e = p->backlog)) {
		int err = kucomms_send(p->link, &e->hdr, e->data);

		if (err == -ENOBUFS)
			return false;
		if (err)
			p->echo_errors++;
		else
			p->echoed++;
		p->backlog = e->next;
		p->backlog_bytes -= e->hdr.length;
		free(e);
	}
	p->backlog_tail = &p->backlog;
	return true;
}

static void backlog_add(struct peer *p, const struct kucomms_msg_header *hdr, const void *data)
{
	struct pending *e;

	if (p->backlog_bytes + hdr->length > BACKLOG_MAX_BYTES ||
	    !(e = malloc(sizeof(*e) + hdr->length))) {
		p->echo_errors++;
		return;
	}
	e->next = NULL;
	e->hdr = *hdr;
	memcpy(e->data, data, hdr->length);
	*p->backlog_tail = e;
	p->backlog_tail = &e->next;
	p->backlog_bytes += hdr->length;
}

static void echo(struct peer *p, const struct kucomms_msg_header *hdr, const void *data)
{
	int err = -ENOBUFS;

	if (backlog_flush(p))
		err = kucomms_send(p->link, hdr, data);
	if (err == -ENOBUFS)
		backlog_add(p, hdr, data);
	else if (err)
		p->echo_errors++;
	else
		p->echoed++;
}

static void serve(struct peer *p, struct kucomms_endpoint *ep)
{
	int err = kucomms_link_shm_create(ep, p->name, NULL, &p->link);

	if (err) {
		/* The old link's socket may linger a moment: try next tick. */
		p->link = NULL;
		if (err != -EADDRINUSE || !p->ready_printed) {
			fprintf(stderr, "kucomms_peer: %s\n", kucomms_last_error());
			exit(1);
		}
		return;
	}
	if (!p->ready_printed) {
		printf("ready shm:%s\n", p->name);
		fflush(stdout);
		p->ready_printed = true;
	}
	p->app_spoke = false;
	p->seq_next = p->seq_expect = 0;
	p->stamped = 0;
}

static void on_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
		       const void *data, void *user)
{
	struct peer *p = user;

	(void)link;
	if (p->stamp) {
		struct kucomms_msg_header stamped = *hdr;

		stamped.user_value = ++p->stamped;
		echo(p, &stamped, data);
		return;
	}
	if (!p->longtest || hdr->type == KUCOMMS_LONGTEST_TYPE_APP) {
		p->app_spoke = true;
		echo(p, hdr, data);
		return;
	}
	p->seq_received++;
	if (!kucomms_longtest_seq_check(hdr, data, p->seq_expect))
		p->seq_compare_errors++;
	p->seq_expect = hdr->id + 1; /* resynchronise after a bad one */
}

static void on_work(struct kucomms_endpoint *ep, void *user)
{
	static uint8_t data[KUCOMMS_LONGTEST_MAX_LENGTH];
	struct peer *p = user;
	struct kucomms_msg_header hdr;

	if (!p->link) {
		serve(p, ep);
		return;
	}
	backlog_flush(p);
	if (!p->longtest || !p->app_spoke)
		return;
	kucomms_longtest_seq_fill(&hdr, data, p->seq_next);
	if (kucomms_send(p->link, &hdr, data))
		p->seq_send_errors++; /* the same n again next tick */
	else
		p->seq_sent = ++p->seq_next;
}

static void print_stats(const struct peer *p)
{
	fprintf(stderr,
		"kucomms_peer: echoed=%" PRIu64 " echo_errors=%" PRIu64 " seq_sent=%" PRIu64
		" seq_send_errors=%" PRIu64 " seq_received=%" PRIu64 " seq_compare_errors=%" PRIu64
		"\n",
		p->echoed, p->echo_errors, p->seq_sent, p->seq_send_errors, p->seq_received,
		p->seq_compare_errors);
}

static void on_timer(struct kucomms_endpoint *ep, void *user)
{
	struct peer *p = user;

	(void)ep;
	if (p->longtest && ++p->timer_ticks % 10 == 0)
		print_stats(p);
}

static void on_link_state(struct kucomms_link *link, int state, int err, void *user)
{
	struct peer *p = user;

	if (state != KUCOMMS_LINK_DOWN)
		return;
	fprintf(stderr, "kucomms_peer: %s: application gone (%s); waiting for the next\n",
		kucomms_link_target(link), kucomms_strerror(err));
	if (p->longtest)
		print_stats(p); /* what the link carried, all told */
	kucomms_link_close(link);
	p->link = NULL; /* on_work creates a fresh one */
	backlog_clear(p);
}

static int usage(void)
{
	fprintf(stderr, "usage: kucomms_peer echo|stamp|longtest shm:NAME [--exit-with-parent]\n");
	return 2;
}

/*
 * Blocks until SIGINT or SIGTERM (blocked in every thread, taken here
 * through a signalfd) or, with @watch_stdin, until standard input hangs up
 * or ends. Whatever a launcher writes on it is read and ignored.
 */
static int wait_for_stop(const sigset_t *stop, bool watch_stdin)
{
	struct pollfd fds[2];
	char discard[256];
	int sfd;

	sfd = signalfd(-1, stop, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("kucomms_peer: signalfd");
		return -1;
	}
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	for (;;) {
		if (poll(fds, watch_stdin ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("kucomms_peer: poll");
			break;
		}
		if (fds[0].revents)
			break;
		if (fds[1].revents & POLLIN && read(STDIN_FILENO, discard, sizeof(discard)) > 0)
			continue;
		if (fds[1].revents)
			break; /* end of input, hangup or error: the launcher is gone */
	}
	close(sfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct kucomms_handlers h = {
		.message = on_message,
		.work = on_work,
		.timer = on_timer,
		.link_state = on_link_state,
	};
	struct peer p = { .backlog_tail = &p.backlog };
	struct kucomms_endpoint *ep;
	bool exit_with_parent = false;
	sigset_t stop;
	int err;

	if (argc == 4 && !strcmp(argv[3], "--exit-with-parent"))
		exit_with_parent = true;
	else if (argc != 3)
		return usage();
	if (strncmp(argv[2], "shm:", 4))
		return usage();
	if (!strcmp(argv[1], "longtest"))
		p.longtest = true;
	else if (!strcmp(argv[1], "stamp"))
		p.stamp = true;
	else if (strcmp(argv[1], "echo"))
		return usage();
	p.name = argv[2] + 4;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	ep = kucomms_endpoint_create(&h, &p, NULL);
	if (!ep) {
		fprintf(stderr, "kucomms_peer: %s\n", kucomms_last_error());
		return 1;
	}
	serve(&p, ep);
	err = kucomms_endpoint_start(ep);
	if (err) {
		fprintf(stderr, "kucomms_peer: %s\n", kucomms_last_error());
		return 1;
	}
	wait_for_stop(&stop, exit_with_parent);
	kucomms_endpoint_destroy(ep);
	backlog_clear(&p);
	return 0;
}
