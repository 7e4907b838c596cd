// SPDX-License-Identifier: MIT
/*
 * The other end of a shared-memory link is another process, possibly
 * hostile or broken. Here the test plays that end itself: a creator, on
 * the link's socket name, that passes the wrong descriptors, speaks another
 * protocol version or offers memory that could be shrunk; an attacher, to
 * show that what a real creator hands over cannot be resized; and either
 * end doing everything it can to what the two processes share, while the
 * endpoint under test keeps serving its other link.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"
#include "shm_fakes.h"
#include "testing.h"

TESTING_MAIN_STATE;

static const struct kucomms_handlers handlers = { .message = ignore_message };

/* What the last failed attach said (destroying the endpoint resets it). */
static char attach_error[512];

/*
 * Attach to a fake creator speaking @version and passing the @nfds
 * descriptors @fds; the attach's result.
 */
static int attach_to_fake(const char *what, uint32_t version, const int *fds, int nfds)
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link = NULL;
	char name[64];
	int err = -1000;

	unique_name(name, sizeof(name), what);
	if (ep) {
		err = attach_to_fake_creator(ep, name, version, fds, nfds, &link, NULL);
		snprintf(attach_error, sizeof(attach_error), "%s", kucomms_last_error());
	}
	kucomms_endpoint_destroy(ep);
	return err;
}

/* Descriptors open in this process: what a refused attach must not leave. */
static int open_descriptors(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

TEST(a_creator_passing_descriptors_besides_the_link_memory_is_refused_and_none_is_kept)
{
	int p[2], fds[3], before;

	CHECK_EQ(pipe(p), 0);
	fds[0] = valid_link_memory();
	fds[1] = eventfd(0, EFD_CLOEXEC);
	fds[2] = p[1];
	CHECK(fds[0] >= 0 && fds[1] >= 0);
	before = open_descriptors();
	CHECK_EQ(attach_to_fake("extra-fds", SHM_WIRE_VERSION, fds, 3), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator sent a malformed greeting (a welcome carries the link memory descriptor and nothing else)");
	CHECK_EQ(open_descriptors(), before);
	close(p[0]);
	close(p[1]);
	close(fds[0]);
	close(fds[1]);
}

TEST(a_creator_of_the_first_protocol_version_is_refused_with_both_versions)
{
	/* What version 1 passed: a wake eventfd each way, then the memory. */
	int fds[3] = {
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), valid_link_memory(),
	};
	int before, i;

	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	before = open_descriptors();
	CHECK_EQ(attach_to_fake("version-1", 1, fds, 3), -EPROTONOSUPPORT);
	CHECK_CONTAINS(attach_error,
		       "its creator speaks shm link protocol version 1, this library speaks 2 (run the same libkucomms on both ends)");
	CHECK_EQ(open_descriptors(), before);
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

TEST(a_creator_passing_a_device_as_the_link_memory_is_refused)
{
	int memory = open("/dev/zero", O_RDWR | O_CLOEXEC);

	CHECK(memory >= 0);
	CHECK_EQ(attach_to_fake("dev-object", SHM_WIRE_VERSION, &memory, 1), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator passed a link memory descriptor that is not a shared memory object");
	close(memory);
}

TEST(a_creator_passing_sealed_link_memory_alone_is_accepted)
{
	int memory = valid_link_memory();

	CHECK(memory >= 0);
	CHECK_EQ(attach_to_fake("proper", SHM_WIRE_VERSION, &memory, 1), 0);
	close(memory);
}

TEST(a_creator_passing_link_memory_it_could_shrink_is_refused)
{
	static const char refusal[] =
		"its creator passed link memory that can be shrunk (not sealed): "
		"refusing it, a shrink would crash this process";
	struct kucomms_side_page page;
	struct kucomms_link_layout l = valid_side_page(&page);
	char path[] = "/tmp/kucomms-test-XXXXXX";
	int memory[3], i;

	/* A link page as valid as a real one: only the seals are wrong. */
	memory[0] = link_memory(&page, sizeof(page), l.total_size, 0);
	memory[1] = link_memory(&page, sizeof(page), l.total_size,
				F_SEAL_GROW | F_SEAL_SEAL);
	/* A regular file cannot be sealed at all. */
	memory[2] = mkstemp(path);
	CHECK(memory[0] >= 0 && memory[1] >= 0 && memory[2] >= 0);
	unlink(path);
	CHECK_EQ(ftruncate(memory[2], (off_t)l.total_size), 0);
	CHECK_EQ(pwrite(memory[2], &page, sizeof(page), 0), (ssize_t)sizeof(page));

	for (i = 0; i < 3; i++) {
		CHECK_EQ(attach_to_fake("shrinkable", SHM_WIRE_VERSION, &memory[i], 1), -EPROTO);
		CHECK_CONTAINS(attach_error, refusal);
		close(memory[i]);
	}
}

struct received {
	uint64_t count;		/* atomic */
	uint64_t last_id;	/* atomic */
};

static void count_message(struct kucomms_link *link,
			  const struct kucomms_msg_header *h, const void *d,
			  void *user)
{
	struct received *r = user;

	(void)link, (void)d;
	__atomic_store_n(&r->last_id, h->id, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->count, 1, __ATOMIC_RELEASE);
}

TEST(an_attacher_cannot_resize_the_link_memory_and_the_creator_keeps_working)
{
	static const struct kucomms_handlers counting = { .message = count_message };
	struct received got = { 0 };
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&counting, &got, NULL);
	struct kucomms_link_layout l;
	struct kucomms_msg_header h, *rec;
	struct kucomms_ring tx, rx;
	struct kucomms_link *link;
	struct fake_attachment a;
	const void *data;
	struct stat st;
	char name[64];
	void *mem;

	CHECK(ep);
	unique_name(name, sizeof(name), "resize");
	CHECK_EQ(kucomms_link_shm_create(ep, name, NULL, &link), 0);
	CHECK_EQ(kucomms_endpoint_start(ep), 0);
	CHECK(fake_attach(name, &a));
	/* The welcome hands over the link memory and nothing else. */
	CHECK_EQ(a.nfds, 1);
	CHECK_EQ(fstat(a.memory, &st), 0);

	/* What a buggy or hostile attacher might try: every one refused. */
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, 0), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, st.st_size / 2), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(ftruncate(a.memory, st.st_size * 2), -1);
	CHECK_EQ(errno, EPERM);
	errno = 0;
	CHECK_EQ(fcntl(a.memory, F_ADD_SEALS, F_SEAL_WRITE), -1);
	CHECK_EQ(errno, EPERM);
	/* Sealed exactly as it should be: writable, the rings need that. */
	CHECK_EQ(fcntl(a.memory, F_GET_SEALS), LINK_MEMORY_SEALED);

	/* The link still works both ways, through the memory it still has. */
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   a.memory, 0);
	CHECK(mem != MAP_FAILED);
	CHECK_EQ(kucomms_link_info_check(mem, (uint64_t)st.st_size, &l), 0);
	kucomms_link_bind(&l, 1, mem, (uint8_t *)mem + l.side_offset[1], &tx, &rx);
	h = (struct kucomms_msg_header){ .id = 41 };
	CHECK_EQ(kucomms_send_locked(link, &h, NULL), 0);
	CHECK(WAIT_FOR(kucomms_ring_peek(&rx, &h, &data) == 1));
	CHECK_EQ(h.id, 41);
	kucomms_ring_consume(&rx);
	kucomms_ring_publish_consumed(&rx);
	CHECK_EQ(kucomms_ring_reserve(&tx, 0, &rec), 0);
	*rec = (struct kucomms_msg_header){ .id = 42 };
	kucomms_ring_commit(&tx);
	CHECK(fake_wake(a.conn));
	CHECK(WAIT_FOR(__atomic_load_n(&got.count, __ATOMIC_ACQUIRE) == 1));
	CHECK_EQ(__atomic_load_n(&got.last_id, __ATOMIC_RELAXED), 42);

	munmap(mem, (size_t)st.st_size);
	fake_detach(&a);
	kucomms_endpoint_destroy(ep);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
