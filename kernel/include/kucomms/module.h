/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kucomms/module.h - the API kucomms.ko exports to user kernel modules.
 *
 * A user module registers a message handler (and optionally work and timer
 * handlers) under the name of a device created beforehand with
 * "echo kucomms_NAME > /sys/devices/virtual/kucomms/kucomms/create_device".
 * Every process that opens /dev/kucomms_NAME is one link; one kernel thread
 * per registered module calls all the handlers, one at a time:
 *  - message: as soon as possible after a message arrives on any link;
 *  - work: 100 times a second; timer: once a second (both optional; ticks
 *    missed because a handler overran are skipped and counted, never made
 *    up in a burst);
 *  - link_up / link_down (optional): a link became usable / is gone.
 * Handlers may sleep, but every handler delays the others: keep them short.
 *
 *	static int my_message(struct kucomms_link *link,
 *			      const struct kucomms_msg_header *hdr,
 *			      const void *data, void *priv)
 *	{
 *		return kucomms_send(link, hdr, data) == -ENOBUFS ? -EAGAIN : 0;
 *	}
 *	static const struct kucomms_ops my_ops = { .message = my_message };
 *	ep = kucomms_register("kucomms_mymodule", &my_ops, NULL);
 *	...
 *	kucomms_unregister(ep);
 */
#ifndef _KUCOMMS_MODULE_H
#define _KUCOMMS_MODULE_H

#include <linux/types.h>
#include <linux/kucomms.h>

struct kucomms_endpoint;
struct kucomms_link;

/**
 * struct kucomms_ops - a user module's handlers, all called from its thread
 * @message: a message arrived on @link. @hdr and @data are kernel copies
 *	that stay unchanged until the handler returns; hdr->length is the
 *	exact number of bytes at @data (at most the ring's largest message).
 *	Nothing else is checked: userspace may be hostile, validate the rest.
 *	Return 0 once the message is dealt with, or -EAGAIN to be handed the
 *	same message again later (e.g. its reply did not fit: kucomms_send()
 *	returned -ENOBUFS); the link's later messages wait behind it.
 *	Other return values count as dealt with. Required.
 * @work: called 100 times a second. Optional.
 * @timer: called once a second. Optional.
 * @link_up: @link was opened and set up; from now on messages may arrive
 *	on it and it may be sent to. Optional.
 * @link_down: @link is gone (closed by its process, or closed by kucomms
 *	because its process broke a ring, or the module is unregistering).
 *	The pointer must not be used once this returns. Optional.
 */
struct kucomms_ops {
	int (*message)(struct kucomms_link *link,
		       const struct kucomms_msg_header *hdr,
		       const void *data, void *priv);
	void (*work)(void *priv);
	void (*timer)(void *priv);
	void (*link_up)(struct kucomms_link *link, void *priv);
	void (*link_down)(struct kucomms_link *link, void *priv);
};

struct kucomms_endpoint *kucomms_register(const char *name,
					  const struct kucomms_ops *ops,
					  void *priv);
void kucomms_unregister(struct kucomms_endpoint *ep);

int kucomms_send(struct kucomms_link *link,
		 const struct kucomms_msg_header *hdr, const void *data);
int kucomms_send_locked(struct kucomms_link *link,
			const struct kucomms_msg_header *hdr, const void *data);
int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_header *hdr, const void *data);
int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
			     const struct kucomms_msg_header *hdr,
			     const void *data);

/*
 * The protocol the module speaks, as a header generated from its layout
 * names it (kucomms-studio gen c): kucomms_set_protocol(ep, NAME_PROTOCOL).
 * The device shows it in sysfs (protocol_name, protocol_version,
 * protocol_hash) until the module unregisters, so a program or the Studio
 * can check it was built from the same layout before it reads a message.
 */
#define KUCOMMS_PROTOCOL_NAME_MAX	63
#define KUCOMMS_PROTOCOL_VERSION_MAX	31
int kucomms_set_protocol(struct kucomms_endpoint *ep, const char *name,
			 const char *version, u64 hash);

u32 kucomms_link_id(const struct kucomms_link *link);
pid_t kucomms_link_pid(const struct kucomms_link *link);
void kucomms_link_set_priv(struct kucomms_link *link, void *priv);
void *kucomms_link_priv(const struct kucomms_link *link);

#endif /* _KUCOMMS_MODULE_H */
