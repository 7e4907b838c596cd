// SPDX-License-Identifier: MIT
/*
 * module_churn: use a device as hard as possible while its user module is
 * unloaded and loaded again underneath (the guest script does that).
 *
 *	module_churn SECONDS DEVICE
 *
 * Several threads each open a link, set it up, map it, send one message,
 * call KUCOMMS_IOC_WAKE a few times whatever the flags say (so wakeups
 * race the module's unregistering), wait for the echo, then a little more
 * for a hangup, and close; over and over until SECONDS have passed. Each
 * call must give one of the results <linux/kucomms.h> documents for a link
 * whose module comes and goes: SETUP and WAKE succeed or fail with EPIPE;
 * the message is echoed (by this module or, for a link opened while none
 * was registered, by the next one), or the link is hung up with side 0
 * marked closed, within PATIENCE_MS (the script loads the module again
 * well within that); nothing comes after the echo but a hangup. Anything
 * else, such as a link that nobody serves and nobody hangs up, is printed
 * and makes the exit status 1, as does a run that never saw an echo or
 * never saw the kernel close a link (then the race this program is for
 * did not happen).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "devlink.h"

#define THREADS		4
#define WAKES_PER_LINK	8
#define PATIENCE_MS	5000
#define LINGER_MS	50

struct churner {
	pthread_t thread;
	const char *device;
	time_t deadline;
	unsigned int index;
	/* Results. */
	unsigned long links, echoes, hangups, closed_before_setup;
	char error[400];
};

/* Record the first unexpected result of this thread; false to stop. */
static int unexpected(struct churner *c, const char *what, int err)
{
	if (!c->error[0])
		snprintf(c->error, sizeof(c->error), "link %lu: %s: %s (%.200s)",
			 c->links, what, strerror(-err), devlink_error);
	return 0;
}

/* One link's life; false when it went against the contract. */
static int churn_one(struct churner *c)
{
	struct kucomms_msg_header hdr = {
		.length = 8, .type = c->index, .id = c->links,
	}, echo;
	char data[8] = "churn!!", back[8];
	struct devlink l;
	int err, i, ret = 1;

	err = devlink_open(&l, c->device, KUCOMMS_RING_MIN_CAPACITY,
			   KUCOMMS_RING_MIN_CAPACITY);
	c->links++;
	if (err == -EPIPE && l.fd >= 0 && l.ro == MAP_FAILED) {
		/* The module went between open() and SETUP: documented. */
		c->closed_before_setup++;
		devlink_close(&l);
		return 1;
	}
	if (err) {
		ret = unexpected(c, "opening the link", err);
		goto out;
	}
	err = devlink_send(&l, &hdr, data);
	if (err && err != -EPIPE) {
		ret = unexpected(c, "sending", err);
		goto out;
	}
	for (i = 0; i < WAKES_PER_LINK; i++) {
		if (ioctl(l.fd, KUCOMMS_IOC_WAKE) < 0 && errno != EPIPE) {
			ret = unexpected(c, "KUCOMMS_IOC_WAKE", -errno);
			goto out;
		}
	}
	err = devlink_recv(&l, &echo, back, sizeof(back), PATIENCE_MS);
	if (err == 0) {
		ret = unexpected(c, "neither the echo nor a hangup within 5 s", -ETIMEDOUT);
		goto out;
	}
	if (err == 1) {
		if (echo.length != hdr.length || echo.type != hdr.type ||
		    echo.id != hdr.id || memcmp(back, data, sizeof(back))) {
			ret = unexpected(c, "the echo differs from the message", -EBADMSG);
			goto out;
		}
		c->echoes++;
		/* Linger: the module may go while the link is idle, too. */
		err = devlink_recv(&l, &echo, back, sizeof(back), LINGER_MS);
		if (err == 1) {
			ret = unexpected(c, "a second message after the echo", -EBADMSG);
			goto out;
		}
	}
	if (err == -EPIPE) {
		if (!devlink_kernel_closed(&l)) {
			ret = unexpected(c, "POLLHUP without side 0 marked closed", err);
			goto out;
		}
		c->hangups++;
	} else if (err < 0) {
		ret = unexpected(c, "receiving", err);
	}
out:
	devlink_close(&l);
	return ret;
}

static void *churn(void *arg)
{
	struct churner *c = arg;

	while (time(NULL) < c->deadline && churn_one(c))
		;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct churner c[THREADS];
	unsigned long links = 0, echoes = 0, hangups = 0, early = 0;
	int seconds, i, failed = 0;

	seconds = argc == 3 ? atoi(argv[1]) : 0;
	if (seconds <= 0) {
		fprintf(stderr, "usage: %s SECONDS DEVICE\n", argv[0]);
		return 2;
	}
	for (i = 0; i < THREADS; i++) {
		c[i].device = argv[2];
		c[i].deadline = time(NULL) + seconds;
		c[i].index = i;
		if (pthread_create(&c[i].thread, NULL, churn, &c[i])) {
			fprintf(stderr, "module_churn: cannot start thread %d\n", i);
			return 2;
		}
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(c[i].thread, NULL);
		links += c[i].links;
		echoes += c[i].echoes;
		hangups += c[i].hangups;
		early += c[i].closed_before_setup;
		if (c[i].error[0]) {
			printf("module_churn: thread %d: %s\n", i, c[i].error);
			failed = 1;
		}
	}
	printf("module_churn: %lu links, %lu echoes, %lu hangups, %lu closed before SETUP\n",
	       links, echoes, hangups, early);
	if (!echoes || !(hangups + early)) {
		printf("module_churn: expected echoes and links closed by the kernel: the module never %s\n",
		       echoes ? "went away under a link" : "answered");
		failed = 1;
	}
	return failed;
}
