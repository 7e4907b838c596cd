/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * kucomms/monitor.h - the monitor ring of linux/kucomms.h: its layout, and
 * the reader of its records, for kucomms.ko (which produces them), the
 * kernel tests, libkucomms and anything else that prints or captures them.
 *
 *	struct kucomms_mon_reader r;
 *	struct kucomms_mon_record rec;
 *	const void *data;
 *
 *	err = kucomms_mon_reader_bind(&r, ro, setup.ro_size, rw, setup.rw_size);
 *	while ((n = kucomms_mon_next(&r, &rec, &data)) > 0) {
 *		... rec.kind, rec.device, rec.link_id, rec.caplen bytes at data ...
 *		kucomms_mon_done(&r);
 *	}
 *	(n == 0: empty, sleep in poll(); n < 0: a broken ring)
 *
 * The reader treats the ring as hostile like every ring.h consumer: each
 * record's header is copied out and checked before it is returned; the
 * captured data stays in the ring (read it before kucomms_mon_done()).
 */
#ifndef _KUCOMMS_MONITOR_H
#define _KUCOMMS_MONITOR_H

#include <kucomms/ring.h>

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

_Static_assert(sizeof(struct kucomms_mon_info) == 64, "one cache line");
_Static_assert(sizeof(struct kucomms_mon_page) == 128, "two cache lines");
_Static_assert(sizeof(struct kucomms_mon_record) == 160, "record size is ABI");
_Static_assert(sizeof(struct kucomms_mon_record) % 8 == 0, "data stays aligned");

/* Where a monitor's memory lives, from a trusted capacity and page size. */
struct kucomms_mon_layout {
	__u64 page_size;
	__u64 capacity;
	__u64 ro_size;		/* page + ring data */
	__u64 rw_offset;	/* the consumer line's page */
	__u64 rw_size;
	__u64 total_size;
};

static inline int kucomms_mon_layout_init(struct kucomms_mon_layout *l,
					  __u64 capacity, __u64 page_size)
{
	if (!kucomms_ring_capacity_valid(capacity, page_size) ||
	    page_size < sizeof(struct kucomms_mon_page))
		return -EINVAL;
	l->page_size = page_size;
	l->capacity = capacity;
	l->ro_size = page_size + capacity;
	l->rw_offset = l->ro_size;
	l->rw_size = page_size;
	l->total_size = l->ro_size + page_size;
	return 0;
}

/* Largest data a record of a ring of @capacity can carry. */
static inline __u64 kucomms_mon_max_caplen(__u64 capacity)
{
	return kucomms_ring_max_length(capacity) - sizeof(struct kucomms_mon_record);
}

/* Ring message length of a record carrying @caplen data bytes. */
static inline __u64 kucomms_mon_record_length(__u64 caplen)
{
	return sizeof(struct kucomms_mon_record) + caplen;
}

/* Bind the ring of a monitor: @ro is its read-only page, @rw its consumer. */
static inline void kucomms_mon_ring_bind(const struct kucomms_mon_layout *l,
					 void *ro, void *rw,
					 struct kucomms_ring *ring)
{
	*ring = (struct kucomms_ring) {
		.prod = &((struct kucomms_mon_page *)ro)->prod,
		.cons = (struct kucomms_ring_consumer *)rw,
		.data = (__u8 *)ro + l->page_size,
		.capacity = l->capacity,
	};
}

/* ---- the reader ---- */

struct kucomms_mon_reader {
	struct kucomms_mon_layout layout;
	struct kucomms_ring ring;
	__u32 snaplen;
};

/*
 * Check the kernel's description of the monitor against the two mappings
 * (@ro_size bytes at @ro, @rw_size at @rw) and bind the ring. Returns 0,
 * -EBADMSG (not a monitor), -EPROTONOSUPPORT (another monitor ABI version),
 * -EPROTO (a description that does not fit the mappings).
 */
static inline int kucomms_mon_reader_bind(struct kucomms_mon_reader *r,
					  void *ro, __u64 ro_size,
					  void *rw, __u64 rw_size)
{
	const struct kucomms_mon_info *info = &((struct kucomms_mon_page *)ro)->info;
	__u64 rw_offset, total_size;

	if (ro_size < sizeof(struct kucomms_mon_page) ||
	    kucomms_load_acquire(&info->magic) != KUCOMMS_MON_MAGIC)
		return -EBADMSG;
	if (kucomms_read_once(info->abi_version) != KUCOMMS_MON_ABI_VERSION)
		return -EPROTONOSUPPORT;
	if (kucomms_mon_layout_init(&r->layout, kucomms_read_once(info->capacity),
				    kucomms_read_once(info->page_size)))
		return -EPROTO;
	rw_offset = kucomms_read_once(info->rw_offset);
	total_size = kucomms_read_once(info->total_size);
	if (rw_offset != r->layout.rw_offset || total_size != r->layout.total_size ||
	    ro_size < r->layout.ro_size || rw_size < sizeof(struct kucomms_ring_consumer))
		return -EPROTO;
	r->snaplen = kucomms_read_once(info->snaplen);
	kucomms_mon_ring_bind(&r->layout, ro, rw, &r->ring);
	return 0;
}

/* Is @s a NUL-terminated string within @size bytes? */
static inline bool kucomms_mon_string_valid(const char *s, __u64 size)
{
	__u64 i;

	for (i = 0; i < size; i++)
		if (!s[i])
			return true;
	return false;
}

/*
 * Check a record copied out of the ring whose ring message had @length
 * bytes: sizes that add up, a known kind and direction, terminated strings.
 */
static inline bool kucomms_mon_record_valid(const struct kucomms_mon_record *rec,
					    __u64 length)
{
	if (length < sizeof(*rec) || rec->caplen != length - sizeof(*rec))
		return false;
	if (rec->kind < KUCOMMS_MON_MESSAGE || rec->kind > KUCOMMS_MON_EVENT ||
	    rec->dir > KUCOMMS_MON_DIR_NONE)
		return false;
	if (rec->kind == KUCOMMS_MON_MESSAGE &&
	    (rec->caplen > rec->msg.length || rec->dir == KUCOMMS_MON_DIR_NONE))
		return false;
	if (rec->kind != KUCOMMS_MON_MESSAGE && rec->caplen)
		return false;
	if (rec->kind == KUCOMMS_MON_EVENT &&
	    (rec->event < KUCOMMS_MON_EV_DEVICE_CREATE ||
	     rec->event > KUCOMMS_MON_EV_LINK_CLOSE))
		return false;
	return kucomms_mon_string_valid(rec->comm, sizeof(rec->comm)) &&
	       kucomms_mon_string_valid(rec->device, sizeof(rec->device));
}

/*
 * The next record: 1 with *rec a checked copy and *data its rec->caplen
 * captured bytes (in the ring until kucomms_mon_done()), 0 when the ring is
 * empty, -EPROTO when the ring or a record is impossible.
 */
static inline int kucomms_mon_next(struct kucomms_mon_reader *r,
				   struct kucomms_mon_record *rec,
				   const void **data)
{
	struct kucomms_msg_header hdr;
	const void *body;
	int n;

	n = kucomms_ring_peek(&r->ring, &hdr, &body);
	if (n <= 0)
		return n;
	if (hdr.length < sizeof(*rec))
		return -EPROTO;
	memcpy(rec, body, sizeof(*rec));
	if (!kucomms_mon_record_valid(rec, hdr.length))
		return -EPROTO;
	*data = (const __u8 *)body + sizeof(*rec);
	return 1;
}

/* Done with the record returned last: give its space back. */
static inline void kucomms_mon_done(struct kucomms_mon_reader *r)
{
	kucomms_ring_consume(&r->ring);
	kucomms_ring_publish_consumed(&r->ring);
}

/* A short name for an event, e.g. for printing ("link-open"). */
static inline const char *kucomms_mon_event_name(unsigned int event)
{
	switch (event) {
	case KUCOMMS_MON_EV_DEVICE_CREATE:
		return "device-create";
	case KUCOMMS_MON_EV_DEVICE_REMOVE:
		return "device-remove";
	case KUCOMMS_MON_EV_MODULE_UP:
		return "module-up";
	case KUCOMMS_MON_EV_MODULE_DOWN:
		return "module-down";
	case KUCOMMS_MON_EV_LINK_OPEN:
		return "link-open";
	case KUCOMMS_MON_EV_LINK_HANGUP:
		return "link-hangup";
	case KUCOMMS_MON_EV_LINK_CLOSE:
		return "link-close";
	default:
		return "unknown";
	}
}

#ifndef __KERNEL__
/* ---- userspace: open a monitor of the kernel, with errors that say the fix ---- */

struct kucomms_mon {
	int fd;
	struct kucomms_mon_setup setup;
	void *ro;
	void *rw;
	struct kucomms_mon_reader reader;
};

#define KUCOMMS_MON_SYSFS_CONTROL	"/sys/devices/virtual/kucomms/kucomms"

/*
 * Why opening the monitor node failed with @err (an errno), and what to do,
 * into @why (@size bytes).
 */
static inline void kucomms_mon_explain_open(int err, const char *node,
					    char *why, size_t size)
{
	if (err == ENOENT && access(KUCOMMS_MON_SYSFS_CONTROL, F_OK) == 0)
		snprintf(why, size, "%s does not exist: the kucomms.ko loaded has no monitor (monitor ABI %d needed); install a kucomms.ko that has it and reload it",
			 node, KUCOMMS_MON_ABI_VERSION);
	else if (err == ENOENT)
		snprintf(why, size, "%s does not exist: kucomms.ko is not loaded (modprobe kucomms)",
			 node);
	else if (err == EACCES || err == EPERM)
		snprintf(why, size, "%s: permission denied: watching other processes' links needs root, or membership of the kucomms-monitor group where its udev rule is enabled",
			 node);
	else if (err == EMFILE)
		snprintf(why, size, "%s: %d monitors are open already, the most there can be",
			 node, KUCOMMS_MON_MAX);
	else
		snprintf(why, size, "%s: %s", node, strerror(err));
}

static inline void kucomms_mon_close(struct kucomms_mon *m)
{
	if (m->ro && m->ro != MAP_FAILED)
		munmap(m->ro, m->setup.ro_size);
	if (m->rw && m->rw != MAP_FAILED)
		munmap(m->rw, m->setup.rw_size);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->ro = NULL;
	m->rw = NULL;
}

/*
 * Start a monitor of @device ("kucomms_NAME" or "/dev/kucomms_NAME"; NULL
 * or "" for every device) through @node (NULL: KUCOMMS_MON_NODE), with a
 * ring of @capacity bytes (0: the default) keeping @snaplen data bytes of
 * each message (0: all). Returns 0, or -errno with @why saying what went
 * wrong and how to fix it.
 */
static inline int kucomms_mon_open(struct kucomms_mon *m, const char *node,
				   const char *device, __u64 capacity,
				   __u32 snaplen, char *why, size_t why_size)
{
	const char *name = device ? device : "";
	int err;

	memset(m, 0, sizeof(*m));
	node = node ? node : KUCOMMS_MON_NODE;
	if (!strncmp(name, "/dev/", 5))
		name += 5;
	if (strlen(name) >= sizeof(m->setup.device)) {
		snprintf(why, why_size, "%s: not a kucomms device name (at most %d bytes)",
			 name, KUCOMMS_NAME_MAX);
		return -EINVAL;
	}
	m->fd = open(node, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		err = errno;
		kucomms_mon_explain_open(err, node, why, why_size);
		return -err;
	}
	strcpy(m->setup.device, name);
	m->setup.capacity = capacity;
	m->setup.snaplen = snaplen;
	if (ioctl(m->fd, KUCOMMS_MON_IOC_SETUP, &m->setup) < 0) {
		err = errno;
		if (err == ENODEV)
			snprintf(why, why_size, "/dev/%s does not exist: create it first (echo %s > %s/create_device)",
				 name, name, KUCOMMS_MON_SYSFS_CONTROL);
		else if (err == EINVAL)
			snprintf(why, why_size, "monitor of \"%s\" with a ring of %llu bytes refused: the name must be kucomms_ and [a-z0-9_], the ring a power of two from 4 KiB to 16 MiB",
				 name, (unsigned long long)capacity);
		else
			snprintf(why, why_size, "%s: setting up the monitor: %s", node, strerror(err));
		kucomms_mon_close(m);
		return -err;
	}
	m->ro = mmap(NULL, m->setup.ro_size, PROT_READ, MAP_SHARED, m->fd, 0);
	m->rw = mmap(NULL, m->setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		     (off_t)m->setup.rw_offset);
	if (m->ro == MAP_FAILED || m->rw == MAP_FAILED) {
		err = errno;
		snprintf(why, why_size, "%s: mapping the monitor ring: %s", node, strerror(err));
		kucomms_mon_close(m);
		return -err;
	}
	err = kucomms_mon_reader_bind(&m->reader, m->ro, m->setup.ro_size, m->rw,
				      m->setup.rw_size);
	if (err) {
		if (err == -EPROTONOSUPPORT)
			snprintf(why, why_size, "%s speaks monitor ABI %u, this program ABI %d: use a kucomms.ko and tools of the same release",
				 node,
				 ((struct kucomms_mon_page *)m->ro)->info.abi_version,
				 KUCOMMS_MON_ABI_VERSION);
		else
			snprintf(why, why_size, "%s: the monitor ring is not what this program understands (%s)",
				 node, strerror(-err));
		kucomms_mon_close(m);
		return err;
	}
	return 0;
}

/* Data bytes kucomms_mon_print() shows per message, at most. */
#define KUCOMMS_MON_PRINT_DATA_MAX 32

/*
 * The direction of @rec as printed: to-module or from-module on a device,
 * from-side0 or from-side1 on a shared-memory link ("shm:NAME"), none.
 */
static inline const char *kucomms_mon_dir_name(const struct kucomms_mon_record *rec)
{
	bool shm = !strncmp(rec->device, "shm:", 4);

	if (rec->dir == KUCOMMS_MON_TO_MODULE)
		return shm ? "from-side1" : "to-module";
	if (rec->dir == KUCOMMS_MON_FROM_MODULE)
		return shm ? "from-side0" : "from-module";
	return "none";
}

/*
 * Print @rec (and the first bytes of its @data) as one line:
 *
 *	TIME DEVICE link=ID pid=PID comm=COMM message DIR type=T id=I user_value=U length=L caplen=C data=HEX...
 *	TIME DEVICE link=ID pid=PID comm=COMM drop DIR count=N
 *	TIME DEVICE link=ID pid=PID comm=COMM event NAME value=V
 */
static inline void kucomms_mon_print(FILE *out, const struct kucomms_mon_record *rec,
				     const __u8 *data)
{
	unsigned int i;

	fprintf(out, "%llu.%09llu %s ", (unsigned long long)(rec->time_ns / 1000000000),
		(unsigned long long)(rec->time_ns % 1000000000),
		rec->device[0] ? rec->device : "-");
	if (rec->link_id == KUCOMMS_MON_NO_LINK)
		fprintf(out, "link=- ");
	else
		fprintf(out, "link=%u ", rec->link_id);
	fprintf(out, "pid=%d comm=%s ", rec->pid, rec->comm[0] ? rec->comm : "-");
	switch (rec->kind) {
	case KUCOMMS_MON_MESSAGE:
		fprintf(out, "message %s type=%llu id=%llu user_value=%llu length=%llu caplen=%u data=",
			kucomms_mon_dir_name(rec), (unsigned long long)rec->msg.type,
			(unsigned long long)rec->msg.id, (unsigned long long)rec->msg.user_value,
			(unsigned long long)rec->msg.length, rec->caplen);
		for (i = 0; i < rec->caplen && i < KUCOMMS_MON_PRINT_DATA_MAX; i++)
			fprintf(out, "%02x", data[i]);
		fprintf(out, "%s\n", rec->caplen > KUCOMMS_MON_PRINT_DATA_MAX ? "..." : "");
		break;
	case KUCOMMS_MON_DROP:
		fprintf(out, "drop %s count=%llu\n", kucomms_mon_dir_name(rec),
			(unsigned long long)rec->value);
		break;
	default:
		fprintf(out, "event %s value=%lld\n", kucomms_mon_event_name(rec->event),
			(long long)rec->value);
		break;
	}
}

/*
 * Wait up to @timeout_ms (-1: forever) for a record, announcing the sleep
 * on the ring first so the kernel wakes us. Returns 1 when a record may be
 * there, 0 on timeout, -EPIPE when the kernel stopped the monitor (POLLERR).
 */
static inline int kucomms_mon_wait(struct kucomms_mon *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	int n;

	if (!kucomms_ring_prepare_sleep(&m->reader.ring)) {
		kucomms_ring_end_sleep(&m->reader.ring, false);
		return 1;
	}
	n = poll(&pfd, 1, timeout_ms);
	kucomms_ring_end_sleep(&m->reader.ring, n != 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n && (pfd.revents & (POLLERR | POLLHUP)))
		return -EPIPE;
	return n > 0;
}
#endif /* !__KERNEL__ */

#endif /* _KUCOMMS_MONITOR_H */
