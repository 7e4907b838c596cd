// SPDX-License-Identifier: MIT
/*
 * A user's own daemon, as the package test builds it: with
 * `pkg-config --cflags --libs kucomms` against the installed libkucomms and
 * own_layout.h, generated from own.yaml. It refuses a module that speaks
 * another protocol (the strict handshake), then sends one reading and
 * prints what comes back:
 *
 *	own_daemon /dev/kucomms_own
 *	-> "accepted own 1 hash 0x..." then "echoed value=-1234 stamp=56789", exit 0
 *	-> "refused: ..." (both sides' protocol and hash), exit 3
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include <kucomms/kucomms.h>
#include "own_layout.h"

static int done[2]; /* the handler writes the echoed reading here */

static void got_echo(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
		     const void *data, void *user)
{
	struct own_msg_reading reading;

	(void)link;
	(void)user;
	if (own_msg_reading_unpack(&reading, data, hdr->length) == 0 &&
	    write(done[1], &reading, sizeof(reading)) != sizeof(reading))
		perror("write");
}

int main(int argc, char **argv)
{
	struct kucomms_handlers handlers = { .message = got_echo };
	struct own_msg_reading reading = { .value = -1234, .stamp = 56789 };
	struct kucomms_msg_header hdr = { .type = OWN_KIND_READING };
	unsigned char data[sizeof(struct own_msg_reading_wire)];
	struct kucomms_endpoint *ep;
	struct kucomms_link *link;
	struct pollfd p;
	size_t used;

	if (argc != 2) {
		fprintf(stderr, "usage: own_daemon /dev/kucomms_NAME\n");
		return 2;
	}
	if (kucomms_protocol_check(argv[1], OWN_PROTOCOL)) {
		printf("refused: %s\n", kucomms_last_error());
		return 3;
	}
	printf("accepted %s %s hash 0x%016" PRIx64 "\n", OWN_PROTOCOL_NAME, OWN_PROTOCOL_VERSION,
	       (uint64_t)OWN_PROTOCOL_HASH);
	if (pipe(done) || own_msg_reading_pack(&reading, data, sizeof(data), &used))
		return perror("own_daemon"), 1;
	hdr.length = used;
	ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	if (!ep || kucomms_link_open_target(ep, argv[1], NULL, &link) || kucomms_endpoint_start(ep) ||
	    kucomms_send_locked(link, &hdr, data)) {
		printf("failed: %s\n", kucomms_last_error());
		return 1;
	}
	p = (struct pollfd){ .fd = done[0], .events = POLLIN };
	if (poll(&p, 1, 30000) != 1 || read(done[0], &reading, sizeof(reading)) != sizeof(reading)) {
		printf("failed: no echo within 30 s\n");
		return 1;
	}
	printf("echoed value=%d stamp=%u\n", (int)reading.value, (unsigned int)reading.stamp);
	kucomms_endpoint_destroy(ep);
	return 0;
}
