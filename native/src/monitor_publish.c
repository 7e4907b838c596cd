// SPDX-License-Identifier: MIT
/*
 * Publishing a shm link's messages to a monitor: every message this
 * endpoint sends or receives on the link becomes a record of the kernel
 * monitor's format (linux/kucomms.h, kucomms/monitor.h) in a ring shared
 * with the monitor, so one reader serves both. monitor_wire.h has the
 * socket protocol.
 *
 * The link's send and receive paths look at link->monitor, NULL unless
 * publishing was turned on: one predictable branch when it is off. When it
 * is on, the ring and the attached monitor are under the monitor's mutex,
 * taken by the sending thread and the endpoint's thread. A monitor never
 * slows the link beyond the copy: a record that does not fit is dropped
 * and counted, per direction, and a KUCOMMS_MON_DROP record with the count
 * goes in before any later record of that direction. Attaching and
 * detaching happen on the endpoint's thread and never touch the link's
 * rings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/monitor.h>

#include "descriptors.h"
#include "internal.h"
#include "monitor_wire.h"

/* The monitor connection's events. */
#define MONITOR_EVENTS (EPOLLIN | EPOLLRDHUP)

struct kc_monitor {
	/* The ring, the connection and everything below it. */
	pthread_mutex_t mu;
	int listen_fd, conn_fd;
	struct watch w_listen, w_conn;
	bool attached; /* the monitor has its ring: records go in */
	struct kucomms_mon_layout layout;
	struct kucomms_ring ring;
	void *mem;
	uint32_t snaplen;
	uint64_t dropped[2]; /* per direction, not yet told */
	/* The process sending on each direction: this one and the peer. */
	int32_t pid[2];
	char comm[2][16];
	char device[KUCOMMS_NAME_MAX + 1]; /* "shm:NAME" */
	unsigned int side;
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The command name of process @pid, or "" if it cannot be read. */
static void read_comm(int32_t pid, char comm[16])
{
	char path[32];
	FILE *f;

	memset(comm, 0, 16);
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, 16, f))
		comm[strcspn(comm, "\n")] = 0;
	fclose(f);
}

/* A record of @kind on @dir, its common fields filled in. */
static void record_init(const struct kc_monitor *m, struct kucomms_mon_record *rec,
			unsigned int kind, unsigned int dir)
{
	unsigned int who = dir < 2 ? dir : m->side;

	memset(rec, 0, sizeof(*rec));
	rec->time_ns = realtime_ns();
	rec->kind = (uint16_t)kind;
	rec->dir = (uint8_t)dir;
	rec->pid = m->pid[who];
	memcpy(rec->comm, m->comm[who], sizeof(rec->comm));
	memcpy(rec->device, m->device, sizeof(rec->device));
}

/*
 * Under mu: a monitor that wrote an impossible consumer position gets
 * nothing more; the hangup lets the endpoint's thread free its ring.
 */
static void stop_broken(struct kc_monitor *m)
{
	m->attached = false;
	shutdown(m->conn_fd, SHUT_RDWR);
}

/*
 * Records the end of a monitor's watch may owe: a drop record for each
 * direction, then the link's close. Every other record leaves room for
 * them, so a reader always learns what it missed, even of a link that
 * closes while its ring is full.
 */
#define FINAL_RECORDS 3

/* Under mu: is there room for a record of @length, then the final ones? */
static bool room_for(struct kc_monitor *m, uint64_t length)
{
	struct kucomms_ring *r = &m->ring;
	uint64_t pos = r->pos, size = kucomms_record_size(length), off, to_end;
	int i;

	for (i = 0; i <= FINAL_RECORDS; i++) {
		off = pos & (r->capacity - 1);
		to_end = r->capacity - off;
		pos += size <= to_end ? size : to_end + size;
		size = kucomms_record_size(kucomms_mon_record_length(0));
	}
	if (pos - r->peer_pos <= r->capacity)
		return true;
	/* An impossible position is the reserve's to report. */
	return kucomms_ring_refresh_consumer(r) || pos - r->peer_pos <= r->capacity;
}

/*
 * Under mu: put one record (and @rec->caplen bytes of @data), leaving room
 * for the final records unless it is one: true if it fit.
 */
static bool put(struct kc_monitor *m, const struct kucomms_mon_record *rec, const void *data,
		bool final)
{
	struct kucomms_msg_header *hdr;
	int err;

	if (!final && !room_for(m, kucomms_mon_record_length(rec->caplen))) {
		m->ring.full_events++;
		kucomms_write_once(m->ring.prod->full_events, m->ring.full_events);
		return false;
	}
	err = kucomms_ring_reserve(&m->ring, kucomms_mon_record_length(rec->caplen), &hdr);

	if (err == -EPROTO)
		stop_broken(m);
	if (err)
		return false;
	hdr->length = kucomms_mon_record_length(rec->caplen);
	hdr->type = hdr->id = hdr->user_value = 0;
	memcpy(hdr + 1, rec, sizeof(*rec));
	if (rec->caplen)
		memcpy((uint8_t *)(hdr + 1) + sizeof(*rec), data, rec->caplen);
	return true;
}

/* Under mu, attached: a message crossed @dir; its record or a drop. */
static void put_message(struct kc_monitor *m, unsigned int dir, const struct kucomms_msg_header *h,
			const void *data)
{
	struct kucomms_mon_record rec;

	if (m->dropped[dir]) {
		record_init(m, &rec, KUCOMMS_MON_DROP, dir);
		rec.value = m->dropped[dir];
		if (put(m, &rec, NULL, false))
			m->dropped[dir] = 0;
	}
	record_init(m, &rec, KUCOMMS_MON_MESSAGE, dir);
	rec.msg = *h;
	rec.caplen = (uint32_t)(h->length < m->snaplen ? h->length : m->snaplen);
	if (m->dropped[dir] || !put(m, &rec, data, false))
		m->dropped[dir]++;
}

/* Under mu: publish what was put and wake a monitor that sleeps. */
static void commit(struct kc_monitor *m)
{
	static const char wake = 0;

	if (!m->attached || m->ring.pos == m->ring.committed)
		return;
	kucomms_ring_commit(&m->ring);
	/* A full socket means wakes are waiting already. */
	if (kucomms_ring_need_wakeup(&m->ring) &&
	    send(m->conn_fd, &wake, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
		kucomms_ring_count_wakeup(&m->ring);
}

void kc_monitor_received(struct kc_monitor *m, const struct kucomms_msg_header *h, const void *data)
{
	pthread_mutex_lock(&m->mu);
	if (m->attached) {
		put_message(m, 1 - m->side, h, data);
		commit(m);
	}
	pthread_mutex_unlock(&m->mu);
}

void kc_monitor_sent(struct kc_monitor *m, const struct kucomms_ring *tx)
{
	uint64_t pos = tx->committed, off;
	const struct kucomms_msg_header *h;

	pthread_mutex_lock(&m->mu);
	/* Our own records, reserved since the last commit: trusted. */
	while (m->attached && pos != tx->pos) {
		off = pos & (tx->capacity - 1);
		h = (const struct kucomms_msg_header *)(tx->data + off);
		if (h->length == KUCOMMS_PAD_LENGTH) {
			pos += tx->capacity - off;
			continue;
		}
		put_message(m, m->side, h, h + 1);
		pos += kucomms_record_size(h->length);
	}
	commit(m);
	pthread_mutex_unlock(&m->mu);
}

void kc_monitor_set_peer(struct kc_monitor *m, int32_t pid)
{
	pthread_mutex_lock(&m->mu);
	m->pid[1 - m->side] = pid;
	read_comm(pid, m->comm[1 - m->side]);
	pthread_mutex_unlock(&m->mu);
}

/* Endpoint thread: the monitor hung up or broke its ring; free its side. */
static void detach(struct kc_monitor *m)
{
	pthread_mutex_lock(&m->mu);
	m->attached = false;
	kc_close_fd(&m->conn_fd); /* which also takes it out of the epoll */
	if (m->mem)
		munmap(m->mem, m->layout.total_size);
	m->mem = NULL;
	pthread_mutex_unlock(&m->mu);
}

static int send_hello(int conn, uint32_t status, int memfd)
{
	struct monitor_hello hello = { .version = MONITOR_WIRE_VERSION, .status = status };

	return kc_send_with_fd(conn, &hello, sizeof(hello), status ? -1 : memfd, MSG_DONTWAIT);
}

/*
 * The ring the monitor asked for, in a memfd sealed against resizing
 * (the monitor maps it: a shrink would kill it with SIGBUS): the memfd,
 * or a positive errno value for the refusal.
 */
static int make_ring(struct kc_monitor *m, const struct monitor_request *req, int *memfd)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t cap = req->capacity ? req->capacity : KUCOMMS_MON_DEFAULT_CAPACITY;
	uint64_t max = kucomms_mon_max_caplen(cap);
	struct kucomms_mon_page *p;
	void *mem;
	int fd;

	if (req->version != MONITOR_WIRE_VERSION || kucomms_mon_layout_init(&m->layout, cap, page))
		return EINVAL;
	fd = memfd_create("kucomms_monitor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return ENOMEM;
	if (ftruncate(fd, (off_t)m->layout.total_size) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		close(fd);
		return ENOMEM;
	}
	mem = mmap(NULL, m->layout.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		close(fd);
		return ENOMEM;
	}
	p = mem;
	p->info = (struct kucomms_mon_info){
		.abi_version = KUCOMMS_MON_ABI_VERSION,
		.page_size = (uint32_t)page,
		.snaplen = (uint32_t)(req->snaplen && req->snaplen < max ? req->snaplen : max),
		.capacity = cap,
		.rw_offset = m->layout.rw_offset,
		.total_size = m->layout.total_size,
	};
	kucomms_store_release(&p->info.magic, KUCOMMS_MON_MAGIC);
	m->mem = mem;
	m->snaplen = p->info.snaplen;
	kucomms_mon_ring_bind(&m->layout, mem, (uint8_t *)mem + m->layout.rw_offset, &m->ring);
	*memfd = fd;
	return 0;
}

/* Endpoint thread: the connected monitor sent its request (or hung up). */
static void take_request(struct kc_monitor *m)
{
	struct monitor_request req;
	struct kucomms_mon_record rec;
	ssize_t n = recv(m->conn_fd, &req, sizeof(req), MSG_DONTWAIT);
	int memfd = -1, status;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != (ssize_t)sizeof(req)) {
		detach(m);
		return;
	}
	status = make_ring(m, &req, &memfd);
	if (status || send_hello(m->conn_fd, (uint32_t)status, memfd)) {
		if (!status)
			close(memfd);
		detach(m);
		return;
	}
	close(memfd);
	pthread_mutex_lock(&m->mu);
	m->attached = true;
	m->dropped[0] = m->dropped[1] = 0;
	/* The link was open before this monitor came: say so first. */
	record_init(m, &rec, KUCOMMS_MON_EVENT, KUCOMMS_MON_DIR_NONE);
	rec.event = KUCOMMS_MON_EV_LINK_OPEN;
	rec.value = 1;
	put(m, &rec, NULL, false);
	commit(m);
	pthread_mutex_unlock(&m->mu);
}

/* Endpoint thread: a monitor connects. One at a time, of our user. */
static void accept_monitor(struct kucomms_link *link, struct kc_monitor *m)
{
	int conn = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred cred;

	if (conn < 0)
		return;
	if (m->conn_fd >= 0 || !kc_peer_same_user(conn, &cred)) {
		send_hello(conn, m->conn_fd >= 0 ? EBUSY : EPERM, -1);
		close(conn);
		return;
	}
	if (kc_watch_add(link, conn, &m->w_conn, MONITOR_EVENTS)) {
		close(conn);
		return;
	}
	m->conn_fd = conn;
}

bool kc_monitor_event(struct kucomms_link *link, struct kc_monitor *m, struct watch *w,
		      uint32_t events)
{
	char junk[64];

	if (w == &m->w_listen) {
		accept_monitor(link, m);
		return true;
	}
	if (w != &m->w_conn)
		return false;
	if (m->conn_fd < 0)
		return true; /* an event of a connection already gone */
	if (!m->mem && (events & EPOLLIN)) {
		take_request(m);
		return true;
	}
	/* Attached, a monitor only hangs up; anything it sends is ignored. */
	if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ||
	    recv(m->conn_fd, junk, sizeof(junk), MSG_DONTWAIT) == 0)
		detach(m);
	return true;
}

/* Set KUCOMMS_MONITOR to a value other than 0 to publish every shm link. */
bool kc_monitor_wanted(void)
{
	const char *v = secure_getenv("KUCOMMS_MONITOR");

	return v && *v && strcmp(v, "0");
}

int kc_monitor_create(struct kucomms_link *link, const char *name, unsigned int side,
		      struct kc_monitor **out)
{
	struct sockaddr_un addr;
	struct kc_monitor *m = calloc(1, sizeof(*m));
	socklen_t len;
	int err;

	if (!m)
		return kc_error(-ENOMEM, "%s: out of memory", link->target);
	pthread_mutex_init(&m->mu, NULL);
	m->conn_fd = -1;
	m->side = side;
	m->pid[side] = getpid();
	read_comm(m->pid[side], m->comm[side]);
	snprintf(m->device, sizeof(m->device), "shm:%s", name);
	m->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listen_fd < 0) {
		err = kc_error(-errno, "%s: monitor socket: %s", link->target, strerror(errno));
		goto fail;
	}
	len = monitor_address(name, &addr);
	if (bind(m->listen_fd, (struct sockaddr *)&addr, len) || listen(m->listen_fd, 4)) {
		err = errno == EADDRINUSE
			      ? kc_error(-EADDRINUSE,
					 "%s: already published to monitors by its peer",
					 link->target)
			      : kc_error(-errno, "%s: monitor socket: %s", link->target,
					 strerror(errno));
		goto fail;
	}
	err = kc_watch_add(link, m->listen_fd, &m->w_listen, EPOLLIN);
	if (err) {
		kc_error(err, "%s: cannot watch its monitor socket: %s", link->target,
			 strerror(-err));
		goto fail;
	}
	*out = m;
	return 0;
fail:
	kc_monitor_free(m);
	return err;
}

/* Under mu, attached: the link is closing; tell what is owed, then that. */
static void put_final(struct kc_monitor *m)
{
	struct kucomms_mon_record rec;
	unsigned int dir;

	for (dir = 0; dir < 2; dir++) {
		if (!m->dropped[dir])
			continue;
		record_init(m, &rec, KUCOMMS_MON_DROP, dir);
		rec.value = m->dropped[dir];
		put(m, &rec, NULL, true);
	}
	record_init(m, &rec, KUCOMMS_MON_EVENT, KUCOMMS_MON_DIR_NONE);
	rec.event = KUCOMMS_MON_EV_LINK_CLOSE;
	rec.value = KUCOMMS_MON_CLOSED;
	put(m, &rec, NULL, true);
	commit(m);
}

void kc_monitor_free(struct kc_monitor *m)
{
	if (!m)
		return;
	if (m->attached)
		put_final(m); /* no thread sends or receives on the link now */
	kc_close_fd(&m->listen_fd);
	kc_close_fd(&m->conn_fd);
	if (m->mem)
		munmap(m->mem, m->layout.total_size);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
