// SPDX-License-Identifier: MIT
/*
 * A first kucomms program: two endpoints in one process, a "client" and a
 * "server", joined by an in-process link. Swap kucomms_link_inproc_pair()
 * for kucomms_link_shm_create()/kucomms_link_open_target() and the same
 * handlers talk across processes, or to a kernel module.
 *
 * The client asks the server to square a number every work tick (100 times
 * a second); the server answers; once a second the client's timer reports
 * what it learned. After three seconds main() stops everything.
 */
#include <stdio.h>
#include <unistd.h>

#include <kucomms/kucomms.h>

/* Our own little protocol: the header's type says what a message is. */
enum { MSG_SQUARE_REQUEST = 1, MSG_SQUARE_REPLY = 2 };

struct client {
	struct kucomms_link *link; /* to the server */
	uint64_t next;		   /* the next number to ask about */
	uint64_t replies;	   /* answers received */
	uint64_t last_answer;
};

/*
 * Server: called on the server endpoint's thread for every message. The
 * request carries the number in user_value; the reply reuses the id so the
 * client can tell which question it answers. No data bytes are needed.
 */
static void server_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			   const void *data, void *user)
{
	struct kucomms_msg_header reply = {
		.type = MSG_SQUARE_REPLY,
		.id = hdr->id,
		.user_value = hdr->user_value * hdr->user_value,
	};

	(void)data;
	(void)user;
	if (hdr->type == MSG_SQUARE_REQUEST)
		kucomms_send(link, &reply, NULL); /* from a callback: unlocked */
}

/* Client: the answers. All client callbacks share one thread: no locks. */
static void client_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			   const void *data, void *user)
{
	struct client *c = user;

	(void)link;
	(void)data;
	if (hdr->type == MSG_SQUARE_REPLY) {
		c->replies++;
		c->last_answer = hdr->user_value;
	}
}

/* Client, 100 times a second: ask the next question. */
static void client_work(struct kucomms_endpoint *ep, void *user)
{
	struct client *c = user;
	struct kucomms_msg_header ask = {
		.type = MSG_SQUARE_REQUEST,
		.id = c->next,
		.user_value = c->next,
	};

	(void)ep;
	/* A full ring is reported, never dropped silently: retry next tick. */
	if (kucomms_send(c->link, &ask, NULL) == 0)
		c->next++;
}

/* Client, once a second: report. */
static void client_timer(struct kucomms_endpoint *ep, void *user)
{
	struct client *c = user;

	(void)ep;
	printf("asked %llu questions, got %llu answers, the last one %llu\n",
	       (unsigned long long)c->next, (unsigned long long)c->replies,
	       (unsigned long long)c->last_answer);
	fflush(stdout);
}

int main(void)
{
	struct kucomms_handlers server_h = { .message = server_message };
	struct kucomms_handlers client_h = {
		.message = client_message,
		.work = client_work,
		.timer = client_timer,
	};
	struct client c = { 0 };
	struct kucomms_endpoint *server, *client;
	struct kucomms_link *server_link;
	int err;

	/* NULL options: the defaults (100 Hz work, 1 Hz timer, short spin). */
	server = kucomms_endpoint_create(&server_h, NULL, NULL);
	client = kucomms_endpoint_create(&client_h, &c, NULL);
	if (!server || !client) {
		fprintf(stderr, "tutorial: %s\n", kucomms_last_error());
		return 1;
	}
	/* One link, two ends: c.link on the client, server_link on the server. */
	err = kucomms_link_inproc_pair(client, server, NULL, &c.link, &server_link);
	if (!err)
		err = kucomms_endpoint_start(server);
	if (!err)
		err = kucomms_endpoint_start(client);
	if (err) {
		fprintf(stderr, "tutorial: %s\n", kucomms_last_error());
		return 1;
	}
	sleep(3);
	/* Destroying an endpoint stops its thread and closes its links. */
	kucomms_endpoint_destroy(client);
	kucomms_endpoint_destroy(server);
	return 0;
}
