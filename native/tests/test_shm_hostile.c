// SPDX-License-Identifier: MIT
/*
 * A shared-memory creator is another process, possibly hostile or broken:
 * an attacher checks what it hands over before using it. Here the test
 * plays the creator itself, on the link's socket name, and passes the
 * wrong kinds of descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <kucomms/kucomms.h>
#include <kucomms/ring.h>

#include "endpoint_helpers.h"
#include "testing.h"

TESTING_MAIN_STATE;

static const struct kucomms_handlers handlers = { .message = ignore_message };

/* A creator that greets its one attacher with three chosen descriptors. */
struct fake_creator {
	int listen_fd;
	int conn;
	int fds[3];	/* wake for the attacher, wake for us, link memory */
};

static bool fake_creator_listen(struct fake_creator *c, const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
			 "kucomms/shm/%s", name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);

	c->conn = -1;
	c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	return c->listen_fd >= 0 &&
	       !bind(c->listen_fd, (struct sockaddr *)&addr, len) &&
	       !listen(c->listen_fd, 1);
}

static void *fake_creator_greet(void *arg)
{
	struct fake_creator *c = arg;
	uint32_t hello[2] = { KUCOMMS_ABI_VERSION, 0 };
	union {
		char buf[CMSG_SPACE(sizeof(c->fds))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = hello, .iov_len = sizeof(hello) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	c->conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c->conn < 0)
		return NULL;
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(c->fds));
	memcpy(CMSG_DATA(cmsg), c->fds, sizeof(c->fds));
	sendmsg(c->conn, &msg, MSG_NOSIGNAL);
	return NULL;
}

/* A link memory object as a real creator would make it. */
static int valid_object(void)
{
	struct kucomms_link_layout l;
	int fd = memfd_create("kucomms-test", MFD_CLOEXEC);
	void *mem;

	if (fd < 0 ||
	    kucomms_link_layout_init(&l, KUCOMMS_RING_MIN_CAPACITY,
				     KUCOMMS_RING_MIN_CAPACITY,
				     (uint64_t)sysconf(_SC_PAGESIZE)) ||
	    ftruncate(fd, (off_t)l.total_size))
		return -1;
	mem = mmap(NULL, l.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -1;
	kucomms_link_info_publish(mem, &l);
	munmap(mem, l.total_size);
	return fd;
}

/* What the last failed attach said (destroying the endpoint resets it). */
static char attach_error[512];

/* Attach to a fake creator passing @fds; the attach's result. */
static int attach_to_fake(const char *what, const int fds[3])
{
	struct kucomms_endpoint *ep = kucomms_endpoint_create(&handlers, NULL, NULL);
	struct kucomms_link *link = NULL;
	struct fake_creator c;
	pthread_t t;
	char name[64];
	int err = -1000;

	unique_name(name, sizeof(name), what);
	memcpy(c.fds, fds, sizeof(c.fds));
	if (ep && fake_creator_listen(&c, name) &&
	    !pthread_create(&t, NULL, fake_creator_greet, &c)) {
		err = kucomms_link_shm_attach(ep, name, &link);
		snprintf(attach_error, sizeof(attach_error), "%s", kucomms_last_error());
		pthread_join(t, NULL);
	}
	if (c.conn >= 0)
		close(c.conn);
	if (c.listen_fd >= 0)
		close(c.listen_fd);
	kucomms_endpoint_destroy(ep);
	return err;
}

TEST(a_creator_passing_a_pipe_as_a_wake_descriptor_is_refused)
{
	int p[2], fds[3];

	CHECK_EQ(pipe(p), 0);
	fds[0] = eventfd(0, EFD_CLOEXEC);
	fds[1] = p[1];	/* a full pipe would block every send that wakes it */
	fds[2] = valid_object();
	CHECK(fds[0] >= 0 && fds[2] >= 0);
	CHECK_EQ(attach_to_fake("pipe-wake", fds), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator passed a wake descriptor for its own side that is not an eventfd");
	close(p[0]);
	close(p[1]);
	close(fds[0]);
	close(fds[2]);
}

TEST(a_creator_passing_a_device_as_the_link_memory_is_refused)
{
	int fds[3] = {
		eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC),
		open("/dev/zero", O_RDWR | O_CLOEXEC),
	};

	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	CHECK_EQ(attach_to_fake("dev-object", fds), -EPROTO);
	CHECK_CONTAINS(attach_error,
		       "its creator passed a link memory descriptor that is not a shared memory object");
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
}

TEST(a_creator_passing_proper_descriptors_is_accepted)
{
	int fds[3] = {
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), valid_object(),
	};

	CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0);
	CHECK_EQ(attach_to_fake("proper", fds), 0);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
