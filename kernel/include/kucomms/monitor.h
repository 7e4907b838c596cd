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
#include <string.h>
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
	static const char *const names[] = {
		[KUCOMMS_MON_EV_DEVICE_CREATE] = "device-create",
		[KUCOMMS_MON_EV_DEVICE_REMOVE] = "device-remove",
		[KUCOMMS_MON_EV_MODULE_UP] = "module-up",
		[KUCOMMS_MON_EV_MODULE_DOWN] = "module-down",
		[KUCOMMS_MON_EV_LINK_OPEN] = "link-open",
		[KUCOMMS_MON_EV_LINK_HANGUP] = "link-hangup",
		[KUCOMMS_MON_EV_LINK_CLOSE] = "link-close",
	};

	if (event >= sizeof(names) / sizeof(names[0]) || !names[event])
		return "unknown";
	return names[event];
}

#endif /* _KUCOMMS_MONITOR_H */
