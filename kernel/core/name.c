// SPDX-License-Identifier: GPL-2.0
/*
 * Device names as written to create_device and remove_device: the
 * "kucomms_" prefix, then one or more of [a-z0-9_], KUCOMMS_NAME_MAX bytes
 * at most, optionally followed by the one newline that echo adds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/string.h>
#include "internal.h"

static bool kucomms_name_char_valid(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/**
 * kucomms_name_parse() - check a name written to a control file
 * @buf: the bytes written (not NUL-terminated)
 * @count: how many
 * @name: KUCOMMS_NAME_MAX + 1 bytes, receives the name without newline
 *
 * Return: 0, or -EINVAL after logging what is wrong with the name.
 */
int kucomms_name_parse(const char *buf, size_t count, char *name)
{
	const size_t prefix_len = strlen(KUCOMMS_NAME_PREFIX);
	size_t len = count, i;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len > KUCOMMS_NAME_MAX) {
		pr_warn("name of %zu bytes refused: at most %d\n",
			len, KUCOMMS_NAME_MAX);
		return -EINVAL;
	}
	if (len <= prefix_len || memcmp(buf, KUCOMMS_NAME_PREFIX, prefix_len)) {
		pr_warn("name \"%*pE\" refused: it must be \"%s\" followed by at least one of [a-z0-9_]\n",
			(int)len, buf, KUCOMMS_NAME_PREFIX);
		return -EINVAL;
	}
	for (i = prefix_len; i < len; i++) {
		if (!kucomms_name_char_valid(buf[i])) {
			pr_warn("name \"%*pE\" refused: byte %zu is not one of [a-z0-9_]\n",
				(int)len, buf, i);
			return -EINVAL;
		}
	}
	memcpy(name, buf, len);
	name[len] = '\0';
	return 0;
}
