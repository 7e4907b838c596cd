/* SPDX-License-Identifier: MIT */
/*
 * libkucomms: the userspace side of kucomms.
 *
 * An endpoint owns one thread that sleeps on all of its links at once and
 * calls the user's handlers from there: message as soon as a message
 * arrives, work 100 times a second, timer once a second. A link joins the
 * endpoint to one peer through one block of memory in the layout of
 * <linux/kucomms.h> (one ring per direction); the peer is another endpoint
 * in this process, another process sharing a sealed memfd, or a kernel
 * module through /dev/kucomms_NAME.
 *
 *	static void on_message(struct kucomms_link *link,
 *			       const struct kucomms_msg_header *hdr,
 *			       const void *data, void *user)
 *	{
 *		kucomms_send(link, hdr, data);		// echo it back
 *	}
 *
 *	struct kucomms_handlers h = { .message = on_message };
 *	struct kucomms_endpoint *ep = kucomms_endpoint_create(&h, NULL, NULL);
 *	struct kucomms_link *link;
 *	int err = kucomms_link_open_target(ep, "shm:demo", NULL, &link);
 *	if (err)
 *		fprintf(stderr, "%s\n", kucomms_last_error());
 *	kucomms_endpoint_start(ep);
 *	...
 *	kucomms_endpoint_destroy(ep);
 *
 * Errors: int functions return 0 (or a count) on success and a negative
 * errno value on failure; pointer functions return NULL with errno set.
 * kucomms_last_error() then holds a sentence saying what failed and where.
 */
#ifndef KUCOMMS_KUCOMMS_H
#define KUCOMMS_KUCOMMS_H

#include <stdint.h>
#include <linux/kucomms.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kucomms_endpoint;
struct kucomms_link;

/* Values of the link_state handler's @state. */
enum kucomms_link_state {
	/* The peer of a shared-memory link this side created has attached. */
	KUCOMMS_LINK_CONNECTED = 1,
	/*
	 * The link is dead; @err says why: -EPIPE the peer closed it or its
	 * process vanished, -EPROTO the peer wrote an impossible ring. Sends
	 * then fail with -EPIPE (or -EPROTO); close the link when convenient.
	 */
	KUCOMMS_LINK_DOWN = 2,
};

/*
 * The user's callbacks. All are called from the endpoint's thread, one at
 * a time, so they need no locks among themselves; @user is the pointer
 * given to kucomms_endpoint_create(). Only @message is required.
 */
struct kucomms_handlers {
	/*
	 * One message. @hdr is a checked copy; @data points at hdr->length
	 * bytes inside the ring, valid until this handler returns.
	 */
	void (*message)(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			const void *data, void *user);
	/* Every work period (10 ms by default). */
	void (*work)(struct kucomms_endpoint *ep, void *user);
	/* Every timer period (1 s by default). */
	void (*timer)(struct kucomms_endpoint *ep, void *user);
	/* A link changed state: @state is a KUCOMMS_LINK_* value. */
	void (*link_state)(struct kucomms_link *link, int state, int err, void *user);
};

/* The default spin budget: short, since a spinning thread costs a core. */
#define KUCOMMS_DEFAULT_SPIN_NS 20000ULL
#define KUCOMMS_DEFAULT_WORK_PERIOD_NS 10000000ULL    /* 100 Hz */
#define KUCOMMS_DEFAULT_TIMER_PERIOD_NS 1000000000ULL /* 1 Hz */

struct kucomms_endpoint_options {
	/*
	 * Nanoseconds the thread keeps checking its rings before it sleeps,
	 * after it has delivered messages (not after a tick that found none);
	 * trades CPU for latency. 0 means sleep at once. A spin that found
	 * nothing, or found a lone message only after other threads had run
	 * on its core (a busy machine, or a peer sharing the core, where
	 * sleeping is as fast), makes the next 64 waits sleep at once; one
	 * that found a stream of messages there keeps spinning, since each
	 * sleep would cost the sender a wake. Budgets over 1 ms (e.g. a
	 * second: never sleep while traffic flows) always spin.
	 */
	uint64_t spin_ns;
	uint64_t work_period_ns;  /* 0 = KUCOMMS_DEFAULT_WORK_PERIOD_NS */
	uint64_t timer_period_ns; /* 0 = KUCOMMS_DEFAULT_TIMER_PERIOD_NS */
};

/* Fill @opts with the defaults (what a NULL options pointer means). */
void kucomms_endpoint_options_init(struct kucomms_endpoint_options *opts);

/*
 * A new endpoint, not yet running. @h is copied; @opts may be NULL.
 * Returns NULL with errno set (EINVAL without a message handler).
 */
struct kucomms_endpoint *kucomms_endpoint_create(const struct kucomms_handlers *h, void *user,
						 const struct kucomms_endpoint_options *opts);

/* Start the thread. -EALREADY if it runs. */
int kucomms_endpoint_start(struct kucomms_endpoint *ep);

/*
 * Stop the thread, from any thread, including from a callback (then the
 * thread ends once that callback returns). From another thread it returns
 * once the thread has ended, which is prompt unless a callback is busy.
 * Links stay open; kucomms_endpoint_start() resumes. -EALREADY if stopped.
 */
int kucomms_endpoint_stop(struct kucomms_endpoint *ep);

/* Stop, close every link, free. Not from a callback of @ep. NULL is ok. */
void kucomms_endpoint_destroy(struct kucomms_endpoint *ep);

/* The @user given to kucomms_endpoint_create(). */
void *kucomms_endpoint_user(const struct kucomms_endpoint *ep);

struct kucomms_link_options {
	uint64_t tx_capacity; /* bytes of the send ring, 0 = default */
	uint64_t rx_capacity; /* bytes of the receive ring, 0 = default */
};

/*
 * Links. An endpoint holds any number of links of any kinds, added before
 * or after it starts, from any thread. Each function stores the new link
 * in *@link and returns 0, or returns a negative errno value with the
 * detail in kucomms_last_error(). Capacities are powers of two from
 * KUCOMMS_RING_MIN_CAPACITY to KUCOMMS_RING_MAX_CAPACITY; @opts may be NULL.
 *
 * While the endpoint runs, a link added or closed from another thread is
 * handed to the endpoint's thread, and the call returns once that thread
 * has taken it (between two callbacks): a callback must not wait for a
 * thread that is adding or closing a link of its own endpoint.
 */

/* Two endpoints of this process (@a may equal @b), over malloc'd memory. */
int kucomms_link_inproc_pair(struct kucomms_endpoint *a, struct kucomms_endpoint *b,
			     const struct kucomms_link_options *opts, struct kucomms_link **link_a,
			     struct kucomms_link **link_b);

/*
 * Create shared memory "shm:@name" (NAME of [A-Za-z0-9_.-], 1 to 63 bytes)
 * and wait, inside the endpoint's thread, for one peer to attach:
 * link_state reports KUCOMMS_LINK_CONNECTED. Messages sent before then wait
 * in the ring. The memory is an anonymous memfd sealed against resizing,
 * handed to the peer over an abstract Unix socket named after the link:
 * nothing is left in any file system, so a name whose creator died or
 * closed is free at once; one whose creator lives fails with -EADDRINUSE.
 */
int kucomms_link_shm_create(struct kucomms_endpoint *ep, const char *name,
			    const struct kucomms_link_options *opts, struct kucomms_link **link);

/*
 * Attach to "shm:@name", created by a running endpoint: it answers from
 * its thread, so it must be started (the attach waits up to 5 s, then
 * fails with -ETIMEDOUT; never attach from a callback of the creating
 * endpoint itself). The creator chose the sizes. Fails with -ENOENT when
 * no process serves the name, with -EPROTO when the creator hands over
 * anything but link memory sealed against shrinking (memory a peer could
 * shrink would crash this process with SIGBUS), and with -EPROTONOSUPPORT
 * when it speaks another version of the link's socket protocol.
 */
int kucomms_link_shm_attach(struct kucomms_endpoint *ep, const char *name,
			    struct kucomms_link **link);

/* Open a kucomms device, e.g. "/dev/kucomms_longtest" (userspace side). */
int kucomms_link_device_open(struct kucomms_endpoint *ep, const char *path,
			     const struct kucomms_link_options *opts, struct kucomms_link **link);

/*
 * Open a target by the name used everywhere: "/dev/kucomms_NAME" (a
 * device) or "shm:NAME" (attach to a shared-memory peer).
 */
int kucomms_link_open_target(struct kucomms_endpoint *ep, const char *target,
			     const struct kucomms_link_options *opts, struct kucomms_link **link);

/*
 * Close a link from any thread, including from a callback. No callback
 * sees it afterwards; the peer sees it closed. NULL is ok.
 */
void kucomms_link_close(struct kucomms_link *link);

struct kucomms_endpoint *kucomms_link_endpoint(const struct kucomms_link *link);
/* "inproc", "shm:NAME" or the device path: for messages. */
const char *kucomms_link_target(const struct kucomms_link *link);
/* A pointer of the user's own, per link (NULL until set; any thread). */
void kucomms_link_set_user(struct kucomms_link *link, void *user);
void *kucomms_link_user(const struct kucomms_link *link);
/* Largest message data this link can send. */
uint64_t kucomms_link_max_length(const struct kucomms_link *link);

/*
 * Send one message: @hdr->length bytes of @data (NULL if zero) are copied
 * into the ring and the peer is woken if it sleeps. Returns 0, -ENOBUFS
 * when the ring is full (counted in full_events; retry later), -EMSGSIZE
 * when the message exceeds kucomms_link_max_length(), -EPIPE when the peer
 * is gone, -EPROTO when the ring is corrupt.
 *
 * kucomms_send() is for one thread at a time per link (e.g. the endpoint's
 * callbacks); kucomms_send_locked() holds the link's mutex around it and
 * may be called from any number of threads.
 */
int kucomms_send(struct kucomms_link *link, const struct kucomms_msg_header *hdr, const void *data);
int kucomms_send_locked(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
			const void *data);

/*
 * Zero-copy send: reserve room for @length data bytes, fill in the header
 * (*rec, with length left at @length) and the data that follows it
 * (rec + 1), then kucomms_commit() publishes every reservation made since
 * the last commit and wakes the peer. Errors as for kucomms_send(). Same
 * threading rule as kucomms_send().
 */
int kucomms_reserve(struct kucomms_link *link, uint64_t length, struct kucomms_msg_header **rec);
void kucomms_commit(struct kucomms_link *link);

/*
 * Send one message on every live link of @ep (locked form, any thread).
 * Returns the number of links it was sent on, or the first error after
 * trying them all.
 */
int kucomms_broadcast(struct kucomms_endpoint *ep, const struct kucomms_msg_header *hdr,
		      const void *data);

/* Counters, readable from any thread at any time. */
struct kucomms_link_counters {
	uint64_t sent;	     /* messages committed to the send ring */
	uint64_t received;   /* messages handed to the message handler */
	uint64_t bytes_sent; /* data bytes, headers not counted */
	uint64_t bytes_received;
	uint64_t full_events;	   /* sends refused with -ENOBUFS */
	uint64_t wakeups_sent;	   /* wakes sent to a sleeping peer: one per
				 * commit that found it asleep, except over
				 * shm links, at most one per sleep it
				 * announced (a wake its full socket refused
				 * counts: it has wakes to read) */
	uint64_t sleeps;	   /* times this side slept on the receive ring */
	uint64_t tx_capacity;	   /* bytes of the send ring */
	uint64_t tx_free;	   /* free bytes in the send ring now */
	uint64_t rx_capacity;	   /* bytes of the receive ring */
	uint64_t rx_used;	   /* bytes waiting in the receive ring now */
	uint64_t peer_full_events; /* the peer's refused sends, as it reports
				    * them (a hostile peer may lie) */
};

int kucomms_link_counters(const struct kucomms_link *link, struct kucomms_link_counters *out);

/*
 * Monitors: a copy of every message a link carries, for tools that watch
 * traffic they take no part in, in the records of the kernel's monitor
 * (struct kucomms_mon_record in linux/kucomms.h), so one reader serves
 * both.
 *
 * kucomms_link_monitor_enable() makes this endpoint publish shm link
 * @link to a monitor: every message it sends and receives on it, until the
 * link is freed. Call it once, from any thread. For a program that cannot
 * be changed, setting the environment variable KUCOMMS_MONITOR (to
 * anything but 0) does it for every shm link the program opens (read with
 * secure_getenv(): ignored in set-user-ID programs). One side of a link
 * publishes both directions: when its peer publishes already, this fails
 * with -EADDRINUSE (and the variable leaves it to the peer). Other links
 * fail with -EOPNOTSUPP.
 *
 * With no monitor attached, the link's send and receive paths pay one
 * branch. With one, each message is copied once into the monitor's ring;
 * when that ring is full the record is dropped and counted, and a
 * KUCOMMS_MON_DROP record with the count comes before any later record of
 * that direction: the link never waits for a monitor. A monitor may attach
 * and detach at any time without the link noticing; one at a time.
 */
int kucomms_link_monitor_enable(struct kucomms_link *link);

struct kucomms_monitor;

/*
 * Start a monitor of @target: "shm:NAME" (a shm link one of whose sides
 * publishes it; the same user or root, checked by SO_PEERCRED, as shm
 * links do), "/dev/kucomms_NAME" or "/dev/kucomms" (every device; the
 * kernel's monitor, /dev/kumon), with a ring of @capacity bytes (0: the
 * default, 1 MiB) keeping @snaplen data bytes of each message (0: all it
 * can). Returns 0, or a negative errno value with kucomms_last_error()
 * saying what to do.
 *
 * Read with kucomms_monitor_next(): 1 with *@rec a checked copy of the
 * record and *@data its rec->caplen bytes (valid until
 * kucomms_monitor_done()), 0 when the ring is empty, -EPROTO if it is
 * broken. kucomms_monitor_wait() sleeps until records may be there (1),
 * @timeout_ms passes (0, -1 waits for ever), or the publisher is gone and
 * every record was read (-EPIPE). One thread at a time.
 */
int kucomms_monitor_open(const char *target, uint64_t capacity, uint32_t snaplen,
			 struct kucomms_monitor **monitor);
int kucomms_monitor_next(struct kucomms_monitor *monitor, struct kucomms_mon_record *rec,
			 const void **data);
void kucomms_monitor_done(struct kucomms_monitor *monitor);
int kucomms_monitor_wait(struct kucomms_monitor *monitor, int timeout_ms);
/* The ring's producer line: its messages, and full_events (records lost). */
const struct kucomms_ring_producer *kucomms_monitor_producer(const struct kucomms_monitor *monitor);
void kucomms_monitor_close(struct kucomms_monitor *monitor);

struct kucomms_endpoint_counters {
	uint64_t work_calls;
	uint64_t timer_calls;
	uint64_t work_ticks_skipped; /* ticks missed because of overruns */
	uint64_t timer_ticks_skipped;
	uint64_t sleeps;  /* times the thread went to sleep */
	uint64_t wakeups; /* sleeps ended by a link or a stop */
};

int kucomms_endpoint_counters(const struct kucomms_endpoint *ep,
			      struct kucomms_endpoint_counters *out);

/*
 * The protocol handshake. A kernel module says which protocol it speaks
 * with kucomms_set_protocol(ep, NAME_PROTOCOL), NAME_PROTOCOL coming from
 * the header `kucomms-studio gen c` generated from its layout; the device
 * shows it in sysfs. A program built from a header of its own checks it
 * before the first message:
 *
 *	if (kucomms_protocol_check("/dev/kucomms_thermo", THERMO_PROTOCOL))
 *		die("%s", kucomms_last_error());	// strict: refuse
 *
 * kucomms_protocol_read() fills @out for "/dev/kucomms_NAME": 0, -ENODEV
 * (no such device), -ENODATA (no module registered, or it did not say), or
 * -EINVAL (not a device target). kucomms_protocol_check() returns 0 when
 * the device's module speaks @name with @hash (the version is only shown),
 * -EPROTO when it speaks another protocol or another hash, with
 * kucomms_last_error() naming both sides' name, version and hash, and
 * kucomms_protocol_read()'s errors otherwise. A program that prefers to
 * carry on warns instead of refusing.
 */
struct kucomms_protocol {
	char name[64];
	char version[32];
	uint64_t hash;
};

int kucomms_protocol_read(const char *target, struct kucomms_protocol *out);
int kucomms_protocol_check(const char *target, const char *name, const char *version,
			   uint64_t hash);

/* A description of a negative errno value (never NULL). */
const char *kucomms_strerror(int err);

/* The detail of the last failure in this thread ("" if none). */
const char *kucomms_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* KUCOMMS_KUCOMMS_H */
