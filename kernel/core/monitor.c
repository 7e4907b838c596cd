// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor, /dev/kumon: each open() is one monitor, which copies every
 * message crossing the links of one device (or of all) into a ring that
 * only it reads, with the events of devices, modules and links. The layout
 * and rules are in linux/kucomms.h; this file is the producer.
 *
 * Objects:
 *  - kucomms_monitor: one per open() of /dev/kumon, with a slot number
 *    (0 .. KUCOMMS_MON_MAX - 1) that indexes kucomms_link.watch[].
 *  - kucomms_mon_watch: one per monitor and link it watches; it names the
 *    link in records and holds what the monitor still owes for it (its open
 *    record, counts of dropped messages, its hangup and close). A watch
 *    outlives its link until that is delivered, so no close or drop count
 *    is ever lost, only delayed until the ring has room.
 *
 * Locking (after kucomms_devices_lock and kucomms_device.lock):
 *  - kucomms_mon_lock (mutex): the monitor list, the slots, attaching and
 *    detaching watches (kucomms_link.watch[] and watch_mask are written
 *    only under it), each monitor's watch list.
 *  - kucomms_monitor.lock (spinlock): the ring, the pending list and the
 *    watches' owed state. Producers only ever take this one in the message
 *    path, under rcu_read_lock(), which keeps the watches they find alive.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <kucomms/monitor.h>
#include "compat.h"
#include "internal.h"

/* kucomms_mon_watch.owed bits: records waiting for room, in this order. */
enum {
	KUCOMMS_OWE_OPEN = 1 << 0,
	KUCOMMS_OWE_HANGUP = 1 << 1,
	KUCOMMS_OWE_CLOSE = 1 << 2,
};

struct kucomms_mon_watch {
	struct kucomms_monitor *mon;
	struct kucomms_link *link;	/* NULL once the link is gone */
	struct list_head node;		/* in mon->watches, under kucomms_mon_lock */
	struct list_head pending;	/* in mon->pending while anything is owed */
	struct rcu_head rcu;

	/* Who, as every record of this link says. */
	char device[KUCOMMS_NAME_MAX + 1];
	char comm[TASK_COMM_LEN];
	u32 link_id;
	pid_t pid;

	/* Owed, under mon->lock. */
	unsigned int owed;
	u64 open_value;
	u64 hangup_value;
	u64 close_value;
	u64 dropped[2];			/* per direction */
};

struct kucomms_monitor {
	struct list_head node;		/* in kucomms_monitors once set up */
	int slot;
	char device[KUCOMMS_NAME_MAX + 1];	/* "" = every device */
	struct list_head watches;	/* under kucomms_mon_lock */

	/* Set once by SETUP under setup_lock; ready last, with release. */
	struct mutex setup_lock;
	bool ready;
	struct kucomms_mon_layout layout;
	void *ro;			/* vmalloc'ed: page + ring data */
	void *rw;			/* vmalloc'ed: the consumer line */
	u32 snaplen;

	spinlock_t lock;
	struct kucomms_ring ring;
	struct list_head pending;	/* watches owing records */
	u64 events_dropped;		/* device and module events */
	bool broken;			/* the reader wrote an impossible position */
	wait_queue_head_t wait;
};

static DEFINE_MUTEX(kucomms_mon_lock);
static LIST_HEAD(kucomms_monitors);
static DECLARE_BITMAP(kucomms_mon_slots, KUCOMMS_MON_MAX);
static struct device *kucomms_mon_dev;
static struct cdev kucomms_mon_cdev;

static unsigned long kucomms_mon_pages(const struct kucomms_mon_layout *l)
{
	return l->total_size >> PAGE_SHIFT;
}

static bool kucomms_mon_watches(const struct kucomms_monitor *mon,
				const char *device)
{
	return !mon->device[0] || !strcmp(mon->device, device);
}

/* ---- producing records, under mon->lock ---- */

/*
 * One record into the ring (not yet committed). -ENOBUFS when it does not
 * fit; -EPROTO when the reader broke its consumer line (the monitor then
 * stops for good).
 */
static int kucomms_mon_put(struct kucomms_monitor *mon,
			   const struct kucomms_mon_record *rec,
			   const void *data)
{
	struct kucomms_msg_header *hdr;
	struct kucomms_mon_record *dst;
	int err;

	if (mon->broken)
		return -EPROTO;
	err = kucomms_ring_reserve(&mon->ring,
				   kucomms_mon_record_length(rec->caplen), &hdr);
	if (err == -EPROTO) {
		mon->broken = true;
		dev_warn_ratelimited(kucomms_mon_dev, "monitor %d stopped: its reader wrote an impossible consumer position\n",
				     mon->slot);
	}
	if (err)
		return err;
	hdr->length = kucomms_mon_record_length(rec->caplen);
	hdr->type = 0;
	hdr->id = 0;
	hdr->user_value = 0;
	dst = (struct kucomms_mon_record *)(hdr + 1);
	memcpy(dst, rec, sizeof(*rec));
	dst->time_ns = ktime_get_real_ns();
	if (rec->caplen)
		memcpy(dst + 1, data, rec->caplen);
	return 0;
}

/* A record about @w's link, without data. */
static int kucomms_mon_put_link(struct kucomms_monitor *mon,
				const struct kucomms_mon_watch *w,
				u16 kind, u8 dir, u8 event, u64 value)
{
	struct kucomms_mon_record rec = {
		.kind = kind,
		.dir = dir,
		.event = event,
		.link_id = w->link_id,
		.pid = w->pid,
		.value = value,
	};

	memcpy(rec.comm, w->comm, sizeof(rec.comm));
	memcpy(rec.device, w->device, sizeof(rec.device));
	return kucomms_mon_put(mon, &rec, NULL);
}

/* Deliver what @w owes, in order; false if something still does not fit. */
static bool kucomms_mon_settle(struct kucomms_monitor *mon,
			       struct kucomms_mon_watch *w)
{
	int dir;

	if (w->owed & KUCOMMS_OWE_OPEN) {
		if (kucomms_mon_put_link(mon, w, KUCOMMS_MON_EVENT, KUCOMMS_MON_DIR_NONE,
					 KUCOMMS_MON_EV_LINK_OPEN, w->open_value))
			return false;
		w->owed &= ~KUCOMMS_OWE_OPEN;
	}
	for (dir = 0; dir < 2; dir++) {
		if (!w->dropped[dir])
			continue;
		if (kucomms_mon_put_link(mon, w, KUCOMMS_MON_DROP, dir, 0,
					 w->dropped[dir]))
			return false;
		w->dropped[dir] = 0;
	}
	if (w->owed & KUCOMMS_OWE_HANGUP) {
		if (kucomms_mon_put_link(mon, w, KUCOMMS_MON_EVENT, KUCOMMS_MON_DIR_NONE,
					 KUCOMMS_MON_EV_LINK_HANGUP, w->hangup_value))
			return false;
		w->owed &= ~KUCOMMS_OWE_HANGUP;
	}
	if (w->owed & KUCOMMS_OWE_CLOSE) {
		if (kucomms_mon_put_link(mon, w, KUCOMMS_MON_EVENT, KUCOMMS_MON_DIR_NONE,
					 KUCOMMS_MON_EV_LINK_CLOSE, w->close_value))
			return false;
		w->owed &= ~KUCOMMS_OWE_CLOSE;
	}
	return true;
}

static bool kucomms_mon_owes(const struct kucomms_mon_watch *w)
{
	return !list_empty(&w->pending);
}

static void kucomms_mon_owe(struct kucomms_monitor *mon,
			    struct kucomms_mon_watch *w)
{
	if (!kucomms_mon_owes(w))
		list_add_tail(&w->pending, &mon->pending);
}

/*
 * Deliver what is owed, oldest first, as far as the ring has room. (A
 * watch whose link is gone is freed once it owes nothing, by
 * kucomms_mon_reap().)
 */
static void kucomms_mon_settle_all(struct kucomms_monitor *mon)
{
	struct kucomms_mon_watch *w, *tmp;

	if (mon->events_dropped) {
		struct kucomms_mon_record rec = {
			.kind = KUCOMMS_MON_DROP,
			.dir = KUCOMMS_MON_DIR_NONE,
			.link_id = KUCOMMS_MON_NO_LINK,
			.value = mon->events_dropped,
		};

		if (kucomms_mon_put(mon, &rec, NULL))
			return;
		mon->events_dropped = 0;
	}
	list_for_each_entry_safe(w, tmp, &mon->pending, pending) {
		if (!kucomms_mon_settle(mon, w))
			return;
		list_del_init(&w->pending);
	}
}

/* Publish the records written under mon->lock. */
static void kucomms_mon_commit(struct kucomms_monitor *mon)
{
	if (mon->ring.pos != mon->ring.committed)
		kucomms_ring_commit(&mon->ring);
}

/* After unlocking: wake a reader that sleeps or waits in poll(). */
static void kucomms_mon_wake(struct kucomms_monitor *mon)
{
	if (kucomms_ring_need_wakeup(&mon->ring)) {
		kucomms_ring_count_wakeup(&mon->ring);
		wake_up_interruptible_poll(&mon->wait, EPOLLIN | EPOLLRDNORM);
		return;
	}
	/*
	 * A reader in poll() without the flag. The full barrier in
	 * kucomms_ring_need_wakeup() orders the commit before this look and
	 * pairs with the one in kucomms_mon_poll().
	 */
	if (waitqueue_active(&mon->wait))
		wake_up_interruptible_poll(&mon->wait, EPOLLIN | EPOLLRDNORM);
}

/*
 * Owe @owed (KUCOMMS_OWE_*) for @w and deliver as much as fits. Link
 * events are never dropped: they wait in the pending list.
 */
static void kucomms_mon_link_event(struct kucomms_mon_watch *w,
				   unsigned int owed)
{
	struct kucomms_monitor *mon = w->mon;

	spin_lock(&mon->lock);
	w->owed |= owed;
	kucomms_mon_owe(mon, w);
	kucomms_mon_settle_all(mon);
	kucomms_mon_commit(mon);
	spin_unlock(&mon->lock);
	kucomms_mon_wake(mon);
}

/* One message crossing @w's link in direction @dir. */
static void kucomms_mon_capture(struct kucomms_mon_watch *w, u8 dir,
				const struct kucomms_msg_header *hdr,
				const void *data)
{
	struct kucomms_monitor *mon = w->mon;
	struct kucomms_mon_record rec = {
		.kind = KUCOMMS_MON_MESSAGE,
		.dir = dir,
		.link_id = w->link_id,
		.pid = w->pid,
		.caplen = min_t(u64, hdr->length, mon->snaplen),
		.msg = *hdr,
	};

	memcpy(rec.comm, w->comm, sizeof(rec.comm));
	memcpy(rec.device, w->device, sizeof(rec.device));
	spin_lock(&mon->lock);
	if (!list_empty(&mon->pending))
		kucomms_mon_settle_all(mon);
	/* Nothing of a link may overtake what it still owes. */
	if (kucomms_mon_owes(w) || kucomms_mon_put(mon, &rec, data)) {
		w->dropped[dir]++;
		kucomms_mon_owe(mon, w);
	}
	kucomms_mon_commit(mon);
	spin_unlock(&mon->lock);
	kucomms_mon_wake(mon);
}

/**
 * __kucomms_mon_message() - show a message to the monitors of its link
 * @link: the link it crossed
 * @dir: KUCOMMS_MON_FROM_MODULE or KUCOMMS_MON_TO_MODULE
 * @hdr: its header (kernel memory)
 * @data: its hdr->length bytes of data (kernel memory)
 *
 * Called through kucomms_mon_message(), which costs one branch when the
 * link has no monitor. Context: process, no spinlock held.
 */
void __kucomms_mon_message(struct kucomms_link *link, u8 dir,
			   const struct kucomms_msg_header *hdr,
			   const void *data)
{
	unsigned long mask = READ_ONCE(link->watch_mask);
	struct kucomms_mon_watch *w;
	int slot;

	rcu_read_lock();
	for_each_set_bit(slot, &mask, KUCOMMS_MON_MAX) {
		w = rcu_dereference(link->watch[slot]);
		if (w)
			kucomms_mon_capture(w, dir, hdr, data);
	}
	rcu_read_unlock();
}

/* ---- devices, modules and links coming and going ---- */

/**
 * kucomms_mon_device_event() - tell the monitors of @kdev about it
 * @kdev: the device
 * @event: KUCOMMS_MON_EV_DEVICE_* or KUCOMMS_MON_EV_MODULE_*
 *
 * Context: may sleep.
 */
void kucomms_mon_device_event(struct kucomms_device *kdev, u8 event)
{
	struct kucomms_mon_record rec = {
		.kind = KUCOMMS_MON_EVENT,
		.dir = KUCOMMS_MON_DIR_NONE,
		.event = event,
		.link_id = KUCOMMS_MON_NO_LINK,
	};
	struct kucomms_monitor *mon;

	memcpy(rec.device, kdev->name, sizeof(rec.device));
	mutex_lock(&kucomms_mon_lock);
	list_for_each_entry(mon, &kucomms_monitors, node) {
		if (!kucomms_mon_watches(mon, kdev->name))
			continue;
		spin_lock(&mon->lock);
		kucomms_mon_settle_all(mon);
		if (!list_empty(&mon->pending) || mon->events_dropped ||
		    kucomms_mon_put(mon, &rec, NULL))
			mon->events_dropped++;
		kucomms_mon_commit(mon);
		spin_unlock(&mon->lock);
		kucomms_mon_wake(mon);
	}
	mutex_unlock(&kucomms_mon_lock);
}

/* Under kucomms_mon_lock: start watching @link for @mon. */
static void kucomms_mon_attach(struct kucomms_monitor *mon,
			       struct kucomms_link *link, u64 open_value)
{
	struct kucomms_mon_watch *w;

	lockdep_assert_held(&kucomms_mon_lock);
	if (rcu_access_pointer(link->watch[mon->slot]))
		return;
	/* Small and rare (one per link and monitor): worth never missing. */
	w = kzalloc(sizeof(*w), GFP_KERNEL | __GFP_NOFAIL);
	w->mon = mon;
	w->link = link;
	INIT_LIST_HEAD(&w->pending);
	memcpy(w->device, link->kdev->name, sizeof(w->device));
	memcpy(w->comm, link->comm, sizeof(w->comm));
	w->link_id = link->id;
	w->pid = link->pid;
	w->open_value = open_value;
	list_add_tail(&w->node, &mon->watches);
	rcu_assign_pointer(link->watch[mon->slot], w);
	set_bit(mon->slot, &link->watch_mask);
	kucomms_mon_link_event(w, KUCOMMS_OWE_OPEN);
}

/**
 * kucomms_mon_link_open() - a link was opened: its monitors start on it
 * @link: the link, just added to its device's list
 *
 * Context: may sleep; the caller holds the device's lock.
 */
void kucomms_mon_link_open(struct kucomms_link *link)
{
	struct kucomms_monitor *mon;

	mutex_lock(&kucomms_mon_lock);
	list_for_each_entry(mon, &kucomms_monitors, node)
		if (kucomms_mon_watches(mon, link->kdev->name))
			kucomms_mon_attach(mon, link, 0);
	mutex_unlock(&kucomms_mon_lock);
}

/**
 * kucomms_mon_link_hangup() - the kernel side closed @link
 * @link: the link
 * @broken: because its process broke a ring
 *
 * Context: may sleep.
 */
void kucomms_mon_link_hangup(struct kucomms_link *link, bool broken)
{
	unsigned long mask = READ_ONCE(link->watch_mask);
	struct kucomms_mon_watch *w;
	int slot;

	rcu_read_lock();
	for_each_set_bit(slot, &mask, KUCOMMS_MON_MAX) {
		w = rcu_dereference(link->watch[slot]);
		if (!w)
			continue;
		spin_lock(&w->mon->lock);
		w->hangup_value = broken;
		spin_unlock(&w->mon->lock);
		kucomms_mon_link_event(w, KUCOMMS_OWE_HANGUP);
	}
	rcu_read_unlock();
}

/*
 * Under kucomms_mon_lock: free the watches of @mon whose link is gone and
 * that owe nothing any more. No producer can reach them (they left their
 * link's watch[]), but one may still be looking: free after a grace period.
 */
static void kucomms_mon_reap(struct kucomms_monitor *mon)
{
	struct kucomms_mon_watch *w, *tmp;
	bool done;

	lockdep_assert_held(&kucomms_mon_lock);
	list_for_each_entry_safe(w, tmp, &mon->watches, node) {
		if (w->link)
			continue;
		spin_lock(&mon->lock);
		done = !kucomms_mon_owes(w);
		spin_unlock(&mon->lock);
		if (done) {
			list_del(&w->node);
			kfree_rcu(w, rcu);
		}
	}
}

/**
 * kucomms_mon_link_release() - @link is going: its watches say so and let go
 * @link: the link, no longer used by anyone
 *
 * Each watch owes the close record and stays with its monitor until that
 * is delivered. Context: may sleep.
 */
void kucomms_mon_link_release(struct kucomms_link *link)
{
	struct kucomms_mon_watch *w;
	int slot;

	if (!READ_ONCE(link->watch_mask))
		return;
	mutex_lock(&kucomms_mon_lock);
	for (slot = 0; slot < KUCOMMS_MON_MAX; slot++) {
		w = rcu_dereference_protected(link->watch[slot],
					      lockdep_is_held(&kucomms_mon_lock));
		if (!w)
			continue;
		clear_bit(slot, &link->watch_mask);
		RCU_INIT_POINTER(link->watch[slot], NULL);
		spin_lock(&w->mon->lock);
		w->link = NULL;
		w->close_value = link->exit_status;
		spin_unlock(&w->mon->lock);
		kucomms_mon_link_event(w, KUCOMMS_OWE_CLOSE);
		kucomms_mon_reap(w->mon);
	}
	mutex_unlock(&kucomms_mon_lock);
}

/* ---- the monitor device ---- */

static int kucomms_mon_open(struct inode *inode, struct file *file)
{
	struct kucomms_monitor *mon;
	int slot;

	mon = kzalloc(sizeof(*mon), GFP_KERNEL);
	if (!mon)
		return -ENOMEM;
	mutex_lock(&kucomms_mon_lock);
	slot = find_first_zero_bit(kucomms_mon_slots, KUCOMMS_MON_MAX);
	if (slot < KUCOMMS_MON_MAX)
		set_bit(slot, kucomms_mon_slots);
	mutex_unlock(&kucomms_mon_lock);
	if (slot >= KUCOMMS_MON_MAX) {
		kfree(mon);
		dev_warn_ratelimited(kucomms_mon_dev, "open by pid %d refused: %d monitors are open, the most there can be\n",
				     task_tgid_nr(current), KUCOMMS_MON_MAX);
		return -EMFILE;
	}
	mon->slot = slot;
	INIT_LIST_HEAD(&mon->node);
	INIT_LIST_HEAD(&mon->watches);
	INIT_LIST_HEAD(&mon->pending);
	mutex_init(&mon->setup_lock);
	spin_lock_init(&mon->lock);
	init_waitqueue_head(&mon->wait);
	file->private_data = mon;
	return stream_open(inode, file);
}

static int kucomms_mon_release(struct inode *inode, struct file *file)
{
	struct kucomms_monitor *mon = file->private_data;
	struct kucomms_mon_watch *w, *tmp;

	mutex_lock(&kucomms_mon_lock);
	list_del(&mon->node);
	list_for_each_entry(w, &mon->watches, node) {
		if (!w->link)
			continue;
		clear_bit(mon->slot, &w->link->watch_mask);
		RCU_INIT_POINTER(w->link->watch[mon->slot], NULL);
	}
	mutex_unlock(&kucomms_mon_lock);
	/* No producer still holds a watch of this monitor, or the monitor. */
	synchronize_rcu();
	list_for_each_entry_safe(w, tmp, &mon->watches, node)
		kfree(w);
	if (mon->ready) {
		atomic_long_sub(kucomms_mon_pages(&mon->layout), &kucomms_live.pages);
		atomic_long_dec(&kucomms_live.rings);
	}
	vfree(mon->rw);
	vfree(mon->ro);
	mutex_lock(&kucomms_mon_lock);
	clear_bit(mon->slot, kucomms_mon_slots);
	mutex_unlock(&kucomms_mon_lock);
	kfree(mon);
	return 0;
}

/* Under setup_lock: the ring's memory, zeroed, charged like a link's. */
static int kucomms_mon_alloc(struct kucomms_monitor *mon)
{
	const struct kucomms_mon_layout *l = &mon->layout;
	struct kucomms_mon_page *page;

	mon->ro = __vmalloc(l->ro_size, KUCOMMS_LINK_GFP | __GFP_ZERO);
	mon->rw = __vmalloc(l->rw_size, KUCOMMS_LINK_GFP | __GFP_ZERO);
	if (!mon->ro || !mon->rw) {
		vfree(mon->rw);
		vfree(mon->ro);
		mon->ro = NULL;
		mon->rw = NULL;
		return -ENOMEM;
	}
	page = mon->ro;
	page->info.abi_version = KUCOMMS_MON_ABI_VERSION;
	page->info.page_size = l->page_size;
	page->info.snaplen = mon->snaplen;
	page->info.capacity = l->capacity;
	page->info.rw_offset = l->rw_offset;
	page->info.total_size = l->total_size;
	/* Pairs with the load-acquire in kucomms_mon_reader_bind(). */
	smp_store_release(&page->info.magic, KUCOMMS_MON_MAGIC);
	kucomms_mon_ring_bind(l, mon->ro, mon->rw, &mon->ring);
	return 0;
}

/*
 * Under kucomms_devices_lock: watch the links @kdev has now (those opened
 * later are attached by kucomms_mon_link_open(), since @mon is listed).
 */
static void kucomms_mon_attach_device(struct kucomms_device *kdev, void *arg)
{
	struct kucomms_monitor *mon = arg;
	struct kucomms_link *link;

	if (!kucomms_mon_watches(mon, kdev->name))
		return;
	mutex_lock(&kdev->lock);
	mutex_lock(&kucomms_mon_lock);
	list_for_each_entry(link, &kdev->links, node)
		kucomms_mon_attach(mon, link, 1);
	mutex_unlock(&kucomms_mon_lock);
	mutex_unlock(&kdev->lock);
}

static int kucomms_mon_setup(struct kucomms_monitor *mon,
			     struct kucomms_mon_setup *setup)
{
	u64 capacity = setup->capacity ?: KUCOMMS_MON_DEFAULT_CAPACITY;
	char device[KUCOMMS_NAME_MAX + 1] = "";
	struct kucomms_mon_layout layout;
	size_t len;
	int err;

	/*
	 * Everything is checked into locals first: a SETUP refused (EBUSY)
	 * must not change the layout that mmap() of the live ring relies on.
	 */
	len = strnlen(setup->device, sizeof(setup->device));
	if (setup->flags || memchr_inv(setup->reserved, 0, sizeof(setup->reserved)) ||
	    len == sizeof(setup->device) ||
	    (len && kucomms_name_parse(setup->device, len, device)))
		return -EINVAL;
	err = kucomms_mon_layout_init(&layout, capacity, PAGE_SIZE);
	if (err)
		return err;

	mutex_lock(&kucomms_devices_lock);
	mutex_lock(&mon->setup_lock);
	err = -EBUSY;
	if (mon->ready)
		goto out_unlock;
	err = -ENODEV;
	if (device[0] && !kucomms_device_find(device)) {
		dev_warn_ratelimited(kucomms_mon_dev, "cannot monitor %s: no such device (create it first: echo %s > /sys/devices/virtual/kucomms/kucomms/create_device)\n",
				     device, device);
		goto out_unlock;
	}
	memcpy(mon->device, device, sizeof(mon->device));
	mon->layout = layout;
	mon->snaplen = min_t(u64, setup->snaplen ?: U32_MAX,
			     kucomms_mon_max_caplen(capacity));
	err = kucomms_mon_alloc(mon);
	if (err)
		goto out_unlock;
	atomic_long_inc(&kucomms_live.rings);
	atomic_long_add(kucomms_mon_pages(&mon->layout), &kucomms_live.pages);
	/* Pairs with the load-acquires of ready: the ring is bound. */
	smp_store_release(&mon->ready, true);

	mutex_lock(&kucomms_mon_lock);
	list_add_tail(&mon->node, &kucomms_monitors);
	mutex_unlock(&kucomms_mon_lock);
	kucomms_device_for_each(kucomms_mon_attach_device, mon);

	setup->capacity = capacity;
	setup->snaplen = mon->snaplen;
	setup->ro_size = mon->layout.ro_size;
	setup->rw_offset = mon->layout.rw_offset;
	setup->rw_size = mon->layout.rw_size;
out_unlock:
	mutex_unlock(&mon->setup_lock);
	mutex_unlock(&kucomms_devices_lock);
	return err;
}

static long kucomms_mon_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct kucomms_monitor *mon = file->private_data;
	void __user *argp = (void __user *)arg;
	struct kucomms_mon_setup setup;
	int err;

	if (cmd != KUCOMMS_MON_IOC_SETUP)
		return -ENOTTY;
	if (copy_from_user(&setup, argp, sizeof(setup)))
		return -EFAULT;
	err = kucomms_mon_setup(mon, &setup);
	if (err)
		return err;
	return copy_to_user(argp, &setup, sizeof(setup)) ? -EFAULT : 0;
}

static int kucomms_mon_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kucomms_monitor *mon = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	void *region;
	int err;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&mon->setup_lock);
	err = -EINVAL;
	if (!mon->ready)
		goto out_unlock;
	if (vma->vm_pgoff == 0 && size == mon->layout.ro_size) {
		/* The kernel's page and the records: read-only, for good. */
		err = -EPERM;
		if (vma->vm_flags & VM_WRITE)
			goto out_unlock;
		kucomms_vm_flags_clear(vma, VM_MAYWRITE);
		region = mon->ro;
	} else if (vma->vm_pgoff == mon->layout.rw_offset >> PAGE_SHIFT &&
		   size == mon->layout.rw_size) {
		region = mon->rw;
	} else {
		goto out_unlock;
	}
	err = kucomms_map_region(vma, region);
out_unlock:
	mutex_unlock(&mon->setup_lock);
	return err;
}

static __poll_t kucomms_mon_poll(struct file *file, poll_table *wait)
{
	struct kucomms_monitor *mon = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &mon->wait, wait);
	/* Pairs with the store-release in SETUP. */
	if (!smp_load_acquire(&mon->ready))
		return 0;
	/* The reader has made room: what waited for it goes in now. */
	spin_lock(&mon->lock);
	kucomms_mon_settle_all(mon);
	kucomms_mon_commit(mon);
	spin_unlock(&mon->lock);
	/* Pairs with the barrier in kucomms_mon_wake(). */
	smp_mb();
	if (READ_ONCE(mon->broken))
		mask |= EPOLLERR | EPOLLHUP;
	if (kucomms_ring_unconsumed(&mon->ring))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const struct file_operations kucomms_mon_fops = {
	.owner = THIS_MODULE,
	.open = kucomms_mon_open,
	.release = kucomms_mon_release,
	.unlocked_ioctl = kucomms_mon_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = kucomms_mon_mmap,
	.poll = kucomms_mon_poll,
};

/* /dev/kumon, after the control device and the created devices' minors. */
int kucomms_mon_init(void)
{
	dev_t devt = MKDEV(MAJOR(kucomms_devt), KUCOMMS_MON_MINOR);
	int err;

	cdev_init(&kucomms_mon_cdev, &kucomms_mon_fops);
	kucomms_mon_cdev.owner = THIS_MODULE;
	err = cdev_add(&kucomms_mon_cdev, devt, 1);
	if (err)
		return err;
	kucomms_mon_dev = device_create(kucomms_class, NULL, devt, NULL, "kumon");
	if (IS_ERR(kucomms_mon_dev)) {
		cdev_del(&kucomms_mon_cdev);
		return PTR_ERR(kucomms_mon_dev);
	}
	return 0;
}

void kucomms_mon_exit(void)
{
	device_destroy(kucomms_class, kucomms_mon_dev->devt);
	cdev_del(&kucomms_mon_cdev);
}
