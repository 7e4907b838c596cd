/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kucomms.ko internals shared by the files of the core.
 *
 * Objects and their lifetimes:
 *  - kucomms_device: one per created name (/dev/kucomms_NAME). Lives from
 *    create_device until remove_device (refused while a module is registered
 *    or a link is open) or module unload. Freed by its struct device release,
 *    so an open file, which pins the cdev and through it the device, never
 *    outlives it.
 *  - kucomms_link: one per open() of a device, freed by release(), which the
 *    VFS only calls once the descriptor is closed and every mapping is gone.
 *  - kucomms_endpoint: one per registered user module, with its thread.
 *
 * Locking:
 *  - kucomms_devices_lock (global mutex): the device table, create, remove,
 *    register, unregister.
 *  - kucomms_device.lock (mutex): the device's link list and endpoint. The
 *    endpoint thread holds it while it calls the module's callbacks, so a
 *    link cannot leave the list under a callback and callbacks may walk the
 *    list (kucomms_broadcast). Taken before kucomms_device.send_lock.
 *  - kucomms_device.send_lock (mutex): the "locked" of the module's
 *    kucomms_send_locked() and kucomms_broadcast_locked().
 *  - kucomms_device.wake_lock (spinlock): the endpoint pointer as used by
 *    KUCOMMS_IOC_WAKE, so waking never waits for a callback.
 *  - kucomms_link.setup_lock (mutex): SETUP against mmap and close.
 */
#ifndef _KUCOMMS_INTERNAL_H
#define _KUCOMMS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <kucomms/module.h>
#include <kucomms/ring.h>

/* Created devices at most; minor 0 is the control device /dev/kucomms. */
#define KUCOMMS_MAX_DEVICES	256
/* Links (open descriptors) per device at most. */
#define KUCOMMS_MAX_LINKS	64
/* The most a device's spin budget (sysfs spin_us) may be set to. */
#define KUCOMMS_SPIN_MAX_US	1000
/* The monitor node /dev/kumon comes after the created devices' minors. */
#define KUCOMMS_MON_MINOR	(KUCOMMS_MAX_DEVICES + 1)
#define KUCOMMS_MINORS		(KUCOMMS_MAX_DEVICES + 2)

/*
 * Memory userspace chooses the size of (link rings, monitor rings): charged
 * to the memory cgroup of the process that asked for it, and when memory is
 * short the request fails with ENOMEM instead of waking the OOM killer
 * (which could not see this memory as the process's before it is mapped)
 * or filling the log.
 */
#define KUCOMMS_LINK_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Counters of live objects, for tests to watch them return to zero. */
struct kucomms_live {
	atomic_long_t devices;
	atomic_long_t links;
	atomic_long_t rings;
	atomic_long_t pages;	/* pages allocated for link memory */
};

extern struct kucomms_live kucomms_live;
extern struct mutex kucomms_devices_lock;

/* Per-device counters, exposed one per sysfs file. */
struct kucomms_device_stats {
	atomic64_t rx_messages;		/* user -> kernel, delivered */
	atomic64_t rx_bytes;
	atomic64_t tx_messages;		/* kernel -> user, committed */
	atomic64_t tx_bytes;
	atomic64_t full_events;		/* kernel sends refused: ring full */
	atomic64_t protocol_errors;	/* links closed for a broken ring */
	atomic64_t work_calls;
	atomic64_t timer_calls;
	atomic64_t work_ticks_skipped;
	atomic64_t timer_ticks_skipped;
};

struct kucomms_device {
	struct device dev;
	struct cdev cdev;
	char name[KUCOMMS_NAME_MAX + 1];

	struct mutex lock;
	struct list_head links;		/* kucomms_link.node */
	unsigned int nlinks;
	u32 next_link_id;
	struct kucomms_endpoint *endpoint;
	bool removed;			/* remove_device went ahead */

	struct mutex send_lock;
	spinlock_t wake_lock;
	/* How long the module's thread looks at the rings before sleeping. */
	unsigned int spin_us;
	/*
	 * The module's thread while it hands messages to the handler: its
	 * sends then wake the reader once after the link's batch.
	 */
	struct task_struct *delivering;
	struct kucomms_device_stats stats;
	/* What the registered module speaks (empty name: it did not say). */
	struct {
		char name[KUCOMMS_PROTOCOL_NAME_MAX + 1];
		char version[KUCOMMS_PROTOCOL_VERSION_MAX + 1];
		u64 hash;
	} protocol;			/* under lock */
};

struct kucomms_mon_watch;
struct vm_area_struct;

/* kucomms_link.flags bits */
enum {
	KUCOMMS_LINK_CLOSED,	/* the kernel side closed the link */
	KUCOMMS_LINK_BROKEN,	/* ... because userspace broke a ring */
};

struct kucomms_link {
	struct kucomms_device *kdev;
	struct list_head node;		/* in kdev->links, under kdev->lock */
	u32 id;
	pid_t pid;
	unsigned long flags;		/* KUCOMMS_LINK_* bits */
	wait_queue_head_t poll_wait;

	/* Set once by SETUP under setup_lock; ready last, with release. */
	struct mutex setup_lock;
	bool ready;
	struct kucomms_link_layout layout;
	void *region[2];		/* vmalloc'ed: side 0 and side 1 */
	struct kucomms_ring tx;		/* ring 0, kernel -> user */
	struct kucomms_ring rx;		/* ring 1, user -> kernel */
	struct kucomms_msg_header rx_hdr; /* kernel copy of the message ... */
	void *rx_buf;			/* ... and of its data */

	/* Endpoint thread state, under kdev->lock. */
	bool announced;			/* link_up was called */
	bool up;			/* announced and link_down not called yet */
	bool released;			/* release() waits for link_down */
	bool rx_armed;			/* NEED_WAKEUP set on ring 1 */
	bool rx_held;			/* rx_hdr/rx_buf wait for a retry */
	bool tx_wake_due;		/* sent to during a batch: wake the reader after it */
	struct completion down;

	void *priv;			/* the module's, see kucomms_link_set_priv */

	/* Set at open: who opened it, as monitor records say. */
	char comm[TASK_COMM_LEN];
	/* Exit status of a process that exited holding it, else ~0. */
	u64 exit_status;
	/* Monitors watching: written under kucomms_mon_lock, read under RCU. */
	unsigned long watch_mask;	/* bit i: watch[i] is set */
	struct kucomms_mon_watch __rcu *watch[KUCOMMS_MON_MAX];
};

struct kucomms_endpoint {
	struct kucomms_device *kdev;
	const struct kucomms_ops *ops;
	void *priv;
	struct task_struct *task;
	atomic_t wake_pending;
	ktime_t next_work;
	ktime_t next_timer;
};

static inline struct kucomms_device *to_kucomms_device(struct device *dev)
{
	return container_of(dev, struct kucomms_device, dev);
}

/* main.c */
extern struct class *kucomms_class;
extern dev_t kucomms_devt;
/* The control device: control-file refusals are logged against it. */
extern struct device *kucomms_control;

/* name.c */
int kucomms_name_parse(const char *buf, size_t count, char *name);

/* device.c */
int kucomms_device_create(const char *name);
int kucomms_device_remove(const char *name);
void kucomms_device_remove_all(void);
struct kucomms_device *kucomms_device_find(const char *name);
void kucomms_device_wake(struct kucomms_device *kdev);

void kucomms_device_for_each(void (*fn)(struct kucomms_device *kdev, void *arg),
			     void *arg);

/* send.c */
void kucomms_link_wake_reader(struct kucomms_link *link);

/* link.c */
extern const struct file_operations kucomms_link_fops;
void kucomms_link_close(struct kucomms_link *link, bool broken);
int kucomms_map_region(struct vm_area_struct *vma, void *region);

/* endpoint.c */
void kucomms_endpoint_wake(struct kucomms_endpoint *ep);

/* monitor.c */
int kucomms_mon_init(void);
void kucomms_mon_exit(void);
void kucomms_mon_device_event(struct kucomms_device *kdev, u8 event);
void kucomms_mon_link_open(struct kucomms_link *link);
void kucomms_mon_link_hangup(struct kucomms_link *link, bool broken);
void kucomms_mon_link_release(struct kucomms_link *link);
void __kucomms_mon_message(struct kucomms_link *link, u8 dir,
			   const struct kucomms_msg_header *hdr,
			   const void *data);

/*
 * Show a message that crossed @link in direction @dir (KUCOMMS_MON_*) to
 * its monitors: one predictable branch when nobody watches.
 */
static inline void kucomms_mon_message(struct kucomms_link *link, u8 dir,
				       const struct kucomms_msg_header *hdr,
				       const void *data)
{
	if (unlikely(READ_ONCE(link->watch_mask)))
		__kucomms_mon_message(link, dir, hdr, data);
}

#endif /* _KUCOMMS_INTERNAL_H */
