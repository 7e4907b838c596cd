// SPDX-License-Identifier: MIT
/*
 * The other end of a shared-memory link is another process, possibly
 * hostile or broken. Here the test plays that end itself: a creator, on
 * the link's socket name, that passes the wrong descriptors, speaks another
 * protocol version or offers memory that could be shrunk; an attacher, to
 * show that what a real creator hands over cannot be resized; and either
 * end doing everything it can to what the two processes share, while the
 * endpoint under test keeps serving its other link.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"
#include "shm_fakes.h"
#include "testing.h"

TESTING_MAIN_STATE;

static const struct kucomms_handlers handlers = { .message = ignore_message };

/* What the last failed attach said (destroying the endpoint resets it). */
static char attach_error[512];

/*
 * Attach to a fake creator speaking @version and passing the @nfds
 * descriptors @fds; the attach's result.
 */
static int attach_to_fake(const char *what, uint32_t version, const int *fds, int nfds)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link = NULL;
	char name[64];
	int err = -1000;

	unique_name(name, sizeof(name), what);
	if (ep) {
		err = attach_to_fake_creator(ep, name, version, fds, nfds, &link, NULL);
		snprintf(attach_error, sizeof(attach_error), "%s", kucomms_last_error());
	}
	kucomms_endpoint_destroy(ep);
	return err;
}

/* Descriptors open in this process: what a refused attach must not leave. */
static int open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TEST(a_creator_passing_descriptors_besides_the_link_memory_is_refused_and_none_is_kept)
{
	int p[2], fds[3], before;

	CHECK_EQ(pipe(p), 0);
	fds[0] = valid_link_memory();
	fds[1] = eventfd(0, EFD_CLOEXEC);
	fds[2] = p[1];
	CHECK(fds[0] >= 0 && fds[1] >= 0);
	before = open_descriptors();
	CHECK_EQ(attach_to_fake("extra-fds", SHM_WIRE_VERSION, fds, 3), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator sent a malformed greeting (a welcome carries the link memory descriptor and nothing else)");
	CHECK_EQ(open_descriptors(), before);
	close(p[0]);
	close(p[1]);
	close(fds[0]);
	close(fds[1]);
}

TEST(a_creator_of_the_first_protocol_version_is_refused_with_both_versions)
{
	/* What version 1 passed: a wake eventfd each way, then the memory. */
	int fds[3] = {
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		valid_link_memory(),
	};
	int before, i;

	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	before = open_descriptors();
	CHECK_EQ(attach_to_fake("version-1", 1, fds, 3), -EPROTONOSUPPORT);
	CHECK_CONTAINS(attach_error,
		       "its creator speaks shm link protocol version 1, this library speaks 3 (run the same libkucomms on both ends)");
	CHECK_EQ(open_descriptors(), before);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/*
 * Version 2 greets as version 3 does, but counts a sleep before reading
 * the wakes that ended it: woken once per sleep, it could sleep through
 * our messages, so it is refused rather than served slowly or not at all.
 */
TEST(a_creator_of_the_second_protocol_version_is_refused_with_both_versions)
{
	int memory = valid_link_memory(), before;

	CHECK(memory >= 0);
	before = open_descriptors();
	CHECK_EQ(attach_to_fake("version-2", 2, &memory, 1), -EPROTONOSUPPORT);
	CHECK_CONTAINS(attach_error,
		       "its creator speaks shm link protocol version 2, this library speaks 3 (run the same libkucomms on both ends)");
	CHECK_EQ(open_descriptors(), before);
	close(memory);
}

TEST(a_creator_passing_a_device_as_the_link_memory_is_refused)
{
	int memory = open("/dev/zero", O_RDWR | O_CLOEXEC);

	CHECK(memory >= 0);
	CHECK_EQ(attach_to_fake("dev-object", SHM_WIRE_VERSION, &memory, 1), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator passed a link memory descriptor that is not a shared memory object");
	close(memory);
}

TEST(a_creator_passing_sealed_link_memory_alone_is_accepted)
{
	int memory = valid_link_memory();

	CHECK(memory >= 0);
	CHECK_EQ(attach_to_fake("proper", SHM_WIRE_VERSION, &memory, 1), 0);
	close(memory);
}

TEST(a_creator_passing_link_memory_it_could_shrink_is_refused)
{
	static const char refusal[] =
		"its creator passed link memory that can be shrunk (not sealed): "
		"refusing it, a shrink would crash this process";
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);
	char path[] = "/tmp/kucomms-test-XXXXXX";
	int memory[3], i;

	/* A link page as valid as a real one: only the seals are wrong. */
	memory[0] = link_memory(&page, sizeof(page), l.total_size, 0);
	memory[1] = link_memory(&page, sizeof(page), l.total_size, F_SEAL_GROW | F_SEAL_SEAL);
	/* A regular file cannot be sealed at all. */
	memory[2] = mkstemp(path);
	CHECK(memory[0] >= 0 && memory[1] >= 0 && memory[2] >= 0);
	unlink(path);
	CHECK_EQ(ftruncate(memory[2], (off_t)l.total_size), 0);
	CHECK_EQ(pwrite(memory[2], &page, sizeof(page), 0), (ssize_t)sizeof(page));

	for (i = 0; i < 3; i++) {
		CHECK_EQ(attach_to_fake("shrinkable", SHM_WIRE_VERSION, &memory[i], 1), -EPROTO);
		CHECK_CONTAINS(attach_error, refusal);
		close(memory[i]);
	}
}

struct received {
	uint64_t count;	  /* atomic */
	uint64_t last_id; /* atomic */
};

static void count_message(struct kucomms_link *link, const struct kucomms_msg_header *h,
			  const void *d, void *user)
{
	struct received *r = user;

	(void)link, (void)d;
	__atomic_store_n(&r->last_id, h->id, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->count, 1, __ATOMIC_RELEASE);
}

TEST(an_attacher_cannot_resize_the_link_memory_and_the_creator_keeps_working)
{
	static const struct kucomms_handlers counting = { .message = count_message };
	struct received got = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&counting, &got, NULL);
	struct kucomms_link_layout l;
	struct kucomms_msg_header h, *rec;
	struct kucomms_ring tx, rx;
	struct kucomms_link *link;
	struct fake_attachment a;
	const void *data;
	struct stat st;
	char name[64];
	void *mem;

	CHECK(ep);
	unique_name(name, sizeof(name), "resize");
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(fake_attach(name, &a));
	/* The welcome hands over the link memory and nothing else. */
	CHECK_EQ(a.nfds, 1);
	CHECK_EQ(fstat(a.memory, &st), 0);

	/* What a buggy or hostile attacher might try: every one refused. */
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, 0), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, st.st_size / 2), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, st.st_size * 2), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(fcntl(a.memory, F_ADD_SEALS, F_SEAL_WRITE), -1);
	CHECK_EQ(errno, EPERM);
	/* Sealed exactly as it should be: writable, the rings need that. */
	CHECK_EQ(fcntl(a.memory, F_GET_SEALS), LINK_MEMORY_SEALED);

	/* The link still works both ways, through the memory it still has. */
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, a.memory, 0);
	CHECK(mem != MAP_FAILED);
	CHECK_EQ(kucomms_link_info_check(mem, (uint64_t)st.st_size, &l), 0);
	kucomms_link_bind(&l, 1, mem, (uint8_t *)mem + l.side_offset[1], &tx, &rx);
	h = (struct kucomms_msg_header){ .id = 41 };
	CHECK_EQ(kucomms_send_locked(link, &h, NULL), 0);
	CHECK(WAIT_FOR(kucomms_ring_peek(&rx, &h, &data) == 1));
	CHECK_EQ(h.id, 41);
	kucomms_ring_consume(&rx);
	kucomms_ring_publish_consumed(&rx);
	CHECK_EQ(kucomms_ring_reserve(&tx, 0, &rec), 0);
	*rec = (struct kucomms_msg_header){ .id = 42 };
	kucomms_ring_commit(&tx);
	CHECK(fake_wake(a.conn));
	CHECK(WAIT_FOR(__atomic_load_n(&got.count, __ATOMIC_ACQUIRE) == 1));
	CHECK_EQ(__atomic_load_n(&got.last_id, __ATOMIC_RELAXED), 42);

	munmap(mem, (size_t)st.st_size);
	fake_detach(&a);
	kucomms_endpoint_destroy(ep);
}

/* ---- a peer doing its worst to what the two processes share ---- */

/* The far end of a link as a hostile peer holds it. */
struct far_end {
	int conn;	/* its end of the link's socket */
	const int *fds; /* every descriptor of the link it was handed */
	int nfds;
	int memory; /* the link memory, one of @fds */
	void *mem;
	size_t size;
	struct kucomms_ring tx, rx; /* its rings, as side @side */
};

static bool far_end_map(struct far_end *f, int side)
{
	struct kucomms_link_layout l;
	struct stat st;

	if (fstat(f->memory, &st))
		return false;
	f->mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, f->memory, 0);
	if (f->mem == MAP_FAILED) {
		f->mem = NULL;
		return false;
	}
	f->size = (size_t)st.st_size;
	if (kucomms_link_info_check(f->mem, f->size, &l))
		return false;
	kucomms_link_bind(&l, side, f->mem, (uint8_t *)f->mem + l.side_offset[1], &f->tx, &f->rx);
	return true;
}

static void set_blocking(int fd, bool blocking)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

/*
 * Everything a peer can do to what it shares with us: fill every counter
 * among the descriptors it was handed to the brim (an eventfd holds
 * 2^64 - 2 at most), make each of them and its socket blocking, and
 * announce a sleep that never ends (announce_new_sleep() then claims new
 * ones without ever waking).
 */
static void sabotage(struct far_end *f)
{
	const uint64_t brim = UINT64_MAX - 1;
	int i;

	for (i = 0; i < f->nfds; i++) {
		if (f->fds[i] == f->memory)
			continue;
		if (write(f->fds[i], &brim, sizeof(brim)) != (ssize_t)sizeof(brim))
			continue; /* not a counter */
		set_blocking(f->fds[i], true);
	}
	set_blocking(f->conn, true);
	kucomms_ring_prepare_sleep(&f->rx);
}

/*
 * Claim to have slept and to sleep again: the sleep count is the far end's
 * own to write, so it may announce a new sleep whenever it likes, and our
 * next commit wakes it again whether it reads its wakes or not.
 */
static void announce_new_sleep(struct far_end *f)
{
	kucomms_ring_end_sleep(&f->rx, true);
	kucomms_ring_prepare_sleep(&f->rx);
}

/*
 * How many wakes a link's socket holds unread before its sender's are
 * refused: the sender's send buffer over the charge of one queued wake
 * against it. Neither end of a link's socket sets its buffer, so both
 * have this system's default: the far end's own socket (@conn) gives it,
 * and a socket pair of the same kind the charge (SIOCOUTQ: bytes its
 * unread messages hold). 0 if the system would not say.
 */
static uint64_t wakes_a_socket_holds(int conn)
{
	static const char wake = 0;
	int sndbuf = 0, charge = 0, pair[2];
	socklen_t len = sizeof(sndbuf);

	if (getsockopt(conn, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) || sndbuf <= 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair))
		return 0;
	if (send(pair[0], &wake, 1, MSG_DONTWAIT) != 1 || ioctl(pair[0], SIOCOUTQ, &charge) ||
	    charge <= 0)
		charge = 0;
	close(pair[0]);
	close(pair[1]);
	/* A send goes in while what is queued stays below the buffer. */
	return charge ? ((uint64_t)sndbuf + (uint64_t)charge - 1) / (uint64_t)charge : 0;
}

/* Let a thread blocked on a filled counter go: reading one empties it. */
static void relent(struct far_end *f)
{
	uint64_t value;
	int i;

	for (i = 0; i < f->nfds; i++) {
		if (f->fds[i] == f->memory)
			continue;
		set_blocking(f->fds[i], false);
		if (read(f->fds[i], &value, sizeof(value)) < 0)
			continue; /* empty, or not a counter */
	}
}

/* Send us wakes until our end of the socket takes no more; how many. */
static int flood(struct far_end *f)
{
	int n = 0;

	while (fake_wake(f->conn))
		n++;
	return n;
}

/* Read the far end's ring to empty, as a peer that reads its messages. */
static void far_end_consume(struct far_end *f)
{
	struct kucomms_msg_header h;
	const void *data;

	while (kucomms_ring_peek(&f->rx, &h, &data) == 1)
		kucomms_ring_consume(&f->rx);
	kucomms_ring_publish_consumed(&f->rx);
}

/* What sends on the hostile link returned: all three atomic. */
struct tally {
	uint64_t sent, full, failed;
};

static void tally(struct tally *t, int err)
{
	__atomic_add_fetch(err == 0	     ? &t->sent
			   : err == -ENOBUFS ? &t->full
					     : &t->failed,
			   1, __ATOMIC_RELAXED);
}

/* A copy of @t, field by field, as other threads may still be counting. */
static struct tally tally_load(const struct tally *t)
{
	return (struct tally){
		.sent = load_u64(&t->sent),
		.full = load_u64(&t->full),
		.failed = load_u64(&t->failed),
	};
}

/*
 * The endpoint under test: its handler answers each ping on the healthy
 * link, after sending a message on the hostile link from its own thread.
 */
struct under_test {
	struct kucomms_link *hostile; /* atomic */
	struct tally handler_sends;
	uint64_t heard;	  /* atomic: messages the hostile peer got to us */
	int hostile_down; /* atomic */
};

static void answer_ping(struct kucomms_link *link, const struct kucomms_msg_header *h,
			const void *d, void *user)
{
	struct under_test *u = user;
	struct kucomms_link *hostile = __atomic_load_n(&u->hostile, __ATOMIC_ACQUIRE);

	(void)d;
	if (link == hostile) {
		__atomic_add_fetch(&u->heard, 1, __ATOMIC_RELEASE);
		return;
	}
	if (hostile)
		tally(&u->handler_sends, kucomms_send_locked(hostile, h, NULL));
	kucomms_send_locked(link, h, NULL);
}

static void note_hostile_down(struct kucomms_link *link, int state, int err, void *user)
{
	struct under_test *u = user;

	(void)err;
	if (state == KUCOMMS_LINK_DOWN && link == __atomic_load_n(&u->hostile, __ATOMIC_ACQUIRE))
		__atomic_store_n(&u->hostile_down, 1, __ATOMIC_RELEASE);
}

static const struct kucomms_handlers under_test_handlers = {
	.message = answer_ping,
	.link_state = note_hostile_down,
};

/* Another thread of ours sending on the hostile link all along. */
struct sender {
	struct kucomms_link *link;
	struct tally sends;
	int done; /* atomic */
};

#define SENDER_MESSAGES 2000

static void *send_all_along(void *arg)
{
	struct sender *s = arg;
	struct kucomms_msg_header h = { .type = 2 };
	int i;

	for (i = 0; i < SENDER_MESSAGES; i++)
		tally(&s->sends, kucomms_send_locked(s->link, &h, NULL));
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Pings over the healthy link. The far end reads its ring for the first
 * PINGS_CONSUMED at least, and on until it has been sent more wakes than
 * its socket holds (more pings the more it holds, up to a limit), then
 * PINGS_UNCONSUMED more with its ring full.
 */
#define PINGS_CONSUMED 1000
#define PINGS_UNCONSUMED 500
#define FLOOD_AT_PING 500
/* Pings that each wake the far end at least once, per wake it holds. */
#define PINGS_PER_WAKE_HELD 2
/* A ping unanswered this long means the endpoint's thread is stuck. */
#define PING_LIMIT_NS (5 * 1000000000ULL)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wait for *@count to reach @n, polling finely: a ping is a matter of µs. */
static bool wait_count(const uint64_t *count, uint64_t n, uint64_t limit_ns)
{
	struct timespec pause = { .tv_nsec = 20000 };
	uint64_t end = now_ns() + limit_ns;

	while (load_u64(count) < n) {
		if (now_ns() > end)
			return false;
		nanosleep(&pause, NULL);
	}
	return true;
}

struct stall_outcome {
	uint64_t wakes_held; /* wakes the far end's socket holds at most */
	int consumed;	     /* pings the far end read its ring for */
	int answered;	     /* pings answered */
	int flooded;	     /* wakes the far end pushed at us */
	bool sender_done;
	struct tally handler_sends, sender_sends;
	uint64_t wakeups_sent; /* our commits that woke the far end */
	uint64_t unread_wakes; /* of those, what its socket held */
	uint64_t heard;
	bool hostile_down;
};

/* Wakes our commits on @link sent (or tried: a full socket refuses). */
static uint64_t wakes_sent(struct kucomms_link *link)
{
	struct kucomms_link_counters c;

	kucomms_link_counters(link, &c);
	return c.wakeups_sent;
}

/*
 * With @u's endpoint serving the hostile link to @f and a healthy one that
 * @ping reaches it by (the far end of @ping counting answers in @answers):
 * the far end does its worst, we keep sending on the hostile link from the
 * endpoint's thread and from another, and the healthy link is pinged.
 * The far end reads its ring until our wakes are more than its socket
 * holds, announcing a new sleep at each ping so that our sends keep waking
 * it, then lets its ring fill. Then it relents (so that a thread it
 * blocked returns and the test can end) and sends us a message of its own.
 */
static void ping_through_hostility(struct under_test *u, struct far_end *f,
				   struct kucomms_link *ping, struct received *answers,
				   struct stall_outcome *out)
{
	struct sender s = { .link = u->hostile };
	struct kucomms_msg_header h = { .type = 1 }, *rec;
	pthread_t thread;
	bool started;
	int consumed_max, pings;

	memset(out, 0, sizeof(*out));
	out->wakes_held = wakes_a_socket_holds(f->conn);
	consumed_max = PINGS_CONSUMED + PINGS_PER_WAKE_HELD * (int)out->wakes_held;
	pings = consumed_max + PINGS_UNCONSUMED;
	sabotage(f);
	started = !pthread_create(&thread, NULL, send_all_along, &s);
	for (out->answered = 0; out->answered < pings; out->answered++) {
		if (!out->consumed && out->answered >= PINGS_CONSUMED &&
		    (wakes_sent(u->hostile) > out->wakes_held || out->answered == consumed_max)) {
			out->consumed = out->answered;
			pings = out->consumed + PINGS_UNCONSUMED;
		}
		h.id = (uint64_t)out->answered;
		if (kucomms_send_locked(ping, &h, NULL) ||
		    !wait_count(&answers->count, (uint64_t)out->answered + 1, PING_LIMIT_NS))
			break;
		if (!out->consumed)
			far_end_consume(f);
		announce_new_sleep(f);
		if (out->answered == FLOOD_AT_PING)
			out->flooded = flood(f);
	}
	relent(f);
	out->sender_done = started && WAIT_FOR(load_int(&s.done));
	if (out->sender_done)
		pthread_join(thread, NULL);
	else if (started)
		pthread_detach(thread);
	out->handler_sends = tally_load(&u->handler_sends);
	out->sender_sends = tally_load(&s.sends);
	out->wakeups_sent = wakes_sent(u->hostile);
	out->unread_wakes = fake_read_wakes(f->conn);
	/* The link still works the other way, through the memory and the socket. */
	if (!kucomms_ring_reserve(&f->tx, 0, &rec)) {
		*rec = (struct kucomms_msg_header){ .id = 99 };
		kucomms_ring_commit(&f->tx);
		fake_wake(f->conn);
		WAIT_FOR(load_u64(&u->heard) == 1);
	}
	out->heard = load_u64(&u->heard);
	out->hostile_down = load_int(&u->hostile_down);
}

/* What the user would notice: every ping answered, every send returned. */
static void check_unstalled(const struct stall_outcome *o)
{
	CHECK(o->wakes_held > 0);
	CHECK(o->consumed >= PINGS_CONSUMED);
	CHECK_EQ(o->answered, o->consumed + PINGS_UNCONSUMED);
	CHECK(o->sender_done);
	CHECK_EQ(o->handler_sends.failed, 0);
	CHECK_EQ(o->sender_sends.failed, 0);
	/* Both phases happened: sends woke it, then its full ring refused. */
	CHECK(o->handler_sends.sent + o->sender_sends.sent >= PINGS_CONSUMED);
	CHECK(o->handler_sends.full + o->sender_sends.full > 0);
	/*
	 * Our wakes outnumbered what its socket holds, and the socket holds
	 * all it took (the far end never read it): it refused the rest, and
	 * the sends went on regardless.
	 */
	CHECK(o->wakeups_sent > o->wakes_held);
	CHECK(o->unread_wakes > 0);
	CHECK(o->unread_wakes <= o->wakes_held);
	CHECK(o->unread_wakes < o->wakeups_sent);
	/* A flood of wakes is not a hangup: the link stayed up, both ways. */
	CHECK(o->flooded > 0);
	CHECK(!o->hostile_down);
	CHECK_EQ(o->heard, 1);
}

/*
 * The endpoint under test and its healthy link: created by it, attached
 * to by a second endpoint of this process that pings it.
 */
struct healthy_pair {
	struct kucomms_endpoint *pinger;
	struct kucomms_link *served, *ping;
	struct received answers;
};

static bool healthy_pair_open(struct kucomms_endpoint *ep, struct healthy_pair *p)
{
	static const struct kucomms_handlers counting = { .message = count_message };
	char name[64];

	memset(p, 0, sizeof(*p));
	unique_name(name, sizeof(name), "healthy");
	p->pinger = kucomms_endpoint_create(&counting, &p->answers, NULL);
	return p->pinger && !kucomms_link_shm_create(ep, name, NULL, &p->served) &&
	       !kucomms_endpoint_start(p->pinger) &&
	       !kucomms_link_shm_attach(p->pinger, name, &p->ping);
}

TEST(an_attacher_filling_and_blocking_what_it_shares_cannot_stall_the_creator)
{
	static const struct kucomms_link_options small = {
		.tx_capacity = KUCOMMS_RING_MIN_CAPACITY,
	};
	struct under_test u = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&under_test_handlers, &u, NULL);
	struct fake_attachment a = { .conn = -1 };
	struct stall_outcome out = { 0 };
	struct healthy_pair hp;
	struct far_end f;
	char name[64];
	bool ready;

	CHECK(ep);
	unique_name(name, sizeof(name), "hostile-attacher");
	CHECK_EQ(kucomms_link_shm_create(ep, name, &small, &u.hostile), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	ready = healthy_pair_open(ep, &hp) && fake_attach(name, &a);
	f = (struct far_end){ .conn = a.conn, .fds = a.fds, .nfds = a.nfds, .memory = a.memory };
	ready = ready && far_end_map(&f, 1);
	if (ready)
		ping_through_hostility(&u, &f, hp.ping, &hp.answers, &out);
	kucomms_endpoint_destroy(hp.pinger);
	kucomms_endpoint_destroy(ep);
	if (f.mem)
		munmap(f.mem, f.size);
	fake_detach(&a);
	CHECK(ready);
	check_unstalled(&out);
}

TEST(a_creator_filling_and_blocking_what_it_shares_cannot_stall_the_attacher)
{
	struct under_test u = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&under_test_handlers, &u, NULL);
	int memory = valid_link_memory(), conn = -1;
	struct stall_outcome out = { 0 };
	struct healthy_pair hp;
	struct kucomms_link *hostile = NULL;
	struct far_end f;
	char name[64];
	bool ready;

	CHECK(ep && memory >= 0);
	unique_name(name, sizeof(name), "hostile-creator");
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	ready = healthy_pair_open(ep, &hp) &&
		!attach_to_fake_creator(ep, name, SHM_WIRE_VERSION, &memory, 1, &hostile, &conn);
	__atomic_store_n(&u.hostile, hostile, __ATOMIC_RELEASE);
	f = (struct far_end){ .conn = conn, .fds = &memory, .nfds = 1, .memory = memory };
	ready = ready && far_end_map(&f, 0);
	if (ready)
		ping_through_hostility(&u, &f, hp.ping, &hp.answers, &out);
	kucomms_endpoint_destroy(hp.pinger);
	kucomms_endpoint_destroy(ep);
	if (f.mem)
		munmap(f.mem, f.size);
	if (conn >= 0)
		close(conn);
	close(memory);
	CHECK(ready);
	check_unstalled(&out);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
