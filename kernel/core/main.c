// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms.ko: asynchronous message passing between kernel modules and
 * userspace. Loading it creates the class "kucomms" and its control device
 * /sys/devices/virtual/kucomms/kucomms, whose create_device and
 * remove_device files create and remove /dev/kucomms_NAME, and whose live_*
 * files count the objects alive now (a leak shows as a count that does not
 * return to zero).
 */
#include <linux/fs.h>
#include <linux/module.h>
#include "compat.h"
#include "internal.h"

struct kucomms_live kucomms_live;
DEFINE_MUTEX(kucomms_devices_lock);
struct class *kucomms_class;
dev_t kucomms_devt;
struct device *kucomms_control;

/* Parse the name written to a control file, then apply @op to it. */
static ssize_t name_store(const char *buf, size_t count,
			  int (*op)(const char *name))
{
	char name[KUCOMMS_NAME_MAX + 1];
	int err;

	err = kucomms_name_parse(buf, count, name);
	if (!err)
		err = op(name);
	return err ? err : count;
}

static ssize_t create_device_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return name_store(buf, count, kucomms_device_create);
}
static DEVICE_ATTR_WO(create_device);

static ssize_t remove_device_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return name_store(buf, count, kucomms_device_remove);
}
static DEVICE_ATTR_WO(remove_device);

#define KUCOMMS_LIVE_ATTR(field)					\
static ssize_t live_##field##_show(struct device *dev,			\
				   struct device_attribute *attr,	\
				   char *buf)				\
{									\
	return sysfs_emit(buf, "%ld\n",					\
			  atomic_long_read(&kucomms_live.field));	\
}									\
static DEVICE_ATTR_RO(live_##field)

KUCOMMS_LIVE_ATTR(devices);
KUCOMMS_LIVE_ATTR(links);
KUCOMMS_LIVE_ATTR(rings);
KUCOMMS_LIVE_ATTR(pages);

static struct attribute *kucomms_control_attrs[] = {
	&dev_attr_create_device.attr,
	&dev_attr_remove_device.attr,
	&dev_attr_live_devices.attr,
	&dev_attr_live_links.attr,
	&dev_attr_live_rings.attr,
	&dev_attr_live_pages.attr,
	NULL,
};
ATTRIBUTE_GROUPS(kucomms_control);

/* Device files are for root only; a udev rule may grant a group. */
static char *kucomms_devnode(KUCOMMS_DEVNODE_CONST struct device *dev,
			     umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return NULL;
}

static int __init kucomms_init(void)
{
	int err;

	err = alloc_chrdev_region(&kucomms_devt, 0, KUCOMMS_MINORS,
				  "kucomms");
	if (err)
		return err;
	kucomms_class = kucomms_class_create("kucomms");
	if (IS_ERR(kucomms_class)) {
		err = PTR_ERR(kucomms_class);
		goto err_region;
	}
	kucomms_class->devnode = kucomms_devnode;
	/* Minor 0 has no cdev: the control device works through sysfs. */
	kucomms_control = device_create_with_groups(kucomms_class, NULL,
						    kucomms_devt, NULL,
						    kucomms_control_groups,
						    "kucomms");
	if (IS_ERR(kucomms_control)) {
		err = PTR_ERR(kucomms_control);
		goto err_class;
	}
	err = kucomms_mon_init();
	if (err)
		goto err_control;
	return 0;

err_control:
	device_unregister(kucomms_control);
err_class:
	class_destroy(kucomms_class);
err_region:
	unregister_chrdev_region(kucomms_devt, KUCOMMS_MINORS);
	return err;
}

static void __exit kucomms_exit(void)
{
	/* No create_device may run while the devices go. */
	device_unregister(kucomms_control);
	kucomms_device_remove_all();
	kucomms_mon_exit();
	class_destroy(kucomms_class);
	unregister_chrdev_region(kucomms_devt, KUCOMMS_MINORS);
}

module_init(kucomms_init);
module_exit(kucomms_exit);

MODULE_DESCRIPTION("kucomms: message passing between kernel modules and userspace");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUCOMMS_VERSION);
