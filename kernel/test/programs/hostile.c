// SPDX-License-Identifier: MIT
/*
 * hostile: a userspace that breaks the kucomms ring contract on purpose.
 *
 *	hostile SECONDS DEVICE...
 *
 * One attacker thread per device (two per device on more than one CPU)
 * opens links over and over and, on each, writes adversarial values into
 * everything userspace can write: its producer line of ring 1 (positions
 * out of range, unaligned, backwards), the records in ring 1 (lengths huge
 * or beyond what was published, padding markers where none may be), its
 * consumer line of ring 0 (positions the kernel never produced), flags and
 * side state, and random bytes over all of it; one attack races a second
 * thread flipping a record's length while the kernel reads it. Every attack
 * ends with a KUCOMMS_IOC_WAKE so the kernel looks at once.
 *
 * One more thread attacks monitors (/dev/kumon) of those devices and of
 * all devices: it writes impossible values into the one line a monitor may
 * write, its consumer position and flags, while the attacked links' traffic
 * fills the monitors' small rings.
 *
 * The kernel must survive all of it: the test around this program checks
 * the kernel log, the devices' protocol_errors, a fresh opener's echoes and
 * that every module unloads. This program itself only fails (exit 1) when
 * the device stops behaving like one: open or SETUP refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/monitor.h>

#include "devlink.h"

/* Longest one attack may take, so the run ends on time. */
#define ATTACK_NS	(100 * 1000000ULL)

struct attacker {
	pthread_t thread;
	const char *device;
	__u64 rng;
	__u64 deadline_ns;
	/* Results. */
	unsigned long links, attacks, hangups, refused;
	char error[300];
};

/* A link under attack, with shortcuts to what the attacks touch. */
struct target {
	struct devlink l;
	struct kucomms_side_page *mine;		/* side 1 page: ours to write */
	const struct kucomms_side_page *kernel;	/* side 0 page: read-only */
	__u8 *ring1;				/* our data area, ring 1 */
	__u64 cap1;				/* ring 1 capacity */
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* xorshift64*: fast, and reproducible from the seed printed at start. */
static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void random_bytes(__u64 *s, void *buf, size_t n)
{
	__u8 *p = buf;

	while (n--)
		*p++ = (__u8)rnd(s);
}

/* Where the kernel says it stands in ring 1, and our next record there. */
static __u64 kernel_consumed(const struct target *t)
{
	return kucomms_load_acquire(&t->kernel->rx.pos);
}

static struct kucomms_msg_header *record_at(struct target *t, __u64 pos)
{
	return (struct kucomms_msg_header *)(t->ring1 + (pos & (t->cap1 - 1)));
}

static void publish(struct target *t, __u64 pos)
{
	kucomms_store_release(&t->mine->tx.pos, pos);
	ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
}

/* A value that is wrong for a length or a position, of many kinds. */
static __u64 bad_value(__u64 *s, __u64 cap)
{
	static const __u64 fixed[] = {
		KUCOMMS_PAD_LENGTH, KUCOMMS_PAD_LENGTH - 1, 1ULL << 63, 1ULL << 32,
		0x7fffffffffffffffULL, (1ULL << 32) - 1,
	};
	__u64 r = rnd(s);

	switch (r % 5) {
	case 0:
		return fixed[(r >> 8) % (sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return cap / 2 - 31 + (r >> 8) % 64;	/* around the max length */
	case 2:
		return cap + (r >> 8) % (2 * cap);	/* beyond the ring */
	case 3:
		return ((r >> 8) % cap) | 1;		/* unaligned */
	default:
		return r;
	}
}

/* Random bytes over everything we may write, then a wakeup. */
static void attack_garbage(struct target *t, __u64 *s)
{
	random_bytes(s, t->l.rw, t->l.setup.rw_size);
	ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
}

/* Producer position out of range, unaligned, backwards or random. */
static void attack_producer_position(struct target *t, __u64 *s)
{
	__u64 cons = kernel_consumed(t);
	__u64 choices[] = {
		cons + t->cap1 + 32, cons + 2 * t->cap1, cons - 32, cons + 1 + rnd(s) % 31,
		cons + 32 + (rnd(s) % 31 | 1), rnd(s), ~cons, cons + (1ULL << 63),
	};

	record_at(t, cons)->length = 0;
	publish(t, choices[rnd(s) % (sizeof(choices) / sizeof(choices[0]))]);
}

/* A record whose length is impossible or larger than what was published. */
static void attack_record_length(struct target *t, __u64 *s)
{
	__u64 cons = kernel_consumed(t);
	struct kucomms_msg_header *rec = record_at(t, cons);
	__u64 published = 32 * (1 + rnd(s) % 8);

	rec->length = rnd(s) % 2 ? bad_value(s, t->cap1) : published + rnd(s) % 4096;
	rec->type = rnd(s);
	publish(t, cons + published);
}

/* Padding records where the producer may not put them. */
static void attack_padding(struct target *t, __u64 *s)
{
	__u64 cons = kernel_consumed(t);
	__u64 off = cons & (t->cap1 - 1);
	__u64 to_end = t->cap1 - off;

	record_at(t, cons)->length = KUCOMMS_PAD_LENGTH;
	switch (rnd(s) % 3) {
	case 0:		/* padding that claims less than the rest of the ring */
		publish(t, cons + 32);
		break;
	case 1:		/* padding, then padding again at offset 0 */
		((struct kucomms_msg_header *)t->ring1)->length = KUCOMMS_PAD_LENGTH;
		publish(t, cons + to_end + 32);
		break;
	default:	/* padding over a whole ring's worth */
		publish(t, cons + t->cap1);
		break;
	}
}

/* Our consumer line of ring 0 claims what the kernel never produced. */
static void attack_consumer_position(struct target *t, __u64 *s)
{
	__u64 prod = kucomms_load_acquire(&t->kernel->tx.pos);
	__u64 choices[] = {
		prod + 32, prod + 1, prod - t->l.setup.ring0_capacity - 32, rnd(s), ~prod,
	};
	struct kucomms_msg_header hdr = { .length = rnd(s) % 100 };
	__u8 data[100];

	kucomms_store_release(&t->mine->rx.pos,
			      choices[rnd(s) % (sizeof(choices) / sizeof(choices[0]))]);
	random_bytes(s, data, sizeof(data));
	/* A message the echo module answers: it must check our position. */
	devlink_send(&t->l, &hdr, data);
	ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
}

/* Flags, counters and side state set to anything, between valid sends. */
static void attack_flags(struct target *t, __u64 *s)
{
	struct kucomms_msg_header hdr = { .length = 16 };
	int i;

	for (i = 0; i < 50; i++) {
		t->mine->rx.flags = (__u32)rnd(s);
		t->mine->state.flags = (__u32)rnd(s);
		t->mine->tx.messages = rnd(s);
		t->mine->tx.bytes = rnd(s);
		t->mine->rx.messages = rnd(s);
		random_bytes(s, &t->mine->info, sizeof(t->mine->info));
		if (devlink_send(&t->l, &hdr, "0123456789abcdef"))
			break;
	}
	ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
}

struct flipper {
	volatile __u64 *length;
	__u64 good, bad;
	atomic_int stop;
};

static void *flip_length(void *arg)
{
	struct flipper *f = arg;

	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		*f->length = f->bad;
		*f->length = f->good;
	}
	return NULL;
}

/*
 * Valid records published while another thread flips the length of the
 * one the kernel is about to read between the truth and a lie.
 */
static void attack_racing_length(struct target *t, __u64 *s)
{
	struct flipper f = { .good = 16 };
	__u64 pos = kernel_consumed(t);
	__u64 until = now_ns() + ATTACK_NS;
	int i;

	for (i = 0; i < 64 && !devlink_kernel_closed(&t->l) && now_ns() < until; i++) {
		struct kucomms_msg_header *rec;
		pthread_t racer;
		__u64 wait_until;

		if (pos - kernel_consumed(t) > t->cap1 / 2)
			break;
		if ((pos & (t->cap1 - 1)) + 64 > t->cap1)
			break;	/* keep it simple: no wrap inside this attack */
		rec = record_at(t, pos);
		*rec = (struct kucomms_msg_header){ .length = 16, .id = i };
		f.length = &rec->length;
		f.bad = rnd(s) % 2 ? bad_value(s, t->cap1) : 32 + rnd(s) % 4096;
		atomic_store(&f.stop, 0);
		if (pthread_create(&racer, NULL, flip_length, &f))
			break;
		pos += 64;
		publish(t, pos);
		/* Keep flipping while the kernel consumes it (or gives up). */
		wait_until = now_ns() + ATTACK_NS / 20;
		while (kernel_consumed(t) != pos && !devlink_kernel_closed(&t->l) &&
		       now_ns() < wait_until)
			sched_yield();
		atomic_store(&f.stop, 1);
		pthread_join(racer, NULL);
	}
}

/* Legitimate messages as fast as possible, never reading the replies. */
static void attack_flood(struct target *t, __u64 *s)
{
	static __u8 data[8192];
	struct kucomms_msg_header hdr = { 0 };
	__u64 until = now_ns() + ATTACK_NS;
	int i;

	for (i = 0; i < 2000 && now_ns() < until; i++) {
		hdr.length = rnd(s) % sizeof(data);
		hdr.id = i;
		if (devlink_send(&t->l, &hdr, data) == -ENOBUFS)
			ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
	}
}

/* ioctls and mmaps a confused program might issue on a live link. */
static void attack_syscalls(struct target *t, __u64 *s)
{
	struct kucomms_setup setup;
	int i;

	for (i = 0; i < 20; i++) {
		random_bytes(s, &setup, sizeof(setup));
		ioctl(t->l.fd, KUCOMMS_IOC_SETUP, &setup);
		ioctl(t->l.fd, _IOC(rnd(s) % 4, KUCOMMS_IOC_MAGIC, rnd(s) % 8, rnd(s) % 64),
		      &setup);
		ioctl(t->l.fd, KUCOMMS_IOC_WAKE);
	}
}

static void (*const attacks[])(struct target *, __u64 *) = {
	attack_garbage, attack_producer_position, attack_record_length,
	attack_padding, attack_consumer_position, attack_flags,
	attack_racing_length, attack_flood, attack_syscalls,
};

/* After an attack: did the kernel hang up (POLLHUP) on us? */
static int hung_up(struct target *t)
{
	struct pollfd pfd = { .fd = t->l.fd, .events = POLLIN };

	return poll(&pfd, 1, 1) > 0 && (pfd.revents & POLLHUP);
}

static void *attack_device(void *arg)
{
	struct attacker *a = arg;

	while (now_ns() < a->deadline_ns) {
		__u64 caps[] = { KUCOMMS_RING_MIN_CAPACITY, 2 * KUCOMMS_RING_MIN_CAPACITY, 0 };
		__u64 cap = caps[rnd(&a->rng) % 3];
		struct target t;
		int err, n;

		err = devlink_open(&t.l, a->device, cap, cap);
		if (err) {
			snprintf(a->error, sizeof(a->error), "%.250s", devlink_error);
			devlink_close(&t.l);
			a->refused++;
			return NULL;
		}
		a->links++;
		t.mine = t.l.rw;
		t.kernel = t.l.ro;
		t.ring1 = (__u8 *)t.l.rw + t.l.layout.page_size;
		t.cap1 = t.l.layout.capacity[1];
		/* A few attacks per link: later ones meet a link already broken. */
		for (n = 1 + rnd(&a->rng) % 3; n > 0; n--) {
			attacks[rnd(&a->rng) % (sizeof(attacks) / sizeof(attacks[0]))](&t, &a->rng);
			a->attacks++;
		}
		a->hangups += hung_up(&t);
		devlink_close(&t.l);
	}
	return NULL;
}

struct monitor_attacker {
	pthread_t thread;
	char *const *devices;
	int ndevices;
	__u64 rng;
	__u64 deadline_ns;
	unsigned long monitors, stopped, refused;
	char error[600];
};

/*
 * Monitors with a small ring, each fed impossible consumer positions and
 * flags (and now and then a legal one, or random bytes over the line) until
 * the kernel stops it (POLLERR) or a few rounds have passed.
 */
static void *attack_monitors(void *arg)
{
	struct monitor_attacker *a = arg;

	while (now_ns() < a->deadline_ns) {
		__u64 pick = rnd(&a->rng) % (a->ndevices + 1);
		const char *device = pick < (__u64)a->ndevices ? a->devices[pick] : NULL;
		struct kucomms_ring_consumer *cons;
		struct kucomms_mon m;
		int round;

		if (kucomms_mon_open(&m, NULL, device, KUCOMMS_RING_MIN_CAPACITY << (rnd(&a->rng) % 2),
				     0, a->error, sizeof(a->error))) {
			a->refused++;
			return NULL;
		}
		a->monitors++;
		cons = m.rw;
		for (round = 0; round < 20 && now_ns() < a->deadline_ns; round++) {
			struct pollfd pfd = { .fd = m.fd, .events = POLLIN };
			__u64 r = rnd(&a->rng);

			if (r % 8 == 0)
				random_bytes(&a->rng, cons, sizeof(*cons));
			else if (r % 8 == 1)	/* legal: all consumed */
				__atomic_store_n(&cons->pos, m.reader.ring.prod->pos, __ATOMIC_RELEASE);
			else
				__atomic_store_n(&cons->pos, bad_value(&a->rng, m.setup.capacity),
						 __ATOMIC_RELEASE);
			__atomic_store_n(&cons->flags, (__u32)rnd(&a->rng), __ATOMIC_RELAXED);
			if (poll(&pfd, 1, 10) > 0 && (pfd.revents & POLLERR)) {
				a->stopped++;
				break;
			}
		}
		kucomms_mon_close(&m);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct monitor_attacker ma = { 0 };
	int per_device = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	struct attacker *a;
	int i, n, failed = 0;
	__u64 seed, deadline;
	unsigned long links = 0, attacks_done = 0, hangups = 0;

	if (argc < 3 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s SECONDS DEVICE...\n", argv[0]);
		return 2;
	}
	n = (argc - 2) * per_device;
	a = calloc(n, sizeof(*a));
	seed = getenv("HOSTILE_SEED") ? strtoull(getenv("HOSTILE_SEED"), NULL, 0) : now_ns();
	deadline = now_ns() + (__u64)atoi(argv[1]) * 1000000000ULL;
	printf("hostile: seed %llu (set HOSTILE_SEED to repeat), %d attackers, %s s\n",
	       (unsigned long long)seed, n, argv[1]);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		a[i].device = argv[2 + i / per_device];
		a[i].rng = seed + 0x9e3779b97f4a7c15ULL * (i + 1);
		a[i].deadline_ns = deadline;
		if (pthread_create(&a[i].thread, NULL, attack_device, &a[i])) {
			fprintf(stderr, "hostile: cannot start attacker %d\n", i);
			return 1;
		}
	}
	ma.devices = argv + 2;
	ma.ndevices = argc - 2;
	ma.rng = seed ^ 0x6d6f6e69746f72ULL;
	ma.deadline_ns = deadline;
	if (pthread_create(&ma.thread, NULL, attack_monitors, &ma)) {
		fprintf(stderr, "hostile: cannot start the monitor attacker\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		pthread_join(a[i].thread, NULL);
		printf("hostile: %s attacker %d: %lu links, %lu attacks, %lu hangups seen\n",
		       a[i].device, i, a[i].links, a[i].attacks, a[i].hangups);
		if (a[i].refused) {
			printf("hostile: %s stopped accepting links: %s\n", a[i].device, a[i].error);
			failed = 1;
		}
		links += a[i].links;
		attacks_done += a[i].attacks;
		hangups += a[i].hangups;
	}
	pthread_join(ma.thread, NULL);
	printf("hostile: monitors: %lu attacked, %lu stopped by the kernel\n", ma.monitors, ma.stopped);
	if (ma.refused) {
		printf("hostile: the monitor node stopped accepting monitors: %s\n", ma.error);
		failed = 1;
	}
	printf("hostile: %lu links, %lu attacks, %lu hangups in all\n", links, attacks_done, hangups);
	free(a);
	return failed;
}
