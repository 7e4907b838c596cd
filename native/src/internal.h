/* SPDX-License-Identifier: MIT */
/*
 * libkucomms internals shared by its source files: the endpoint and link
 * structures, the per-transport operations and the error helpers.
 */
#ifndef KUCOMMS_INTERNAL_H
#define KUCOMMS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "schedule.h"

/* What an epoll event points at. */
enum watch_kind {
	WATCH_CONTROL,		/* the endpoint's eventfd: stop or pending ops */
	WATCH_TIMER,		/* the endpoint's timerfd: work/timer deadline */
	WATCH_RX,		/* an in-process link's receive eventfd */
	WATCH_DEVICE,		/* a device link's descriptor */
	WATCH_LISTEN,		/* a shm creator's listening socket */
	WATCH_SOCKET,		/* a shm link's socket: wakes and hangup */
};

struct watch {
	enum watch_kind kind;
	struct kucomms_link *link;	/* NULL for the endpoint's own */
};

struct link_ops {
	/*
	 * Wake the peer after a commit found it asleep; may mark it down.
	 * True if this counts as a wake sent (a transport may skip a wake
	 * the peer's announced sleep has had already: see link_shm.c).
	 */
	bool (*wake_peer)(struct kucomms_link *link);
	/*
	 * Optional: the endpoint thread slept and was woken, and is about to
	 * count that sleep (kucomms_ring_end_sleep()).
	 */
	void (*slept)(struct kucomms_link *link);
	/* An event on the link's @fd or @listen_fd (endpoint thread). */
	void (*event)(struct kucomms_link *link, struct watch *w, uint32_t events);
	/* Free the transport: the link has told its peer it is closed. */
	void (*release)(struct kucomms_link *link);
};

/*
 * Counters another thread may read at any time: relaxed atomics. The send
 * side's and the receive side's are written by different threads, so each
 * sits on its own cache line with the ring state that thread writes.
 */
struct tx_stats {
	uint64_t sent, bytes_sent, full_events, wakeups_sent, pos;
};

struct rx_stats {
	uint64_t received, bytes_received, sleeps;
};

#define KC_CACHELINE	64

struct kucomms_link {
	struct kucomms_endpoint *ep;
	struct kucomms_link *next;	/* in ep->links */
	const struct link_ops *ops;
	char target[80];
	void *user;

	/* Rings bound to the link memory: the sender's, the receiver's. */
	struct kucomms_ring tx __attribute__((aligned(KC_CACHELINE)));
	struct tx_stats tx_stats;
	struct kucomms_ring rx __attribute__((aligned(KC_CACHELINE)));
	struct rx_stats rx_stats;

	struct kucomms_side_state *own_state __attribute__((aligned(KC_CACHELINE)));
	const struct kucomms_side_state *peer_state;
	pthread_mutex_t send_lock;	/* kucomms_send_locked() */

	/* In-process links only: eventfds, none of them shared with a process. */
	int rx_fd;		/* eventfd the endpoint waits on, or -1 */
	int tx_wake_fd;		/* eventfd that wakes the peer, or -1 */
	/*
	 * Device descriptor or shm socket, or -1. A shm socket also wakes the
	 * peer from any sending thread: set once, stays open until release.
	 */
	int fd;
	int listen_fd;		/* shm creator's listening socket, or -1 */
	enum watch_kind fd_kind;	/* how @fd is watched */
	uint32_t fd_events;
	struct watch w_rx, w_fd, w_listen;

	int down;		/* atomic: 0 while usable, else -errno */
	bool down_reported;	/* endpoint thread only */
	bool peer_hup;		/* thread only: the peer's descriptor hung up */
	bool closing;		/* closed from a callback; freed later */
	bool in_epoll;		/* its descriptors are in ep->epfd */

	void *transport;	/* the transport's own state */
};

struct endpoint_op;

struct kucomms_endpoint {
	struct kucomms_handlers h;
	void *user;
	struct kucomms_endpoint_options opts;

	int epfd, control_fd, timer_fd;
	struct watch w_control, w_timer;

	pthread_mutex_t mu;	/* links list changes, ops, running */
	pthread_cond_t cv;
	struct kucomms_link *links;
	struct endpoint_op *ops;
	bool running;		/* the thread is between start and its end */
	bool joinable;		/* a thread exists that nobody joined yet */
	pthread_t thread;
	int stop;		/* atomic */
	int ops_pending;	/* atomic hint for the thread */
	bool reap_pending;	/* thread only: links marked closing */
	bool had_traffic;	/* thread only: the last pass delivered messages */
	unsigned int spin_skips;	/* thread only: waits to sleep without spinning */

	struct kc_sched work, timer;
	uint64_t armed_deadline;

	/* atomics, for kucomms_endpoint_counters() */
	uint64_t work_calls, timer_calls, sleeps, wakeups;
	uint64_t work_skipped, timer_skipped;
};

static inline uint64_t stat_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void stat_store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void stat_inc(uint64_t *p)
{
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
}

/* Errors: set this thread's last error, return @err (negative errno). */
__attribute__((format(printf, 2, 3)))
int kc_error(int err, const char *fmt, ...);
/* The same with a constant message, cheap enough for hot paths. */
int kc_error_const(int err, const char *msg);

/* Monotonic nanoseconds. */
uint64_t kc_now_ns(void);

/* Is the caller the endpoint's own thread? */
bool kc_on_thread(const struct kucomms_endpoint *ep);

/*
 * Links: allocate with the common fields set (descriptors -1), bind the
 * rings of @side of a link described by @l, add it to its endpoint (from
 * any thread). kc_link_free() releases the transport (ops->release copes
 * with a half-built link) and frees the link; it is also how a link that
 * was never added is undone.
 */
struct kucomms_link *kc_link_alloc(struct kucomms_endpoint *ep,
				   const struct link_ops *ops,
				   const char *target);
void kc_link_bind(struct kucomms_link *link, const struct kucomms_link_layout *l,
		  int side, void *region0, void *region1);
int kc_link_add(struct kucomms_link *link);
void kc_link_free(struct kucomms_link *link);

/* Mark a link down with @err (once); the endpoint thread reports it. */
void kc_link_set_down(struct kucomms_link *link, int err);
/* ops->wake_peer of in-process links, whose peer sleeps on an eventfd. */
bool kc_wake_peer_eventfd(struct kucomms_link *link);
/* Write 1 to an eventfd (a wakeup); errors are impossible but ignored. */
void kc_eventfd_signal(int fd);
/* Read an eventfd to zero. */
void kc_eventfd_drain(int fd);

/* Endpoint thread helpers used by transports. */
void kc_watch_add(struct kucomms_link *link, int fd, struct watch *w,
		  enum watch_kind kind, uint32_t events);
void kc_watch_del(struct kucomms_link *link, int fd);
void kc_report_state(struct kucomms_link *link, int state, int err);

/* Longest NAME in "shm:NAME". */
#define KUCOMMS_SHM_NAME_MAX	63
/* 0 if @name is a valid shm link name, else -EINVAL with a message. */
int kc_shm_name_check(const char *name);

/* Check capacities from options (0 = default); -EINVAL with a message. */
int kc_check_capacities(const struct kucomms_link_options *o, uint64_t *tx,
			uint64_t *rx, const char *what);

#endif /* KUCOMMS_INTERNAL_H */
