// SPDX-License-Identifier: MIT
/*
 * Shared-memory links between two processes: "shm:NAME".
 *
 * The creator (side 0) makes the link memory as an anonymous memfd
 * ("kucomms_NAME" in /proc/PID/fd, nothing in any file system) and listens
 * on the abstract Unix socket "kucomms/shm/NAME". The socket name is the
 * only name the link has and doubles as a liveness lock: the kernel frees
 * it when the creator's process ends, so a creator that cannot bind it
 * knows another live process serves the name, and a creator that died
 * leaves nothing behind to clean up or to be mistaken for a live link.
 *
 * The memfd is sealed against shrinking and growing (and further sealing)
 * before any peer can get it: memory that the other process could truncate
 * would kill this one with SIGBUS at its next ring access, and each side
 * treats the other as hostile. Writes stay allowed, the rings need them.
 *
 * The attacher (side 1) connects and receives over SCM_RIGHTS the
 * creator's link memory descriptor, which it checks (sealed memory) then
 * maps and checks again: the creator answers only once its link is
 * complete, so an attacher started at the same time as its creator never
 * maps a half-made link.
 *
 * The connection then carries the wakes, one byte each way, and its hangup
 * tells either side that the other process ended. Wakes go through the
 * socket rather than through shared eventfds because each side holds its
 * own end, its own open file description: nothing the peer does (filling a
 * counter, clearing O_NONBLOCK, never reading) can make a wake block this
 * process, whereas an eventfd passed between processes shares its flags
 * and its counter with the peer, and a write to one the peer filled and
 * made blocking never returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "descriptors.h"
#include "internal.h"

/* How long an attacher waits for the creator's endpoint to answer. */
#define ATTACH_TIMEOUT_MS 5000

/* No sleep of the peer's has been woken yet (see shm_wake()). */
#define NO_SLEEP_WOKEN UINT64_MAX

struct shm_link {
	/*
	 * The connection to the peer, or -1 (a creator's until one attaches).
	 * It also wakes the peer from any sending thread: set once, stays open
	 * until release.
	 */
	int fd;
	int listen_fd; /* creator: the listening socket; else -1 */
	struct watch w_sock, w_listen;
	void *mem;
	size_t size;
	int shm_fd;	  /* link memory: until handed over or mapped */
	bool connected;	  /* creator: the one peer has attached */
	int32_t peer_pid; /* once connected, for monitors' records */
	/*
	 * The sleep count the peer announced when our last wake went into
	 * its socket, or NO_SLEEP_WOKEN. The sending thread's alone: sends
	 * on a link come from one thread at a time.
	 */
	uint64_t woken_sleep;
	/* Endpoint thread: our sleep count when we last read our wakes. */
	uint64_t drained_at;
	unsigned int drain_every; /* sleeps between those reads */
};

/*
 * The version of the socket protocol, the first field of every hello. The
 * link memory's own layout has its version apart (KUCOMMS_ABI_VERSION, in
 * its description). Version 1 passed two wake eventfds with the memory;
 * version 2 passes the memory alone and wakes over the socket; version 3
 * sends at most one wake per sleep the peer announces, which is safe only
 * with a peer that reads its wakes before it counts the sleep they ended
 * (see shm_wake()): a version 2 peer counts first, and could sleep
 * through a message of ours.
 */
#define SHM_WIRE_VERSION 3

/*
 * The first message on the socket, from creator to attacher: a welcome
 * (status 0) carrying the link memory descriptor, or a refusal saying why
 * (a positive errno value: EBUSY taken, EPERM another user). Every later
 * message, either way, is a wake: its bytes mean nothing.
 */
struct shm_hello {
	uint32_t version; /* SHM_WIRE_VERSION */
	uint32_t status;
};

/* A wake is one byte; a peer's wakes are read this many per call. */
#define WAKE_BATCH 16
/*
 * Wakes read at a time at most, so a peer that sends them without end
 * cannot keep the endpoint's thread from its other links: what is left is
 * read at the next drain (see shm_slept()).
 */
#define WAKE_READ_MAX (4 * WAKE_BATCH)
/*
 * More than any kernel charges a queued one-byte wake against its
 * sender's send buffer (a socket buffer and its data: 768 bytes on
 * Linux 6 on x86-64).
 */
#define WAKE_CHARGE_MAX 2048

/* The connection's events: a wake's arrival is an edge (see shm_event()). */
#define SOCKET_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLET)

/* Longest NAME in "shm:NAME". */
#define SHM_NAME_MAX 63

/*
 * What the creator seals and the attacher insists on: without
 * F_SEAL_SHRINK a peer could truncate the memory under the other's rings.
 */
#define LINK_MEMORY_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* 0 if @name is a valid shm link name, else -EINVAL with a message. */
static int name_check(const char *name)
{
	static const char allowed[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > SHM_NAME_MAX || strspn(name, allowed) != n)
		return kc_error(-EINVAL,
				"shm:%.100s: invalid name (use 1 to %d letters, digits, '_', '-', '.')",
				name ? name : "", SHM_NAME_MAX);
	return 0;
}

static void shm_release(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;

	if (!s)
		return;
	kc_close_fd(&s->fd);
	kc_close_fd(&s->shm_fd);
	/* Our sends may be publishing until here: the monitor goes last. */
	kc_monitor_free(link->monitor);
	if (s->mem)
		munmap(s->mem, s->size);
	kc_close_fd(&s->listen_fd);
	free(s);
}

static socklen_t socket_address(const char *name, struct sockaddr_un *addr)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* Abstract namespace: sun_path[0] stays 0. */
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "kucomms/shm/%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* Welcome (@status 0, with the link memory) or refuse the peer on @conn. */
static int send_hello(struct kucomms_link *link, int conn, uint32_t status)
{
	struct shm_link *s = link->transport;
	struct shm_hello hello = {
		.version = SHM_WIRE_VERSION,
		.status = status,
	};

	return kc_send_with_fd(conn, &hello, sizeof(hello), status ? -1 : s->shm_fd, 0);
}

/*
 * Sleeps between two reads of the wakes waiting in our end of the socket
 * (shm_slept()). Its edge-triggered watch ends our sleep at each wake
 * that arrives, read or not; reading them only frees room, and must free
 * it before the peer's wakes are refused, since a refused wake ends no
 * sleep. A peer of this library sends at most one wake per sleep we
 * count, so at most @return + 1 wait between two reads, and they must fit
 * in its send buffer: the system default, as ours is (neither end sets
 * it), which holds one wake per WAKE_CHARGE_MAX bytes at least.
 */
static unsigned int drain_interval(int fd)
{
	int sndbuf = 0;
	socklen_t len = sizeof(sndbuf);
	uint64_t fit;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) || sndbuf <= 0)
		return 0;
	/* One wake for the count before our first read, one to spare. */
	fit = (uint64_t)sndbuf / WAKE_CHARGE_MAX;
	if (fit <= 2)
		return 0;
	/* A read takes WAKE_READ_MAX at most: all a peer of ours sent. */
	return (unsigned int)(fit - 2 < WAKE_READ_MAX - 2 ? fit - 2 : WAKE_READ_MAX - 2);
}

/* Creator, endpoint thread: someone connected to the listening socket. */
static void accept_peer(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;
	int conn = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred peer;
	int err;

	if (conn < 0)
		return;
	/* One peer per link, of this user; others are told why not. */
	if (!kc_peer_same_user(conn, &peer) || s->connected) {
		send_hello(link, conn, s->connected ? EBUSY : EPERM);
		close(conn);
		return;
	}
	/*
	 * Published before the welcome: a sender that sees the peer's sleep
	 * announced (possible only once it has the memory) has a socket to
	 * wake it through.
	 */
	__atomic_store_n(&s->fd, conn, __ATOMIC_RELEASE);
	if (send_hello(link, conn, 0)) {
		/* Nobody has the memory: no sender can be waking through it. */
		__atomic_store_n(&s->fd, -1, __ATOMIC_RELAXED);
		close(conn);
		return;
	}
	s->connected = true;
	/*
	 * Against a kucomms_link_monitor_enable() on another thread: each
	 * stores, then loads the other's (sequentially consistent), so at
	 * least one of us gives the monitor the peer's pid.
	 */
	__atomic_store_n(&s->peer_pid, peer.pid, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&link->monitor, __ATOMIC_SEQ_CST))
		kc_monitor_set_peer(link->monitor, peer.pid);
	s->drain_every = drain_interval(conn);
	kc_close_fd(&s->shm_fd);
	err = kc_watch_add(link, conn, &s->w_sock, SOCKET_EVENTS);
	if (err) {
		/* Deaf to its wakes and its hangup: no use to either side. */
		kc_error(err, "%s: cannot watch the connection of its peer: %s", link->target,
			 strerror(-err));
		kc_link_set_down(link, err);
		return;
	}
	kc_report_state(link, KUCOMMS_LINK_CONNECTED, 0);
}

/*
 * ops->wake, from whichever thread sends (one at a time): one byte on
 * our own end of the socket, unless the sleep the peer announces now is
 * one we have woken already. MSG_DONTWAIT makes the send non-blocking
 * whatever the descriptor's flags; EAGAIN means the peer has wakes it has
 * not read yet, so it is awake already or will be; EPIPE means it is gone,
 * which the endpoint's thread learns from the hangup. Nothing is left to
 * do for either.
 *
 * Why skipping cannot lose a wake. The peer's consumer line of our send
 * ring holds its NEED_WAKEUP flag and its sleep count, the sleeps it has
 * slept on this ring (kucomms_ring_end_sleep()). Its endpoint thread, in
 * kc_sleep_once() (sleep.c):
 *   C0 full barrier (orders the count it stored last before C1)
 *   C1 store NEED_WAKEUP; full barrier; C2 load our position: sleep if
 *      nothing new
 *   C3 epoll_wait, which takes the wakes that arrived since the last
 *      one (our socket is watched edge-triggered: each arrival is an edge,
 *      reported once); every drain_every sleeps, read the queued wakes
 *      (C4, shm_slept()), which also takes an arrival not yet reported
 *   C5 clear NEED_WAKEUP and store the count + 1
 * and here, after kucomms_commit() published message M (P1), then its full
 * barrier and P2 load NEED_WAKEUP:
 *   P3 full barrier (orders P2 before P4); P4 load the count s
 *   P5 s == woken_sleep: skip; else send, and woken_sleep = s once the
 *      wake is in the socket
 * Suppose the peer sleeps for good with M unread, in sleep Z announced at
 * C1z with count z. Its C2 missed M, so by the barriers' pairing P2 read
 * NEED_WAKEUP from C1z or a later store, and there is none (C5 never
 * comes). C0 before C1z and P3 after P2 make P4 read z or later: z, since
 * C5 never comes. Sending, our wake goes in after P2 read C1z, so only a
 * C3 or C4 after C1z can take it, and Z's never come: the epoll wait of Z
 * ends. Skipping means an earlier wake W went in when P4 read z; had the
 * C3 or C4 of a sleep J taken W, W went in before, so the earlier P4
 * happened before J's C5 stored its count j: it read a count stored
 * before j, z < j. But J ended before Z began, so j <= z. Hence nothing
 * took W, and it ends Z too. Only a wake that went in is remembered: one
 * the full socket refused (EAGAIN) ends no sleep, so the next commit
 * tries again (it is counted as sent: the peer has wakes to read). With a
 * peer of this library that never happens: drain_interval() keeps room.
 *
 * The peer's line is hostile memory: its flag and count only decide
 * whether we send one byte, which never blocks. A peer that lies about
 * its count gets a wake per commit, as before, or misses its own wakes.
 */
static bool shm_wake(struct kucomms_link *link)
{
	static const char wake = 0;
	struct shm_link *s = link->transport;
	int fd = __atomic_load_n(&s->fd, __ATOMIC_ACQUIRE);
	uint64_t announced;

	if (fd < 0)
		return false;
	kucomms_full_barrier();
	announced = kucomms_read_once(link->tx.cons->sleeps);
	if (announced == s->woken_sleep)
		return false;
	if (send(fd, &wake, sizeof(wake), MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
		s->woken_sleep = announced;
		return true;
	}
	return errno == EAGAIN;
}

/*
 * Read the wakes the peer sent, up to WAKE_READ_MAX. The caller looks at
 * the ring afterwards, so a wake read here is never lost: whatever it woke
 * us for was committed before it was sent. False once the peer has hung
 * up (the end of the stream) or the socket failed.
 */
static bool read_wakes(int fd)
{
	char bytes[WAKE_BATCH];
	struct iovec iov[WAKE_BATCH];
	struct mmsghdr msgs[WAKE_BATCH];
	int n, taken = 0, i;

	for (i = 0; i < WAKE_BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = &bytes[i], .iov_len = 1 };
		/* No control buffer: descriptors a peer attaches are dropped. */
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	do {
		n = recvmmsg(fd, msgs, WAKE_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (n == 0)
			return false; /* end of stream: the peer closed */
		taken += n;
	} while (n == WAKE_BATCH && taken < WAKE_READ_MAX);
	return true;
}

/*
 * The peer is gone. The socket stays open until the link is freed:
 * another thread may be sending a wake through it right now.
 */
static void peer_gone(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;

	kc_watch_del(link, s->fd);
	link->peer_hup = true;
}

/*
 * A wake arriving has ended our sleep already (the edge is the wake):
 * reading it can wait for shm_slept(), which saves a read per wake.
 */
static void shm_event(struct kucomms_link *link, struct watch *w, uint32_t events)
{
	struct shm_link *s = link->transport;
	struct kc_monitor *m = kc_link_monitor(link);

	if (m && kc_monitor_event(link, m, w, events))
		return;
	if (w == &s->w_listen)
		accept_peer(link);
	else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		peer_gone(link);
}

/*
 * ops->slept: read our queued wakes every drain_every sleeps, whether
 * their edges came or not, so a peer's flood is read away in time too
 * (until then, its own wakes are refused: only it waits for them).
 */
static void shm_slept(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;

	if (s->fd < 0 || link->peer_hup || link->rx.sleeps - s->drained_at < s->drain_every)
		return;
	s->drained_at = link->rx.sleeps;
	if (!read_wakes(s->fd))
		peer_gone(link);
}

/*
 * A creator watches its listening socket until its peer attaches, then
 * the connection too (accept_peer()); an attacher watches its connection.
 */
static int shm_watch(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;
	int err;

	if (s->listen_fd >= 0) {
		err = kc_watch_add(link, s->listen_fd, &s->w_listen, EPOLLIN);
		if (err)
			return err;
	}
	if (s->fd >= 0) {
		err = kc_watch_add(link, s->fd, &s->w_sock, SOCKET_EVENTS);
		if (err) {
			kc_watch_del(link, s->listen_fd);
			return err;
		}
	}
	return 0;
}

static void shm_unwatch(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;

	kc_watch_del(link, s->fd);
	kc_watch_del(link, s->listen_fd);
}

static const struct link_ops shm_ops = {
	.watch = shm_watch,
	.unwatch = shm_unwatch,
	.wake = shm_wake,
	.slept = shm_slept,
	.event = shm_event,
	.release = shm_release,
};

/* A link object with its shm state, or NULL (error set). */
static struct kucomms_link *shm_link_alloc(struct kucomms_endpoint *ep, const char *name)
{
	char target[8 + SHM_NAME_MAX];
	struct kucomms_link *link;
	struct shm_link *s;

	snprintf(target, sizeof(target), "shm:%s", name);
	link = kc_link_alloc(ep, &shm_ops, target);
	if (!link)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		kc_error(-ENOMEM, "%s: out of memory", target);
		kc_link_free(link);
		return NULL;
	}
	s->fd = -1;
	s->listen_fd = -1;
	s->shm_fd = -1;
	s->woken_sleep = NO_SLEEP_WOKEN;
	link->transport = s;
	return link;
}

/* A link object for shm:@name in *@out: 0, or a negative errno value (error set). */
static int shm_link_new(struct kucomms_endpoint *ep, const char *name, struct kucomms_link **out)
{
	int err = name_check(name);

	if (err)
		return err;
	*out = shm_link_alloc(ep, name);
	return *out ? 0 : -ENOMEM;
}

static int sys_error(struct kucomms_link *link, const char *what)
{
	int err = errno;

	return kc_error(-err, "%s: %s: %s", link->target, what, strerror(err));
}

/* Creator: make, size and seal the link memory, map it and describe it. */
static int create_memory(struct kucomms_link *link, const char *name, uint64_t cap0, uint64_t cap1)
{
	struct shm_link *s = link->transport;
	struct kucomms_link_layout l;
	char memfd_name[16 + SHM_NAME_MAX];

	kucomms_link_layout_init(&l, cap0, cap1, (uint64_t)sysconf(_SC_PAGESIZE));
	snprintf(memfd_name, sizeof(memfd_name), "kucomms_%s", name);
	s->shm_fd = memfd_create(memfd_name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->shm_fd < 0)
		return sys_error(link, "memfd_create");
	if (ftruncate(s->shm_fd, (off_t)l.total_size))
		return sys_error(link, "ftruncate");
	/* Sealed before anyone else can hold it: no window to shrink it in. */
	if (fcntl(s->shm_fd, F_ADD_SEALS, LINK_MEMORY_SEALS))
		return sys_error(link, "sealing the link memory");
	s->mem = mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->shm_fd, 0);
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return sys_error(link, "mmap");
	}
	s->size = l.total_size;
	kucomms_link_info_publish(s->mem, &l);
	kc_link_bind(link, &l, 0, s->mem, (__u8 *)s->mem + l.side_offset[1]);
	return 0;
}

int kucomms_link_monitor_enable(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;
	struct kc_monitor *m;
	int32_t peer;
	int err;

	if (link->ops != &shm_ops)
		return kc_error(-EOPNOTSUPP, "%s: only shm links can be published to monitors",
				link->target);
	if (__atomic_load_n(&link->monitor, __ATOMIC_ACQUIRE))
		return 0;
	/* "shm:NAME": the name is what follows the prefix. */
	err = kc_monitor_create(link, link->target + 4,
				link->tx.prod == &((struct kucomms_side_page *)s->mem)->tx ? 0 : 1,
				&m);
	if (err)
		return err;
	__atomic_store_n(&link->monitor, m, __ATOMIC_SEQ_CST);
	peer = __atomic_load_n(&s->peer_pid, __ATOMIC_SEQ_CST);
	if (peer)
		kc_monitor_set_peer(m, peer); /* see accept_peer() */
	return 0;
}

/*
 * For programs that cannot call kucomms_link_monitor_enable(): with
 * KUCOMMS_MONITOR set, publish every shm link. A link its peer publishes
 * already is left to the peer; no failure here fails the link.
 */
static void monitor_if_wanted(struct kucomms_link *link)
{
	if (kc_monitor_wanted())
		kucomms_link_monitor_enable(link);
}

int kucomms_link_shm_create(struct kucomms_endpoint *ep, const char *name,
			    const struct kucomms_link_options *opts, struct kucomms_link **out)
{
	struct sockaddr_un addr;
	struct kucomms_link *link;
	struct shm_link *s;
	uint64_t cap0, cap1;
	socklen_t len;
	int err;

	err = shm_link_new(ep, name, &link);
	if (err)
		return err;
	s = link->transport;
	err = kc_check_capacities(opts, &cap0, &cap1, link->target);
	if (err)
		goto fail;
	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0) {
		err = sys_error(link, "socket");
		goto fail;
	}
	len = socket_address(name, &addr);
	if (bind(s->listen_fd, (struct sockaddr *)&addr, len)) {
		err = errno == EADDRINUSE
			      ? kc_error(-EADDRINUSE,
					 "%s: already created by another running process",
					 link->target)
			      : sys_error(link, "bind");
		goto fail;
	}
	/*
	 * Listening at once: an attacher that comes while the memory is
	 * being made waits for the hello rather than finding nobody.
	 */
	if (listen(s->listen_fd, 4)) {
		err = sys_error(link, "listen");
		goto fail;
	}
	err = create_memory(link, name, cap0, cap1);
	if (!err)
		err = kc_link_add(link);
	if (err)
		goto fail;
	monitor_if_wanted(link);
	*out = link;
	return 0;
fail:
	kc_link_free(link);
	return err;
}

/* Attacher: map the memory behind s->shm_fd and check its description. */
static int map_memory(struct kucomms_link *link, struct kucomms_link_layout *l)
{
	struct shm_link *s = link->transport;
	const struct kucomms_side_page *page;
	struct stat st;
	int err;

	if (fstat(s->shm_fd, &st))
		return sys_error(link, "fstat");
	if ((size_t)st.st_size < sizeof(struct kucomms_side_page))
		return kc_error(-EBADMSG,
				"%s: its link memory holds %lld bytes, too few for a kucomms link",
				link->target, (long long)st.st_size);
	s->mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->shm_fd, 0);
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return sys_error(link, "mmap");
	}
	s->size = (size_t)st.st_size;
	page = s->mem;
	err = kucomms_link_info_check(page, s->size, l);
	switch (err) {
	case 0:
		return 0;
	case -EBADMSG:
		return kc_error(err, "%s: bad magic 0x%08x, not a kucomms link", link->target,
				__atomic_load_n(&page->info.magic, __ATOMIC_RELAXED));
	case -EPROTONOSUPPORT:
		return kc_error(err, "%s: kucomms ABI version %u, this library speaks %u",
				link->target,
				__atomic_load_n(&page->info.abi_version, __ATOMIC_RELAXED),
				KUCOMMS_ABI_VERSION);
	default:
		return kc_error(err,
				"%s: the link description is inconsistent (sizes or offsets do not match %zu mapped bytes)",
				link->target, s->size);
	}
}

/* Close the descriptors a message carried, whatever their number. */
static int refused(struct kucomms_link *link, uint32_t status)
{
	switch (status) {
	case EBUSY:
		return kc_error(-EBUSY, "%s: already has a peer (a created link takes one)",
				link->target);
	case EPERM:
		return kc_error(-EPERM, "%s: its creator takes peers of its own user only",
				link->target);
	default:
		return kc_error(-EPROTO, "%s: its creator refused with status %u", link->target,
				status);
	}
}

/* Attacher: is @n bytes of @hello, with descriptor @memory, a welcome? */
static int check_hello(struct kucomms_link *link, const struct shm_hello *hello, ssize_t n,
		       int memory)
{
	if (n == 0)
		return kc_error(-ECONNRESET,
				"%s: its creator closed the connection without answering",
				link->target);
	if (n != sizeof(*hello))
		return kc_error(-EPROTO, "%s: its creator sent a malformed greeting (%zd bytes)",
				link->target, n);
	if (hello->version != SHM_WIRE_VERSION)
		return kc_error(-EPROTONOSUPPORT,
				"%s: its creator speaks shm link protocol version %u, this library speaks %u (run the same libkucomms on both ends)",
				link->target, hello->version, SHM_WIRE_VERSION);
	if (hello->status)
		return refused(link, hello->status);
	if (memory < 0)
		return kc_error(-EPROTO,
				"%s: its creator sent a malformed greeting (a welcome carries the link memory descriptor and nothing else)",
				link->target);
	return 0;
}

/* Attacher: receive the hello and the link memory descriptor it carries. */
static int receive_hello(struct kucomms_link *link, int *memory)
{
	struct shm_hello hello;
	struct shm_link *s = link->transport;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, ATTACH_TIMEOUT_MS);
	if (ret == 0)
		return kc_error(-ETIMEDOUT,
				"%s: its creator did not answer within %d s (is its endpoint started?)",
				link->target, ATTACH_TIMEOUT_MS / 1000);
	if (ret < 0)
		return sys_error(link, "poll");
	n = kc_recv_with_fd(s->fd, &hello, sizeof(hello), memory);
	if (n < 0)
		return kc_error((int)n, "%s: recvmsg: %s", link->target, strerror((int)-n));
	ret = check_hello(link, &hello, n, *memory);
	if (ret)
		kc_close_fd(memory);
	return ret;
}

/*
 * Attacher: the creator's descriptor is only as good as the creator, so
 * check what it is before mapping it. It must be a regular file (a memfd)
 * so that mapping it maps memory, not a device, and sealed against
 * shrinking, or its creator could truncate it under our rings and kill this
 * process with SIGBUS.
 */
static int check_passed_memory(struct kucomms_link *link, int memory)
{
	struct stat st;
	int seals;

	if (fstat(memory, &st))
		return sys_error(link, "fstat");
	if (!S_ISREG(st.st_mode))
		return kc_error(-EPROTO,
				"%s: its creator passed a link memory descriptor that is not a shared memory object (file mode 0%o)",
				link->target, (unsigned int)st.st_mode);
	/* Files that cannot be sealed at all fail with EINVAL: refused too. */
	seals = fcntl(memory, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return kc_error(-EPROTO,
				"%s: its creator passed link memory that can be shrunk (not sealed): refusing it, a shrink would crash this process",
				link->target);
	return 0;
}

/*
 * Attacher: connect to the creator and take the link memory it hands
 * over. Mapping the memory through the creator's own descriptor, sent once
 * its link is complete, means no half-made link is mapped. The connection
 * stays ours alone: the wakes both ways go through it.
 */
static int connect_creator(struct kucomms_link *link, const char *name)
{
	struct shm_link *s = link->transport;
	struct sockaddr_un addr;
	int memory = -1, err;
	struct ucred creator;
	socklen_t len;

	s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return sys_error(link, "socket");
	len = socket_address(name, &addr);
	if (connect(s->fd, (struct sockaddr *)&addr, len)) {
		/* The name is the creator's liveness lock: nobody holds it. */
		if (errno == ECONNREFUSED || errno == ENOENT)
			return kc_error(-ENOENT,
					"no process serves %s (is the peer that creates it running?)",
					link->target);
		return sys_error(link, "connect");
	}
	if (!kc_peer_same_user(s->fd, &creator))
		return kc_error(-EPERM, "%s: served by a process of uid %u, not of this user",
				link->target, (unsigned int)creator.uid);
	s->peer_pid = creator.pid;
	err = receive_hello(link, &memory);
	if (err)
		return err;
	err = check_passed_memory(link, memory);
	if (err) {
		close(memory);
		return err;
	}
	s->shm_fd = memory;
	s->drain_every = drain_interval(s->fd);
	return 0;
}

int kucomms_link_shm_attach(struct kucomms_endpoint *ep, const char *name,
			    struct kucomms_link **out)
{
	struct kucomms_link_layout l;
	struct kucomms_link *link;
	struct shm_link *s;
	int err;

	err = shm_link_new(ep, name, &link);
	if (err)
		return err;
	s = link->transport;
	err = connect_creator(link, name);
	if (!err)
		err = map_memory(link, &l);
	if (!err) {
		kc_close_fd(&s->shm_fd);
		kc_link_bind(link, &l, 1, s->mem, (__u8 *)s->mem + l.side_offset[1]);
		err = kc_link_add(link);
	}
	if (err) {
		kc_link_free(link);
		return err;
	}
	monitor_if_wanted(link);
	*out = link;
	return 0;
}
