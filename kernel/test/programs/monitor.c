// SPDX-License-Identifier: MIT
/*
 * The monitor, /dev/kumon, against the kucomms_echo module: what a monitor
 * sees of a link it does not take part in (every message both ways, in
 * order, with the opener's pid and name, opens and closes), exact drop
 * records when its reader is slow, several monitors at once, the snap
 * length, an exiting process's status in the close record, and refusals
 * that say what to fix. The echo device is /dev/kucomms_echo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <kucomms/monitor.h>

#include "../../../native/tests/testing.h"
#include "attrs.h"
#include "devlink.h"

TESTING_MAIN_STATE;

#define ECHO_DEVICE	"kucomms_echo"
#define ECHO_PATH	"/dev/kucomms_echo"
#define WAIT_MS		10000

/* What one test saw of one link. */
struct seen {
	__u32 link_id;
	pid_t pid;
	char comm[16];
	__u64 messages[2];	/* per direction */
	__u64 dropped[2];
	bool opened, closed;
	__u64 close_value;
	bool after_close;	/* a record of the link came after its close */
	const char *bad;	/* first content mismatch, if any */
};

static void mon_open(struct kucomms_mon *m, const char *device, __u64 capacity,
		     __u32 snaplen)
{
	char why[512];
	int err = kucomms_mon_open(m, NULL, device, capacity, snaplen, why, sizeof(why));

	CHECK_MSG(!err, "monitor of %s: %s", device ? device : "every device", why);
}

/* Data that differs for every (@seed, byte). */
static void fill(__u8 *buf, __u64 length, __u64 seed)
{
	__u64 i;

	for (i = 0; i < length; i++)
		buf[i] = (__u8)(seed * 131 + i * 7 + (i >> 8));
}

static __u64 msg_length(__u64 i)
{
	return (i * 37) % 700;
}

/*
 * In a child: open the echo device, send @count messages (id i, length
 * msg_length(i), data fill(i)), read each echo, close, exit 0 (1 on any
 * failure).
 */
static pid_t echo_child(__u64 count)
{
	pid_t pid = fork();
	__u8 out[1024], in[1024];
	struct kucomms_msg_header hdr, echo;
	struct devlink l;
	__u64 i;

	CHECK(pid >= 0);
	if (pid)
		return pid;
	if (devlink_open(&l, ECHO_PATH, 0, 0))
		_exit(1);
	for (i = 0; i < count; i++) {
		hdr = (struct kucomms_msg_header){
			.length = msg_length(i), .type = 7, .id = i, .user_value = ~i,
		};
		fill(out, hdr.length, i);
		if (devlink_send(&l, &hdr, out) ||
		    devlink_recv(&l, &echo, in, sizeof(in), WAIT_MS) != 1 ||
		    echo.id != i)
			_exit(1);
	}
	devlink_close(&l);
	_exit(0);
}

static int wait_child(pid_t pid)
{
	int status;

	CHECK_EQ(waitpid(pid, &status, 0), pid);
	return status;
}

/* Check one message record of the echo traffic against what was sent. */
static const char *check_message(const struct kucomms_mon_record *rec,
				 const __u8 *data, __u64 snaplen)
{
	__u8 expected[1024];
	__u64 i = rec->msg.id, len = msg_length(i);

	if (rec->msg.type != 7 || rec->msg.user_value != ~i || rec->msg.length != len)
		return "a message header differs from what was sent";
	if (rec->caplen != (len < snaplen ? len : snaplen))
		return "caplen is not min(length, snaplen)";
	fill(expected, len, i);
	if (memcmp(data, expected, rec->caplen))
		return "message data differs from what was sent";
	return NULL;
}

/*
 * Read @m until the close record of the link of @pid on the echo device
 * (or WAIT_MS without any record), tallying it in @s. Records of other
 * devices or processes are skipped.
 */
static void collect(struct kucomms_mon *m, pid_t pid, struct seen *s, __u64 snaplen)
{
	struct kucomms_mon_record rec;
	const void *data;
	__u64 expect_id[2] = { 0, 0 };
	int n;

	memset(s, 0, sizeof(*s));
	while (!s->closed) {
		n = kucomms_mon_next(&m->reader, &rec, &data);
		CHECK_MSG(n >= 0, "reading the monitor: %s", strerror(-n));
		if (n == 0) {
			n = kucomms_mon_wait(m, WAIT_MS);
			CHECK_MSG(n > 0, "no close record of pid %d's link within %d ms (%s)",
				  (int)pid, WAIT_MS, n ? strerror(-n) : "timeout");
			continue;
		}
		if (rec.pid == pid && !strcmp(rec.device, ECHO_DEVICE)) {
			if (s->closed)
				s->after_close = true;
			s->link_id = rec.link_id;
			s->pid = rec.pid;
			memcpy(s->comm, rec.comm, sizeof(s->comm));
			if (rec.kind == KUCOMMS_MON_MESSAGE) {
				const char *bad = check_message(&rec, data, snaplen);

				/* In order: ids count up per direction (drops aside). */
				if (rec.msg.id < expect_id[rec.dir])
					bad = "messages out of order";
				expect_id[rec.dir] = rec.msg.id + 1;
				if (bad && !s->bad)
					s->bad = bad;
				s->messages[rec.dir]++;
			} else if (rec.kind == KUCOMMS_MON_DROP) {
				s->dropped[rec.dir] += rec.value;
				expect_id[rec.dir] += rec.value;
			} else if (rec.event == KUCOMMS_MON_EV_LINK_OPEN) {
				s->opened = true;
			} else if (rec.event == KUCOMMS_MON_EV_LINK_CLOSE) {
				s->closed = true;
				s->close_value = rec.value;
			}
		}
		kucomms_mon_done(&m->reader);
	}
}

static __u64 echo_attr(const char *name)
{
	__u64 v = 0;

	CHECK_MSG(!attr_read(ECHO_DEVICE, name, &v), "reading %s/%s", ECHO_DEVICE, name);
	return v;
}

TEST(a_monitor_sees_every_message_both_ways_with_the_opener)
{
	struct kucomms_mon m;
	struct seen s;
	__u64 rx0 = echo_attr("rx_messages"), tx0 = echo_attr("tx_messages");
	pid_t pid;

	mon_open(&m, ECHO_DEVICE, 4 << 20, 0);
	pid = echo_child(300);
	CHECK_EQ(wait_child(pid), 0);
	collect(&m, pid, &s, ~0ULL);
	kucomms_mon_close(&m);
	CHECK_MSG(!s.bad, "%s", s.bad);
	CHECK(s.opened);
	CHECK_STR_EQ(s.comm, "monitor");
	CHECK_EQ(s.messages[KUCOMMS_MON_TO_MODULE], 300);
	CHECK_EQ(s.messages[KUCOMMS_MON_FROM_MODULE], 300);
	CHECK_EQ(s.dropped[0] + s.dropped[1], 0);
	CHECK_EQ(s.close_value, KUCOMMS_MON_CLOSED);
	CHECK(!s.after_close);
	CHECK_EQ(echo_attr("rx_messages") - rx0, 300);
	CHECK_EQ(echo_attr("tx_messages") - tx0, 300);
}

TEST(a_slow_reader_gets_drop_records_that_add_up_exactly)
{
	struct kucomms_mon m;
	struct seen s;
	pid_t pid;

	/* 16 KiB holds a few dozen records; nobody reads while 2000 go by. */
	mon_open(&m, ECHO_DEVICE, 16 << 10, 0);
	pid = echo_child(2000);
	CHECK_EQ(wait_child(pid), 0);
	collect(&m, pid, &s, ~0ULL);
	kucomms_mon_close(&m);
	CHECK_MSG(!s.bad, "%s", s.bad);
	CHECK(s.opened);
	CHECK_MSG(s.dropped[0] + s.dropped[1] > 0, "nothing was dropped: the test proves nothing");
	CHECK_EQ(s.messages[KUCOMMS_MON_TO_MODULE] + s.dropped[KUCOMMS_MON_TO_MODULE], 2000);
	CHECK_EQ(s.messages[KUCOMMS_MON_FROM_MODULE] + s.dropped[KUCOMMS_MON_FROM_MODULE], 2000);
	CHECK(!s.after_close);
}

TEST(several_monitors_each_see_all_of_it)
{
	struct kucomms_mon m[3];
	struct seen s;
	pid_t pid;
	int i;

	mon_open(&m[0], ECHO_DEVICE, 0, 0);
	mon_open(&m[1], ECHO_PATH, 0, 0);
	mon_open(&m[2], NULL, 0, 0);
	pid = echo_child(100);
	CHECK_EQ(wait_child(pid), 0);
	for (i = 0; i < 3; i++) {
		collect(&m[i], pid, &s, ~0ULL);
		kucomms_mon_close(&m[i]);
		CHECK_MSG(!s.bad, "monitor %d: %s", i, s.bad);
		CHECK_EQ(s.messages[0], 100);
		CHECK_EQ(s.messages[1], 100);
	}
}

TEST(the_snap_length_keeps_the_first_bytes_and_the_whole_length)
{
	struct kucomms_mon m;
	struct seen s;
	pid_t pid;

	mon_open(&m, ECHO_DEVICE, 0, 8);
	CHECK_EQ(m.setup.snaplen, 8);
	CHECK_EQ(m.reader.snaplen, 8);
	pid = echo_child(50);
	CHECK_EQ(wait_child(pid), 0);
	collect(&m, pid, &s, 8);
	kucomms_mon_close(&m);
	CHECK_MSG(!s.bad, "%s", s.bad);
	CHECK_EQ(s.messages[0] + s.messages[1], 100);
}

TEST(a_process_killed_holding_a_link_shows_as_kill_9)
{
	struct kucomms_mon m;
	struct seen s;
	int ready[2];
	char c;
	pid_t pid;

	mon_open(&m, ECHO_DEVICE, 0, 0);
	CHECK_EQ(pipe(ready), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		struct devlink l;

		if (devlink_open(&l, ECHO_PATH, 0, 0))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	CHECK_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	CHECK(WIFSIGNALED(wait_child(pid)));
	collect(&m, pid, &s, ~0ULL);
	kucomms_mon_close(&m);
	CHECK(s.opened);
	CHECK_EQ(s.close_value, SIGKILL);
}

TEST(setup_refusals_say_what_is_wrong)
{
	struct kucomms_mon m;
	char why[512];
	void *p;

	CHECK_EQ(kucomms_mon_open(&m, NULL, "kucomms_nosuch", 0, 0, why, sizeof(why)), -ENODEV);
	CHECK_CONTAINS(why, "/dev/kucomms_nosuch does not exist");
	CHECK_CONTAINS(why, "create_device");
	CHECK_EQ(kucomms_mon_open(&m, NULL, "echo", 0, 0, why, sizeof(why)), -EINVAL);
	CHECK_EQ(kucomms_mon_open(&m, NULL, ECHO_DEVICE, 12345, 0, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "power of two");
	CHECK_EQ(kucomms_mon_open(&m, "/nonexistent/kumon", NULL, 0, 0, why, sizeof(why)), -ENOENT);
	CHECK_CONTAINS(why, "has no monitor");

	mon_open(&m, ECHO_DEVICE, 0, 0);
	{
		/* Refused, and the live ring keeps its size: mmap agrees. */
		struct kucomms_mon_setup again = { .capacity = 16 << 20 };

		CHECK_EQ(ioctl(m.fd, KUCOMMS_MON_IOC_SETUP, &again), -1);
		CHECK_EQ(errno, EBUSY);
		p = mmap(NULL, (16 << 20) + 4096, PROT_READ, MAP_SHARED, m.fd, 0);
		CHECK(p == MAP_FAILED);
		CHECK_EQ(errno, EINVAL);
		p = mmap(NULL, m.setup.ro_size, PROT_READ, MAP_SHARED, m.fd, 0);
		CHECK(p != MAP_FAILED);
		munmap(p, m.setup.ro_size);
	}
	/* The records are the kernel's: never writable. */
	p = mmap(NULL, m.setup.ro_size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
	CHECK(p == MAP_FAILED);
	CHECK_EQ(errno, EPERM);
	CHECK_EQ(mprotect(m.ro, m.setup.ro_size, PROT_READ | PROT_WRITE), -1);
	CHECK_EQ(errno, EACCES);
	kucomms_mon_close(&m);
}

TEST(a_process_without_permission_is_told_how_to_get_it)
{
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (!pid) {
		struct kucomms_mon m;
		char why[512];

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(2);
		if (kucomms_mon_open(&m, NULL, NULL, 0, 0, why, sizeof(why)) != -EACCES)
			_exit(3);
		_exit(strstr(why, "kucomms-monitor") ? 0 : 4);
	}
	CHECK_EQ(wait_child(pid), 0);
}

TEST(an_impossible_consumer_position_stops_that_monitor_only)
{
	struct kucomms_mon bad, good;
	struct kucomms_ring_consumer *cons;
	struct seen s;
	pid_t pid;

	mon_open(&bad, ECHO_DEVICE, 4096, 0);
	mon_open(&good, ECHO_DEVICE, 4 << 20, 0);
	cons = bad.rw;
	/* Misaligned and ahead of anything produced. */
	__atomic_store_n(&cons->pos, 12345, __ATOMIC_RELEASE);
	pid = echo_child(200);
	CHECK_EQ(wait_child(pid), 0);
	{
		struct pollfd pfd = { .fd = bad.fd, .events = POLLIN };

		CHECK_EQ(poll(&pfd, 1, WAIT_MS), 1);
		CHECK_MSG(pfd.revents & POLLERR, "poll gave revents %#x, not POLLERR", pfd.revents);
	}
	collect(&good, pid, &s, ~0ULL);
	CHECK_EQ(s.messages[0] + s.messages[1], 400);
	kucomms_mon_close(&bad);
	kucomms_mon_close(&good);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
