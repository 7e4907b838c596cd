// SPDX-License-Identifier: MIT
/*
 * kucomms_monitor: print every message a link carries, one line each
 * (kucomms_mon_print()).
 *
 *	kucomms_monitor [-c CAPACITY] [-s SNAPLEN] [-n COUNT] [-i IDLE_MS]
 *			[-r READY_FILE] TARGET
 *
 * TARGET is shm:NAME (a shm link one of whose programs publishes it:
 * KUCOMMS_MONITOR=1 in its environment, or kucomms_link_monitor_enable()),
 * /dev/kucomms_NAME or /dev/kucomms (the kernel's monitor). Stops after
 * COUNT records, once no record came for IDLE_MS, when the publishing
 * program closes the link, or on SIGINT/SIGTERM. READY_FILE is created
 * once the monitor is attached. Exit status 0, or 1 with the reason on
 * stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kucomms/kucomms.h>
#include <kucomms/monitor.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-c CAPACITY] [-s SNAPLEN] [-n COUNT] [-i IDLE_MS] [-r READY_FILE] shm:NAME|/dev/kucomms_NAME|/dev/kucomms\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long long capacity = 0, snaplen = 0, count = 0, seen = 0;
	const char *ready = NULL;
	int idle_ms = -1, opt, n;
	struct kucomms_mon_record rec;
	struct kucomms_monitor *m;
	const void *data;

	while ((opt = getopt(argc, argv, "c:s:n:i:r:")) != -1) {
		switch (opt) {
		case 'c':
			capacity = strtoull(optarg, NULL, 0);
			break;
		case 's':
			snaplen = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'i':
			idle_ms = atoi(optarg);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return usage(argv[0]);
		}
	}
	if (optind != argc - 1)
		return usage(argv[0]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (kucomms_monitor_open(argv[optind], capacity, (uint32_t)snaplen, &m)) {
		fprintf(stderr, "kucomms_monitor: %s\n", kucomms_last_error());
		return 1;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stopping && (!count || seen < count)) {
		n = kucomms_monitor_next(m, &rec, &data);
		if (n > 0) {
			kucomms_mon_print(stdout, &rec, data);
			kucomms_monitor_done(m);
			seen++;
			continue;
		}
		if (n == 0)
			n = kucomms_monitor_wait(m, idle_ms);
		if (n == -EPIPE || (n == 0 && idle_ms >= 0))
			break;
		if (n < 0) {
			fprintf(stderr, "kucomms_monitor: %s\n", kucomms_last_error());
			kucomms_monitor_close(m);
			return 1;
		}
	}
	kucomms_monitor_close(m);
	return 0;
}
