/* SPDX-License-Identifier: MIT */
/*
 * genl_echo: the userspace side of the generic netlink echo of
 * kernel/test/modules/kucomms_bench_genl.c, with raw netlink sockets (no
 * library), for the kernel benchmark's "genetlink" transport.
 *
 *	struct genl_echo g;
 *	if (genl_echo_open(&g, "kucomms_bench") < 0)
 *		fprintf(stderr, "%s\n", genl_echo_error);
 *	genl_echo_send(&g, data, 64);
 *	genl_echo_recv(&g, 64);
 *	genl_echo_close(&g);
 *
 * One thread may send while another receives. A reply the socket has no
 * room for is dropped by netlink, so a sender waits while GENL_ECHO_WINDOW
 * echoes are on their way, and the socket's buffer holds that many of the
 * largest ones.
 */
#ifndef KUCOMMS_TEST_GENL_ECHO_H
#define KUCOMMS_TEST_GENL_ECHO_H

#include <linux/types.h>

#define GENL_ECHO_WINDOW	256

struct genl_echo {
	int fd;
	__u16 family;
	long in_flight;		/* sent, not yet received (atomic) */
};

/* What the last failing genl_echo call of this thread did, and why. */
extern __thread char genl_echo_error[256];

/* Open a socket and look the family up. 0 or -errno. */
int genl_echo_open(struct genl_echo *g, const char *family);

void genl_echo_close(struct genl_echo *g);

/* Send @len bytes (a multiple of 4) to be echoed. 0 or -errno. */
int genl_echo_send(struct genl_echo *g, const void *data, unsigned int len);

/* Wait for one echo and check it carries @len bytes. 0 or -errno. */
int genl_echo_recv(struct genl_echo *g, unsigned int len);

#endif /* KUCOMMS_TEST_GENL_ECHO_H */
