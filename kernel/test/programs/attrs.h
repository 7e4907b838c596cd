/* SPDX-License-Identifier: MIT */
/*
 * The sysfs attributes of kucomms devices, one decimal value per file:
 * /sys/devices/virtual/kucomms/<device>/<attr>, e.g. ("kucomms",
 * "live_links") or ("kucomms_echo", "rx_messages").
 */
#ifndef KUCOMMS_TEST_ATTRS_H
#define KUCOMMS_TEST_ATTRS_H

#include <linux/types.h>

/* Read one attribute into *@value: 0 or -errno (-EINVAL if not a number). */
int attr_read(const char *device, const char *attr, __u64 *value);

/* Write @value into one attribute: 0 or -errno. */
int attr_write(const char *device, const char *attr, __u64 value);

#endif /* KUCOMMS_TEST_ATTRS_H */
