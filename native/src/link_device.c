// SPDX-License-Identifier: MIT
/*
 * Device links: the userspace side (side 1) of /dev/kucomms_NAME, set up
 * as <linux/kucomms.h> prescribes: KUCOMMS_IOC_SETUP once, the kernel's
 * region mapped read-only at offset 0, ours read-write at rw_offset. The
 * kernel wakes us through poll on the descriptor (POLLIN for ring 0,
 * POLLHUP once it closed the link); we wake it with KUCOMMS_IOC_WAKE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

struct device_link {
	int fd;
	struct watch w;
	void *ro, *rw;
	size_t ro_size, rw_size;
};

static void device_release(struct kucomms_link *link)
{
	struct device_link *d = link->transport;

	if (!d)
		return;
	if (d->ro)
		munmap(d->ro, d->ro_size);
	if (d->rw)
		munmap(d->rw, d->rw_size);
	kc_close_fd(&d->fd);
	free(d);
}

/* EPOLLIN for ring 0, POLLHUP once the kernel closed the link. */
static int device_watch(struct kucomms_link *link)
{
	struct device_link *d = link->transport;

	return kc_watch_add(link, d->fd, &d->w, EPOLLIN);
}

static void device_unwatch(struct kucomms_link *link)
{
	struct device_link *d = link->transport;

	kc_watch_del(link, d->fd);
}

static bool device_wake(struct kucomms_link *link)
{
	struct device_link *d = link->transport;

	if (ioctl(d->fd, KUCOMMS_IOC_WAKE) && errno == EPIPE)
		kc_link_set_down(link, -EPIPE);
	return true;
}

static void device_event(struct kucomms_link *link, struct watch *w, uint32_t events)
{
	(void)w;
	/* EPOLLIN needs nothing: the rings are read on every pass. */
	if (events & (EPOLLHUP | EPOLLERR)) {
		device_unwatch(link);
		link->peer_hup = true;
	}
}

static const struct link_ops device_ops = {
	.watch = device_watch,
	.unwatch = device_unwatch,
	.wake = device_wake,
	/* The module's reply did not fit: its thread retries once woken. */
	.room_made = device_wake,
	.event = device_event,
	.release = device_release,
};

static int open_error(const char *path)
{
	int err = errno;

	switch (err) {
	case ENOENT:
		return kc_error(-err, "open %s: %s (is kucomms.ko loaded and the device created?)",
				path, strerror(err));
	case EACCES:
	case EPERM:
		return kc_error(-err,
				"open %s: %s (kucomms devices are root-only unless a udev rule grants your group)",
				path, strerror(err));
	default:
		return kc_error(-err, "open %s: %s", path, strerror(err));
	}
}

static int map_regions(struct kucomms_link *link, struct device_link *d, uint64_t tx_cap,
		       uint64_t rx_cap)
{
	struct kucomms_setup setup = {
		.ring0_capacity = rx_cap, /* kernel -> user */
		.ring1_capacity = tx_cap, /* user -> kernel */
	};
	int err;

	if (ioctl(d->fd, KUCOMMS_IOC_SETUP, &setup)) {
		err = errno;
		return kc_error(-err,
				"%s: KUCOMMS_IOC_SETUP: %s (not a kucomms device, or another kucomms.ko version?)",
				link->target, strerror(err));
	}
	d->ro = mmap(NULL, setup.ro_size, PROT_READ, MAP_SHARED, d->fd, 0);
	if (d->ro == MAP_FAILED) {
		err = errno;
		d->ro = NULL;
		return kc_error(-err, "%s: mmap of the kernel's region (%llu bytes): %s",
				link->target, (unsigned long long)setup.ro_size, strerror(err));
	}
	d->ro_size = setup.ro_size;
	d->rw = mmap(NULL, setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		     (off_t)setup.rw_offset);
	if (d->rw == MAP_FAILED) {
		err = errno;
		d->rw = NULL;
		return kc_error(-err, "%s: mmap of our region (%llu bytes at %llu): %s",
				link->target, (unsigned long long)setup.rw_size,
				(unsigned long long)setup.rw_offset, strerror(err));
	}
	d->rw_size = setup.rw_size;
	return 0;
}

static int check_layout(struct kucomms_link *link, const struct device_link *d,
			struct kucomms_link_layout *l)
{
	const struct kucomms_side_page *page = d->ro;
	int err;

	if (d->ro_size < sizeof(*page))
		return kc_error(-EPROTO, "%s: the kernel's region is %zu bytes, too small",
				link->target, d->ro_size);
	err = kucomms_link_info_check(page, d->ro_size + d->rw_size, l);
	if (err == -EBADMSG)
		return kc_error(err, "link %s: bad magic 0x%08x, not a kucomms link", link->target,
				__atomic_load_n(&page->info.magic, __ATOMIC_RELAXED));
	if (err == -EPROTONOSUPPORT)
		return kc_error(err, "link %s: kucomms ABI version %u, this library speaks %u",
				link->target,
				__atomic_load_n(&page->info.abi_version, __ATOMIC_RELAXED),
				KUCOMMS_ABI_VERSION);
	if (err || l->region_size[0] != d->ro_size || l->region_size[1] != d->rw_size)
		return kc_error(-EPROTO,
				"link %s: the link description does not match the mapped regions",
				link->target);
	return 0;
}

int kucomms_link_device_open(struct kucomms_endpoint *ep, const char *path,
			     const struct kucomms_link_options *opts, struct kucomms_link **out)
{
	struct kucomms_link_layout l;
	struct kucomms_link *link;
	struct device_link *d;
	uint64_t tx_cap, rx_cap;
	struct stat st;
	int err;

	err = kc_check_capacities(opts, &tx_cap, &rx_cap, path);
	if (err)
		return err;
	link = kc_link_alloc(ep, &device_ops, path);
	if (!link)
		return -ENOMEM;
	d = calloc(1, sizeof(*d));
	if (!d) {
		kc_link_free(link);
		return kc_error(-ENOMEM, "%s: out of memory", path);
	}
	link->transport = d;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		err = open_error(path);
		goto fail;
	}
	if (fstat(d->fd, &st) || !S_ISCHR(st.st_mode)) {
		err = kc_error(-ENOTTY, "%s is not a kucomms device (not a character device)",
			       path);
		goto fail;
	}
	err = map_regions(link, d, tx_cap, rx_cap);
	if (!err)
		err = check_layout(link, d, &l);
	if (err)
		goto fail;
	kc_link_bind(link, &l, 1, d->ro, d->rw);
	err = kc_link_add(link);
	if (err)
		goto fail;
	*out = link;
	return 0;
fail:
	kc_link_free(link);
	return err;
}
