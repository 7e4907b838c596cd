// SPDX-License-Identifier: MIT
/*
 * bench_echo: round trip and one-way throughput of an echo in the kernel.
 *
 *	bench_echo kucomms /dev/kucomms_echo	(kucomms_echo over its rings)
 *	bench_echo rw /dev/kucomms_bench_rw	(write() then read() echo device)
 *	bench_echo monitor /dev/kucomms_echo	(kucomms_echo watched by a monitor)
 *
 * Prints one JSON object per line: "echo_rtt" rows (one message out, wait
 * for its echo, p50/p99 in microseconds; mode "sleeping" for kucomms, whose
 * module thread and reader sleep until woken, "in-call" for the baseline,
 * whose echo is queued inside write() so read() finds it at once) and
 * "one_way" rows (a writer thread streams messages as fast as the transport
 * takes them while a reader thread takes the echoes; messages and payload
 * megabytes per second, counted at the reader).
 *
 * "monitor" prints "monitor_overhead" rows instead: the one-way echo stream
 * of kucomms_echo with no monitor (baseline_msgs_per_s) and with a monitor
 * of the device attached whose reader thread takes every record
 * (msgs_per_s), alternating five times, medians compared; slowdown is their
 * ratio and dropped what the monitor's drop records reported over all
 * rounds (the goal, slowdown <= 1.25 at 64 bytes, only counts with
 * dropped = 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/monitor.h>

#include "devlink.h"

#define RTT_SAMPLES	2000
#define RTT_WARMUP	200
#define MAX_PAYLOAD	4096

static const unsigned int payloads[] = { 64, 1024, 4096 };

/* One echo transport: send a message, receive one. 0 or -errno. */
struct transport {
	const char *name;
	const char *rtt_mode;
	int (*send)(struct transport *t, const void *buf, unsigned int len);
	int (*recv)(struct transport *t, void *buf, unsigned int len);
	struct devlink link;
	int fd;
};

static int kucomms_send(struct transport *t, const void *buf, unsigned int len)
{
	struct kucomms_msg_header hdr = { .length = len };
	int err;

	/* A full ring: wait for the reader to make room. */
	while ((err = devlink_send(&t->link, &hdr, buf)) == -ENOBUFS)
		sched_yield();
	return err;
}

static int kucomms_recv(struct transport *t, void *buf, unsigned int len)
{
	struct kucomms_msg_header hdr;
	int ret = devlink_recv(&t->link, &hdr, buf, len, 10000);

	if (ret == 1)
		return hdr.length == len ? 0 : -EBADMSG;
	return ret ? ret : -ETIMEDOUT;
}

static int rw_send(struct transport *t, const void *buf, unsigned int len)
{
	return write(t->fd, buf, len) == (ssize_t)len ? 0 : -errno;
}

static int rw_recv(struct transport *t, void *buf, unsigned int len)
{
	ssize_t n = read(t->fd, buf, MAX_PAYLOAD);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EBADMSG;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int echo_rtt(struct transport *t, unsigned int len)
{
	static __u8 out[MAX_PAYLOAD], in[MAX_PAYLOAD];
	static __u64 rtt[RTT_SAMPLES];
	int i, err;

	for (i = -RTT_WARMUP; i < RTT_SAMPLES; i++) {
		__u64 start = now_ns();

		err = t->send(t, out, len);
		if (!err)
			err = t->recv(t, in, len);
		if (err) {
			fprintf(stderr, "bench_echo: %s round trip %d: %s\n", t->name, i, strerror(-err));
			return err;
		}
		if (i >= 0)
			rtt[i] = now_ns() - start;
	}
	qsort(rtt, RTT_SAMPLES, sizeof(rtt[0]), compare_u64);
	printf("{\"name\":\"echo_rtt\",\"transport\":\"%s\",\"payload\":%u,\"mode\":\"%s\","
	       "\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,\"samples\":%d}\n",
	       t->name, len, t->rtt_mode, rtt[RTT_SAMPLES / 2] / 1e3,
	       rtt[RTT_SAMPLES * 99 / 100] / 1e3, RTT_SAMPLES);
	return 0;
}

struct stream {
	struct transport *t;
	unsigned int len;
	long count;
	int err;
};

static void *stream_writer(void *arg)
{
	static __u8 out[MAX_PAYLOAD];
	struct stream *s = arg;
	long i;

	for (i = 0; i < s->count && !s->err; i++)
		s->err = s->t->send(s->t, out, s->len);
	return NULL;
}

static long stream_count(unsigned int len)
{
	return 20000000 / (len + 200);
}

/* Stream stream_count(@len) messages through @t; messages per second. */
static int stream(struct transport *t, unsigned int len, double *msgs_per_s)
{
	static __u8 in[MAX_PAYLOAD];
	struct stream s = { .t = t, .len = len, .count = stream_count(len) };
	pthread_t writer;
	__u64 start = now_ns(), elapsed;
	long i;
	int err = 0;

	if (pthread_create(&writer, NULL, stream_writer, &s))
		return -EAGAIN;
	for (i = 0; i < s.count && !err; i++)
		err = t->recv(t, in, len);
	pthread_join(writer, NULL);
	elapsed = now_ns() - start;
	if (err || s.err) {
		fprintf(stderr, "bench_echo: %s one-way stream of %u bytes: %s\n", t->name, len,
			strerror(-(err ? err : s.err)));
		return err ? err : s.err;
	}
	*msgs_per_s = s.count * 1e9 / elapsed;
	return 0;
}

static int one_way(struct transport *t, unsigned int len)
{
	double rate;
	int err = stream(t, len, &rate);

	if (err)
		return err;
	printf("{\"name\":\"one_way\",\"transport\":\"%s\",\"payload\":%u,"
	       "\"msgs_per_s\":%.0f,\"mb_per_s\":%.2f,\"messages\":%ld}\n",
	       t->name, len, rate, rate * len / 1e6, stream_count(len));
	return 0;
}

/*
 * A monitor's reader: takes records until @expected messages are accounted
 * for. When the ring is empty it naps for READER_NAP_US without asking to be
 * woken (as a capture tool may: the ring holds far more than a nap's worth
 * of records), so the kernel never has to wake it for each record.
 */
#define READER_NAP_US	1000
#define READER_GIVE_UP_NS	(10 * 1000000000ULL)

struct watcher {
	struct kucomms_mon mon;
	__u64 expected, received, dropped;
	int err;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	struct kucomms_mon_record rec;
	__u64 idle_since = now_ns();
	const void *data;
	int n;

	while (w->received + w->dropped < w->expected) {
		n = kucomms_mon_next(&w->mon.reader, &rec, &data);
		if (n < 0 || (n == 0 && now_ns() - idle_since > READER_GIVE_UP_NS)) {
			w->err = n ? n : -ETIMEDOUT;
			break;
		}
		if (n == 0) {
			usleep(READER_NAP_US);
			continue;
		}
		idle_since = now_ns();
		if (rec.kind == KUCOMMS_MON_MESSAGE)
			w->received++;
		else if (rec.kind == KUCOMMS_MON_DROP && rec.dir != KUCOMMS_MON_DIR_NONE)
			w->dropped += rec.value;
		kucomms_mon_done(&w->mon.reader);
	}
	return NULL;
}

/* The echo stream of @len bytes with a monitor of @device attached. */
static int stream_watched(struct transport *t, const char *device, unsigned int len,
			  double *rate, __u64 *dropped)
{
	struct watcher w = { .expected = 2 * (__u64)stream_count(len) };
	pthread_t reader;
	char why[512];
	int err;

	if (kucomms_mon_open(&w.mon, NULL, device, KUCOMMS_RING_MAX_CAPACITY, 0, why, sizeof(why))) {
		fprintf(stderr, "bench_echo: %s\n", why);
		return -EIO;
	}
	if (pthread_create(&reader, NULL, watch, &w)) {
		kucomms_mon_close(&w.mon);
		return -EAGAIN;
	}
	err = stream(t, len, rate);
	pthread_join(reader, NULL);
	kucomms_mon_close(&w.mon);
	if (!err && w.err) {
		fprintf(stderr, "bench_echo: the monitor's reader: %s\n", strerror(-w.err));
		err = w.err;
	}
	*dropped += w.dropped;
	return err;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The echo stream of @len bytes without and with a monitor of @device,
 * alternating OVERHEAD_ROUNDS times so both see the same machine; the
 * medians are compared.
 */
#define OVERHEAD_ROUNDS	5

static int monitor_overhead(struct transport *t, const char *device, unsigned int len)
{
	double baseline[OVERHEAD_ROUNDS], watched[OVERHEAD_ROUNDS];
	__u64 dropped = 0;
	int i, err = 0;

	for (i = 0; i < OVERHEAD_ROUNDS && !err; i++) {
		err = stream(t, len, &baseline[i]);
		if (!err)
			err = stream_watched(t, device, len, &watched[i], &dropped);
	}
	if (err)
		return err;
	qsort(baseline, OVERHEAD_ROUNDS, sizeof(double), compare_double);
	qsort(watched, OVERHEAD_ROUNDS, sizeof(double), compare_double);
	printf("{\"name\":\"monitor_overhead\",\"transport\":\"%s\",\"payload\":%u,"
	       "\"msgs_per_s\":%.0f,\"baseline_msgs_per_s\":%.0f,\"slowdown\":%.3f,"
	       "\"dropped\":%llu}\n",
	       t->name, len, watched[OVERHEAD_ROUNDS / 2], baseline[OVERHEAD_ROUNDS / 2],
	       baseline[OVERHEAD_ROUNDS / 2] / watched[OVERHEAD_ROUNDS / 2],
	       (unsigned long long)dropped);
	return 0;
}

int main(int argc, char **argv)
{
	struct transport t = { 0 };
	unsigned int i;
	int err = 0;

	bool monitored = argc == 3 && !strcmp(argv[1], "monitor");

	if (argc != 3 || (strcmp(argv[1], "kucomms") && strcmp(argv[1], "rw") && !monitored)) {
		fprintf(stderr, "usage: %s kucomms|rw|monitor DEVICE\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "rw")) {
		t = (struct transport){
			.name = "kucomms-device", .rtt_mode = "sleeping",
			.send = kucomms_send, .recv = kucomms_recv,
		};
		if (devlink_open(&t.link, argv[2], 0, 0)) {
			fprintf(stderr, "bench_echo: %s\n", devlink_error);
			return 1;
		}
	} else {
		t = (struct transport){
			.name = "chardev-rw", .rtt_mode = "in-call",
			.send = rw_send, .recv = rw_recv,
		};
		t.fd = open(argv[2], O_RDWR);
		if (t.fd < 0) {
			fprintf(stderr, "bench_echo: open %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (monitored) {
		for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]) && !err; i++)
			err = monitor_overhead(&t, argv[2], payloads[i]);
		return err ? 1 : 0;
	}
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]) && !err; i++)
		err = echo_rtt(&t, payloads[i]);
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]) && !err; i++)
		err = one_way(&t, payloads[i]);
	return err ? 1 : 0;
}
