// SPDX-License-Identifier: MIT
/*
 * libkucomms's device transport end to end: an endpoint linked to
 * /dev/kucomms_echo ($KUCOMMS_TEST_DEVICE) through the public API sends
 * messages of every size from 0 to the largest the link allows and gets
 * each back unchanged, in order, from its own thread's message handler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/kucomms.h>

#include "../../../native/tests/testing.h"

TESTING_MAIN_STATE;

#define WAIT_S 10

static const char *device_path(void)
{
	const char *d = getenv("KUCOMMS_TEST_DEVICE");

	return d ? d : "/dev/kucomms_echo";
}

/* What the endpoint thread received, handed to the test thread. */
struct inbox {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	__u64 count;			/* messages received */
	__u64 mismatches;		/* echoes that differed from what was sent */
	char first_mismatch[200];
	__u64 (*expected_length)(__u64 id);
	__u64 tag;
};

static void fill(__u8 *buf, __u64 length, __u64 seed)
{
	__u64 i;

	for (i = 0; i < length; i++)
		buf[i] = (__u8)(seed * 29 + i * 13 + (i >> 9));
}

/* Runs on the endpoint's thread: check the echo against what was sent. */
static void on_message(struct kucomms_link *link, const struct kucomms_msg_header *hdr,
		       const void *data, void *user)
{
	struct inbox *in = user;
	__u64 want = in->expected_length(in->count);
	__u8 *expect = malloc(want ? want : 1);
	int same;

	(void)link;
	fill(expect, want, in->count);
	same = hdr->length == want && hdr->id == in->count && hdr->type == in->tag &&
	       hdr->user_value == ~in->count && !memcmp(data, expect, want);
	free(expect);
	pthread_mutex_lock(&in->lock);
	if (!same && !in->mismatches++)
		snprintf(in->first_mismatch, sizeof(in->first_mismatch),
			 "echo %llu: expected length %llu id %llu type %llu, got length %llu id %llu type %llu%s",
			 (unsigned long long)in->count, (unsigned long long)want,
			 (unsigned long long)in->count, (unsigned long long)in->tag,
			 (unsigned long long)hdr->length, (unsigned long long)hdr->id,
			 (unsigned long long)hdr->type,
			 hdr->length == want ? " (data differs)" : "");
	in->count++;
	pthread_cond_broadcast(&in->changed);
	pthread_mutex_unlock(&in->lock);
}

static struct inbox inbox = {
	.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER,
};

/* Wait until @count echoes arrived; false after WAIT_S seconds without. */
static int wait_for(__u64 count)
{
	struct timespec until;
	int ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	pthread_mutex_lock(&inbox.lock);
	while (inbox.count < count &&
	       pthread_cond_timedwait(&inbox.changed, &inbox.lock, &until) != ETIMEDOUT)
		;
	ok = inbox.count >= count;
	pthread_mutex_unlock(&inbox.lock);
	return ok;
}

static struct kucomms_endpoint *ep;
static struct kucomms_link *echo_link;

static void open_echo(__u64 (*expected_length)(__u64), __u64 tag)
{
	struct kucomms_handlers h = { .message = on_message };
	int err;

	inbox.count = inbox.mismatches = 0;
	inbox.expected_length = expected_length;
	inbox.tag = tag;
	ep = kucomms_endpoint_create(&h, &inbox, NULL);
	CHECK_MSG(ep, "kucomms_endpoint_create: %s", kucomms_last_error());
	err = kucomms_link_device_open(ep, device_path(), NULL, &echo_link);
	CHECK_MSG(!err, "kucomms_link_device_open(%s): %s (%s)", device_path(),
		  kucomms_strerror(err), kucomms_last_error());
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
}

/* Send message @id, retrying while the ring is full. */
static void send_one(__u64 id, __u64 length, __u64 tag)
{
	struct kucomms_msg_header hdr = {
		.length = length, .type = tag, .id = id, .user_value = ~id,
	};
	__u8 *data = malloc(length ? length : 1);
	time_t give_up = time(NULL) + WAIT_S;
	int err;

	fill(data, length, id);
	while ((err = kucomms_send_locked(echo_link, &hdr, data)) == -ENOBUFS &&
	       time(NULL) < give_up)
		usleep(1000);
	free(data);
	CHECK_MSG(!err, "sending message %llu (%llu bytes): %s (%s)", (unsigned long long)id,
		  (unsigned long long)length, kucomms_strerror(err), kucomms_last_error());
}

static __u64 max_length;

/* Sizes around every boundary of the record format, then the largest. */
static __u64 size_ladder(__u64 id)
{
	static const __u64 sizes[] = { 0, 1, 2, 31, 32, 33, 63, 64, 65, 255, 256, 1000,
				       4064, 4065, 4096, 10000, 65536 };
	const size_t n = sizeof(sizes) / sizeof(sizes[0]);

	if (id < n)
		return sizes[id];
	return id == n ? max_length - 1 : max_length;
}

static __u64 stream_size(__u64 id)
{
	return (id * 37) % 3000;
}

TEST(device_link_names_its_target_and_its_largest_message)
{
	open_echo(stream_size, 0);
	CHECK(!strcmp(kucomms_link_target(echo_link), device_path()));
	CHECK_EQ(kucomms_link_max_length(echo_link),
		 KUCOMMS_MSG_MAX_LENGTH(KUCOMMS_RING_DEFAULT_CAPACITY));
	kucomms_endpoint_destroy(ep);
}

TEST(every_size_from_zero_to_the_largest_echoes_unchanged)
{
	__u64 id;

	open_echo(size_ladder, 7);
	max_length = kucomms_link_max_length(echo_link);
	for (id = 0; id < 19; id++) {
		send_one(id, size_ladder(id), 7);
		CHECK_MSG(wait_for(id + 1), "no echo of message %llu (%llu bytes) within %d s",
			  (unsigned long long)id, (unsigned long long)size_ladder(id), WAIT_S);
	}
	CHECK_MSG(!inbox.mismatches, "%llu echoes differ; first: %s",
		  (unsigned long long)inbox.mismatches, inbox.first_mismatch);
	kucomms_endpoint_destroy(ep);
}

TEST(ten_thousand_pipelined_messages_echo_in_order)
{
	struct kucomms_link_counters c;
	__u64 id, bytes = 0;

	open_echo(stream_size, 8);
	for (id = 0; id < 10000; id++) {
		send_one(id, stream_size(id), 8);
		bytes += stream_size(id);
	}
	CHECK_MSG(wait_for(10000), "%llu of 10000 echoes within %d s of the last send",
		  (unsigned long long)inbox.count, WAIT_S);
	CHECK_MSG(!inbox.mismatches, "%llu echoes differ; first: %s",
		  (unsigned long long)inbox.mismatches, inbox.first_mismatch);
	CHECK_EQ(kucomms_link_counters(echo_link, &c), 0);
	CHECK_EQ(c.sent, 10000);
	CHECK_EQ(c.received, 10000);
	CHECK_EQ(c.bytes_sent, bytes);
	CHECK_EQ(c.bytes_received, bytes);
	kucomms_endpoint_destroy(ep);
}

TEST(a_missing_device_is_refused_with_enoent_and_named)
{
	struct kucomms_handlers h = { .message = on_message };
	struct kucomms_link *l;
	struct kucomms_endpoint *e = kucomms_endpoint_create(&h, &inbox, NULL);

	CHECK(e);
	CHECK_EQ(kucomms_link_device_open(e, "/dev/kucomms_no_such_device", NULL, &l), -ENOENT);
	CHECK_MSG(strstr(kucomms_last_error(), "/dev/kucomms_no_such_device"),
		  "the error message does not name the device: \"%s\"", kucomms_last_error());
	kucomms_endpoint_destroy(e);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
