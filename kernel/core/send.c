// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel -> user: messages from the user module onto ring 0 of a link, and
 * what a module may ask about a link.
 */
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include "internal.h"

/**
 * kucomms_send() - send a message to one link
 * @link: a link the module was told about by link_up or a message, and not
 *	yet by link_down
 * @hdr: the header; hdr->length bytes of data follow at @data
 * @data: the data (may be NULL when hdr->length is 0)
 *
 * Not thread-safe: for the module's handlers, which its thread calls one at
 * a time. A module that also sends from other threads uses
 * kucomms_send_locked() everywhere. Context: any that may sleep.
 *
 * Return: 0 when queued; -ENOBUFS when the ring is full (counted in the
 * device's full_events; try again later, e.g. return -EAGAIN from the
 * message handler); -EMSGSIZE when the message is larger than the ring
 * allows; -EPIPE once the link is closed.
 */
int kucomms_send(struct kucomms_link *link,
		 const struct kucomms_msg_header *hdr, const void *data)
{
	struct kucomms_device_stats *stats = &link->kdev->stats;
	struct kucomms_msg_header *rec;
	u64 length = hdr->length;
	int err;

	if (test_bit(KUCOMMS_LINK_CLOSED, &link->flags))
		return -EPIPE;
	err = kucomms_ring_reserve(&link->tx, length, &rec);
	if (err == -ENOBUFS)
		atomic64_inc(&stats->full_events);
	if (err == -EPROTO) {
		kucomms_link_close(link, true);
		return -EPIPE;
	}
	if (err)
		return err;
	rec->length = length;
	rec->type = hdr->type;
	rec->id = hdr->id;
	rec->user_value = hdr->user_value;
	if (length)
		memcpy(rec + 1, data, length);
	kucomms_ring_commit(&link->tx);
	atomic64_inc(&stats->tx_messages);
	atomic64_add(length, &stats->tx_bytes);
	kucomms_mon_message(link, KUCOMMS_MON_FROM_MODULE, hdr, data);
	/*
	 * A reply from the module's thread while it hands out a batch of
	 * messages wakes the reader once, after the batch, rather than once
	 * per reply (see kucomms_endpoint_thread()).
	 */
	if (READ_ONCE(link->kdev->delivering) == current)
		link->tx_wake_due = true;
	else
		kucomms_link_wake_reader(link);
	return 0;
}
EXPORT_SYMBOL_GPL(kucomms_send);

/*
 * Wake the process reading ring 0 of @link, if it announced its sleep or
 * waits in poll(), after records were committed there.
 */
void kucomms_link_wake_reader(struct kucomms_link *link)
{
	/* A consumer that announced its sleep is woken and counted. */
	if (kucomms_ring_need_wakeup(&link->tx)) {
		kucomms_ring_count_wakeup(&link->tx);
		wake_up_interruptible_poll(&link->poll_wait, EPOLLIN | EPOLLRDNORM);
		return;
	}
	/*
	 * One in poll() without the flag is woken too. The full barrier in
	 * kucomms_ring_need_wakeup() orders the commit before
	 * waitqueue_active() and pairs with the one in kucomms_link_poll().
	 */
	if (waitqueue_active(&link->poll_wait))
		wake_up_interruptible_poll(&link->poll_wait, EPOLLIN | EPOLLRDNORM);
}

/**
 * kucomms_send_locked() - kucomms_send() under the module's send mutex
 * @link: as for kucomms_send()
 * @hdr: as for kucomms_send()
 * @data: as for kucomms_send()
 *
 * For modules that send from their own threads as well as from the
 * handlers; such a module must use the locked forms everywhere, and must
 * itself stop using a link once link_down has been called for it.
 * Context: may sleep (handlers included).
 *
 * Return: as kucomms_send().
 */
int kucomms_send_locked(struct kucomms_link *link,
			const struct kucomms_msg_header *hdr, const void *data)
{
	struct kucomms_device *kdev = link->kdev;
	int err;

	mutex_lock(&kdev->send_lock);
	err = kucomms_send(link, hdr, data);
	mutex_unlock(&kdev->send_lock);
	return err;
}
EXPORT_SYMBOL_GPL(kucomms_send_locked);

/**
 * kucomms_broadcast() - send a message to every link that is up
 * @ep: the module's endpoint
 * @hdr: as for kucomms_send()
 * @data: as for kucomms_send()
 *
 * Only from the module's handlers (they run with the device's link list
 * locked); other threads use kucomms_broadcast_locked().
 *
 * Return: 0 when every link took the message, else the first error of
 * kucomms_send() (the other links were still tried).
 */
int kucomms_broadcast(struct kucomms_endpoint *ep,
		      const struct kucomms_msg_header *hdr, const void *data)
{
	struct kucomms_link *link;
	int err, ret = 0;

	lockdep_assert_held(&ep->kdev->lock);
	list_for_each_entry(link, &ep->kdev->links, node) {
		if (!link->up)
			continue;
		err = kucomms_send(link, hdr, data);
		if (err && !ret)
			ret = err;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(kucomms_broadcast);

/**
 * kucomms_broadcast_locked() - kucomms_broadcast() from any thread
 * @ep: the module's endpoint
 * @hdr: as for kucomms_send()
 * @data: as for kucomms_send()
 *
 * Takes the module's send mutex and, outside the handlers, waits for the
 * handler running now to return. Context: may sleep (handlers included).
 *
 * Return: as kucomms_broadcast().
 */
int kucomms_broadcast_locked(struct kucomms_endpoint *ep,
			     const struct kucomms_msg_header *hdr,
			     const void *data)
{
	bool in_handler = current == ep->task;
	int ret;

	if (!in_handler)
		mutex_lock(&ep->kdev->lock);
	mutex_lock(&ep->kdev->send_lock);
	ret = kucomms_broadcast(ep, hdr, data);
	mutex_unlock(&ep->kdev->send_lock);
	if (!in_handler)
		mutex_unlock(&ep->kdev->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kucomms_broadcast_locked);

/**
 * kucomms_link_id() - which link this is
 * @link: the link
 *
 * Return: a number unique among the device's links since it was created
 * (counting up from 0 in the order the device was opened).
 */
u32 kucomms_link_id(const struct kucomms_link *link)
{
	return link->id;
}
EXPORT_SYMBOL_GPL(kucomms_link_id);

/**
 * kucomms_link_pid() - the process that opened the link
 * @link: the link
 *
 * Return: its process id (thread group id) in the initial pid namespace.
 */
pid_t kucomms_link_pid(const struct kucomms_link *link)
{
	return link->pid;
}
EXPORT_SYMBOL_GPL(kucomms_link_pid);

/**
 * kucomms_link_set_priv() - attach the module's own data to a link
 * @link: the link
 * @priv: anything; kucomms never looks at it (free it in link_down)
 */
void kucomms_link_set_priv(struct kucomms_link *link, void *priv)
{
	link->priv = priv;
}
EXPORT_SYMBOL_GPL(kucomms_link_set_priv);

/**
 * kucomms_link_priv() - the data attached with kucomms_link_set_priv()
 * @link: the link
 *
 * Return: that pointer, or NULL if none was attached.
 */
void *kucomms_link_priv(const struct kucomms_link *link)
{
	return link->priv;
}
EXPORT_SYMBOL_GPL(kucomms_link_priv);
