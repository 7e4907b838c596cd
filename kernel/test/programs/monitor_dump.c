// SPDX-License-Identifier: MIT
/*
 * monitor_dump: print the records of a kucomms monitor, one line each.
 *
 *	monitor_dump [-d DEVICE] [-c CAPACITY] [-s SNAPLEN] [-n COUNT]
 *		     [-i IDLE_MS] [-r READY_FILE]
 *
 * DEVICE is kucomms_NAME or /dev/kucomms_NAME (default: every device).
 * Stops after COUNT records, or once no record came for IDLE_MS, or on
 * SIGINT/SIGTERM. READY_FILE is created once the monitor is attached, so a
 * script can start the traffic then. Lines:
 *
 *	TIME DEVICE link=ID pid=PID comm=COMM message DIR type=T id=I user_value=U length=L caplen=C data=HEX...
 *	TIME DEVICE link=ID pid=PID comm=COMM drop DIR count=N
 *	TIME DEVICE link=ID pid=PID comm=COMM event NAME value=V
 *
 * DIR is to-module or from-module (or none); link=- for device events.
 * Exit status 0, or 1 with the reason on stderr (e.g. no permission).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kucomms/monitor.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	const char *device = NULL, *ready = NULL;
	unsigned long long capacity = 0, snaplen = 0, count = 0, seen = 0;
	int idle_ms = -1, opt, n, err;
	struct kucomms_mon_record rec;
	struct kucomms_mon m;
	const void *data;
	char why[512];

	while ((opt = getopt(argc, argv, "d:c:s:n:i:r:")) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
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
			fprintf(stderr, "usage: %s [-d DEVICE] [-c CAPACITY] [-s SNAPLEN] [-n COUNT] [-i IDLE_MS] [-r READY_FILE]\n",
				argv[0]);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = kucomms_mon_open(&m, NULL, device, capacity, (__u32)snaplen, why, sizeof(why));
	if (err) {
		fprintf(stderr, "monitor_dump: %s\n", why);
		return 1;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stopping && (!count || seen < count)) {
		n = kucomms_mon_next(&m.reader, &rec, &data);
		if (n > 0) {
			kucomms_mon_print(stdout, &rec, data);
			kucomms_mon_done(&m.reader);
			seen++;
			continue;
		}
		if (n == 0)
			n = kucomms_mon_wait(&m, idle_ms);
		if (n == 0 && idle_ms >= 0)
			break;
		if (n < 0) {
			fprintf(stderr, "monitor_dump: the monitor stopped: %s\n", strerror(-n));
			kucomms_mon_close(&m);
			return 1;
		}
	}
	kucomms_mon_close(&m);
	return 0;
}
