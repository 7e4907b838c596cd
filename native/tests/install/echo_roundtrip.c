// SPDX-License-Identifier: MIT
/*
 * A program built only from an installed libkucomms (pkg-config --cflags
 * --libs kucomms): it sends one message and waits for it to come back.
 * Prints "echoed type=T id=I user_value=U" and exits 0, or says what failed.
 *
 *	echo_roundtrip              to an echoing endpoint of its own, in process
 *	echo_roundtrip TARGET       to TARGET, e.g. /dev/kucomms_NAME, which echoes
 */
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include <kucomms/kucomms.h>
#include <linux/kucomms.h>

static int done[2]; /* a pipe: the sender's handler writes the echo here */

static void echo(struct kucomms_link *link, const struct kucomms_msg_header *hdr, const void *data,
		 void *user)
{
	(void)user;
	kucomms_send(link, hdr, data);
}

static void got_echo(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
		     const void *data, void *user)
{
	(void)link;
	(void)data;
	(void)user;
	if (write(done[1], hdr, sizeof(*hdr)) != sizeof(*hdr))
		perror("write");
}

int main(int argc, char **argv)
{
	struct kucomms_handlers echoer = { .message = echo }, sender = { .message = got_echo };
	struct kucomms_msg_header msg = { .type = 7, .id = 42, .user_value = 1234 }, back;
	struct kucomms_endpoint *a, *b;
	struct kucomms_link *la, *lb;
	struct pollfd p;

	if (pipe(done))
		return perror("pipe"), 1;
	a = kucomms_endpoint_create(&sender, NULL, NULL);
	b = argc > 1 ? NULL : kucomms_endpoint_create(&echoer, NULL, NULL);
	if (!a || (argc > 1 && kucomms_link_open_target(a, argv[1], NULL, &la)) ||
	    (argc == 1 &&
	     (!b || kucomms_link_inproc_pair(a, b, NULL, &la, &lb) || kucomms_endpoint_start(b))) ||
	    kucomms_endpoint_start(a) || kucomms_send_locked(la, &msg, NULL)) {
		fprintf(stderr, "echo_roundtrip: %s\n", kucomms_last_error());
		return 1;
	}
	p = (struct pollfd){ .fd = done[0], .events = POLLIN };
	if (poll(&p, 1, 30000) != 1 || read(done[0], &back, sizeof(back)) != sizeof(back)) {
		fprintf(stderr, "echo_roundtrip: no echo within 30 s\n");
		return 1;
	}
	printf("echoed type=%llu id=%llu user_value=%llu\n", (unsigned long long)back.type,
	       (unsigned long long)back.id, (unsigned long long)back.user_value);
	kucomms_endpoint_destroy(a);
	if (b)
		kucomms_endpoint_destroy(b);
	return 0;
}
