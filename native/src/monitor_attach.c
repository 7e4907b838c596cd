// SPDX-License-Identifier: MIT
/*
 * A monitor: kucomms_monitor_open() of "shm:NAME" connects to the endpoint
 * that publishes that link (monitor_publish.c, protocol in monitor_wire.h)
 * and maps the ring it hands over; of "/dev/kucomms_NAME" or "/dev/kucomms"
 * it opens the kernel's monitor (kucomms/monitor.h). Both rings carry the
 * same records and are read by the same reader.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kucomms/monitor.h>

#include "descriptors.h"
#include "internal.h"
#include "monitor_wire.h"

/* How long a monitor waits for the publishing endpoint to answer. */
#define ANSWER_TIMEOUT_MS 5000

struct kucomms_monitor {
	struct kucomms_mon kernel; /* a kernel monitor: kernel.fd >= 0 */
	struct kucomms_mon_reader shm_reader;
	struct kucomms_mon_reader *reader;
	int fd; /* shm: the connection to the publishing endpoint */
	void *mem;
	size_t size;
	bool gone; /* shm: the publisher hung up; what is left is the last */
	char target[80];
};

static int sys_error(struct kucomms_monitor *m, const char *what)
{
	int err = errno;

	return kc_error(-err, "monitor of %s: %s: %s", m->target, what, strerror(err));
}

static int refused(struct kucomms_monitor *m, uint32_t status)
{
	switch (status) {
	case EBUSY:
		return kc_error(-EBUSY, "monitor of %s: another monitor watches it already",
				m->target);
	case EPERM:
		return kc_error(-EPERM,
				"monitor of %s: its endpoint takes monitors of its own user (or root) only",
				m->target);
	case EINVAL:
		return kc_error(-EINVAL,
				"monitor of %s: ring refused: its size must be a power of two from 4 KiB to 16 MiB",
				m->target);
	default:
		return kc_error(-(int)status, "monitor of %s: refused: %s", m->target,
				strerror((int)status));
	}
}

/* Is @n bytes of @hello, with descriptor @memfd, a ring offered? */
static int check_hello(struct kucomms_monitor *m, const struct monitor_hello *hello, ssize_t n,
		       int memfd)
{
	if (n != sizeof(*hello) || hello->version != MONITOR_WIRE_VERSION)
		return kc_error(-EPROTO,
				"monitor of %s: its endpoint answered in a protocol this library does not speak (run the same libkucomms on both)",
				m->target);
	if (hello->status)
		return refused(m, hello->status);
	if (memfd < 0)
		return kc_error(-EPROTO, "monitor of %s: its endpoint sent no ring", m->target);
	return 0;
}

/* The hello and the ring's memfd; 0, or a negative errno value (error set). */
static int receive_ring(struct kucomms_monitor *m, int *memfd)
{
	struct monitor_hello hello;
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	ssize_t n;
	int err;

	if (poll(&pfd, 1, ANSWER_TIMEOUT_MS) == 0)
		return kc_error(-ETIMEDOUT,
				"monitor of %s: its endpoint did not answer within %d s", m->target,
				ANSWER_TIMEOUT_MS / 1000);
	n = kc_recv_with_fd(m->fd, &hello, sizeof(hello), memfd);
	if (n < 0)
		return kc_error((int)n, "monitor of %s: recvmsg: %s", m->target, strerror((int)-n));
	err = check_hello(m, &hello, n, *memfd);
	if (err)
		kc_close_fd(memfd);
	return err;
}

/* Map the ring behind @memfd (sealed, or a shrink could kill us) and bind it. */
static int map_ring(struct kucomms_monitor *m, int memfd)
{
	struct stat st;
	int seals = fcntl(memfd, F_GET_SEALS);
	int err;

	if (fstat(memfd, &st) || !S_ISREG(st.st_mode) || seals < 0 || !(seals & F_SEAL_SHRINK))
		return kc_error(-EPROTO,
				"monitor of %s: its endpoint passed a ring that is not sealed memory",
				m->target);
	m->mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (m->mem == MAP_FAILED) {
		m->mem = NULL;
		return sys_error(m, "mmap");
	}
	m->size = (size_t)st.st_size;
	err = kucomms_mon_reader_bind(&m->shm_reader, m->mem, m->size, m->mem, m->size);
	if (!err && m->shm_reader.layout.total_size <= m->size) {
		kucomms_mon_ring_bind(&m->shm_reader.layout, m->mem,
				      (uint8_t *)m->mem + m->shm_reader.layout.rw_offset,
				      &m->shm_reader.ring);
		m->reader = &m->shm_reader;
		return 0;
	}
	return kc_error(-EPROTO, "monitor of %s: its ring is not one this library understands",
			m->target);
}

static int open_shm(struct kucomms_monitor *m, const char *name, uint64_t capacity,
		    uint32_t snaplen)
{
	struct monitor_request req = {
		.version = MONITOR_WIRE_VERSION,
		.snaplen = snaplen,
		.capacity = capacity,
	};
	struct sockaddr_un addr;
	struct ucred publisher;
	socklen_t len = monitor_address(name, &addr);
	int memfd = -1, err;

	m->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return sys_error(m, "socket");
	if (connect(m->fd, (struct sockaddr *)&addr, len))
		return errno == ECONNREFUSED || errno == ENOENT
			       ? kc_error(-ENOENT,
					  "monitor of %s: no endpoint publishes it (run one side with KUCOMMS_MONITOR=1, or call kucomms_link_monitor_enable())",
					  m->target)
			       : sys_error(m, "connect");
	if (!kc_peer_same_user(m->fd, &publisher))
		return kc_error(-EPERM,
				"monitor of %s: published by a process of uid %u, not of this user",
				m->target, (unsigned int)publisher.uid);
	/* A refusal may come before the request goes: the hello says why. */
	send(m->fd, &req, sizeof(req), MSG_NOSIGNAL);
	err = receive_ring(m, &memfd);
	if (!err)
		err = map_ring(m, memfd);
	if (memfd >= 0)
		close(memfd);
	return err;
}

static int open_kernel(struct kucomms_monitor *m, const char *device, uint64_t capacity,
		       uint32_t snaplen)
{
	char why[512];
	int err = kucomms_mon_open(&m->kernel, NULL, device, capacity, snaplen, why, sizeof(why));

	if (err)
		return kc_error(err, "%s", why);
	m->reader = &m->kernel.reader;
	return 0;
}

int kucomms_monitor_open(const char *target, uint64_t capacity, uint32_t snaplen,
			 struct kucomms_monitor **out)
{
	struct kucomms_monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return kc_error(-ENOMEM, "monitor: out of memory");
	m->fd = -1;
	m->kernel.fd = -1;
	snprintf(m->target, sizeof(m->target), "%s", target ? target : "");
	if (!strncmp(m->target, "shm:", 4))
		err = open_shm(m, m->target + 4, capacity, snaplen);
	else if (!strcmp(m->target, "/dev/kucomms"))
		err = open_kernel(m, NULL, capacity, snaplen);
	else if (!strncmp(m->target, "/dev/kucomms_", 13))
		err = open_kernel(m, m->target, capacity, snaplen);
	else
		err = kc_error(-EINVAL,
			       "monitor of \"%s\": not a target (shm:NAME, /dev/kucomms_NAME or /dev/kucomms)",
			       m->target);
	if (err) {
		kucomms_monitor_close(m);
		return err;
	}
	*out = m;
	return 0;
}

void kucomms_monitor_close(struct kucomms_monitor *m)
{
	if (!m)
		return;
	kucomms_mon_close(&m->kernel);
	if (m->mem)
		munmap(m->mem, m->size);
	kc_close_fd(&m->fd);
	free(m);
}

int kucomms_monitor_next(struct kucomms_monitor *m, struct kucomms_mon_record *rec,
			 const void **data)
{
	return kucomms_mon_next(m->reader, rec, data);
}

void kucomms_monitor_done(struct kucomms_monitor *m)
{
	kucomms_mon_done(m->reader);
}

const struct kucomms_ring_producer *kucomms_monitor_producer(const struct kucomms_monitor *m)
{
	return m->reader->ring.prod;
}

/* Read the wakes the publisher sent: false once it hung up. */
static bool read_wakes(int fd)
{
	char bytes[64];
	ssize_t n;

	while ((n = recv(fd, bytes, sizeof(bytes), MSG_DONTWAIT)) > 0)
		;
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

int kucomms_monitor_wait(struct kucomms_monitor *m, int timeout_ms)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN | POLLRDHUP };
	int n;

	if (m->kernel.fd >= 0)
		return kucomms_mon_wait(&m->kernel, timeout_ms);
	if (m->gone)
		return kc_error(-EPIPE,
				"monitor of %s: its endpoint closed the link or stopped publishing",
				m->target);
	if (!kucomms_ring_prepare_sleep(&m->reader->ring)) {
		kucomms_ring_end_sleep(&m->reader->ring, false);
		return 1;
	}
	n = poll(&pfd, 1, timeout_ms);
	kucomms_ring_end_sleep(&m->reader->ring, n > 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n && (!read_wakes(m->fd) || (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))))
		m->gone = true; /* records may still be there: the caller reads them first */
	return n > 0;
}
