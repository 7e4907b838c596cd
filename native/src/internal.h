/* SPDX-License-Identifier: MIT */
/*
 * libkucomms internals shared by its source files: the endpoint and link
 * structures, the hooks every transport provides, and the functions one
 * source file offers the others, grouped by the file that defines them.
 * native/src/README.md says which file calls which: no two call each other.
 */
#ifndef KUCOMMS_INTERNAL_H
#define KUCOMMS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "schedule.h"

/* What an epoll event points at. */
enum watch_kind {
	WATCH_CONTROL, /* the endpoint's eventfd: stop or pending ops */
	WATCH_TIMER,   /* the endpoint's timerfd: work/timer deadline */
	WATCH_LINK,    /* a descriptor of a link's transport */
};

struct watch {
	enum watch_kind kind;
	struct kucomms_link *link; /* NULL for the endpoint's own */
};

/*
 * What each transport does its own way. The generic code knows nothing of
 * a transport's descriptors: they live in its state (link->transport), and
 * it watches, unwatches and wakes through these hooks.
 */
struct link_ops {
	/*
	 * Add the link's descriptors to the endpoint's epoll (the endpoint's
	 * thread, or with ep->mu held while no thread runs): 0, or a negative
	 * errno value with nothing added.
	 */
	int (*watch)(struct kucomms_link *link);
	/* Take them out again: the link is closing or reported down. */
	void (*unwatch)(struct kucomms_link *link);
	/*
	 * Optional: the link is closed on our side (its side state says so
	 * already) and about to be freed. A transport whose peer would not
	 * see a descriptor hang up at the free tells it here.
	 */
	void (*closed)(struct kucomms_link *link);
	/*
	 * Wake the peer after a commit found it asleep; may mark it down.
	 * True if this counts as a wake sent (a transport may skip a wake
	 * the peer's announced sleep has had already: see link_shm.c).
	 */
	bool (*wake)(struct kucomms_link *link);
	/*
	 * Optional: the endpoint thread slept and was woken, and is about to
	 * count that sleep (kucomms_ring_end_sleep()).
	 */
	void (*slept)(struct kucomms_link *link);
	/*
	 * Optional: the receive ring has room again after the peer was
	 * refused for want of it (kucomms_ring_should_wake_producer()); for a
	 * peer that waits for room rather than telling its caller "full".
	 * Returns as wake().
	 */
	bool (*room_made)(struct kucomms_link *link);
	/* Optional: an event on a descriptor the link watches (@w). */
	void (*event)(struct kucomms_link *link, struct watch *w, uint32_t events);
	/* Free the transport; copes with a half-built link. */
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

#define KC_CACHELINE 64

struct kucomms_link {
	struct kucomms_endpoint *ep;
	struct kucomms_link *next; /* in ep->links */
	const struct link_ops *ops;
	char target[80];
	void *user;
	/*
	 * Set once (release) when the link starts publishing to monitors,
	 * freed with the link: the send and receive paths' one branch.
	 */
	struct kc_monitor *monitor;

	/* Rings bound to the link memory: the sender's, the receiver's. */
	struct kucomms_ring tx __attribute__((aligned(KC_CACHELINE)));
	struct tx_stats tx_stats;
	struct kucomms_ring rx __attribute__((aligned(KC_CACHELINE)));
	struct rx_stats rx_stats;

	struct kucomms_side_state *own_state __attribute__((aligned(KC_CACHELINE)));
	const struct kucomms_side_state *peer_state;
	pthread_mutex_t send_lock; /* kucomms_send_locked() */

	int down;	    /* atomic: 0 while usable, else -errno */
	bool down_reported; /* endpoint thread only */
	bool peer_hup;	    /* thread only: the transport saw the peer hang up */
	bool closing;	    /* closed from a callback; freed later */
	bool in_epoll;	    /* ops->watch succeeded and no unwatch since */

	void *transport; /* the transport's own state, descriptors included */
};

struct endpoint_op;
struct kc_monitor;

struct kucomms_endpoint {
	struct kucomms_handlers h;
	void *user;
	struct kucomms_endpoint_options opts;

	int epfd, control_fd, timer_fd;
	struct watch w_control, w_timer;

	pthread_mutex_t mu; /* links list changes, ops, running */
	pthread_cond_t cv;
	struct kucomms_link *links;
	struct endpoint_op *ops;
	bool running;  /* the thread is between start and its end */
	bool joinable; /* a thread exists that nobody joined yet */
	pthread_t thread;
	int stop;		 /* atomic */
	int ops_pending;	 /* atomic hint for the thread */
	bool reap_pending;	 /* thread only: links marked closing */
	bool had_traffic;	 /* thread only: the last pass delivered messages */
	unsigned int spin_skips; /* thread only: waits to sleep without spinning */
	bool spin_on_trial;	 /* thread only: the last spin hit on a shared core */

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
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Monotonic nanoseconds. */
static inline uint64_t kc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Neither closed from a callback nor down: its rings are worth a look. */
static inline bool kc_link_live(const struct kucomms_link *link)
{
	return !link->closing && !__atomic_load_n(&link->down, __ATOMIC_RELAXED);
}

/* Must the endpoint's thread stop waiting: a stop or queued operations. */
static inline bool kc_should_leave_sleep(const struct kucomms_endpoint *ep)
{
	return __atomic_load_n(&ep->stop, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&ep->ops_pending, __ATOMIC_RELAXED);
}

/* errors.c: set this thread's last error, return @err (negative errno). */
__attribute__((format(printf, 2, 3))) int kc_error(int err, const char *fmt, ...);
/* The same with a constant message, cheap enough for hot paths. */
int kc_error_const(int err, const char *msg);

/* current.c: is the caller the endpoint's own thread? */
bool kc_on_thread(const struct kucomms_endpoint *ep);
/* The endpoint's thread says so when it begins (@ep) and ends (NULL). */
void kc_set_current(struct kucomms_endpoint *ep);

/*
 * link.c. Allocate with the common fields set, bind the rings of @side of
 * a link described by @l. kc_link_free() releases the transport and frees
 * the link; it is also how a link that was never added is undone.
 */
struct kucomms_link *kc_link_alloc(struct kucomms_endpoint *ep, const struct link_ops *ops,
				   const char *target);
void kc_link_bind(struct kucomms_link *link, const struct kucomms_link_layout *l, int side,
		  void *region0, void *region1);
void kc_link_free(struct kucomms_link *link);
/* Mark a link down with @err (once); the endpoint thread reports it. */
void kc_link_set_down(struct kucomms_link *link, int err);
/* Tell the application a link changed state (endpoint thread). */
void kc_report_state(struct kucomms_link *link, int state, int err);
/* Check capacities from options (0 = default); -EINVAL with a message. */
int kc_check_capacities(const struct kucomms_link_options *o, uint64_t *tx, uint64_t *rx,
			const char *what);

/*
 * links.c: an endpoint's list of links. kc_link_add() adds a built link
 * from any thread and watches it: 0, or a negative errno value (error set)
 * with the link neither added nor freed.
 */
int kc_link_add(struct kucomms_link *link);
/* The endpoint thread applies what other threads queued (ep->ops). */
void kc_links_apply_ops(struct kucomms_endpoint *ep);
/* The same with ep->mu held. */
void kc_links_apply_ops_locked(struct kucomms_endpoint *ep);
/* Free the links closed from callbacks; the thread is between passes. */
void kc_links_reap(struct kucomms_endpoint *ep);
/* Report a link that went down (once) and stop watching it. */
void kc_links_report_down(struct kucomms_link *link);
/* Close and free every link; no thread runs. */
void kc_links_destroy_all(struct kucomms_endpoint *ep);

/* receive.c: hand every live link's messages to the handler: how many. */
unsigned int kc_receive_all(struct kucomms_endpoint *ep);

/*
 * sleep.c: announce the sleep on every ring, look once more, sleep in
 * epoll until a link, the control eventfd or the next deadline wakes us.
 */
void kc_sleep_once(struct kucomms_endpoint *ep, uint64_t deadline);

/*
 * monitor_publish.c: a link's messages published to monitors. Create it
 * for shm link @name's side @side (listening for monitors at once, watched
 * in the link's endpoint); then the link's paths tell it what they sent
 * (the records reserved in @tx since its last commit, before the commit)
 * and received, from any one thread each. kc_monitor_event() takes the
 * events of its descriptors: false if @w is not one of them.
 */
int kc_monitor_create(struct kucomms_link *link, const char *name, unsigned int side,
		      struct kc_monitor **out);
void kc_monitor_free(struct kc_monitor *m);
bool kc_monitor_wanted(void);
void kc_monitor_set_peer(struct kc_monitor *m, int32_t pid);
void kc_monitor_sent(struct kc_monitor *m, const struct kucomms_ring *tx);
void kc_monitor_received(struct kc_monitor *m, const struct kucomms_msg_header *h,
			 const void *data);
bool kc_monitor_event(struct kucomms_link *link, struct kc_monitor *m, struct watch *w,
		      uint32_t events);

/* The link's monitor, if it publishes to monitors (one predictable branch). */
static inline struct kc_monitor *kc_link_monitor(const struct kucomms_link *link)
{
	return __builtin_expect(__atomic_load_n(&link->monitor, __ATOMIC_ACQUIRE) != NULL, 0)
		       ? link->monitor
		       : NULL;
}

#endif /* KUCOMMS_INTERNAL_H */
