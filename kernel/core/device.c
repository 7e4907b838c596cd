// SPDX-License-Identifier: GPL-2.0
/*
 * The devices created through create_device: /dev/kucomms_NAME, its sysfs
 * attributes, and the table that finds a device by name.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "internal.h"

/* Minor -> device, under kucomms_devices_lock. */
static DEFINE_IDR(kucomms_devices);

static ssize_t registered_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", !!READ_ONCE(to_kucomms_device(dev)->endpoint));
}
static DEVICE_ATTR_RO(registered);

static ssize_t links_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_kucomms_device(dev)->nlinks));
}
static DEVICE_ATTR_RO(links);

/*
 * The spin budget: microseconds the module's thread keeps looking at the
 * rings before it sleeps, so a process that sends again within it needs no
 * wakeup (like io_uring's SQPOLL idle time). Off (0) by default; root only
 * (0644) and capped, so nobody else can make a kernel thread spin.
 */
static ssize_t spin_us_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_kucomms_device(dev)->spin_us));
}

static ssize_t spin_us_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	unsigned int us;
	int err = kstrtouint(buf, 10, &us);

	if (err || us > KUCOMMS_SPIN_MAX_US) {
		dev_warn(dev, "spin_us: give a whole number of microseconds from 0 (off) to %d\n",
			 KUCOMMS_SPIN_MAX_US);
		return -EINVAL;
	}
	WRITE_ONCE(to_kucomms_device(dev)->spin_us, us);
	return count;
}
static DEVICE_ATTR_RW(spin_us);

/*
 * The protocol the registered module said it speaks: one value per
 * attribute, each an empty line while it said nothing.
 */
static ssize_t protocol_show(struct device *dev, char *buf, int which)
{
	struct kucomms_device *kdev = to_kucomms_device(dev);
	ssize_t n;

	mutex_lock(&kdev->lock);
	if (!kdev->protocol.name[0])
		n = sysfs_emit(buf, "\n");
	else if (which == 0)
		n = sysfs_emit(buf, "%s\n", kdev->protocol.name);
	else if (which == 1)
		n = sysfs_emit(buf, "%s\n", kdev->protocol.version);
	else
		n = sysfs_emit(buf, "0x%016llx\n", kdev->protocol.hash);
	mutex_unlock(&kdev->lock);
	return n;
}

static ssize_t protocol_name_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return protocol_show(dev, buf, 0);
}
static DEVICE_ATTR_RO(protocol_name);

static ssize_t protocol_version_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	return protocol_show(dev, buf, 1);
}
static DEVICE_ATTR_RO(protocol_version);

static ssize_t protocol_hash_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return protocol_show(dev, buf, 2);
}
static DEVICE_ATTR_RO(protocol_hash);

#define KUCOMMS_STAT_ATTR(field)					\
static ssize_t field##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct kucomms_device *kdev = to_kucomms_device(dev);		\
									\
	return sysfs_emit(buf, "%llu\n",				\
			  (u64)atomic64_read(&kdev->stats.field));	\
}									\
static DEVICE_ATTR_RO(field)

KUCOMMS_STAT_ATTR(rx_messages);
KUCOMMS_STAT_ATTR(rx_bytes);
KUCOMMS_STAT_ATTR(tx_messages);
KUCOMMS_STAT_ATTR(tx_bytes);
KUCOMMS_STAT_ATTR(full_events);
KUCOMMS_STAT_ATTR(protocol_errors);
KUCOMMS_STAT_ATTR(work_calls);
KUCOMMS_STAT_ATTR(timer_calls);
KUCOMMS_STAT_ATTR(work_ticks_skipped);
KUCOMMS_STAT_ATTR(timer_ticks_skipped);

static struct attribute *kucomms_device_attrs[] = {
	&dev_attr_registered.attr,
	&dev_attr_links.attr,
	&dev_attr_rx_messages.attr,
	&dev_attr_rx_bytes.attr,
	&dev_attr_tx_messages.attr,
	&dev_attr_tx_bytes.attr,
	&dev_attr_full_events.attr,
	&dev_attr_protocol_errors.attr,
	&dev_attr_work_calls.attr,
	&dev_attr_timer_calls.attr,
	&dev_attr_work_ticks_skipped.attr,
	&dev_attr_timer_ticks_skipped.attr,
	&dev_attr_spin_us.attr,
	&dev_attr_protocol_name.attr,
	&dev_attr_protocol_version.attr,
	&dev_attr_protocol_hash.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kucomms_device);

static void kucomms_device_release(struct device *dev)
{
	kfree(to_kucomms_device(dev));
	atomic_long_dec(&kucomms_live.devices);
}

/* Caller holds kucomms_devices_lock. */
struct kucomms_device *kucomms_device_find(const char *name)
{
	struct kucomms_device *kdev;
	int minor;

	lockdep_assert_held(&kucomms_devices_lock);
	idr_for_each_entry(&kucomms_devices, kdev, minor)
		if (!strcmp(kdev->name, name))
			return kdev;
	return NULL;
}

int kucomms_device_create(const char *name)
{
	struct kucomms_device *kdev;
	int minor, err;

	mutex_lock(&kucomms_devices_lock);
	if (kucomms_device_find(name)) {
		dev_warn(kucomms_control, "create_device: %s already exists\n", name);
		err = -EEXIST;
		goto out_unlock;
	}
	kdev = kzalloc(sizeof(*kdev), GFP_KERNEL);
	if (!kdev) {
		err = -ENOMEM;
		goto out_unlock;
	}
	minor = idr_alloc(&kucomms_devices, kdev, 1, KUCOMMS_MAX_DEVICES + 1,
			  GFP_KERNEL);
	if (minor < 0) {
		if (minor == -ENOSPC)
			dev_warn(kucomms_control, "create_device: %s refused: %d devices exist, the most there can be\n",
				 name, KUCOMMS_MAX_DEVICES);
		kfree(kdev);
		err = minor;
		goto out_unlock;
	}
	strscpy(kdev->name, name, sizeof(kdev->name));
	mutex_init(&kdev->lock);
	mutex_init(&kdev->send_lock);
	INIT_LIST_HEAD(&kdev->links);
	spin_lock_init(&kdev->wake_lock);
	atomic_long_inc(&kucomms_live.devices);

	device_initialize(&kdev->dev);
	kdev->dev.class = kucomms_class;
	kdev->dev.devt = MKDEV(MAJOR(kucomms_devt), minor);
	kdev->dev.groups = kucomms_device_groups;
	kdev->dev.release = kucomms_device_release;
	cdev_init(&kdev->cdev, &kucomms_link_fops);
	kdev->cdev.owner = THIS_MODULE;
	err = dev_set_name(&kdev->dev, "%s", name);
	if (!err)
		err = cdev_device_add(&kdev->cdev, &kdev->dev);
	if (err) {
		dev_warn(kucomms_control, "create_device: %s failed: %d\n", name, err);
		idr_remove(&kucomms_devices, minor);
		put_device(&kdev->dev);
	}	else
		kucomms_mon_device_event(kdev, KUCOMMS_MON_EV_DEVICE_CREATE);
out_unlock:
	mutex_unlock(&kucomms_devices_lock);
	return err;
}

/* Caller holds kucomms_devices_lock; nothing uses @kdev any more. */
static void kucomms_device_destroy(struct kucomms_device *kdev)
{
	kucomms_mon_device_event(kdev, KUCOMMS_MON_EV_DEVICE_REMOVE);
	idr_remove(&kucomms_devices, MINOR(kdev->dev.devt));
	cdev_device_del(&kdev->cdev, &kdev->dev);
	put_device(&kdev->dev);
}

int kucomms_device_remove(const char *name)
{
	struct kucomms_device *kdev;
	unsigned int nlinks = 0;
	bool registered = false;
	int err = 0;

	mutex_lock(&kucomms_devices_lock);
	kdev = kucomms_device_find(name);
	if (!kdev) {
		dev_warn(kucomms_control, "remove_device: %s does not exist\n", name);
		err = -ENODEV;
		goto out_unlock;
	}
	mutex_lock(&kdev->lock);
	registered = kdev->endpoint;
	nlinks = kdev->nlinks;
	/* From here on open() refuses the device. */
	kdev->removed = !registered && !nlinks;
	mutex_unlock(&kdev->lock);
	if (!kdev->removed) {
		dev_warn(kucomms_control, "remove_device: %s is in use (%s, %u open links)\n",
			 name, registered ? "a module is registered" : "no module",
			 nlinks);
		err = -EBUSY;
		goto out_unlock;
	}
	kucomms_device_destroy(kdev);
out_unlock:
	mutex_unlock(&kucomms_devices_lock);
	return err;
}

/* Caller holds kucomms_devices_lock: @fn on every device there is. */
void kucomms_device_for_each(void (*fn)(struct kucomms_device *kdev, void *arg),
			     void *arg)
{
	struct kucomms_device *kdev;
	int minor;

	lockdep_assert_held(&kucomms_devices_lock);
	idr_for_each_entry(&kucomms_devices, kdev, minor)
		fn(kdev, arg);
}

/*
 * Module unload: no endpoint can be registered (user modules depend on us)
 * and no link open (open files hold a module reference).
 */
void kucomms_device_remove_all(void)
{
	struct kucomms_device *kdev;
	int minor;

	mutex_lock(&kucomms_devices_lock);
	idr_for_each_entry(&kucomms_devices, kdev, minor)
		kucomms_device_destroy(kdev);
	idr_destroy(&kucomms_devices);
	mutex_unlock(&kucomms_devices_lock);
}

/* Wake the thread of the module registered on @kdev, if any. */
void kucomms_device_wake(struct kucomms_device *kdev)
{
	spin_lock(&kdev->wake_lock);
	if (kdev->endpoint)
		kucomms_endpoint_wake(kdev->endpoint);
	spin_unlock(&kdev->wake_lock);
}
