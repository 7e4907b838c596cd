// SPDX-License-Identifier: MIT
/*
 * The kucomms_echo module seen through its device: every message comes
 * back unchanged on the link it was sent on, several openers at once each
 * get their own echoes, and the device's counters count them. The device
 * is $KUCOMMS_TEST_DEVICE (default /dev/kucomms_echo).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../native/tests/testing.h"
#include "attrs.h"
#include "devlink.h"

TESTING_MAIN_STATE;

#define RECV_TIMEOUT_MS 5000

static const char *device_path(void)
{
	const char *d = getenv("KUCOMMS_TEST_DEVICE");

	return d ? d : "/dev/kucomms_echo";
}

/* The device's sysfs name: the path without "/dev/". */
static const char *device_name(void)
{
	const char *slash = strrchr(device_path(), '/');

	return slash ? slash + 1 : device_path();
}

static __u64 attr(const char *name)
{
	__u64 v = 0;
	int err = attr_read(device_name(), name, &v);

	CHECK_MSG(!err, "reading %s/%s: %s", device_name(), name, strerror(-err));
	return v;
}

/* Data that differs for every (@seed, byte) so a swapped byte shows. */
static void fill(__u8 *buf, __u64 length, __u64 seed)
{
	__u64 i;

	for (i = 0; i < length; i++)
		buf[i] = (__u8)(seed * 131 + i * 7 + (i >> 8));
}

/*
 * Send @count messages (sizes from @sizes, cycling) tagged with @tag and
 * check every echo: same header, same bytes, same order. Keeps at most
 * half a ring in flight so the module's replies always fit. Returns NULL
 * or a description of the first difference (static buffer).
 */
static const char *exchange(struct devlink *l, const __u64 *sizes, size_t nsizes,
			    __u64 count, __u64 tag)
{
	static __thread char why[400];
	__u64 max = kucomms_ring_max_length(l->setup.ring1_capacity);
	__u8 *out = malloc(max), *in = malloc(max + 1);
	__u64 sent = 0, received = 0, in_flight = 0;
	const char *result = NULL;

	while (!result && received < count) {
		struct kucomms_msg_header hdr, echo;
		__u64 len;
		int ret;

		len = sizes[sent % nsizes] < max ? sizes[sent % nsizes] : max;
		if (sent < count &&
		    in_flight + kucomms_record_size(len) <= l->setup.ring0_capacity / 2) {
			hdr = (struct kucomms_msg_header){
				.length = len, .type = tag, .id = sent, .user_value = ~tag,
			};
			fill(out, len, tag ^ sent);
			ret = devlink_send(l, &hdr, out);
			if (ret) {
				snprintf(why, sizeof(why), "send %llu: %.200s",
					 (unsigned long long)sent, devlink_error);
				result = why;
				break;
			}
			in_flight += kucomms_record_size(len);
			sent++;
			continue;
		}
		ret = devlink_recv(l, &echo, in, max + 1, RECV_TIMEOUT_MS);
		if (ret != 1) {
			char rings[120];
			const char *after_wake = "";

			devlink_describe(l, rings, sizeof(rings));
			/* Tell a lost wakeup from a lost message. */
			if (ret == 0 && !ioctl(l->fd, KUCOMMS_IOC_WAKE) &&
			    devlink_recv(l, &echo, in, max + 1, 2000) == 1)
				after_wake = "; it came after an extra KUCOMMS_IOC_WAKE";
			snprintf(why, sizeof(why), "echo %llu of %llu (tag %llu): %.80s (%s)%s",
				 (unsigned long long)received, (unsigned long long)count,
				 (unsigned long long)tag,
				 ret ? devlink_error : "none within 5 s", rings, after_wake);
			result = why;
			break;
		}
		len = sizes[received % nsizes] < max ? sizes[received % nsizes] : max;
		fill(out, len, tag ^ received);
		if (echo.length != len || echo.type != tag || echo.id != received ||
		    echo.user_value != ~tag || memcmp(in, out, len)) {
			snprintf(why, sizeof(why),
				 "echo %llu (tag %llu): expected length %llu type %llu id %llu, got length %llu type %llu id %llu%s",
				 (unsigned long long)received, (unsigned long long)tag,
				 (unsigned long long)len, (unsigned long long)tag,
				 (unsigned long long)received,
				 (unsigned long long)echo.length,
				 (unsigned long long)echo.type,
				 (unsigned long long)echo.id,
				 echo.length == len ? " (data differs)" : "");
			result = why;
		}
		in_flight -= kucomms_record_size(len);
		received++;
	}
	free(out);
	free(in);
	return result;
}

TEST(every_message_size_comes_back_unchanged)
{
	struct devlink l;
	__u64 max;
	const char *why;

	CHECK_EQ(devlink_open(&l, device_path(), 0, 0), 0);
	max = kucomms_ring_max_length(l.setup.ring1_capacity);
	{
		const __u64 sizes[] = { 0, 1, 7, 31, 32, 33, 63, 64, 100, 1000, 4064,
					4096, 4097, 65536, max - 1, max };

		why = exchange(&l, sizes, sizeof(sizes) / sizeof(sizes[0]), 2 * 16, 1);
	}
	CHECK_MSG(!why, "%s", why);
	devlink_close(&l);
}

TEST(many_messages_wrap_both_rings_many_times)
{
	const __u64 sizes[] = { 0, 5, 40, 333, 1024, 2047, 3000 };
	struct devlink l;
	const char *why;

	/* The smallest rings wrap after a few messages. */
	CHECK_EQ(devlink_open(&l, device_path(), KUCOMMS_RING_MIN_CAPACITY,
			      KUCOMMS_RING_MIN_CAPACITY), 0);
	why = exchange(&l, sizes, sizeof(sizes) / sizeof(sizes[0]), 5000, 2);
	CHECK_MSG(!why, "%s", why);
	devlink_close(&l);
}

TEST(three_concurrent_openers_each_get_their_own_echoes)
{
	enum { OPENERS = 3 };
	const __u64 sizes[] = { 0, 16, 200, 1500, 4000, 9000 };
	int ready[2], go[2], report[2], status, i;
	pid_t pids[OPENERS];
	char why[OPENERS][256] = { { 0 } };
	__u64 links_while_open;

	CHECK_EQ(pipe(ready), 0);
	CHECK_EQ(pipe(go), 0);
	CHECK_EQ(pipe(report), 0);
	for (i = 0; i < OPENERS; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0) {
			struct devlink l;
			const char *err = NULL;
			char msg[256] = "";
			char c;

			if (devlink_open(&l, device_path(), 0, 0))
				err = devlink_error;
			/* Open together, then exchange together. */
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(3);
			if (!err)
				err = exchange(&l, sizes, 6, 3000, 100 + i);
			if (err) {
				snprintf(msg, sizeof(msg), "%d %.200s", i, err);
				if (write(report[1], msg, sizeof(msg)) != sizeof(msg))
					_exit(4);
			}
			_exit(err ? 1 : 0);
		}
	}
	for (i = 0; i < OPENERS; i++) {
		char c;

		CHECK_EQ(read(ready[0], &c, 1), 1);
	}
	links_while_open = attr("links");
	CHECK_EQ(write(go[1], "ggg", OPENERS), OPENERS);
	for (i = 0; i < OPENERS; i++)
		CHECK_EQ(waitpid(pids[i], &status, 0), pids[i]);
	close(report[1]);
	for (;;) {
		char msg[256];
		int who;

		if (read(report[0], msg, sizeof(msg)) != sizeof(msg))
			break;
		who = atoi(msg);
		if (who >= 0 && who < OPENERS)
			snprintf(why[who], sizeof(why[who]), "%.200s", strchr(msg, ' ') + 1);
	}
	for (i = 0; i < OPENERS; i++)
		CHECK_MSG(!why[i][0], "opener %d: %s%s%s%s%s", i + 1, why[i],
			  why[(i + 1) % OPENERS][0] ? "; another: " : "", why[(i + 1) % OPENERS],
			  why[(i + 2) % OPENERS][0] ? "; another: " : "", why[(i + 2) % OPENERS]);
	CHECK_EQ(links_while_open, OPENERS);
	CHECK_EQ(attr("links"), 0);
}

TEST(device_counters_count_messages_and_bytes_both_ways)
{
	const __u64 sizes[] = { 0, 10, 100, 1000 };
	__u64 rx_m = attr("rx_messages"), rx_b = attr("rx_bytes");
	__u64 tx_m = attr("tx_messages"), tx_b = attr("tx_bytes");
	struct devlink l;
	const char *why;

	CHECK_EQ(devlink_open(&l, device_path(), 0, 0), 0);
	CHECK_EQ(attr("links"), 1);
	why = exchange(&l, sizes, 4, 40, 3);
	CHECK_MSG(!why, "%s", why);
	devlink_close(&l);
	CHECK_EQ(attr("rx_messages") - rx_m, 40);
	CHECK_EQ(attr("rx_bytes") - rx_b, 10 * 1110);
	CHECK_EQ(attr("tx_messages") - tx_m, 40);
	CHECK_EQ(attr("tx_bytes") - tx_b, 10 * 1110);
	CHECK_EQ(attr("registered"), 1);
	CHECK_EQ(attr("links"), 0);
}

TEST(poll_stays_blocked_while_nothing_is_sent)
{
	struct devlink l;
	struct pollfd pfd;

	CHECK_EQ(devlink_open(&l, device_path(), 0, 0), 0);
	pfd = (struct pollfd){ .fd = l.fd, .events = POLLIN };
	CHECK(kucomms_ring_prepare_sleep(&l.rx));
	CHECK_EQ(poll(&pfd, 1, 300), 0);
	kucomms_ring_end_sleep(&l.rx, false);
	devlink_close(&l);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
