/* SPDX-License-Identifier: MIT */
/*
 * devlink: the userspace side of one kucomms device link, done by hand with
 * the ring helpers of <kucomms/ring.h> and nothing of libkucomms, so the
 * kernel tests exercise the device contract of <linux/kucomms.h> directly
 * (and can break it on purpose).
 *
 *	struct devlink l;
 *	if (devlink_open(&l, "/dev/kucomms_echo", 0, 0) < 0)
 *		fprintf(stderr, "%s\n", devlink_error);
 *	devlink_send(&l, &hdr, data);
 *	devlink_recv(&l, &hdr, buf, sizeof(buf), 1000);
 *	devlink_close(&l);
 */
#ifndef KUCOMMS_TEST_DEVLINK_H
#define KUCOMMS_TEST_DEVLINK_H

#include <stddef.h>
#include <kucomms/ring.h>

struct devlink {
	int fd;
	struct kucomms_setup setup;
	void *ro;			/* side 0: the kernel's page + ring 0 */
	void *rw;			/* side 1: our page + ring 1 */
	struct kucomms_link_layout layout;
	struct kucomms_ring tx;		/* ring 1, user -> kernel */
	struct kucomms_ring rx;		/* ring 0, kernel -> user */
};

/* What the last failing devlink call of this thread did, and why. */
extern __thread char devlink_error[256];

/*
 * Open @path, SETUP with the given capacities (0 = default), map both
 * regions and check the kernel's link description. Returns 0 or -errno.
 */
int devlink_open(struct devlink *l, const char *path, __u64 cap0, __u64 cap1);

/* Unmap and close (safe on a link whose open failed part-way). */
void devlink_close(struct devlink *l);

/*
 * Copy one message into ring 1 and wake the kernel if it sleeps.
 * Returns 0, -ENOBUFS (full), -EMSGSIZE, -EPROTO or the WAKE ioctl's error.
 */
int devlink_send(struct devlink *l, const struct kucomms_msg_header *hdr,
		 const void *data);

/*
 * Take one message from ring 0 if there is one, copying its data out
 * (truncated to @size; 0 leaves it in the ring unread). Returns 1, 0 when
 * the ring is empty, -EPROTO for a broken ring. Never sleeps.
 */
int devlink_take(struct devlink *l, struct kucomms_msg_header *hdr,
		 void *buf, size_t size);

/*
 * Wait up to @timeout_ms for one message from ring 0 and copy it out
 * (data truncated to @size). Returns 1, 0 on timeout, -EPIPE once the
 * kernel side has closed the link (POLLHUP), -EPROTO for a broken ring.
 */
int devlink_recv(struct devlink *l, struct kucomms_msg_header *hdr,
		 void *buf, size_t size, int timeout_ms);

/*
 * Where both rings stand, for failure messages: "ring1 N/N flags F, ring0
 * N/N flags F" as produced/consumed and the consumer's flags.
 */
void devlink_describe(const struct devlink *l, char *buf, size_t size);

/* Has the kernel marked its side closed (side 0 state)? */
int devlink_kernel_closed(const struct devlink *l);

#endif /* KUCOMMS_TEST_DEVLINK_H */
