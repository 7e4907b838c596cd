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

/* Data bytes printed per message, at most. */
#define DUMP_DATA_MAX 32

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *dir_name(unsigned int dir)
{
	return dir == KUCOMMS_MON_TO_MODULE ? "to-module" :
	       dir == KUCOMMS_MON_FROM_MODULE ? "from-module" : "none";
}

static void print_record(const struct kucomms_mon_record *rec, const __u8 *data)
{
	unsigned int i;

	printf("%llu.%09llu %s ", (unsigned long long)(rec->time_ns / 1000000000),
	       (unsigned long long)(rec->time_ns % 1000000000),
	       rec->device[0] ? rec->device : "-");
	if (rec->link_id == KUCOMMS_MON_NO_LINK)
		printf("link=- ");
	else
		printf("link=%u ", rec->link_id);
	printf("pid=%d comm=%s ", rec->pid, rec->comm[0] ? rec->comm : "-");
	switch (rec->kind) {
	case KUCOMMS_MON_MESSAGE:
		printf("message %s type=%llu id=%llu user_value=%llu length=%llu caplen=%u data=",
		       dir_name(rec->dir), (unsigned long long)rec->msg.type,
		       (unsigned long long)rec->msg.id, (unsigned long long)rec->msg.user_value,
		       (unsigned long long)rec->msg.length, rec->caplen);
		for (i = 0; i < rec->caplen && i < DUMP_DATA_MAX; i++)
			printf("%02x", data[i]);
		printf("%s\n", rec->caplen > DUMP_DATA_MAX ? "..." : "");
		break;
	case KUCOMMS_MON_DROP:
		printf("drop %s count=%llu\n", dir_name(rec->dir),
		       (unsigned long long)rec->value);
		break;
	default:
		printf("event %s value=%lld\n", kucomms_mon_event_name(rec->event),
		       (long long)rec->value);
		break;
	}
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
			print_record(&rec, data);
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
