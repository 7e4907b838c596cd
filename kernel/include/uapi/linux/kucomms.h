/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * kucomms: asynchronous message passing between kernel modules and userspace
 * (and between processes, and between threads of one process).
 *
 * This header is the contract shared by kucomms.ko, libkucomms and anything
 * else that speaks to a kucomms ring: the message header, the shared memory
 * layout of a link, the limits every reader checks, and the device ioctls.
 * It holds types and constants only; the ring algorithm that goes with it is
 * in kucomms/ring.h (static inline helpers that compile on both sides).
 *
 * All multi-byte fields are little-endian (kucomms targets little-endian
 * hosts; ring.h refuses to build elsewhere).
 */
#ifndef _UAPI_LINUX_KUCOMMS_H
#define _UAPI_LINUX_KUCOMMS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * A message: this 32-byte header, then @length bytes of data. No value of
 * type, id or user_value is reserved: their meaning is the protocol's.
 */
struct kucomms_msg_header {
	__u64 length;		/* bytes of data following this header */
	__u64 type;		/* user-defined, e.g. the kind of message */
	__u64 id;		/* user-defined, e.g. a sequence or request id */
	__u64 user_value;	/* user-defined, any value */
};

/*
 * Records in a ring's data area: a kucomms_msg_header, the data, then zero
 * to 31 bytes of padding so the next record starts KUCOMMS_RECORD_ALIGN
 * aligned. Because the alignment equals the header size, the space left
 * before the end of the data area always holds a whole header (or is zero),
 * so a record never wraps: when the next record does not fit before the end,
 * the producer writes a padding record there (a header whose length is
 * KUCOMMS_PAD_LENGTH, which no message can have) and starts over at offset 0.
 * A message record is therefore always contiguous and can be read in place.
 */
#define KUCOMMS_RECORD_ALIGN	32
#define KUCOMMS_PAD_LENGTH	(~(__u64)0)

/*
 * Limits. A ring's capacity (bytes of its data area) is a power of two and
 * a whole number of pages. One record may use at most half the capacity, so
 * an empty ring accepts any legal message wherever its positions stand.
 */
#define KUCOMMS_RING_MIN_CAPACITY	(1ULL << 12)	/* 4 KiB */
#define KUCOMMS_RING_MAX_CAPACITY	(1ULL << 24)	/* 16 MiB */
#define KUCOMMS_RING_DEFAULT_CAPACITY	(1ULL << 18)	/* 256 KiB */
/* Largest message data in a ring of capacity @cap. */
#define KUCOMMS_MSG_MAX_LENGTH(cap)	((cap) / 2 - sizeof(struct kucomms_msg_header))
/* Largest message data in any ring: (8 MiB - 32) bytes. */
#define KUCOMMS_MSG_MAX_LENGTH_ABS	KUCOMMS_MSG_MAX_LENGTH(KUCOMMS_RING_MAX_CAPACITY)

/*
 * A ring carries records one way. Its producer and consumer each own one
 * 64-byte line; the other side only reads it and checks what it reads.
 * Positions are free-running byte counters (never reduced modulo the
 * capacity); pos % capacity is the offset in the data area, and
 * producer.pos - consumer.pos (mod 2^64) is the number of bytes in flight,
 * which a reader checks is at most the capacity and a multiple of
 * KUCOMMS_RECORD_ALIGN before trusting it.
 */
struct kucomms_ring_producer {
	__u64 pos;		/* bytes produced; store-release after the records */
	__u64 messages;		/* messages committed */
	__u64 bytes;		/* data bytes committed (headers not counted) */
	__u64 full_events;	/* sends refused because the ring was full */
	__u64 wakeups;		/* times the producer woke a sleeping consumer */
	__u64 reserved[3];
};

struct kucomms_ring_consumer {
	__u64 pos;		/* bytes consumed; store-release after reading */
	__u32 flags;		/* KUCOMMS_CONSUMER_* */
	__u32 reserved0;
	__u64 messages;		/* messages consumed */
	__u64 sleeps;		/* times the consumer went to sleep on this ring */
	__u64 reserved[4];
};

/*
 * Set by a consumer about to sleep, cleared when it wakes. A producer that
 * sees it after publishing wakes the consumer. Both sides put a full memory
 * barrier between their write and their read (producer: pos, then flags;
 * consumer: flags, then pos), so a record that races the flag is either seen
 * by the consumer's re-check or causes a wakeup (AF_XDP's need_wakeup).
 */
#define KUCOMMS_CONSUMER_NEED_WAKEUP	(1U << 0)

/* Written once by side 0 before side 1 maps the link; read-only after. */
struct kucomms_link_info {
	__u32 magic;		/* KUCOMMS_MAGIC */
	__u16 abi_version;	/* KUCOMMS_ABI_VERSION */
	__u16 reserved0;
	__u32 page_size;	/* layout granularity, bytes (power of two) */
	__u32 reserved1;
	__u64 ring0_capacity;	/* data bytes of ring 0: side 0 -> side 1 */
	__u64 ring1_capacity;	/* data bytes of ring 1: side 1 -> side 0 */
	__u64 side1_offset;	/* offset of side 1's page (see map below) */
	__u64 total_size;	/* bytes of the whole link */
	__u64 reserved2[2];
};

#define KUCOMMS_MAGIC		0x4d43554bU	/* "KUCM" */
#define KUCOMMS_ABI_VERSION	1

/* Per-side state, written only by that side. */
struct kucomms_side_state {
	__u32 flags;		/* KUCOMMS_SIDE_* */
	__u32 reserved0;
	__u64 reserved[7];
};

/* This side has closed the link and will neither send nor receive again. */
#define KUCOMMS_SIDE_CLOSED	(1U << 0)

/*
 * A side's page: everything one side writes apart from its ring data.
 * @info is filled by side 0 only; side 1 leaves its copy zero.
 */
struct kucomms_side_page {
	struct kucomms_link_info info;
	struct kucomms_ring_producer tx;	/* the ring this side sends on */
	struct kucomms_ring_consumer rx;	/* the ring this side reads */
	struct kucomms_side_state state;
};

/*
 * The memory of one link, the same for every transport (malloc'd memory in
 * one process, a sealed memfd between processes, the pages of a device
 * descriptor between userspace and the kernel). P is the page size in
 * link_info.page_size; C0 and C1 are the ring capacities.
 *
 *   offset           size  written by  contents
 *   0                P     side 0      kucomms_side_page: info, ring 0
 *                                      producer line, ring 1 consumer
 *                                      line, side 0 state
 *   P                C0    side 0      ring 0 data (side 0 -> side 1)
 *   P + C0           P     side 1      kucomms_side_page: ring 1
 *                                      producer line, ring 0 consumer
 *                                      line, side 1 state
 *   2P + C0          C1    side 1      ring 1 data (side 1 -> side 0)
 *   2P + C0 + C1           end (link_info.total_size)
 *
 * Everything a side writes is in one contiguous region: [0, P + C0) for
 * side 0, [P + C0, total) for side 1. On a device, side 0 is the kernel and
 * side 1 is userspace: ring 0 carries kernel -> user messages and ring 1
 * user -> kernel messages. The kernel's region is mapped read-only into
 * userspace, and the kernel keeps its own positions in kernel memory, only
 * publishing copies here; it never reads back anything it wrote.
 */

/*
 * Device interface (/dev/kucomms_NAME). Each open() is one link.
 *
 * 1. ioctl(fd, KUCOMMS_IOC_SETUP, &setup) chooses the ring sizes (zero
 *    means KUCOMMS_RING_DEFAULT_CAPACITY) and allocates the link. Once per
 *    descriptor: again fails with EBUSY; a capacity that is not a power of
 *    two within the limits, a multiple of the page size, or nonzero
 *    reserved fields fail with EINVAL.
 * 2. mmap(NULL, setup.ro_size, PROT_READ, MAP_SHARED, fd, 0) maps side 0
 *    (the kernel's page and ring 0 data). PROT_WRITE there fails with EPERM
 *    and the mapping can never be made writable (mprotect fails, EACCES).
 * 3. mmap(NULL, setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *    setup.rw_offset) maps side 1 (userspace's page and ring 1 data).
 *
 * Any other offset or length, MAP_PRIVATE, or mmap before SETUP fails with
 * EINVAL. Mapping a region more than once is allowed (every mapping shows
 * the same pages). A mapping cannot grow (mremap fails, EFAULT) and cannot be
 * split: a partial munmap or mprotect fails with EINVAL; unmap it whole.
 * Mappings are not inherited across fork() unless the process asks for it
 * with madvise(MADV_DOFORK) (harmless: a child could be handed the
 * descriptor anyway, and the kernel treats ring 1 as hostile). The pages
 * live until the last mapping is gone and the descriptor is closed.
 *
 * After publishing on ring 1, userspace checks ring 1's consumer flags and,
 * if KUCOMMS_CONSUMER_NEED_WAKEUP is set, calls KUCOMMS_IOC_WAKE. After
 * giving space back on ring 0, it may call KUCOMMS_IOC_WAKE too when ring
 * 0's producer full_events grew since it last looked (best once half of ring
 * 0 is free): the module's reply did not fit and its thread retries as soon
 * as it is woken (else about a millisecond later). It waits
 * for ring 0 with poll()/epoll: POLLIN when ring 0 holds a record, POLLHUP
 * once the kernel side has closed the link (the user module unregistered or
 * the device was removed; side 0 state then has KUCOMMS_SIDE_CLOSED, and
 * KUCOMMS_IOC_WAKE fails with EPIPE).
 */
struct kucomms_setup {
	/* in: kernel -> user ring bytes, 0 = default; out: the capacity used */
	__u64 ring0_capacity;
	__u64 ring1_capacity;	/* in/out: user -> kernel ring, as above */
	__u64 ro_size;		/* out: length of the read-only mapping at 0 */
	__u64 rw_offset;	/* out: mmap offset of the read-write mapping */
	__u64 rw_size;		/* out: length of the read-write mapping */
	__u64 reserved[3];	/* in: must be zero */
};

#define KUCOMMS_IOC_MAGIC	0xc5
#define KUCOMMS_IOC_SETUP	_IOWR(KUCOMMS_IOC_MAGIC, 0x01, struct kucomms_setup)
#define KUCOMMS_IOC_WAKE	_IO(KUCOMMS_IOC_MAGIC, 0x02)

/* Device names: this prefix, then 1 or more of [a-z0-9_], 63 bytes at most. */
#define KUCOMMS_NAME_PREFIX	"kucomms_"
#define KUCOMMS_NAME_MAX	63

/*
 * The monitor: a read-only copy of every message that crosses the links of
 * one device or of all devices, in both directions, plus the events of
 * their lives, for tools that watch traffic they do not take part in (as
 * usbmon and nlmon do for USB and netlink).
 *
 * Why a node of its own, /dev/kumon, rather than an ioctl on /dev/kucomms:
 * seeing every process's traffic is a bigger right than talking to one
 * device, so it must not come with the kucomms group that may open
 * /dev/kucomms*. The node is 0600 root like every kucomms node, but it is
 * named outside the "kucomms_" device namespace (no create_device can ever
 * take its name) and outside the udev match KERNEL=="kucomms*", so the
 * kucomms group never gains it; an administrator who wants non-root
 * monitors grants it to its own group, kucomms-monitor, with a udev rule
 * shipped disabled. A file mode is what every tool already checks and
 * explains, where a capability check inside an ioctl would only ever allow
 * root. A monitor can never write into a link: the node has no write(), and
 * the only memory a monitor writes is its own consumer line.
 *
 * 1. open("/dev/kumon", O_RDWR). ENOENT: kucomms.ko is not loaded, or it
 *    predates the monitor (see KUCOMMS_MON_ABI_VERSION below); EACCES: no
 *    permission (root, or the kucomms-monitor group where enabled). At most
 *    KUCOMMS_MON_MAX monitors exist at once; another open fails with EMFILE.
 * 2. ioctl(fd, KUCOMMS_MON_IOC_SETUP, &setup) chooses what to watch, the
 *    ring size and the snap length, and allocates the ring. Once per
 *    descriptor (again: EBUSY). A name that breaks the device name rules,
 *    a capacity that is not a power of two within the ring limits, or
 *    nonzero flags or reserved fields fail with EINVAL; a device that does
 *    not exist fails with ENODEV (a monitor of one device needs it to exist
 *    when it starts; it then follows that name: removed and created again,
 *    it is watched again).
 * 3. mmap(NULL, setup.ro_size, PROT_READ, MAP_SHARED, fd, 0): the kernel's
 *    page and the ring data, read-only (PROT_WRITE fails with EPERM).
 *    mmap(NULL, setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *    setup.rw_offset): the consumer line. The mapping rules of a link apply
 *    (no other offset or length, no MAP_PRIVATE, no growing or splitting).
 * 4. Read records with the ring algorithm of kucomms/ring.h as the
 *    consumer of one ring (kucomms/monitor.h binds it and checks records);
 *    sleep in poll(): POLLIN while the ring holds a record, POLLERR |
 *    POLLHUP once the kernel stopped the monitor because the consumer line
 *    held an impossible position (that monitor only; the links carry on).
 *    poll() also delivers records owed (drops, closes) that waited for room.
 *
 *   offset      size  mapped      contents
 *   0           P     read-only   kucomms_mon_page: info, ring producer
 *   P           C     read-only   ring data: records
 *   P + C       P     read-write  kucomms_ring_consumer (first 64 bytes)
 *   2P + C            end (info.total_size)
 *
 * Each ring record is a ring message (struct kucomms_msg_header, then
 * length bytes) whose data is one struct kucomms_mon_record followed by
 * caplen bytes of captured message data; the ring header's type, id and
 * user_value are zero. The kernel copies each record into the ring once;
 * the reader reads it in place.
 *
 * A monitor never blocks or slows a link beyond that copy: when its ring is
 * full the record is dropped and counted, per link and direction, and a
 * KUCOMMS_MON_DROP record saying how many were lost comes in-band, before
 * any later record of that link and direction. Link opens and closes are
 * never lost, only delayed until there is room (a link's close comes after
 * its last drop record); device and module events that did not fit are
 * counted in a KUCOMMS_MON_DROP record with link_id KUCOMMS_MON_NO_LINK and
 * dir KUCOMMS_MON_DIR_NONE. So a reader always knows exactly what it
 * missed: for each link and direction, the messages it received plus the
 * counts of its drop records equal what crossed the link while watched.
 *
 * rmmod kucomms fails with EBUSY while a monitor is open (the descriptor
 * holds the module); a monitor never holds a device or a link.
 */
#define KUCOMMS_MON_NODE		"/dev/kumon"
#define KUCOMMS_MON_ABI_VERSION		1
#define KUCOMMS_MON_MAGIC		0x4e4d554bU	/* "KUMN" */
#define KUCOMMS_MON_MAX			16
#define KUCOMMS_MON_DEFAULT_CAPACITY	(1ULL << 20)	/* 1 MiB */

struct kucomms_mon_setup {
	/* in: "kucomms_NAME", or "" for every device */
	char device[KUCOMMS_NAME_MAX + 1];
	__u64 capacity;		/* in/out: ring data bytes, 0 = the default */
	/*
	 * in: data bytes kept per message, 0 = all; out: the snap length
	 * used (at most what a record in this ring can hold)
	 */
	__u32 snaplen;
	__u32 flags;		/* in: must be zero */
	__u64 ro_size;		/* out: length of the read-only mapping at 0 */
	__u64 rw_offset;	/* out: mmap offset of the consumer line */
	__u64 rw_size;		/* out: length of that mapping */
	__u64 reserved[4];	/* in: must be zero */
};

#define KUCOMMS_MON_IOC_SETUP	_IOWR(KUCOMMS_IOC_MAGIC, 0x10, struct kucomms_mon_setup)

/* Written by the kernel before SETUP returns; read-only after. */
struct kucomms_mon_info {
	__u32 magic;		/* KUCOMMS_MON_MAGIC, stored last (release) */
	__u16 abi_version;	/* KUCOMMS_MON_ABI_VERSION */
	__u16 reserved0;
	__u32 page_size;	/* P */
	__u32 snaplen;		/* as returned by SETUP */
	__u64 capacity;		/* C: ring data bytes */
	__u64 rw_offset;	/* offset of the consumer line: P + C */
	__u64 total_size;	/* 2P + C */
	__u64 reserved[3];
};

/* The read-only page at offset 0. */
struct kucomms_mon_page {
	struct kucomms_mon_info info;
	/* messages: records committed; full_events: records that did not fit */
	struct kucomms_ring_producer prod;
};

/* kucomms_mon_record.kind */
#define KUCOMMS_MON_MESSAGE	1	/* a message; caplen bytes of it follow */
#define KUCOMMS_MON_DROP	2	/* value: messages (or events) lost */
#define KUCOMMS_MON_EVENT	3	/* event: KUCOMMS_MON_EV_* */

/*
 * kucomms_mon_record.dir: the ring index of the link the message crossed.
 * On a device ring 0 carries kernel -> user (from the module) and ring 1
 * user -> kernel (to the module); on a shared-memory link, side 0 -> side 1
 * and side 1 -> side 0.
 */
#define KUCOMMS_MON_FROM_MODULE	0
#define KUCOMMS_MON_TO_MODULE	1
#define KUCOMMS_MON_DIR_NONE	2	/* events, and drops of events */

/* kucomms_mon_record.event */
#define KUCOMMS_MON_EV_DEVICE_CREATE	1	/* create_device made it */
#define KUCOMMS_MON_EV_DEVICE_REMOVE	2	/* remove_device or rmmod kucomms */
#define KUCOMMS_MON_EV_MODULE_UP	3	/* a user module registered on it */
#define KUCOMMS_MON_EV_MODULE_DOWN	4	/* it unregistered (rmmod) */
/* A link opened; value: 1 if it was open before the monitor started. */
#define KUCOMMS_MON_EV_LINK_OPEN	5
/* The kernel side closed the link; value: 1 if its process broke a ring. */
#define KUCOMMS_MON_EV_LINK_HANGUP	6
/*
 * The link's descriptor is gone; value: the process's exit status as
 * wait() reports it (9: kill -9) if it exited holding the link, else
 * KUCOMMS_MON_CLOSED.
 */
#define KUCOMMS_MON_EV_LINK_CLOSE	7
#define KUCOMMS_MON_CLOSED		(~(__u64)0)

/* link_id of device and module events. */
#define KUCOMMS_MON_NO_LINK	(~(__u32)0)

/*
 * One record: 160 bytes, then caplen bytes of the message's data (a
 * message of msg.length bytes, of which the first caplen were kept:
 * caplen = min(msg.length, snaplen)). Strings are NUL-terminated and
 * NUL-padded. Fields a kind does not use are zero.
 */
struct kucomms_mon_record {
	__u64 time_ns;		/* CLOCK_REALTIME: ns since the Unix epoch */
	__u16 kind;		/* KUCOMMS_MON_MESSAGE, _DROP or _EVENT */
	__u8 dir;		/* KUCOMMS_MON_FROM_MODULE, _TO_MODULE, _DIR_NONE */
	__u8 event;		/* KUCOMMS_MON_EV_* of an event */
	__u32 link_id;		/* the device's link, or KUCOMMS_MON_NO_LINK */
	/* the link's opener (tgid, initial pid namespace); 0 for device events */
	__s32 pid;
	__u32 caplen;		/* data bytes following this record */
	__u64 value;		/* drop count, or the event's detail */
	char comm[16];		/* the opener's command name when it opened */
	char device[KUCOMMS_NAME_MAX + 1];	/* "kucomms_NAME" */
	/* a message's header; its length is the whole data length */
	struct kucomms_msg_header msg;
	__u64 reserved[2];
};

#endif /* _UAPI_LINUX_KUCOMMS_H */
