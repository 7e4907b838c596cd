// SPDX-License-Identifier: MIT
/*
 * kucomms_extcap: a Wireshark extcap program, so Wireshark and tshark list
 * the kernel's kucomms monitor (/dev/kumon) as capture interfaces and
 * capture from them live. Installed in Wireshark's extcap folder
 * (`tshark -G folders` shows it), it answers Wireshark's questions:
 *
 *	kucomms_extcap --extcap-interfaces
 *	kucomms_extcap --extcap-interface kumon --extcap-dlts
 *	kucomms_extcap --extcap-interface kumon --extcap-config
 *	kucomms_extcap --extcap-interface kumon-kucomms_echo --capture --fifo PATH [--snaplen N] [--ring-kib N]
 *
 * Interfaces: "kumon" watches every device, "kumon-kucomms_NAME" one. The
 * packets are what `kucomms-studio export-pcapng` writes (link type USER0,
 * the version-1 pseudo-header naming the device and the direction, the
 * 32-byte header, the data), so the dissectors `kucomms-studio gen lua`
 * generates decode them. Messages to the module are direction 0 (tx) and
 * outbound, messages from it direction 1 (rx) and inbound (epb_flags).
 * Each packet's comment names the link, the opener's pid and command; drop
 * records and events go into the comment of the next packet, and the
 * interface statistics at the end count every message dropped.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kucomms/monitor.h>

#define INTERFACE_ALL "kumon"
#define INTERFACE_PREFIX "kumon-"
#define LINKTYPE_USER0 147
#define SYSFS_DEVICES "/sys/devices/virtual/kucomms"
#define PENDING_MAX 2048

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void list_interfaces(void)
{
	struct dirent *e;
	DIR *dir;

	printf("extcap {version=%s}{help=https://github.com/kucomms}\n", "1");
	if (access(KUCOMMS_MON_NODE, F_OK))
		return;
	printf("interface {value=%s}{display=kucomms monitor: every device}\n", INTERFACE_ALL);
	dir = opendir(SYSFS_DEVICES);
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (!strncmp(e->d_name, KUCOMMS_NAME_PREFIX, strlen(KUCOMMS_NAME_PREFIX)))
			printf("interface {value=%s%s}{display=kucomms monitor: /dev/%s}\n",
			       INTERFACE_PREFIX, e->d_name, e->d_name);
	closedir(dir);
}

/* The device an interface watches: "" for every device, NULL if not ours. */
static const char *interface_device(const char *interface)
{
	if (!strcmp(interface, INTERFACE_ALL))
		return "";
	if (!strncmp(interface, INTERFACE_PREFIX, strlen(INTERFACE_PREFIX)))
		return interface + strlen(INTERFACE_PREFIX);
	return NULL;
}

/* ---- pcapng ---- */

struct writer {
	FILE *out;
	int failed;
	char pending[PENDING_MAX]; /* events and drops for the next comment */
	unsigned long long dropped;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (!w->failed && n && fwrite(p, 1, n, w->out) != n)
		w->failed = 1;
}

static void put32(struct writer *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_option(struct writer *w, uint16_t code, const void *value, uint16_t length)
{
	static const uint8_t zero[4];

	put(w, &code, 2);
	put(w, &length, 2);
	put(w, value, length);
	put(w, zero, (4 - length % 4) % 4);
}

static uint32_t option_size(size_t length)
{
	return 4 + (uint32_t)((length + 3) & ~(size_t)3);
}

static void put_header(struct writer *w, const char *name)
{
	const uint8_t tsresol = 9; /* nanoseconds */
	uint32_t idb_len = 20 + option_size(strlen(name)) + option_size(1) + 4;
	uint16_t linktype = LINKTYPE_USER0, reserved = 0;
	int64_t section_length = -1;

	put32(w, 0x0A0D0D0A); /* section header block */
	put32(w, 28);
	put32(w, 0x1A2B3C4D);
	put(w, &(uint16_t){ 1 }, 2);
	put(w, &(uint16_t){ 0 }, 2);
	put(w, &section_length, 8);
	put32(w, 28);

	put32(w, 1); /* interface description block */
	put32(w, idb_len);
	put(w, &linktype, 2);
	put(w, &reserved, 2);
	put32(w, 0);					/* no snap length limit */
	put_option(w, 2, name, (uint16_t)strlen(name)); /* if_name */
	put_option(w, 9, &tsresol, 1);			/* if_tsresol */
	put32(w, 0);					/* opt_endofopt */
	put32(w, idb_len);
}

static void put_packet(struct writer *w, const struct kucomms_mon_record *rec, const void *data)
{
	char target[KUCOMMS_NAME_MAX + 8], comment[PENDING_MAX + 128];
	uint16_t target_len, pseudo_len;
	uint8_t pseudo[4];
	uint32_t caplen, origlen, flags, total;
	int n;

	n = snprintf(target, sizeof(target), "/dev/%s", rec->device);
	target_len = (uint16_t)n;
	pseudo_len = (uint16_t)(4 + target_len);
	pseudo[0] = 1;
	pseudo[1] = rec->dir == KUCOMMS_MON_TO_MODULE ? 0 : 1;
	memcpy(pseudo + 2, &pseudo_len, 2);
	caplen = pseudo_len + (uint32_t)sizeof(rec->msg) + rec->caplen;
	origlen = pseudo_len + (uint32_t)sizeof(rec->msg) + (uint32_t)rec->msg.length;
	/* epb_flags: inbound (1) from the module, outbound (2) to it. */
	flags = rec->dir == KUCOMMS_MON_TO_MODULE ? 2 : 1;
	n = snprintf(comment, sizeof(comment), "link=%u pid=%d comm=%s%s%s", rec->link_id, rec->pid,
		     rec->comm, w->pending[0] ? "; " : "", w->pending);
	w->pending[0] = 0;
	total = 28 + ((caplen + 3) & ~3u) + option_size(4) + option_size((size_t)n) + 4 + 4;

	put32(w, 6); /* enhanced packet block */
	put32(w, total);
	put32(w, 0);
	put32(w, (uint32_t)(rec->time_ns >> 32));
	put32(w, (uint32_t)rec->time_ns);
	put32(w, caplen);
	put32(w, origlen);
	put(w, pseudo, 4);
	put(w, target, target_len);
	put(w, &rec->msg, sizeof(rec->msg));
	put(w, data, rec->caplen);
	put(w, "\0\0\0", (4 - caplen % 4) % 4);
	put_option(w, 2, &flags, 4);		/* epb_flags */
	put_option(w, 1, comment, (uint16_t)n); /* opt_comment */
	put32(w, 0);
	put32(w, total);
}

/* What happened besides messages: said in the next packet's comment. */
static void note(struct writer *w, const struct kucomms_mon_record *rec)
{
	size_t used = strlen(w->pending);
	char line[256];

	if (rec->kind == KUCOMMS_MON_DROP) {
		snprintf(line, sizeof(line), "%s link %d: %llu %s dropped", rec->device,
			 rec->link_id == KUCOMMS_MON_NO_LINK ? -1 : (int)rec->link_id,
			 (unsigned long long)rec->value,
			 rec->dir == KUCOMMS_MON_DIR_NONE    ? "events"
			 : rec->dir == KUCOMMS_MON_TO_MODULE ? "messages to the module"
							     : "messages from the module");
		if (rec->dir != KUCOMMS_MON_DIR_NONE)
			w->dropped += rec->value;
	} else {
		snprintf(line, sizeof(line), "%s %s link=%d pid=%d comm=%s value=%lld", rec->device,
			 kucomms_mon_event_name(rec->event),
			 rec->link_id == KUCOMMS_MON_NO_LINK ? -1 : (int)rec->link_id, rec->pid,
			 rec->comm, (long long)rec->value);
	}
	if (used + strlen(line) + 3 < sizeof(w->pending))
		snprintf(w->pending + used, sizeof(w->pending) - used, "%s%s", used ? "; " : "",
			 line);
}

/* The interface statistics block at the end: messages dropped in all. */
static void put_statistics(struct writer *w)
{
	size_t n = strlen(w->pending);
	uint32_t total = 20 + option_size(8) + (n ? option_size(n) : 0) + 4 + 4;
	uint64_t dropped = w->dropped;

	put32(w, 5);
	put32(w, total);
	put32(w, 0);
	put32(w, 0);
	put32(w, 0);
	put_option(w, 5, &dropped, 8); /* isb_ifdrop */
	if (n)
		put_option(w, 1, w->pending, (uint16_t)n);
	put32(w, 0);
	put32(w, total);
}

static int capture(const char *interface, const char *fifo, unsigned long snaplen,
		   unsigned long ring_kib)
{
	static struct writer w;
	struct kucomms_mon_record rec;
	const char *device = interface_device(interface);
	struct kucomms_mon m;
	const void *data;
	char why[512];
	int n;

	if (!device) {
		fprintf(stderr, "kucomms_extcap: %s is not a kucomms monitor interface\n",
			interface);
		return 1;
	}
	if (kucomms_mon_open(&m, NULL, device, (__u64)ring_kib << 10, (__u32)snaplen, why,
			     sizeof(why))) {
		fprintf(stderr, "kucomms_extcap: %s\n", why);
		return 1;
	}
	w.out = fopen(fifo, "wb");
	if (!w.out) {
		fprintf(stderr, "kucomms_extcap: %s: %s\n", fifo, strerror(errno));
		kucomms_mon_close(&m);
		return 1;
	}
	put_header(&w, interface);
	fflush(w.out);
	while (!stopping && !w.failed) {
		n = kucomms_mon_next(&m.reader, &rec, &data);
		if (n > 0) {
			if (rec.kind == KUCOMMS_MON_MESSAGE)
				put_packet(&w, &rec, data);
			else
				note(&w, &rec);
			kucomms_mon_done(&m.reader);
			continue;
		}
		if (fflush(w.out))
			w.failed = 1;
		if (n == 0)
			n = kucomms_mon_wait(&m, 200);
		if (n < 0) {
			fprintf(stderr, "kucomms_extcap: the monitor stopped: %s\n", strerror(-n));
			break;
		}
	}
	put_statistics(&w);
	fclose(w.out);
	kucomms_mon_close(&m);
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		INTERFACES = 1,
		VERSION,
		DLTS,
		CONFIG,
		CAPTURE,
		INTERFACE,
		FIFO,
		FILTER,
		SNAPLEN,
		RING
	};
	static const struct option options[] = {
		{ "extcap-interfaces", no_argument, NULL, INTERFACES },
		{ "extcap-version", optional_argument, NULL, VERSION },
		{ "extcap-dlts", no_argument, NULL, DLTS },
		{ "extcap-config", no_argument, NULL, CONFIG },
		{ "capture", no_argument, NULL, CAPTURE },
		{ "extcap-interface", required_argument, NULL, INTERFACE },
		{ "fifo", required_argument, NULL, FIFO },
		{ "extcap-capture-filter", required_argument, NULL, FILTER },
		{ "snaplen", required_argument, NULL, SNAPLEN },
		{ "ring-kib", required_argument, NULL, RING },
		{ NULL, 0, NULL, 0 },
	};
	const char *interface = NULL, *fifo = NULL;
	unsigned long snaplen = 0, ring_kib = 1024;
	int opt, action = 0;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case INTERFACES:
		case DLTS:
		case CONFIG:
		case CAPTURE:
			action = opt;
			break;
		case INTERFACE:
			interface = optarg;
			break;
		case FIFO:
			fifo = optarg;
			break;
		case SNAPLEN:
			snaplen = strtoul(optarg, NULL, 0);
			break;
		case RING:
			ring_kib = strtoul(optarg, NULL, 0);
			break;
		case VERSION:
		case FILTER:
			break;
		default:
			return 2;
		}
	}
	if (action == INTERFACES) {
		list_interfaces();
		return 0;
	}
	if (!interface) {
		fprintf(stderr,
			"kucomms_extcap: --extcap-interface is needed (see --extcap-interfaces)\n");
		return 2;
	}
	if (action == DLTS) {
		printf("dlt {number=%d}{name=USER0}{display=kucomms messages}\n", LINKTYPE_USER0);
		return 0;
	}
	if (action == CONFIG) {
		printf("arg {number=0}{call=--snaplen}{display=Snap length}{type=unsigned}{default=0}"
		       "{tooltip=Data bytes kept of each message, 0 for all}\n");
		printf("arg {number=1}{call=--ring-kib}{display=Ring size (KiB)}{type=unsigned}"
		       "{default=1024}{tooltip=The monitor ring, a power of two from 4 to 16384 KiB}\n");
		return 0;
	}
	if (action == CAPTURE && fifo) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGPIPE, SIG_IGN);
		return capture(interface, fifo, snaplen, ring_kib);
	}
	fprintf(stderr, "kucomms_extcap: nothing to do (--extcap-interfaces, --extcap-dlts, "
			"--extcap-config, or --capture --fifo PATH)\n");
	return 2;
}
