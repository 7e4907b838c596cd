// SPDX-License-Identifier: MIT
/*
 * bench_echo: round trip and one-way throughput of an echo in the kernel.
 *
 *	bench_echo compare /dev/kucomms_echo /dev/kucomms_bench_rw kucomms_bench
 *						(the three below, run by run in turn)
 *	bench_echo kucomms /dev/kucomms_echo	(kucomms_echo over its rings)
 *	bench_echo rw /dev/kucomms_bench_rw	(write() then read() echo device)
 *	bench_echo genetlink kucomms_bench	(generic netlink echo family)
 *	bench_echo monitor /dev/kucomms_echo	(kucomms_echo watched by a monitor)
 *	... [echo_rtt|echo_rtt_spinning|one_way PAYLOAD]	(one row, to profile it)
 *
 * Prints one JSON object per line: "echo_rtt" rows (one message out, wait
 * for its echo, p50/p99 in microseconds) and "one_way" rows (a writer
 * thread streams messages as fast as the transport takes them while a
 * reader thread takes the echoes; messages and payload megabytes per
 * second, counted at the reader). Each figure is the median of RUNS runs;
 * "compare" runs each row's transports in turn, run 1 of each, then run 2
 * of each..., so a machine whose load changes weighs on them alike.
 *
 * Round-trip modes: "in-call" for the baselines, whose echo is made inside
 * the sending system call so the next receive finds it at once; for kucomms
 * "sleeping" (the module's thread and the reader sleep until woken) and
 * "spinning" (the device's spin budget, sysfs spin_us, set to its cap for
 * the row so the module's thread looks at the rings instead of sleeping,
 * and the reader busy-polls its ring). kucomms receives in place: the
 * reader looks at each echo in the ring and gives its space back, as a
 * reader of a mapped ring does; the baselines copy into a buffer, as
 * read() and recv() must.
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

#include "attrs.h"
#include "devlink.h"
#include "genl_echo.h"

#define RTT_SAMPLES	2000
#define RTT_WARMUP	200
#define MAX_PAYLOAD	4096
/* Each row's figures are the median of this many runs. */
#define RUNS		3
/* kucomms' rings: each holds as much as the read()/write() device's FIFO. */
#define RING_BYTES	(1 << 20)
/* Sends refused by a full ring before the sender gives up its CPU once. */
#define FULL_RETRIES_PER_YIELD	64
/* How long a receive waits before the row fails. */
#define RECV_TIMEOUT_MS	10000

static const unsigned int payloads[] = { 64, 1024, 4096 };

/* One echo transport: send a message, receive one. 0 or -errno. */
struct transport {
	const char *name;
	const char *mode;	/* of its round trips: see the top of the file */
	int (*send)(struct transport *t, const void *buf, unsigned int len);
	int (*recv)(struct transport *t, void *buf, unsigned int len);
	struct devlink link;
	bool spin;		/* kucomms: busy-poll ring 0 instead of sleeping */
	int fd;
	struct genl_echo genl;
};

static __u64 now_ns(void);

static int kucomms_send(struct transport *t, const void *buf, unsigned int len)
{
	struct kucomms_msg_header hdr = { .length = len };
	unsigned int tries = 0;
	int err;

	/*
	 * A full ring: wait for the module's thread to make room, looking
	 * again at once and giving up the CPU now and then, in case that
	 * thread waits for it.
	 */
	while ((err = devlink_send(&t->link, &hdr, buf)) == -ENOBUFS)
		if (++tries % FULL_RETRIES_PER_YIELD == 0)
			sched_yield();
	return err;
}

/* Spinning: look at ring 0 until an echo is there, without sleeping. */
static int kucomms_spin_recv(struct transport *t, struct kucomms_msg_header *hdr)
{
	__u64 deadline = now_ns() + RECV_TIMEOUT_MS * 1000000ULL;
	unsigned int n = 0;
	int ret;

	while (!(ret = devlink_take(&t->link, hdr, NULL, 0)))
		if (!(++n & 1023) && now_ns() > deadline)
			return -ETIMEDOUT;
	return ret;
}

/* In place: the echo's data is not copied out of the ring. */
static int kucomms_recv(struct transport *t, void *buf, unsigned int len)
{
	struct kucomms_msg_header hdr;
	int ret = t->spin ? kucomms_spin_recv(t, &hdr)
			  : devlink_recv(&t->link, &hdr, NULL, 0, RECV_TIMEOUT_MS);

	(void)buf;
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

static int genl_send(struct transport *t, const void *buf, unsigned int len)
{
	return genl_echo_send(&t->genl, buf, len);
}

static int genl_recv(struct transport *t, void *buf, unsigned int len)
{
	(void)buf;
	return genl_echo_recv(&t->genl, len);
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

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(double), compare_double);
	return v[n / 2];
}

/* RTT_SAMPLES round trips of @len bytes: their p50 and p99 in microseconds. */
static int echo_rtt_run(struct transport *t, unsigned int len, double *p50, double *p99)
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
	*p50 = rtt[RTT_SAMPLES / 2] / 1e3;
	*p99 = rtt[RTT_SAMPLES * 99 / 100] / 1e3;
	return 0;
}

/* At most this many transports compared run by run. */
#define MAX_TRANSPORTS	3

/*
 * The round trips of @len bytes of @n transports, run by run in turn (run 1
 * of each, then run 2 of each...), so a machine that gets busier or quieter
 * meanwhile weighs on all of them alike; one row each, of medians.
 */
static int echo_rtts(struct transport *ts, int n, unsigned int len)
{
	double p50[MAX_TRANSPORTS][RUNS], p99[MAX_TRANSPORTS][RUNS];
	int i, run, err = 0;

	for (run = 0; run < RUNS && !err; run++)
		for (i = 0; i < n && !err; i++)
			err = echo_rtt_run(&ts[i], len, &p50[i][run], &p99[i][run]);
	for (i = 0; i < n && !err; i++)
		printf("{\"name\":\"echo_rtt\",\"transport\":\"%s\",\"payload\":%u,\"mode\":\"%s\","
		       "\"rtt_p50_us\":%.1f,\"rtt_p99_us\":%.1f,\"samples\":%d,\"runs\":%d}\n",
		       ts[i].name, len, ts[i].mode, median(p50[i], RUNS), median(p99[i], RUNS),
		       RTT_SAMPLES, RUNS);
	return err;
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

/* The one-way streams of @len bytes of @n transports, run by run in turn. */
static int one_ways(struct transport *ts, int n, unsigned int len)
{
	double rate[MAX_TRANSPORTS][RUNS];
	int i, run, err = 0;

	for (run = 0; run < RUNS && !err; run++)
		for (i = 0; i < n && !err; i++)
			err = stream(&ts[i], len, &rate[i][run]);
	for (i = 0; i < n && !err; i++) {
		double m = median(rate[i], RUNS);

		printf("{\"name\":\"one_way\",\"transport\":\"%s\",\"payload\":%u,"
		       "\"msgs_per_s\":%.0f,\"mb_per_s\":%.2f,\"messages\":%ld,\"runs\":%d}\n",
		       ts[i].name, len, m, m * len / 1e6, stream_count(len), RUNS);
	}
	return err;
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

/*
 * The echo stream of @len bytes without and with a monitor of @device,
 * alternating OVERHEAD_ROUNDS times so both see the same machine; the
 * medians are compared.
 */
#define OVERHEAD_ROUNDS	5

static int monitor_overhead(struct transport *t, const char *device, unsigned int len)
{
	double baseline[OVERHEAD_ROUNDS], watched[OVERHEAD_ROUNDS], base, rate;
	__u64 dropped = 0;
	int i, err = 0;

	for (i = 0; i < OVERHEAD_ROUNDS && !err; i++) {
		err = stream(t, len, &baseline[i]);
		if (!err)
			err = stream_watched(t, device, len, &watched[i], &dropped);
	}
	if (err)
		return err;
	base = median(baseline, OVERHEAD_ROUNDS);
	rate = median(watched, OVERHEAD_ROUNDS);
	printf("{\"name\":\"monitor_overhead\",\"transport\":\"%s\",\"payload\":%u,"
	       "\"msgs_per_s\":%.0f,\"baseline_msgs_per_s\":%.0f,\"slowdown\":%.3f,"
	       "\"dropped\":%llu}\n",
	       t->name, len, rate, base, base / rate,
	       (unsigned long long)dropped);
	return 0;
}

/*
 * The spinning round trips: the device's spin budget at its cap for the
 * rows, off again after them. Its attribute is the device's sysfs spin_us.
 */
#define SPIN_US_CAP	1000

static int spinning_rtts(struct transport *t, const char *device_path,
			 const unsigned int *lens, unsigned int n)
{
	const char *device = strrchr(device_path, '/') ? strrchr(device_path, '/') + 1 : device_path;
	unsigned int i;
	int err;

	err = attr_write(device, "spin_us", SPIN_US_CAP);
	if (err) {
		fprintf(stderr, "bench_echo: setting %s/spin_us to %d: %s\n", device, SPIN_US_CAP,
			strerror(-err));
		return err;
	}
	t->spin = true;
	t->mode = "spinning";
	for (i = 0; i < n && !err; i++)
		err = echo_rtts(t, 1, lens[i]);
	t->spin = false;
	t->mode = "sleeping";
	if (attr_write(device, "spin_us", 0) && !err)
		err = -EIO;
	return err;
}

static int open_transport(struct transport *t, const char *kind, const char *where)
{
	if (!strcmp(kind, "kucomms") || !strcmp(kind, "monitor")) {
		*t = (struct transport){
			.name = "kucomms-device", .mode = "sleeping",
			.send = kucomms_send, .recv = kucomms_recv,
		};
		if (devlink_open(&t->link, where, RING_BYTES, RING_BYTES)) {
			fprintf(stderr, "bench_echo: %s\n", devlink_error);
			return -EIO;
		}
	} else if (!strcmp(kind, "rw")) {
		*t = (struct transport){
			.name = "chardev-rw", .mode = "in-call", .send = rw_send, .recv = rw_recv,
		};
		t->fd = open(where, O_RDWR);
		if (t->fd < 0) {
			fprintf(stderr, "bench_echo: open %s: %s\n", where, strerror(errno));
			return -EIO;
		}
	} else if (!strcmp(kind, "genetlink")) {
		*t = (struct transport){
			.name = "genetlink", .mode = "in-call", .send = genl_send, .recv = genl_recv,
		};
		if (genl_echo_open(&t->genl, where)) {
			fprintf(stderr, "bench_echo: %s\n", genl_echo_error);
			return -EIO;
		}
	} else {
		return -EINVAL;
	}
	return 0;
}

static const unsigned int n_payloads = sizeof(payloads) / sizeof(payloads[0]);

/*
 * kucomms against both baselines, run by run: every round trip row, the
 * spinning ones of kucomms, every one-way row.
 */
static int compare(char **where)
{
	static const char *const kinds[MAX_TRANSPORTS] = { "kucomms", "rw", "genetlink" };
	struct transport ts[MAX_TRANSPORTS];
	unsigned int i;
	int err = 0;

	for (i = 0; i < MAX_TRANSPORTS && !err; i++)
		err = open_transport(&ts[i], kinds[i], where[i]);
	for (i = 0; i < n_payloads && !err; i++)
		err = echo_rtts(ts, MAX_TRANSPORTS, payloads[i]);
	if (!err)
		err = spinning_rtts(&ts[0], where[0], payloads, n_payloads);
	for (i = 0; i < n_payloads && !err; i++)
		err = one_ways(ts, MAX_TRANSPORTS, payloads[i]);
	return err;
}

/* One row of one transport, to profile it. */
static int one_row(struct transport *t, const char *device, const char *row, const char *payload)
{
	unsigned int len = (unsigned int)strtoul(payload, NULL, 10);

	if (len > MAX_PAYLOAD || len % 4) {
		fprintf(stderr, "bench_echo: the payload is a multiple of 4 up to %d\n", MAX_PAYLOAD);
		return -EINVAL;
	}
	if (!strcmp(row, "echo_rtt_spinning") && t->send == kucomms_send)
		return spinning_rtts(t, device, &len, 1);
	if (!strcmp(row, "echo_rtt"))
		return echo_rtts(t, 1, len);
	if (!strcmp(row, "one_way"))
		return one_ways(t, 1, len);
	fprintf(stderr, "bench_echo: no row %s\n", row);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct transport t;
	unsigned int i;
	int err = -EINVAL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "compare"))
		return compare(argv + 2) ? 1 : 0;
	if (argc == 3 || argc == 5)
		err = open_transport(&t, argv[1], argv[2]);
	if (err == -EINVAL) {
		fprintf(stderr, "usage: %s compare KUCOMMS_DEVICE RW_DEVICE GENL_FAMILY\n"
			"       %s kucomms|rw|genetlink|monitor DEVICE|FAMILY [echo_rtt|echo_rtt_spinning|one_way PAYLOAD]\n",
			argv[0], argv[0]);
		return 2;
	}
	if (err)
		return 1;
	if (argc == 5)
		return one_row(&t, argv[2], argv[3], argv[4]) ? 1 : 0;
	if (!strcmp(argv[1], "monitor")) {
		for (i = 0; i < n_payloads && !err; i++)
			err = monitor_overhead(&t, argv[2], payloads[i]);
		return err ? 1 : 0;
	}
	for (i = 0; i < n_payloads && !err; i++)
		err = echo_rtts(&t, 1, payloads[i]);
	if (t.send == kucomms_send && !err)
		err = spinning_rtts(&t, argv[2], payloads, n_payloads);
	for (i = 0; i < n_payloads && !err; i++)
		err = one_ways(&t, 1, payloads[i]);
	return err ? 1 : 0;
}
