// SPDX-License-Identifier: MIT
/*
 * The errors a user meets, each with its errno value and the sentence
 * kucomms_last_error() gives: bad shm names, missing or wrong devices,
 * crafted link memory from a fake creator (bad magic, other ABI,
 * inconsistent, too small), shm names nobody serves, oversize messages,
 * unknown targets, bad capacities, protocol checks of what is no device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"
#include "shm_fakes.h"
#include "testing.h"

TESTING_MAIN_STATE;

static const struct kucomms_handlers handlers = { .message = ignore_message };

TEST(a_bad_shm_name_is_refused_with_the_rule)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link = NULL;
	char long_name[80];

	CHECK(ep);
	CHECK_EQ(kucomms_link_open_target(ep, "shm:bad/name", NULL, &link), -EINVAL);
	CHECK_STR_EQ(kucomms_last_error(),
		     "shm:bad/name: invalid name (use 1 to 63 letters, digits, '_', '-', '.')");
	CHECK_EQ(kucomms_link_shm_create(ep, "bad name", NULL, &link), -EINVAL);
	CHECK_CONTAINS(kucomms_last_error(), "shm:bad name: invalid name");
	CHECK_EQ(kucomms_link_shm_attach(ep, "", &link), -EINVAL);
	memset(long_name, 'a', 64);
	long_name[64] = 0;
	CHECK_EQ(kucomms_link_shm_create(ep, long_name, NULL, &link), -EINVAL);
	long_name[63] = 0; /* 63 is allowed: it fails later, for want of a peer */
	CHECK_EQ(kucomms_link_shm_attach(ep, long_name, &link), -ENOENT);
	CHECK(link == NULL);
	kucomms_endpoint_destroy(ep);
}

TEST(a_missing_device_says_what_to_check)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;

	CHECK(ep);
	CHECK_EQ(kucomms_link_open_target(ep, "/dev/kucomms_no_such_device", NULL, &link), -ENOENT);
	CHECK_STR_EQ(kucomms_last_error(),
		     "open /dev/kucomms_no_such_device: No such file or directory "
		     "(is kucomms.ko loaded and the device created?)");
	kucomms_endpoint_destroy(ep);
}

TEST(a_file_or_device_that_is_not_kucomms_is_refused)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	char path[] = "/tmp/kucomms-test-XXXXXX";
	struct kucomms_link *link;
	int fd = mkstemp(path);

	CHECK(ep && fd >= 0);
	close(fd);
	CHECK_EQ(kucomms_link_device_open(ep, path, NULL, &link), -ENOTTY);
	CHECK_CONTAINS(kucomms_last_error(), "is not a kucomms device (not a character device)");
	unlink(path);
	/* A character device that knows nothing of KUCOMMS_IOC_SETUP. */
	CHECK_EQ(kucomms_link_device_open(ep, "/dev/null", NULL, &link), -ENOTTY);
	CHECK_CONTAINS(kucomms_last_error(), "/dev/null: KUCOMMS_IOC_SETUP: ");
	CHECK_CONTAINS(kucomms_last_error(), "not a kucomms device");
	kucomms_endpoint_destroy(ep);
}

/*
 * Attach @ep to "shm:@name" served by a fake creator whose link memory is
 * @size bytes starting with @head_size bytes of @head, sealed as a real
 * creator seals it: only the attacher's checks of its content can refuse it.
 */
static int attach_to_crafted(struct kucomms_endpoint *ep, const char *name, const void *head,
			     size_t head_size, size_t size)
{
	struct kucomms_link *link;
	int memory = link_memory(head, head_size, size, LINK_MEMORY_SEALED);
	int err = attach_to_fake_memory(ep, name, memory, &link);

	if (memory >= 0)
		close(memory);
	return err;
}

TEST(crafted_link_memory_with_a_bad_magic_is_not_a_kucomms_link)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);
	char name[64], target[80];

	CHECK(ep);
	unique_name(name, sizeof(name), "magic");
	snprintf(target, sizeof(target), "shm:%s", name);
	page.info.magic = 0xdeadbeef;
	CHECK_EQ(attach_to_crafted(ep, name, &page, sizeof(page), l.total_size), -EBADMSG);
	CHECK_CONTAINS(kucomms_last_error(), ": bad magic 0xdeadbeef, not a kucomms link");
	CHECK_CONTAINS(kucomms_last_error(), target);
	kucomms_endpoint_destroy(ep);
}

TEST(crafted_link_memory_of_another_abi_version_is_refused)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);
	char name[64];

	CHECK(ep);
	unique_name(name, sizeof(name), "abi");
	page.info.abi_version = KUCOMMS_ABI_VERSION + 1;
	CHECK_EQ(attach_to_crafted(ep, name, &page, sizeof(page), l.total_size), -EPROTONOSUPPORT);
	CHECK_CONTAINS(kucomms_last_error(), "kucomms ABI version 2, this library speaks 1");
	kucomms_endpoint_destroy(ep);
}

TEST(crafted_link_memory_describing_more_than_it_holds_is_refused)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);
	char name[64];

	CHECK(ep);
	unique_name(name, sizeof(name), "short");
	/* The description is right but the memory is a page too short. */
	CHECK_EQ(attach_to_crafted(ep, name, &page, sizeof(page), l.total_size - l.page_size),
		 -EPROTO);
	CHECK_CONTAINS(kucomms_last_error(), "the link description is inconsistent");
	/* Too small to hold even a description. */
	CHECK_EQ(attach_to_crafted(ep, name, &page, 16, 16), -EBADMSG);
	CHECK_CONTAINS(kucomms_last_error(), "holds 16 bytes, too few for a kucomms link");
	kucomms_endpoint_destroy(ep);
}

TEST(a_name_whose_creator_was_killed_is_served_by_nobody_and_free_again)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;
	char name[64], want[160];
	pid_t creator;

	CHECK(ep);
	unique_name(name, sizeof(name), "killed");
	creator = spawn_peer("echo", name);
	CHECK(creator > 0);
	stop_peer(creator, SIGKILL);
	/* Nothing outlives the creator: no leftover to mistake for a link. */
	CHECK_EQ(kucomms_link_shm_attach(ep, name, &link), -ENOENT);
	snprintf(want, sizeof(want),
		 "no process serves shm:%s (is the peer that creates it running?)", name);
	CHECK_STR_EQ(kucomms_last_error(), want);
	/* Nor anything in the way of the next creator. */
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	kucomms_endpoint_destroy(ep);
}

TEST(a_missing_shm_peer_says_to_start_it)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;

	CHECK(ep);
	CHECK_EQ(kucomms_link_open_target(ep, "shm:no-such-peer-here", NULL, &link), -ENOENT);
	CHECK_STR_EQ(kucomms_last_error(),
		     "no process serves shm:no-such-peer-here (is the peer that creates it running?)");
	kucomms_endpoint_destroy(ep);
}

TEST(a_message_larger_than_the_ring_allows_is_refused_with_its_size)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_msg_header h = { .length = 300000 };
	struct kucomms_msg_header *rec;
	struct kucomms_link *a, *b;
	static uint8_t data[300000];

	CHECK(ep);
	CHECK_EQ(kucomms_link_inproc_pair(ep, ep, NULL, &a, &b), 0);
	CHECK_EQ(kucomms_link_max_length(a), 131040);
	CHECK_EQ(kucomms_send(a, &h, data), -EMSGSIZE);
	CHECK_STR_EQ(kucomms_last_error(),
		     "inproc: message of 300000 bytes exceeds the ring's limit of 131040");
	CHECK_EQ(kucomms_reserve(a, 131041, &rec), -EMSGSIZE);
	/* The largest one fits. */
	h.length = 131040;
	CHECK_EQ(kucomms_send(a, &h, data), 0);
	kucomms_endpoint_destroy(ep);
}

TEST(unknown_targets_and_bad_capacities_are_refused)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link_options odd = { .tx_capacity = 5000 };
	struct kucomms_link_options huge = { .rx_capacity = 1ULL << 25 };
	struct kucomms_link *a, *b;

	CHECK(ep);
	CHECK_EQ(kucomms_link_open_target(ep, "tcp:localhost", NULL, &a), -EINVAL);
	CHECK_STR_EQ(kucomms_last_error(),
		     "unknown target \"tcp:localhost\" (use /dev/kucomms_NAME or shm:NAME)");
	CHECK_EQ(kucomms_link_inproc_pair(ep, ep, &odd, &a, &b), -EINVAL);
	CHECK_CONTAINS(kucomms_last_error(),
		       "ring capacity 5000 is not a power of two from 4096 to 16777216");
	CHECK_EQ(kucomms_link_inproc_pair(ep, ep, &huge, &a, &b), -EINVAL);
	kucomms_endpoint_destroy(ep);
}

TEST(an_endpoint_needs_a_message_handler)
{
	const struct kucomms_handlers none = { 0 };

	errno = 0;
	CHECK(kucomms_endpoint_create(&none, NULL, NULL) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK_CONTAINS(kucomms_last_error(), "a message handler is required");
}

static void *read_last_error(void *arg)
{
	*(const char **)arg = kucomms_last_error();
	return NULL;
}

TEST(the_last_error_belongs_to_the_thread_that_failed)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link;
	const char *other = NULL;
	pthread_t t;

	CHECK(ep);
	CHECK_EQ(kucomms_link_open_target(ep, "shm:", NULL, &link), -EINVAL);
	CHECK_EQ(pthread_create(&t, NULL, read_last_error, &other), 0);
	pthread_join(t, NULL);
	CHECK_STR_EQ(other, "");
	CHECK_CONTAINS(kucomms_last_error(), "invalid name");
	kucomms_endpoint_destroy(ep);
}

TEST(the_protocol_check_refuses_what_is_not_a_device_and_names_a_missing_one)
{
	struct kucomms_protocol p;

	CHECK_EQ(kucomms_protocol_read("shm:demo", &p), -EINVAL);
	CHECK_STR_EQ(kucomms_last_error(),
		     "\"shm:demo\" is not a kucomms device (/dev/kucomms_NAME)");
	CHECK_EQ(kucomms_protocol_check("/dev/kucomms_a/../b", "own", "1", 1), -EINVAL);
	CHECK_EQ(kucomms_protocol_check("/dev/kucomms_no_such_device_here", "own", "1", 1),
		 -ENODEV);
	CHECK_CONTAINS(kucomms_last_error(),
		       "/dev/kucomms_no_such_device_here: no such kucomms device");
}

TEST(strerror_describes_negative_errno_values)
{
	CHECK_STR_EQ(kucomms_strerror(-EPIPE), "Broken pipe");
	CHECK_STR_EQ(kucomms_strerror(-ENOBUFS), "No buffer space available");
	CHECK_STR_EQ(kucomms_strerror(-EMSGSIZE), "Message too long");
	CHECK(kucomms_strerror(-100000) != NULL);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
