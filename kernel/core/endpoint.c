// SPDX-License-Identifier: GPL-2.0
/*
 * A registered user module: its thread, which calls every handler, one at
 * a time, under the device lock:
 *  - messages from every link as soon as they arrive, a bounded batch per
 *    link per pass so one busy process cannot starve the others;
 *  - work every 10 ms and timer every second, on deadlines that advance by
 *    whole periods from the registration (no drift); ticks missed because a
 *    handler overran are skipped and counted, never made up in a burst.
 * Replies sent while a link's batch is handled wake its reader once, after
 * the batch.
 * Between passes it sleeps until the next deadline (forever when the
 * module has no work or timer handler), after setting NEED_WAKEUP on every
 * link's ring 1 and looking at the rings once more, so a message that races
 * the flag is either seen or wakes it through KUCOMMS_IOC_WAKE. With a spin
 * budget (sysfs spin_us) it first keeps looking at the rings that long.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "internal.h"

#define KUCOMMS_WORK_PERIOD_NS	(NSEC_PER_SEC / 100)
#define KUCOMMS_TIMER_PERIOD_NS	NSEC_PER_SEC
/* Messages taken from one link before the next link's turn. */
#define KUCOMMS_RX_BUDGET	64
/* A message its handler could not take yet (-EAGAIN) is retried after this. */
#define KUCOMMS_RETRY_NS	NSEC_PER_MSEC
/* How late a wakeup may come, so the timer subsystem can batch it. */
#define KUCOMMS_SLEEP_SLACK_NS	(50 * NSEC_PER_USEC)

/* What one pass over the links found. */
struct kucomms_pass {
	bool more;		/* a link has messages beyond its budget */
	bool blocked;		/* a handler asked for a retry */
	bool slept;		/* the thread slept since the last pass */
};

/*
 * A wake while one is pending already needs no second wake_up_process():
 * the thread has yet to start the pass that clears it (with a full barrier
 * before it looks at the rings), and that pass sees whatever the second
 * waker published before its xchg. This keeps a busy sender's wakes cheap.
 */
void kucomms_endpoint_wake(struct kucomms_endpoint *ep)
{
	if (!atomic_xchg(&ep->wake_pending, 1))
		wake_up_process(ep->task);
}

static void kucomms_endpoint_link_down(struct kucomms_endpoint *ep,
				       struct kucomms_link *link)
{
	if (ep->ops->link_down)
		ep->ops->link_down(link, ep->priv);
	link->up = false;
	complete_all(&link->down);
}

/*
 * Give the module the message held in @link->rx_buf. False if its handler
 * wants it again later (-EAGAIN): the message stays held.
 */
static bool kucomms_endpoint_deliver(struct kucomms_endpoint *ep,
				     struct kucomms_link *link)
{
	if (ep->ops->message(link, &link->rx_hdr, link->rx_buf, ep->priv) == -EAGAIN) {
		link->rx_held = true;
		return false;
	}
	link->rx_held = false;
	return true;
}

/*
 * Hand @link's waiting messages to the module, up to the budget. Each is
 * copied out of the ring and its space given back before the handler runs:
 * the handler sees a copy userspace can no longer change, and userspace
 * can reuse the space at once.
 */
static void kucomms_endpoint_receive(struct kucomms_endpoint *ep,
				     struct kucomms_link *link,
				     struct kucomms_pass *pass)
{
	struct kucomms_device_stats *stats = &ep->kdev->stats;
	const void *data;
	int n, err = 0;

	if (link->rx_held && !kucomms_endpoint_deliver(ep, link)) {
		pass->blocked = true;
		return;
	}
	for (n = 0; n < KUCOMMS_RX_BUDGET; n++) {
		if (test_bit(KUCOMMS_LINK_CLOSED, &link->flags))
			return;
		err = kucomms_ring_peek(&link->rx, &link->rx_hdr, &data);
		if (err < 0)
			kucomms_link_close(link, true);
		if (err <= 0)
			return;
		memcpy(link->rx_buf, data, link->rx_hdr.length);
		kucomms_ring_consume(&link->rx);
		kucomms_ring_publish_consumed(&link->rx);
		/* Counted and shown once, however often the handler retries. */
		atomic64_inc(&stats->rx_messages);
		atomic64_add(link->rx_hdr.length, &stats->rx_bytes);
		kucomms_mon_message(link, KUCOMMS_MON_TO_MODULE, &link->rx_hdr,
				    link->rx_buf);
		if (!kucomms_endpoint_deliver(ep, link)) {
			pass->blocked = true;
			return;
		}
	}
	pass->more = true;
}

/* After a batch: wake the reader of @link once for the replies it got. */
static void kucomms_endpoint_wake_reader_if_due(struct kucomms_link *link)
{
	if (!link->tx_wake_due)
		return;
	link->tx_wake_due = false;
	kucomms_link_wake_reader(link);
}

static void kucomms_endpoint_serve_link(struct kucomms_endpoint *ep,
					struct kucomms_link *link,
					struct kucomms_pass *pass)
{
	/* Pairs with the store-release in SETUP: the rings are bound. */
	if (!smp_load_acquire(&link->ready))
		return;
	/*
	 * Once kucomms_unregister() has closed the links and let go of the
	 * device, a link opened since waits for the next module: announced
	 * now, it would only get link_down from this thread's last pass and
	 * then stay open with nobody serving it and no hangup.
	 */
	if (!link->announced && !link->released && ep->kdev->endpoint == ep &&
	    !test_bit(KUCOMMS_LINK_CLOSED, &link->flags)) {
		link->announced = true;
		link->up = true;
		if (ep->ops->link_up)
			ep->ops->link_up(link, ep->priv);
	}
	if (!link->up)
		return;
	if (link->rx_armed) {
		kucomms_ring_end_sleep(&link->rx, pass->slept);
		link->rx_armed = false;
	}
	if (!link->released)
		kucomms_endpoint_receive(ep, link, pass);
	if (link->released || test_bit(KUCOMMS_LINK_CLOSED, &link->flags))
		kucomms_endpoint_link_down(ep, link);
}

/*
 * Call @fn if its deadline has come, then move the deadline on by one
 * period, or past now by whole periods if the call overran.
 */
static void kucomms_endpoint_tick(struct kucomms_endpoint *ep,
				  void (*fn)(void *priv), ktime_t *deadline,
				  u64 period, atomic64_t *calls,
				  atomic64_t *skipped)
{
	ktime_t now;
	u64 missed;

	if (!fn || ktime_before(ktime_get(), *deadline))
		return;
	fn(ep->priv);
	atomic64_inc(calls);
	*deadline = ktime_add_ns(*deadline, period);
	now = ktime_get();
	if (ktime_before(now, *deadline))
		return;
	missed = div64_u64(ktime_to_ns(ktime_sub(now, *deadline)), period) + 1;
	*deadline = ktime_add_ns(*deadline, missed * period);
	atomic64_add(missed, skipped);
}

/* Has a link's ring 1 a message the thread has not taken? Under kdev->lock. */
static bool kucomms_endpoint_rx_news(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;

	list_for_each_entry(link, &ep->kdev->links, node)
		if (link->up && !link->rx_held &&
		    kucomms_ring_producer_moved(&link->rx))
			return true;
	return false;
}

/*
 * Before going to sleep, keep looking at the rings for the device's spin
 * budget, so a process that sends again within it finds the thread awake
 * and needs no KUCOMMS_IOC_WAKE. Only while the CPU has nothing else to do:
 * it stops as soon as another task wants it. Called and returns with
 * kdev->lock held, dropping it between looks. True when a message came.
 */
static bool kucomms_endpoint_spin(struct kucomms_endpoint *ep)
{
	struct kucomms_device *kdev = ep->kdev;
	unsigned int budget_us = READ_ONCE(kdev->spin_us);
	u64 until;

	if (!budget_us)
		return false;
	until = ktime_get_ns() + (u64)budget_us * NSEC_PER_USEC;
	while (!kucomms_endpoint_rx_news(ep)) {
		mutex_unlock(&kdev->lock);
		cpu_relax();
		if (atomic_read(&ep->wake_pending) || need_resched() ||
		    kthread_should_stop() || ktime_get_ns() > until) {
			mutex_lock(&kdev->lock);
			return false;
		}
		mutex_lock(&kdev->lock);
	}
	return true;
}

/*
 * Announce on every link that the thread is going to sleep. False if a
 * message arrived meanwhile: then it must not sleep.
 */
static bool kucomms_endpoint_arm_links(struct kucomms_endpoint *ep)
{
	struct kucomms_link *link;
	bool idle = true;

	list_for_each_entry(link, &ep->kdev->links, node) {
		if (!link->up || link->rx_held ||
		    test_bit(KUCOMMS_LINK_CLOSED, &link->flags))
			continue;
		link->rx_armed = true;
		if (!kucomms_ring_prepare_sleep(&link->rx))
			idle = false;
	}
	return idle;
}

static void kucomms_endpoint_sleep(struct kucomms_endpoint *ep, bool blocked,
				   struct kucomms_pass *pass)
{
	ktime_t deadline = KTIME_MAX;

	if (ep->ops->work)
		deadline = ep->next_work;
	if (ep->ops->timer && ktime_before(ep->next_timer, deadline))
		deadline = ep->next_timer;
	if (blocked)
		deadline = min(deadline, ktime_add_ns(ktime_get(), KUCOMMS_RETRY_NS));

	set_current_state(TASK_INTERRUPTIBLE);
	if (!atomic_read(&ep->wake_pending) && !kthread_should_stop()) {
		schedule_hrtimeout_range(deadline == KTIME_MAX ? NULL : &deadline,
					 KUCOMMS_SLEEP_SLACK_NS, HRTIMER_MODE_ABS);
		pass->slept = true;
	}
	__set_current_state(TASK_RUNNING);
}

static int kucomms_endpoint_thread(void *arg)
{
	struct kucomms_endpoint *ep = arg;
	struct kucomms_device *kdev = ep->kdev;
	struct kucomms_device_stats *stats = &kdev->stats;
	struct kucomms_pass pass = {};
	struct kucomms_link *link;
	ktime_t start = ktime_get();
	bool idle;

	ep->next_work = ktime_add_ns(start, KUCOMMS_WORK_PERIOD_NS);
	ep->next_timer = ktime_add_ns(start, KUCOMMS_TIMER_PERIOD_NS);
	while (!kthread_should_stop()) {
		/* A full barrier: see kucomms_endpoint_wake(). */
		atomic_xchg(&ep->wake_pending, 0);
		pass.more = false;
		pass.blocked = false;

		mutex_lock(&kdev->lock);
		WRITE_ONCE(kdev->delivering, current);
		list_for_each_entry(link, &kdev->links, node) {
			kucomms_endpoint_serve_link(ep, link, &pass);
			kucomms_endpoint_wake_reader_if_due(link);
		}
		WRITE_ONCE(kdev->delivering, NULL);
		/* Replies the handlers sent to links served before theirs. */
		list_for_each_entry(link, &kdev->links, node)
			kucomms_endpoint_wake_reader_if_due(link);
		kucomms_endpoint_tick(ep, ep->ops->work, &ep->next_work,
				      KUCOMMS_WORK_PERIOD_NS, &stats->work_calls,
				      &stats->work_ticks_skipped);
		kucomms_endpoint_tick(ep, ep->ops->timer, &ep->next_timer,
				      KUCOMMS_TIMER_PERIOD_NS, &stats->timer_calls,
				      &stats->timer_ticks_skipped);
		idle = !pass.more &&
		       (pass.blocked || !kucomms_endpoint_spin(ep)) &&
		       kucomms_endpoint_arm_links(ep);
		mutex_unlock(&kdev->lock);

		pass.slept = false;
		if (idle)
			kucomms_endpoint_sleep(ep, pass.blocked, &pass);
		else
			cond_resched();
	}

	/* Unregistering: the module hears of every link it still holds. */
	mutex_lock(&kdev->lock);
	list_for_each_entry(link, &kdev->links, node)
		if (link->up)
			kucomms_endpoint_link_down(ep, link);
	mutex_unlock(&kdev->lock);
	return 0;
}

/**
 * kucomms_register() - serve the device @name with a module's handlers
 * @name: the device's name, e.g. "kucomms_mymodule"; the device must exist
 *	(echo the name into /sys/devices/virtual/kucomms/kucomms/create_device
 *	before loading the module)
 * @ops: the handlers; @ops->message is required. Must outlive the
 *	registration.
 * @priv: passed to every handler
 *
 * Starts the thread that calls the handlers. Links opened before the
 * registration are announced to it too. Context: may sleep.
 *
 * Return: the endpoint, or ERR_PTR(-EINVAL) (no message handler),
 * ERR_PTR(-ENODEV) (no such device), ERR_PTR(-EBUSY) (another module is
 * registered on it), ERR_PTR(-ENOMEM) or another error of kthread_create().
 */
struct kucomms_endpoint *kucomms_register(const char *name,
					  const struct kucomms_ops *ops,
					  void *priv)
{
	struct kucomms_endpoint *ep = NULL;
	struct kucomms_device *kdev;
	struct task_struct *task;
	int err;

	if (!name || !ops || !ops->message)
		return ERR_PTR(-EINVAL);
	mutex_lock(&kucomms_devices_lock);
	kdev = kucomms_device_find(name);
	if (!kdev) {
		pr_err("cannot register %s: no such device; create it first with: echo %s > /sys/devices/virtual/kucomms/kucomms/create_device\n",
		       name, name);
		err = -ENODEV;
		goto err_unlock;
	}
	if (kdev->endpoint) {
		dev_err(&kdev->dev, "cannot register %s: another module is registered on it\n",
			name);
		err = -EBUSY;
		goto err_unlock;
	}
	ep = kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep) {
		err = -ENOMEM;
		goto err_unlock;
	}
	ep->kdev = kdev;
	ep->ops = ops;
	ep->priv = priv;
	task = kthread_create(kucomms_endpoint_thread, ep, "%s", name);
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		goto err_unlock;
	}
	ep->task = task;

	mutex_lock(&kdev->lock);
	spin_lock(&kdev->wake_lock);
	WRITE_ONCE(kdev->endpoint, ep);
	spin_unlock(&kdev->wake_lock);
	mutex_unlock(&kdev->lock);
	wake_up_process(task);
	kucomms_mon_device_event(kdev, KUCOMMS_MON_EV_MODULE_UP);
	mutex_unlock(&kucomms_devices_lock);
	return ep;

err_unlock:
	mutex_unlock(&kucomms_devices_lock);
	kfree(ep);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kucomms_register);

/**
 * kucomms_unregister() - stop serving a device
 * @ep: what kucomms_register() returned
 *
 * Closes every link of the device (userspace sees POLLHUP, and EPIPE from
 * KUCOMMS_IOC_WAKE), waits for the handler running now, if any, calls
 * link_down for every link still up, and stops the thread. It never waits
 * for userspace: processes keep their descriptors and mappings until they
 * close them. Links opened afterwards wait for the next registration.
 * Context: may sleep; not from a handler.
 */
void kucomms_unregister(struct kucomms_endpoint *ep)
{
	struct kucomms_device *kdev = ep->kdev;
	struct kucomms_link *link;

	mutex_lock(&kucomms_devices_lock);
	mutex_lock(&kdev->lock);
	list_for_each_entry(link, &kdev->links, node)
		kucomms_link_close(link, false);
	/*
	 * Nobody may wake the thread once kthread_stop() has let it exit: its
	 * task_struct can be freed then. kthread_stop() wakes it itself, and
	 * its last pass says link_down for every link, so a close() waiting
	 * for that needs no wakeup of its own.
	 */
	spin_lock(&kdev->wake_lock);
	WRITE_ONCE(kdev->endpoint, NULL);
	spin_unlock(&kdev->wake_lock);
	memset(&kdev->protocol, 0, sizeof(kdev->protocol));
	mutex_unlock(&kdev->lock);

	kthread_stop(ep->task);
	kucomms_mon_device_event(kdev, KUCOMMS_MON_EV_MODULE_DOWN);
	mutex_unlock(&kucomms_devices_lock);
	kfree(ep);
}
EXPORT_SYMBOL_GPL(kucomms_unregister);

/* Protocol names are layout names: [a-z][a-z0-9_]*. */
static bool kucomms_protocol_name_ok(const char *name)
{
	size_t i, len = strnlen(name, KUCOMMS_PROTOCOL_NAME_MAX + 1);

	if (len == 0 || len > KUCOMMS_PROTOCOL_NAME_MAX || !islower(name[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) && name[i] != '_')
			return false;
	return true;
}

/**
 * kucomms_set_protocol() - say which protocol the module speaks
 * @ep: what kucomms_register() returned
 * @name: the layout's protocol name, [a-z][a-z0-9_]*, at most 63 bytes
 * @version: the layout's version ("" for none), at most 31 printable bytes
 * @hash: the layout's protocol hash
 *
 * A header generated from the layout defines all three as NAME_PROTOCOL:
 * kucomms_set_protocol(ep, NAME_PROTOCOL). The device shows them in sysfs
 * until the module unregisters. Context: may sleep.
 *
 * Return: 0, or -EINVAL for a name or version that does not fit.
 */
int kucomms_set_protocol(struct kucomms_endpoint *ep, const char *name,
			 const char *version, u64 hash)
{
	struct kucomms_device *kdev = ep->kdev;
	size_t i, vlen;

	if (!name || !version || !kucomms_protocol_name_ok(name))
		return -EINVAL;
	vlen = strnlen(version, KUCOMMS_PROTOCOL_VERSION_MAX + 1);
	if (vlen > KUCOMMS_PROTOCOL_VERSION_MAX)
		return -EINVAL;
	for (i = 0; i < vlen; i++)
		if (!isgraph(version[i]))
			return -EINVAL;
	mutex_lock(&kdev->lock);
	strscpy(kdev->protocol.name, name, sizeof(kdev->protocol.name));
	strscpy(kdev->protocol.version, version, sizeof(kdev->protocol.version));
	kdev->protocol.hash = hash;
	mutex_unlock(&kdev->lock);
	dev_info(&kdev->dev, "speaks protocol %s%s%s hash 0x%016llx\n", name,
		 version[0] ? " " : "", version, hash);
	return 0;
}
EXPORT_SYMBOL_GPL(kucomms_set_protocol);
