// SPDX-License-Identifier: MIT
/*
 * monitor_longtest: watch the longtest pair (kucomms_lib_longtest against
 * the kucomms_longtest module) through a monitor and account for every
 * message of it.
 *
 *	monitor_longtest DEVICE CAPACITY READY_FILE [DELAY_US]
 *
 * Attaches a monitor of DEVICE (a ring of CAPACITY bytes), creates
 * READY_FILE, then reads until the close record of the first link that
 * opened, waiting DELAY_US microseconds after each record (a slow reader,
 * to make it drop). Then, per direction, the messages received plus those
 * its drop records reported must equal the device's sysfs counters
 * (to-module: rx_messages, from-module: tx_messages), so the device must be
 * fresh and watched from before its first link. The contents must be the
 * protocol's: every type-1 message the sequence pattern of its id, both
 * ways; every type-0 message from the module an echo equal to the one sent
 * to it (when the monitor kept that one). Prints one summary line per
 * direction and exits 0, or 1 naming the first thing that was wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kucomms/longtest.h>
#include <kucomms/monitor.h>

#include "attrs.h"

#define IDLE_LIMIT_MS	30000

/* What was sent to the module as type-0 message id i. */
struct sent {
	bool seen;
	__u64 length, user_value, hash;
};

struct tally {
	__u64 received[2], dropped[2];
	__u64 seq_checked, echoes_checked, echoes_unchecked;
	__u64 next_id[2][2];	/* per direction and type: ids only grow */
	struct sent *sent;
	__u64 nsent;
	char bad[300];
};

static __u64 fnv1a(const __u8 *p, __u64 n)
{
	__u64 h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static void complain(struct tally *t, const char *what,
		     const struct kucomms_mon_record *rec)
{
	if (!t->bad[0])
		snprintf(t->bad, sizeof(t->bad), "%s: %s type %llu id %llu length %llu",
			 what, rec->dir == KUCOMMS_MON_TO_MODULE ? "to-module" : "from-module",
			 (unsigned long long)rec->msg.type, (unsigned long long)rec->msg.id,
			 (unsigned long long)rec->msg.length);
}

static void remember_sent(struct tally *t, const struct kucomms_mon_record *rec,
			  const __u8 *data)
{
	__u64 id = rec->msg.id;

	if (id >= t->nsent) {
		__u64 n = t->nsent ? t->nsent : 1024;

		while (n <= id)
			n *= 2;
		t->sent = realloc(t->sent, n * sizeof(*t->sent));
		if (!t->sent) {
			perror("monitor_longtest");
			exit(1);
		}
		memset(t->sent + t->nsent, 0, (n - t->nsent) * sizeof(*t->sent));
		t->nsent = n;
	}
	t->sent[id] = (struct sent){ true, rec->msg.length, rec->msg.user_value,
				     fnv1a(data, rec->caplen) };
}

static void check_message(struct tally *t, const struct kucomms_mon_record *rec,
			  const __u8 *data)
{
	unsigned int dir = rec->dir, type = rec->msg.type == KUCOMMS_LONGTEST_TYPE_SEQ;
	const struct sent *s;

	t->received[dir]++;
	if (rec->caplen != rec->msg.length)
		complain(t, "the monitor cut a message short (snap length)", rec);
	if (rec->msg.type > KUCOMMS_LONGTEST_TYPE_SEQ) {
		complain(t, "a message of a type longtest does not send", rec);
		return;
	}
	if (rec->msg.id < t->next_id[dir][type])
		complain(t, "ids went backwards", rec);
	t->next_id[dir][type] = rec->msg.id + 1;
	if (type) {
		/* The module's sequence, or the application's echo of it. */
		if (!kucomms_longtest_seq_check(&rec->msg, data, rec->msg.id))
			complain(t, "not the type-1 pattern of its id", rec);
		t->seq_checked++;
	} else if (dir == KUCOMMS_MON_TO_MODULE) {
		remember_sent(t, rec, data);
	} else {
		s = rec->msg.id < t->nsent ? &t->sent[rec->msg.id] : NULL;
		if (!s || !s->seen) {
			t->echoes_unchecked++;
			return;
		}
		if (s->length != rec->msg.length || s->user_value != rec->msg.user_value ||
		    s->hash != fnv1a(data, rec->caplen))
			complain(t, "an echo differs from what was sent", rec);
		t->echoes_checked++;
	}
}

static __u64 device_attr(const char *device, const char *name)
{
	__u64 v = 0;
	int err = attr_read(device, name, &v);

	if (err) {
		fprintf(stderr, "monitor_longtest: reading %s/%s: %s\n", device, name,
			strerror(-err));
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct tally t;
	struct kucomms_mon_record rec;
	struct kucomms_mon m;
	__u32 link = KUCOMMS_MON_NO_LINK;
	unsigned int delay_us;
	const void *data;
	__u64 counter[2];
	char why[512];
	FILE *ready;
	int n, dir, ok;

	if (argc < 4) {
		fprintf(stderr, "usage: %s DEVICE CAPACITY READY_FILE [DELAY_US]\n", argv[0]);
		return 2;
	}
	delay_us = argc > 4 ? (unsigned int)atoi(argv[4]) : 0;
	if (kucomms_mon_open(&m, NULL, argv[1], strtoull(argv[2], NULL, 0), 0, why, sizeof(why))) {
		fprintf(stderr, "monitor_longtest: %s\n", why);
		return 1;
	}
	ready = fopen(argv[3], "w");
	if (ready)
		fclose(ready);
	for (;;) {
		n = kucomms_mon_next(&m.reader, &rec, &data);
		if (n == 0) {
			n = kucomms_mon_wait(&m, IDLE_LIMIT_MS);
			if (n > 0)
				continue;
		}
		if (n <= 0) {
			fprintf(stderr, "monitor_longtest: %s\n",
				n ? strerror(-n) : "no record for 30 s and the link never closed");
			return 1;
		}
		if (link == KUCOMMS_MON_NO_LINK && rec.kind == KUCOMMS_MON_EVENT &&
		    rec.event == KUCOMMS_MON_EV_LINK_OPEN)
			link = rec.link_id;
		if (rec.link_id == link) {
			if (rec.kind == KUCOMMS_MON_MESSAGE)
				check_message(&t, &rec, data);
			else if (rec.kind == KUCOMMS_MON_DROP)
				t.dropped[rec.dir] += rec.value;
		}
		kucomms_mon_done(&m.reader);
		if (rec.link_id == link && rec.kind == KUCOMMS_MON_EVENT &&
		    rec.event == KUCOMMS_MON_EV_LINK_CLOSE)
			break;
		if (delay_us)
			usleep(delay_us);
	}
	kucomms_mon_close(&m);

	counter[KUCOMMS_MON_TO_MODULE] = device_attr(argv[1], "rx_messages");
	counter[KUCOMMS_MON_FROM_MODULE] = device_attr(argv[1], "tx_messages");
	ok = !t.bad[0];
	for (dir = 0; dir < 2; dir++) {
		printf("%s: received %llu dropped %llu sysfs %llu\n",
		       dir == KUCOMMS_MON_TO_MODULE ? "to-module" : "from-module",
		       (unsigned long long)t.received[dir], (unsigned long long)t.dropped[dir],
		       (unsigned long long)counter[dir]);
		if (t.received[dir] + t.dropped[dir] != counter[dir]) {
			ok = 0;
			if (!t.bad[0])
				snprintf(t.bad, sizeof(t.bad), "%s: received + dropped != sysfs counter",
					 dir == KUCOMMS_MON_TO_MODULE ? "to-module" : "from-module");
		}
		if (!t.received[dir]) {
			ok = 0;
			if (!t.bad[0])
				snprintf(t.bad, sizeof(t.bad), "no message seen in one direction");
		}
	}
	printf("contents: %llu type-1 messages match the pattern, %llu echoes equal what was sent, %llu echoes of dropped messages unchecked\n",
	       (unsigned long long)t.seq_checked, (unsigned long long)t.echoes_checked,
	       (unsigned long long)t.echoes_unchecked);
	if (!ok)
		printf("wrong: %s\n", t.bad);
	return ok ? 0 : 1;
}
