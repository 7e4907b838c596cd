/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * kucomms/ring.h - the ring algorithm over the layout of linux/kucomms.h.
 *
 * Static inline helpers that compile unchanged in the kernel and in
 * userspace, so kucomms.ko and libkucomms cannot drift apart. Both sides
 * treat the peer's memory as hostile:
 *  - each side keeps its own position (and counters) in private memory and
 *    only publishes copies; it never reads back what it wrote to the link;
 *  - every value read from the peer is read once, then checked against the
 *    limits before use (in-flight bytes <= capacity, aligned positions,
 *    record inside the published bytes and inside the data area);
 *  - a message header is copied out of the ring before it is checked, so the
 *    caller gets a length that the peer can no longer change.
 * A broken ring is reported as -EPROTO; it is never followed out of bounds.
 *
 * Errors are negative errno values: -EMSGSIZE (message larger than the ring
 * allows), -ENOBUFS (ring full; counted in full_events), -EPROTO (the peer
 * wrote something impossible), -EBADMSG (not a kucomms link: bad magic),
 * -EPROTONOSUPPORT (another ABI version).
 */
#ifndef _KUCOMMS_RING_H
#define _KUCOMMS_RING_H

#include <linux/kucomms.h>

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#ifndef __LITTLE_ENDIAN
#error "kucomms rings are little-endian"
#endif
/* The orderings each use of these names is documented where it is used. */
#define kucomms_read_once(x)		READ_ONCE(x)
#define kucomms_write_once(x, v)	WRITE_ONCE(x, v)
/* acquire: see each caller */
#define kucomms_load_acquire(p)		smp_load_acquire(p)
/* release: see each caller */
#define kucomms_store_release(p, v)	smp_store_release(p, v)
/* full barrier: see each caller */
#define kucomms_full_barrier()		smp_mb()
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "kucomms rings are little-endian"
#endif
#define kucomms_read_once(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define kucomms_write_once(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define kucomms_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define kucomms_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#ifdef __SANITIZE_THREAD__
/*
 * gcc refuses fences under ThreadSanitizer (-Wtsan), which does not model
 * them; the fence still orders the hardware, so keep it and silence that.
 */
#define kucomms_full_barrier()						\
	do {								\
		_Pragma("GCC diagnostic push")				\
		_Pragma("GCC diagnostic ignored \"-Wtsan\"")		\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
		_Pragma("GCC diagnostic pop")				\
	} while (0)
#else
#define kucomms_full_barrier()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#endif

_Static_assert(sizeof(struct kucomms_msg_header) == 32, "message header is 32 bytes");
_Static_assert(sizeof(struct kucomms_msg_header) == KUCOMMS_RECORD_ALIGN,
	       "a whole header always fits before the end of the data area");
_Static_assert(sizeof(struct kucomms_ring_producer) == 64, "one cache line");
_Static_assert(sizeof(struct kucomms_ring_consumer) == 64, "one cache line");
_Static_assert(sizeof(struct kucomms_link_info) == 64, "one cache line");
_Static_assert(sizeof(struct kucomms_side_state) == 64, "one cache line");
_Static_assert(sizeof(struct kucomms_side_page) == 256, "fits any page");

/* Where everything of one link lives, computed from trusted sizes only. */
struct kucomms_link_layout {
	__u64 page_size;
	__u64 capacity[2];	/* ring i carries side i -> side 1 - i */
	__u64 side_offset[2];	/* side i's kucomms_side_page */
	__u64 data_offset[2];	/* ring i's data area */
	__u64 region_size[2];	/* bytes side i writes: its page + ring i */
	__u64 total_size;
};

/*
 * One direction of a link as seen by one side. Only @prod, @cons and @data
 * point into shared memory; everything else is this side's own.
 */
struct kucomms_ring {
	struct kucomms_ring_producer *prod;
	struct kucomms_ring_consumer *cons;
	__u8 *data;
	__u64 capacity;
	__u64 pos;		/* own position: produced or consumed bytes */
	__u64 committed;	/* producer: pos as of the last commit */
	__u64 peer_pos;		/* last checked position of the other end */
	__u64 pending;		/* consumer: size of the record peeked */
	__u64 peer_full_events;	/* consumer: the producer's, as last seen */
	__u64 messages;		/* own counters, published as copies */
	__u64 bytes;
	__u64 full_events;
	__u64 wakeups;
	__u64 sleeps;
};

static inline bool kucomms_is_pow2(__u64 x)
{
	return x && !(x & (x - 1));
}

static inline bool kucomms_ring_capacity_valid(__u64 capacity, __u64 page_size)
{
	return kucomms_is_pow2(capacity) && kucomms_is_pow2(page_size) &&
	       capacity >= KUCOMMS_RING_MIN_CAPACITY &&
	       capacity <= KUCOMMS_RING_MAX_CAPACITY &&
	       capacity % page_size == 0;
}

/* Largest message data a ring of @capacity accepts. */
static inline __u64 kucomms_ring_max_length(__u64 capacity)
{
	return KUCOMMS_MSG_MAX_LENGTH(capacity);
}

/* Bytes a record of @length data bytes occupies; @length must be checked. */
static inline __u64 kucomms_record_size(__u64 length)
{
	return (sizeof(struct kucomms_msg_header) + length + KUCOMMS_RECORD_ALIGN - 1) &
	       ~(__u64)(KUCOMMS_RECORD_ALIGN - 1);
}

static inline int kucomms_link_layout_init(struct kucomms_link_layout *l,
					   __u64 cap0, __u64 cap1,
					   __u64 page_size)
{
	if (!kucomms_ring_capacity_valid(cap0, page_size) ||
	    !kucomms_ring_capacity_valid(cap1, page_size) ||
	    page_size < sizeof(struct kucomms_side_page))
		return -EINVAL;
	l->page_size = page_size;
	l->capacity[0] = cap0;
	l->capacity[1] = cap1;
	l->side_offset[0] = 0;
	l->data_offset[0] = page_size;
	l->side_offset[1] = page_size + cap0;
	l->data_offset[1] = 2 * page_size + cap0;
	l->region_size[0] = page_size + cap0;
	l->region_size[1] = page_size + cap1;
	l->total_size = 2 * page_size + cap0 + cap1;
	return 0;
}

/*
 * Side 0 describes the link before side 1 may look at it. The magic is
 * stored last, with release: a side 1 that sees it (load-acquire in
 * kucomms_link_info_check()) sees the rest.
 */
static inline void kucomms_link_info_publish(struct kucomms_side_page *side0,
					     const struct kucomms_link_layout *l)
{
	struct kucomms_link_info *info = &side0->info;

	kucomms_write_once(info->abi_version, KUCOMMS_ABI_VERSION);
	kucomms_write_once(info->page_size, (__u32)l->page_size);
	kucomms_write_once(info->ring0_capacity, l->capacity[0]);
	kucomms_write_once(info->ring1_capacity, l->capacity[1]);
	kucomms_write_once(info->side1_offset, l->side_offset[1]);
	kucomms_write_once(info->total_size, l->total_size);
	kucomms_store_release(&info->magic, KUCOMMS_MAGIC);
}

/*
 * Side 1 checks side 0's description against what it mapped (@mapped_size
 * bytes) and gets a layout computed from checked values only.
 */
static inline int kucomms_link_info_check(const struct kucomms_side_page *side0,
					  __u64 mapped_size,
					  struct kucomms_link_layout *l)
{
	const struct kucomms_link_info *info = &side0->info;
	__u64 side1_offset, total_size;
	__u32 page_size;
	int err;

	if (kucomms_load_acquire(&info->magic) != KUCOMMS_MAGIC)
		return -EBADMSG;
	if (kucomms_read_once(info->abi_version) != KUCOMMS_ABI_VERSION)
		return -EPROTONOSUPPORT;
	page_size = kucomms_read_once(info->page_size);
	side1_offset = kucomms_read_once(info->side1_offset);
	total_size = kucomms_read_once(info->total_size);
	err = kucomms_link_layout_init(l, kucomms_read_once(info->ring0_capacity),
				       kucomms_read_once(info->ring1_capacity),
				       page_size);
	if (err)
		return -EPROTO;
	if (side1_offset != l->side_offset[1] || total_size != l->total_size ||
	    total_size > mapped_size)
		return -EPROTO;
	return 0;
}

/*
 * Bind the two rings of @side (0 or 1) to a link whose side 0 region starts
 * at @region0 and side 1 region at @region1 (for one contiguous mapping,
 * region1 = base + layout->side_offset[1]). Positions start at zero: a link
 * is always fresh when its sides bind.
 */
static inline void kucomms_link_bind(const struct kucomms_link_layout *l,
				     int side, void *region0, void *region1,
				     struct kucomms_ring *tx,
				     struct kucomms_ring *rx)
{
	__u8 *region[2] = { (__u8 *)region0, (__u8 *)region1 };
	struct kucomms_side_page *page[2] = {
		(struct kucomms_side_page *)region0,
		(struct kucomms_side_page *)region1,
	};
	int peer = 1 - side;

	*tx = (struct kucomms_ring) {
		.prod = &page[side]->tx,
		.cons = &page[peer]->rx,
		.data = region[side] + l->page_size,
		.capacity = l->capacity[side],
	};
	*rx = (struct kucomms_ring) {
		.prod = &page[peer]->tx,
		.cons = &page[side]->rx,
		.data = region[peer] + l->page_size,
		.capacity = l->capacity[peer],
	};
}

/* ---- producer ---- */

/* Re-read the consumer's position; -EPROTO if it is impossible. */
static inline int kucomms_ring_refresh_consumer(struct kucomms_ring *r)
{
	/* Pairs with the store-release in kucomms_ring_publish_consumed(). */
	__u64 cons = kucomms_load_acquire(&r->cons->pos);

	if (r->pos - cons > r->capacity || (cons & (KUCOMMS_RECORD_ALIGN - 1)))
		return -EPROTO;
	r->peer_pos = cons;
	return 0;
}

/* Free bytes, as of a fresh look at the consumer (e.g. avail_tx0). */
static inline __u64 kucomms_ring_free_bytes(struct kucomms_ring *r)
{
	if (kucomms_ring_refresh_consumer(r))
		return 0;
	return r->capacity - (r->pos - r->peer_pos);
}

/*
 * Reserve room for a message of @length data bytes. On success *rec points
 * at the record in the ring: the caller writes the header (with this
 * @length) and the data that follows it, then calls kucomms_ring_commit()
 * (once for any number of reservations). Nothing is visible to the consumer
 * before the commit.
 */
static inline int kucomms_ring_reserve(struct kucomms_ring *r, __u64 length,
				       struct kucomms_msg_header **rec)
{
	__u64 size, off, to_end, need;
	int err;

	if (length > kucomms_ring_max_length(r->capacity))
		return -EMSGSIZE;
	size = kucomms_record_size(length);
	off = r->pos & (r->capacity - 1);
	to_end = r->capacity - off;
	need = size <= to_end ? size : to_end + size;
	if (r->capacity - (r->pos - r->peer_pos) < need) {
		err = kucomms_ring_refresh_consumer(r);
		if (err)
			return err;
		if (r->capacity - (r->pos - r->peer_pos) < need) {
			r->full_events++;
			kucomms_write_once(r->prod->full_events, r->full_events);
			return -ENOBUFS;
		}
	}
	if (size > to_end) {
		struct kucomms_msg_header *pad =
			(struct kucomms_msg_header *)(r->data + off);

		kucomms_write_once(pad->length, KUCOMMS_PAD_LENGTH);
		r->pos += to_end;
		off = 0;
	}
	*rec = (struct kucomms_msg_header *)(r->data + off);
	r->pos += size;
	r->messages++;
	r->bytes += length;
	return 0;
}

/* Publish every record reserved so far. */
static inline void kucomms_ring_commit(struct kucomms_ring *r)
{
	kucomms_write_once(r->prod->messages, r->messages);
	kucomms_write_once(r->prod->bytes, r->bytes);
	/* Pairs with the load-acquire in kucomms_ring_refresh_producer(). */
	kucomms_store_release(&r->prod->pos, r->pos);
	kucomms_write_once(r->committed, r->pos);
}

/*
 * After a commit: must the consumer be woken? The barrier orders the
 * position store before the flag load and pairs with the barrier in
 * kucomms_ring_prepare_sleep().
 */
static inline bool kucomms_ring_need_wakeup(struct kucomms_ring *r)
{
	kucomms_full_barrier();
	return kucomms_read_once(r->cons->flags) & KUCOMMS_CONSUMER_NEED_WAKEUP;
}

/* Count a wakeup the producer has just delivered. */
static inline void kucomms_ring_count_wakeup(struct kucomms_ring *r)
{
	r->wakeups++;
	kucomms_write_once(r->prod->wakeups, r->wakeups);
}

/*
 * Bytes committed that the consumer has not released yet (0 if it lies).
 * Records reserved but not yet committed do not count, so another thread
 * may ask while the producer is between reserve and commit (a poll()
 * reporting data that cannot be read yet would be a false wakeup).
 */
static inline __u64 kucomms_ring_unconsumed(struct kucomms_ring *r)
{
	__u64 committed = kucomms_read_once(r->committed);
	__u64 cons = kucomms_read_once(r->cons->pos);

	if (committed - cons > r->capacity || (cons & (KUCOMMS_RECORD_ALIGN - 1)))
		return 0;
	return committed - cons;
}

/* ---- consumer ---- */

/* Re-read the producer's position; -EPROTO if it is impossible. */
static inline int kucomms_ring_refresh_producer(struct kucomms_ring *r)
{
	/* Pairs with the store-release in kucomms_ring_commit(). */
	__u64 prod = kucomms_load_acquire(&r->prod->pos);

	if (prod - r->pos > r->capacity || (prod & (KUCOMMS_RECORD_ALIGN - 1)))
		return -EPROTO;
	r->peer_pos = prod;
	return 0;
}

/*
 * Look at the next message. Returns 1 with *hdr a checked copy of its header
 * and *data pointing at hdr->length bytes inside the ring, 0 when the ring
 * is empty, -EPROTO when the producer wrote something impossible (the ring
 * is then unusable). The data stays in the ring until
 * kucomms_ring_consume(); a hostile producer could still change its bytes,
 * never its length, so copy it first where that matters (the kernel does).
 */
static inline int kucomms_ring_peek(struct kucomms_ring *r,
				    struct kucomms_msg_header *hdr,
				    const void **data)
{
	const struct kucomms_msg_header *src;
	__u64 off, to_end, avail, length, size;
	int err, pads;

	/* At most one padding record precedes a message. */
	for (pads = 0; pads < 2; pads++) {
		if (r->pos == r->peer_pos) {
			err = kucomms_ring_refresh_producer(r);
			if (err)
				return err;
			if (r->pos == r->peer_pos)
				return 0;
		}
		off = r->pos & (r->capacity - 1);
		to_end = r->capacity - off;
		avail = r->peer_pos - r->pos;
		src = (const struct kucomms_msg_header *)(r->data + off);
		length = kucomms_read_once(src->length);
		if (length == KUCOMMS_PAD_LENGTH) {
			if (off == 0 || to_end > avail)
				return -EPROTO;
			r->pos += to_end;
			continue;
		}
		if (length > kucomms_ring_max_length(r->capacity))
			return -EPROTO;
		size = kucomms_record_size(length);
		if (size > to_end || size > avail)
			return -EPROTO;
		hdr->length = length;
		hdr->type = kucomms_read_once(src->type);
		hdr->id = kucomms_read_once(src->id);
		hdr->user_value = kucomms_read_once(src->user_value);
		*data = src + 1;
		r->pending = size;
		return 1;
	}
	return -EPROTO;
}

/*
 * Has the producer published past what this consumer has taken? A hint for
 * a consumer that polls, read once and not checked: kucomms_ring_peek()
 * checks what it then reads.
 */
static inline bool kucomms_ring_producer_moved(struct kucomms_ring *r)
{
	return kucomms_read_once(r->prod->pos) != r->pos;
}

/* Done with the message peeked last; its space is not yet given back. */
static inline void kucomms_ring_consume(struct kucomms_ring *r)
{
	r->pos += r->pending;
	r->pending = 0;
	r->messages++;
}

/* Give the consumed space back to the producer. */
static inline void kucomms_ring_publish_consumed(struct kucomms_ring *r)
{
	kucomms_write_once(r->cons->messages, r->messages);
	/* Pairs with the load-acquire in kucomms_ring_refresh_consumer(). */
	kucomms_store_release(&r->cons->pos, r->pos);
}

/*
 * After giving space back: should a producer that waits for room (the
 * kernel's module thread on ring 0: its handler's reply did not fit) be
 * woken (KUCOMMS_IOC_WAKE) instead of left to retry on a timer? Yes when it
 * was refused since this consumer last said yes, and at least half the
 * ring is free as far as this consumer knows: woken for less, it would fill
 * a record or two and wait again, one wakeup per message. The producer's
 * count is only compared, never trusted. The barrier orders the position
 * store before the count's load; a refusal missed costs the producer its
 * retry timer, never a message.
 */
static inline bool kucomms_ring_should_wake_producer(struct kucomms_ring *r)
{
	__u64 full;

	if (r->peer_pos - r->pos > r->capacity / 2)
		return false;
	kucomms_full_barrier();
	full = kucomms_read_once(r->prod->full_events);
	if (full == r->peer_full_events)
		return false;
	r->peer_full_events = full;
	return true;
}

/*
 * Before sleeping: announce it, then look again. Returns true when the
 * consumer may sleep (nothing arrived), false when it must read first (then
 * call kucomms_ring_end_sleep()). The barrier orders the flag store before
 * the position load; it pairs with the one in kucomms_ring_need_wakeup().
 */
static inline bool kucomms_ring_prepare_sleep(struct kucomms_ring *r)
{
	kucomms_write_once(r->cons->flags, KUCOMMS_CONSUMER_NEED_WAKEUP);
	kucomms_full_barrier();
	return kucomms_read_once(r->prod->pos) == r->pos;
}

/* Awake again (woken or not): the producer need not wake us. */
static inline void kucomms_ring_end_sleep(struct kucomms_ring *r, bool slept)
{
	kucomms_write_once(r->cons->flags, 0);
	if (slept) {
		r->sleeps++;
		kucomms_write_once(r->cons->sleeps, r->sleeps);
	}
}

#endif /* _KUCOMMS_RING_H */
