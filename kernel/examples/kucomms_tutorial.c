// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_tutorial: the whole kucomms module API in one small module.
 *
 *	echo kucomms_tutorial > /sys/devices/virtual/kucomms/kucomms/create_device
 *	insmod kucomms_tutorial.ko
 *
 * Its protocol (kucomms reserves no header value: a protocol is yours):
 *  type 1 "ping" is answered by type 2 "pong" with the same id and data and
 *  user_value = pings received on that link; every second every link gets
 *  type 3 "tick" with id = seconds since loading; unloading says type 4
 *  "bye" to every link.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <kucomms/module.h>

enum { TUTORIAL_PING = 1, TUTORIAL_PONG, TUTORIAL_TICK, TUTORIAL_BYE };

static struct kucomms_endpoint *tutorial_ep;
static u64 tutorial_seconds;	/* only the handlers touch it: no lock */

static void tutorial_link_up(struct kucomms_link *link, void *priv)
{
	/* Per-link state: here, how many pings this link sent. */
	kucomms_link_set_priv(link, kzalloc(sizeof(u64), GFP_KERNEL));
	pr_info("link %u up (pid %d)\n",
		kucomms_link_id(link), kucomms_link_pid(link));
}

static void tutorial_link_down(struct kucomms_link *link, void *priv)
{
	pr_info("link %u down\n", kucomms_link_id(link));
	kfree(kucomms_link_priv(link));
}

static int tutorial_message(struct kucomms_link *link,
			    const struct kucomms_msg_header *hdr,
			    const void *data, void *priv)
{
	u64 *pings = kucomms_link_priv(link);
	struct kucomms_msg_header pong = *hdr;

	/* Userspace may be hostile: check everything but the length. */
	if (hdr->type != TUTORIAL_PING || !pings)
		return 0;
	pong.type = TUTORIAL_PONG;
	pong.user_value = *pings + 1;
	/* A full ring: ask for this ping again later rather than drop it. */
	if (kucomms_send(link, &pong, data) == -ENOBUFS)
		return -EAGAIN;
	(*pings)++;
	return 0;
}

static void tutorial_timer(void *priv)
{
	struct kucomms_msg_header tick = {
		.type = TUTORIAL_TICK, .id = ++tutorial_seconds,
	};

	kucomms_broadcast(tutorial_ep, &tick, NULL);
}

static const struct kucomms_ops tutorial_ops = {
	.message = tutorial_message,
	.timer = tutorial_timer,	/* .work would be called 100 times a second */
	.link_up = tutorial_link_up,
	.link_down = tutorial_link_down,
};

static int __init tutorial_init(void)
{
	tutorial_ep = kucomms_register("kucomms_tutorial", &tutorial_ops, NULL);
	return PTR_ERR_OR_ZERO(tutorial_ep);
}

static void __exit tutorial_exit(void)
{
	struct kucomms_msg_header bye = { .type = TUTORIAL_BYE };

	/* Not a handler: only the _locked forms (and kucomms_send_locked). */
	kucomms_broadcast_locked(tutorial_ep, &bye, NULL);
	kucomms_unregister(tutorial_ep);
}

module_init(tutorial_init);
module_exit(tutorial_exit);

MODULE_DESCRIPTION("kucomms example: the whole module API in one file");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUCOMMS_VERSION);
