/* SPDX-License-Identifier: MIT */
/*
 * Either end of a shared-memory link played by the test itself, speaking
 * the link's socket protocol by hand, so tests can hand the library what a
 * broken or hostile peer would and look at what a peer receives:
 *
 * - a fake creator binds the link's socket name and greets its one
 *   attacher with a chosen protocol version and chosen descriptors (a real
 *   one passes the link memory alone), as struct shm_hello in link_shm.c;
 * - link_memory() crafts the link memory it passes: a memfd holding a
 *   chosen page, sealed as chosen;
 * - a fake attacher connects to a real creator and keeps what it is sent;
 *   a wake, either way, is any message on the connection.
 *
 * The layout of the hello and the socket name are the library's wire
 * protocol; they are spelled out here on purpose, so a change to them
 * fails these tests rather than passing unnoticed.
 */
#ifndef KUCOMMS_SHM_FAKES_H
#define KUCOMMS_SHM_FAKES_H

#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"

/*
 * The version of the link's socket protocol that the library speaks: 3
 * since a sender wakes each sleep its peer announces once.
 */
#define SHM_WIRE_VERSION 3

/* Most descriptors a fake passes or takes in one hello. */
#define FAKE_MAX_FDS 4

/* The seals a real creator sets on its link memory. */
#define LINK_MEMORY_SEALED (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

/* The abstract socket name of "shm:@name"; its length for bind/connect. */
static inline socklen_t shm_socket_address(const char *name, struct sockaddr_un *addr)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "kucomms/shm/%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* A correct side 0 page of a link with two minimal rings; its layout. */
static inline struct kucomms_link_layout valid_side_page(struct kucomms_side_page *page)
{
	struct kucomms_link_layout l;

	memset(page, 0, sizeof(*page));
	kucomms_link_layout_init(&l, KUCOMMS_RING_MIN_CAPACITY, KUCOMMS_RING_MIN_CAPACITY,
				 (uint64_t)sysconf(_SC_PAGESIZE));
	kucomms_link_info_publish(page, &l);
	return l;
}

/*
 * Link memory of @size bytes starting with @head_size bytes of @head, then
 * sealed with @seals (0: left unsealed, though it could be). -1 on failure.
 */
static inline int link_memory(const void *head, size_t head_size, size_t size, unsigned int seals)
{
	int fd = memfd_create("kucomms-test", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *mem;

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size))
		goto fail;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		goto fail;
	memcpy(mem, head, head_size < size ? head_size : size);
	munmap(mem, size);
	if (seals && fcntl(fd, F_ADD_SEALS, seals))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Sealed link memory as a real creator makes it. */
static inline int valid_link_memory(void)
{
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);

	return link_memory(&page, sizeof(page), l.total_size, LINK_MEMORY_SEALED);
}

struct fake_creator {
	int listen_fd;
	int conn;
	uint32_t version; /* what the hello says it speaks */
	const int *fds;	  /* descriptors to greet with */
	int nfds;
};

/* Greet the one attacher, if it comes within the wait limit. */
static inline void *fake_creator_greet(void *arg)
{
	struct fake_creator *c = arg;
	uint32_t hello[2] = { c->version, 0 }; /* welcome */
	union {
		char buf[CMSG_SPACE(sizeof(int) * FAKE_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof(hello) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = CMSG_SPACE(sizeof(int) * c->nfds),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	struct pollfd pfd = { .fd = c->listen_fd, .events = POLLIN };

	/* Bounded: an attach that never connects must not hang the test. */
	if (poll(&pfd, 1, WAIT_LIMIT_MS) != 1)
		return NULL;
	c->conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c->conn < 0)
		return NULL;
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * c->nfds);
	memcpy(CMSG_DATA(cmsg), c->fds, sizeof(int) * c->nfds);
	sendmsg(c->conn, &msg, MSG_NOSIGNAL);
	return NULL;
}

/*
 * Attach @ep to "shm:@name" served by a fake creator that says it speaks
 * @version and greets with the @nfds descriptors @fds (1 to FAKE_MAX_FDS,
 * still the caller's to close). The attach's result; on failure
 * kucomms_last_error() says why, as for any attach. The fake creator's end
 * of the connection goes to @conn if it is not NULL, else it is closed.
 */
static inline int attach_to_fake_creator(struct kucomms_endpoint *ep, const char *name,
					 uint32_t version, const int *fds, int nfds,
					 struct kucomms_link **link, int *conn)
{
	struct fake_creator c = { .conn = -1, .version = version, .fds = fds, .nfds = nfds };
	struct sockaddr_un addr;
	socklen_t len = shm_socket_address(name, &addr);
	pthread_t t;
	int err = -1000; /* no errno: the fake creator could not start */

	c.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c.listen_fd >= 0 && !bind(c.listen_fd, (struct sockaddr *)&addr, len) &&
	    !listen(c.listen_fd, 1) && !pthread_create(&t, NULL, fake_creator_greet, &c)) {
		err = kucomms_link_shm_attach(ep, name, link);
		pthread_join(t, NULL);
	}
	if (conn)
		*conn = c.conn;
	else if (c.conn >= 0)
		close(c.conn);
	if (c.listen_fd >= 0)
		close(c.listen_fd);
	return err;
}

/* Attach to a fake creator greeting as a real one does, with @memory. */
static inline int attach_to_fake_memory(struct kucomms_endpoint *ep, const char *name, int memory,
					struct kucomms_link **link)
{
	if (memory < 0)
		return -1000;
	return attach_to_fake_creator(ep, name, SHM_WIRE_VERSION, &memory, 1, link, NULL);
}

/*
 * A fake attacher: its end of the connection to a real creator, the
 * descriptors the creator's welcome carried, and which of them is the link
 * memory (the regular file among them), all its own to close.
 */
struct fake_attachment {
	int conn;
	int fds[FAKE_MAX_FDS];
	int nfds;
	int memory;
};

/*
 * Connect to the real creator of "shm:@name" and receive its welcome. On
 * success @a->conn stays open (closing it is leaving the link).
 */
static inline bool fake_attach(const char *name, struct fake_attachment *a)
{
	uint32_t hello[2];
	union {
		char buf[CMSG_SPACE(sizeof(int) * FAKE_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof(hello) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	struct sockaddr_un addr;
	socklen_t len = shm_socket_address(name, &addr);
	struct pollfd pfd = { .events = POLLIN };
	struct stat st;
	int i;

	a->nfds = 0;
	a->memory = -1;
	a->conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (a->conn < 0)
		return false;
	pfd.fd = a->conn;
	if (connect(a->conn, (struct sockaddr *)&addr, len) || poll(&pfd, 1, WAIT_LIMIT_MS) != 1 ||
	    recvmsg(a->conn, &msg, MSG_CMSG_CLOEXEC) != sizeof(hello) ||
	    hello[0] != SHM_WIRE_VERSION || hello[1] != 0)
		goto fail;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		goto fail;
	a->nfds = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	memcpy(a->fds, CMSG_DATA(cmsg), sizeof(int) * (size_t)a->nfds);
	for (i = 0; i < a->nfds; i++)
		if (!fstat(a->fds[i], &st) && S_ISREG(st.st_mode))
			a->memory = a->fds[i];
	if (a->memory >= 0)
		return true;
	for (i = 0; i < a->nfds; i++)
		close(a->fds[i]);
fail:
	close(a->conn);
	a->conn = -1;
	return false;
}

/* Leave the link: close the connection and every descriptor received. */
static inline void fake_detach(struct fake_attachment *a)
{
	int i;

	for (i = 0; i < a->nfds; i++)
		close(a->fds[i]);
	a->nfds = 0;
	if (a->conn >= 0)
		close(a->conn);
	a->conn = -1;
}

/* Wake the other side of a link from the fake's end @conn. */
static inline bool fake_wake(int conn)
{
	static const char wake = 0;

	return send(conn, &wake, sizeof(wake), MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
}

/* Read every wake waiting at the fake's end @conn; how many there were. */
static inline uint64_t fake_read_wakes(int conn)
{
	uint64_t n = 0;
	char byte;

	while (recv(conn, &byte, 1, MSG_DONTWAIT) == 1)
		n++;
	return n;
}

#endif /* KUCOMMS_SHM_FAKES_H */
