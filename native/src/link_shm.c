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
 * The attacher (side 1) connects and receives over SCM_RIGHTS the two wake
 * eventfds (one per direction) and the creator's link memory descriptor,
 * which it checks (an eventfd, an eventfd, sealed memory) then maps and
 * checks again: the creator answers only once its link is complete, so an
 * attacher started at the same time as its creator never maps a half-made
 * link. The connection then stays open and silent: when either process
 * ends, the other sees it hang up and reports the link down.
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
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

/* How long an attacher waits for the creator's endpoint to answer. */
#define ATTACH_TIMEOUT_MS	5000

struct shm_link {
	void *mem;
	size_t size;
	int shm_fd;		/* link memory: until handed over or mapped */
	bool connected;		/* creator: the one peer has attached */
};

/*
 * The first message on the socket, from creator to attacher: a welcome
 * (status 0) carrying the descriptors, or a refusal saying why (a
 * positive errno value: EBUSY taken, EPERM another user).
 */
struct shm_hello {
	uint32_t abi_version;
	uint32_t status;
};

enum { HELLO_ATTACHER_WAKE, HELLO_CREATOR_WAKE, HELLO_MEMORY, HELLO_FDS };

/*
 * What the creator seals and the attacher insists on: without
 * F_SEAL_SHRINK a peer could truncate the memory under the other's rings.
 */
#define LINK_MEMORY_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void shm_release(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;

	close_fd(&link->rx_fd);
	close_fd(&link->tx_wake_fd);
	close_fd(&link->fd);
	if (!s) {
		close_fd(&link->listen_fd);
		return;
	}
	close_fd(&s->shm_fd);
	if (s->mem)
		munmap(s->mem, s->size);
	close_fd(&link->listen_fd);
	free(s);
}

static socklen_t socket_address(const char *name, struct sockaddr_un *addr)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* Abstract namespace: sun_path[0] stays 0. */
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1,
		     "kucomms/shm/%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/*
 * The socket has no permissions of its own (abstract names have none), so
 * both ends check who is on the other side: the same user as this process,
 * or root.
 */
static bool same_user(int conn, uid_t *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	/* Unknown (-1) when the kernel cannot say: refused like a stranger. */
	*peer = (uid_t)-1;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	*peer = cred.uid;
	return cred.uid == geteuid() || cred.uid == 0;
}

/* Welcome (@status 0, with the descriptors) or refuse the peer on @conn. */
static int send_hello(struct kucomms_link *link, int conn, uint32_t status)
{
	struct shm_link *s = link->transport;
	struct shm_hello hello = {
		.abi_version = KUCOMMS_ABI_VERSION,
		.status = status,
	};
	int fds[HELLO_FDS];
	union {
		char buf[CMSG_SPACE(sizeof(fds))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &hello, .iov_len = sizeof(hello) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (!status) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		fds[HELLO_ATTACHER_WAKE] = link->tx_wake_fd;
		fds[HELLO_CREATOR_WAKE] = link->rx_fd;
		fds[HELLO_MEMORY] = s->shm_fd;
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	}
	return sendmsg(conn, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(hello) ? 0 : -errno;
}

/* Creator, endpoint thread: someone connected to the listening socket. */
static void accept_peer(struct kucomms_link *link)
{
	struct shm_link *s = link->transport;
	int conn = accept4(link->listen_fd, NULL, NULL,
			   SOCK_CLOEXEC | SOCK_NONBLOCK);
	uid_t peer;

	if (conn < 0)
		return;
	/* One peer per link, of this user; others are told why not. */
	if (!same_user(conn, &peer) || s->connected) {
		send_hello(link, conn, s->connected ? EBUSY : EPERM);
		close(conn);
		return;
	}
	if (send_hello(link, conn, 0)) {
		close(conn);
		return;
	}
	s->connected = true;
	close_fd(&s->shm_fd);
	link->fd = conn;
	kc_watch_add(link, conn, &link->w_fd, WATCH_SOCKET, EPOLLIN | EPOLLRDHUP);
	kc_report_state(link, KUCOMMS_LINK_CONNECTED, 0);
}

static void shm_event(struct kucomms_link *link, struct watch *w, uint32_t events)
{
	(void)events;
	if (w->kind == WATCH_LISTEN) {
		accept_peer(link);
		return;
	}
	/* The peer never writes to the socket: any event means it is gone. */
	kc_watch_del(link, link->fd);
	close_fd(&link->fd);
	link->peer_hup = true;
}

static const struct link_ops shm_ops = {
	.wake_peer = kc_wake_peer_eventfd,
	.event = shm_event,
	.release = shm_release,
};

/* A link object with its shm state, or NULL (error set). */
static struct kucomms_link *shm_link_alloc(struct kucomms_endpoint *ep,
					   const char *name)
{
	char target[8 + KUCOMMS_SHM_NAME_MAX];
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
	s->shm_fd = -1;
	link->transport = s;
	link->fd_kind = WATCH_SOCKET;
	link->fd_events = EPOLLIN | EPOLLRDHUP;
	return link;
}

static int sys_error(struct kucomms_link *link, const char *what)
{
	int err = errno;

	return kc_error(-err, "%s: %s: %s", link->target, what, strerror(err));
}

/* Creator: make, size and seal the link memory, map it and describe it. */
static int create_memory(struct kucomms_link *link, const char *name,
			 uint64_t cap0, uint64_t cap1)
{
	struct shm_link *s = link->transport;
	struct kucomms_link_layout l;
	char memfd_name[16 + KUCOMMS_SHM_NAME_MAX];

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
	s->mem = mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->shm_fd, 0);
	if (s->mem == MAP_FAILED) {
		s->mem = NULL;
		return sys_error(link, "mmap");
	}
	s->size = l.total_size;
	kucomms_link_info_publish(s->mem, &l);
	kc_link_bind(link, &l, 0, s->mem, (__u8 *)s->mem + l.side_offset[1]);
	return 0;
}

int kucomms_link_shm_create(struct kucomms_endpoint *ep, const char *name,
			    const struct kucomms_link_options *opts,
			    struct kucomms_link **out)
{
	struct sockaddr_un addr;
	struct kucomms_link *link;
	uint64_t cap0, cap1;
	socklen_t len;
	int err;

	err = kc_shm_name_check(name);
	if (err)
		return err;
	err = kc_check_capacities(opts, &cap0, &cap1, name);
	if (err)
		return err;
	link = shm_link_alloc(ep, name);
	if (!link)
		return -ENOMEM;
	link->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (link->listen_fd < 0) {
		err = sys_error(link, "socket");
		goto fail;
	}
	len = socket_address(name, &addr);
	if (bind(link->listen_fd, (struct sockaddr *)&addr, len)) {
		err = errno == EADDRINUSE ?
			kc_error(-EADDRINUSE, "%s: already created by another running process",
				 link->target) :
			sys_error(link, "bind");
		goto fail;
	}
	/*
	 * Listening at once: an attacher that comes while the memory is
	 * being made waits for the hello rather than finding nobody.
	 */
	if (listen(link->listen_fd, 4)) {
		err = sys_error(link, "listen");
		goto fail;
	}
	err = create_memory(link, name, cap0, cap1);
	if (err)
		goto fail;
	link->rx_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	link->tx_wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (link->rx_fd < 0 || link->tx_wake_fd < 0) {
		err = sys_error(link, "eventfd");
		goto fail;
	}
	kc_link_add(link);
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
		return kc_error(-EBADMSG, "%s: its link memory holds %lld bytes, too few for a kucomms link",
				link->target, (long long)st.st_size);
	s->mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, s->shm_fd, 0);
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
		return kc_error(err, "%s: bad magic 0x%08x, not a kucomms link",
				link->target,
				__atomic_load_n(&page->info.magic, __ATOMIC_RELAXED));
	case -EPROTONOSUPPORT:
		return kc_error(err, "%s: kucomms ABI version %u, this library speaks %u",
				link->target,
				__atomic_load_n(&page->info.abi_version, __ATOMIC_RELAXED),
				KUCOMMS_ABI_VERSION);
	default:
		return kc_error(err, "%s: the link description is inconsistent (sizes or offsets do not match %zu mapped bytes)",
				link->target, s->size);
	}
}

/* Close the descriptors a message carried, whatever their number. */
static void close_passed_fds(struct msghdr *msg)
{
	struct cmsghdr *cmsg;
	size_t i, count;
	int fd;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

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
		return kc_error(-EPROTO, "%s: its creator refused with status %u",
				link->target, status);
	}
}

/* Attacher: receive the hello and its descriptors. */
static int receive_hello(struct kucomms_link *link, int fds[HELLO_FDS])
{
	struct shm_hello hello;
	union {
		char buf[CMSG_SPACE(sizeof(int) * HELLO_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &hello, .iov_len = sizeof(hello) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct pollfd pfd = { .fd = link->fd, .events = POLLIN };
	struct cmsghdr *cmsg;
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, ATTACH_TIMEOUT_MS);
	if (ret == 0)
		return kc_error(-ETIMEDOUT, "%s: its creator did not answer within %d s (is its endpoint started?)",
				link->target, ATTACH_TIMEOUT_MS / 1000);
	if (ret < 0)
		return sys_error(link, "poll");
	n = recvmsg(link->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return sys_error(link, "recvmsg");
	if (n == 0)
		return kc_error(-ECONNRESET, "%s: its creator closed the connection without answering",
				link->target);
	cmsg = CMSG_FIRSTHDR(&msg);
	if (n != sizeof(hello) || hello.abi_version != KUCOMMS_ABI_VERSION) {
		close_passed_fds(&msg);
		return kc_error(-EPROTONOSUPPORT, "%s: its creator speaks another kucomms ABI",
				link->target);
	}
	if (hello.status) {
		close_passed_fds(&msg);
		return refused(link, hello.status);
	}
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int) * HELLO_FDS) ||
	    (msg.msg_flags & MSG_CTRUNC)) {
		close_passed_fds(&msg);
		return kc_error(-EPROTO, "%s: its creator sent a malformed greeting",
				link->target);
	}
	memcpy(fds, CMSG_DATA(cmsg), sizeof(int) * HELLO_FDS);
	return 0;
}

/*
 * Attacher: the creator's descriptors are only as good as the creator, so
 * check what they are before using them. Wakes are written from our send
 * path and watched by our thread: a pipe or socket there could block a send
 * forever once full, so only anonymous inodes (eventfds; a wrong kind of
 * those can only fail to wake) are taken. The link memory must be a regular
 * file (a memfd) so that mapping it maps memory, not a device, and sealed
 * against shrinking, or its creator could truncate it under our rings and
 * kill this process with SIGBUS.
 */
static int check_passed_fds(struct kucomms_link *link, const int fds[HELLO_FDS])
{
	static const char *const what[HELLO_FDS] = {
		[HELLO_ATTACHER_WAKE] = "a wake descriptor for this side",
		[HELLO_CREATOR_WAKE] = "a wake descriptor for its own side",
		[HELLO_MEMORY] = "a link memory descriptor",
	};
	struct stat st;
	bool memory;
	int i, seals;

	for (i = 0; i < HELLO_FDS; i++) {
		if (fstat(fds[i], &st))
			return sys_error(link, "fstat");
		memory = i == HELLO_MEMORY;
		if (memory ? !S_ISREG(st.st_mode) : (st.st_mode & S_IFMT) != 0)
			return kc_error(-EPROTO, "%s: its creator passed %s that is not %s (file mode 0%o)",
					link->target, what[i],
					memory ? "a shared memory object" : "an eventfd",
					(unsigned int)st.st_mode);
	}
	/* Files that cannot be sealed at all fail with EINVAL: refused too. */
	seals = fcntl(fds[HELLO_MEMORY], F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return kc_error(-EPROTO, "%s: its creator passed link memory that can be shrunk (not sealed): refusing it, a shrink would crash this process",
				link->target);
	return 0;
}

/*
 * Attacher: connect to the creator and take the descriptors it hands
 * over. Mapping the memory through the creator's own descriptor, sent once
 * its link is complete, means no half-made link is mapped.
 */
static int connect_creator(struct kucomms_link *link, const char *name)
{
	struct shm_link *s = link->transport;
	struct sockaddr_un addr;
	int fds[HELLO_FDS], err, i;
	uid_t creator;
	socklen_t len;

	link->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (link->fd < 0)
		return sys_error(link, "socket");
	len = socket_address(name, &addr);
	if (connect(link->fd, (struct sockaddr *)&addr, len)) {
		/* The name is the creator's liveness lock: nobody holds it. */
		if (errno == ECONNREFUSED || errno == ENOENT)
			return kc_error(-ENOENT, "no process serves %s (is the peer that creates it running?)",
					link->target);
		return sys_error(link, "connect");
	}
	if (!same_user(link->fd, &creator))
		return kc_error(-EPERM, "%s: served by a process of uid %u, not of this user",
				link->target, (unsigned int)creator);
	err = receive_hello(link, fds);
	if (err)
		return err;
	err = check_passed_fds(link, fds);
	if (err) {
		for (i = 0; i < HELLO_FDS; i++)
			close(fds[i]);
		return err;
	}
	link->rx_fd = fds[HELLO_ATTACHER_WAKE];
	link->tx_wake_fd = fds[HELLO_CREATOR_WAKE];
	s->shm_fd = fds[HELLO_MEMORY];
	return 0;
}

int kucomms_link_shm_attach(struct kucomms_endpoint *ep, const char *name,
			    struct kucomms_link **out)
{
	struct kucomms_link_layout l;
	struct kucomms_link *link;
	struct shm_link *s;
	int err;

	err = kc_shm_name_check(name);
	if (err)
		return err;
	link = shm_link_alloc(ep, name);
	if (!link)
		return -ENOMEM;
	s = link->transport;
	err = connect_creator(link, name);
	if (!err)
		err = map_memory(link, &l);
	if (err) {
		kc_link_free(link);
		return err;
	}
	close_fd(&s->shm_fd);
	kc_link_bind(link, &l, 1, s->mem, (__u8 *)s->mem + l.side_offset[1]);
	kc_link_add(link);
	*out = link;
	return 0;
}
