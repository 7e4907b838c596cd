// SPDX-License-Identifier: MIT
/*
 * The protocol handshake's userspace half: the protocol a kernel module
 * registered, read from its device's sysfs attributes (protocol_name,
 * protocol_version, protocol_hash), and the strict check against the one a
 * program was built for.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define DEVICE_PREFIX "/dev/kucomms_"
#define CLASS_DIR "/sys/class/kucomms/"

/*
 * One attribute's line into @buf (without its newline). 0, or -errno of
 * the open (ENOENT: no such device) or read.
 */
static int read_attribute(const char *device, const char *attribute, char *buf, size_t size)
{
	char path[sizeof(CLASS_DIR) + 64 + 32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CLASS_DIR "%s/%s", device, attribute);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int kucomms_protocol_read(const char *target, struct kucomms_protocol *out)
{
	/* "kucomms_NAME", once @target is known to start with DEVICE_PREFIX */
	const char *device = "";
	char hash[32], *end;
	int err;

	if (target && !strncmp(target, DEVICE_PREFIX, strlen(DEVICE_PREFIX)))
		device = target + strlen("/dev/");
	if (!device[0] || !out || strchr(device, '/') || strlen(device) > 63)
		return kc_error(-EINVAL, "\"%.100s\" is not a kucomms device (/dev/kucomms_NAME)",
				target ? target : "");
	memset(out, 0, sizeof(*out));
	err = read_attribute(device, "protocol_name", out->name, sizeof(out->name));
	if (err == -ENOENT)
		return kc_error(-ENODEV,
				"%s: no such kucomms device (or a kucomms.ko without the protocol handshake)",
				target);
	if (!err)
		err = read_attribute(device, "protocol_version", out->version,
				     sizeof(out->version));
	if (!err)
		err = read_attribute(device, "protocol_hash", hash, sizeof(hash));
	if (err)
		return kc_error(err, "%s: cannot read its protocol from %s%s: %s", target,
				CLASS_DIR, device, strerror(-err));
	if (!out->name[0])
		return kc_error(-ENODATA,
				"%s: its module has not said which protocol it speaks (kucomms_set_protocol)",
				target);
	errno = 0;
	out->hash = strtoull(hash, &end, 16);
	if (errno || *end)
		return kc_error(-EPROTO, "%s: protocol_hash \"%s\" is not a hash", target, hash);
	return 0;
}

int kucomms_protocol_check(const char *target, const char *name, const char *version, uint64_t hash)
{
	struct kucomms_protocol got;
	int err = kucomms_protocol_read(target, &got);

	if (err)
		return err;
	if (!strcmp(got.name, name ? name : "") && got.hash == hash)
		return 0;
	return kc_error(-EPROTO,
			"%s speaks protocol %s%s%s hash 0x%016" PRIx64
			", but this program was built for %s%s%s hash 0x%016" PRIx64
			": generate both sides' headers from the same layout",
			target, got.name, got.version[0] ? " " : "", got.version, got.hash,
			name ? name : "", version && version[0] ? " " : "", version ? version : "",
			hash);
}
