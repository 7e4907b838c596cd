// SPDX-License-Identifier: MIT
/*
 * The mmap and ioctl rules of a kucomms device, as <linux/kucomms.h>
 * states them: each test does one thing a user might try and checks the
 * documented result. The device is $KUCOMMS_TEST_DEVICE (default
 * /dev/kucomms_echo).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../../native/tests/testing.h"
#include "devlink.h"

TESTING_MAIN_STATE;

static const char *device(void)
{
	const char *d = getenv("KUCOMMS_TEST_DEVICE");

	return d ? d : "/dev/kucomms_echo";
}

static int open_device(void)
{
	int fd = open(device(), O_RDWR | O_CLOEXEC);

	CHECK_MSG(fd >= 0, "open %s: errno %d", device(), errno);
	return fd;
}

/* A descriptor after a successful SETUP with default ring sizes. */
static int open_setup(struct kucomms_setup *s)
{
	int fd = open_device();

	*s = (struct kucomms_setup){ 0 };
	CHECK_EQ(ioctl(fd, KUCOMMS_IOC_SETUP, s), 0);
	return fd;
}

/* Expect @ret to be -1 with errno @err. */
#define CHECK_ERRNO(ret, err)						\
	do {								\
		long ret_ = (long)(ret);				\
		int errno_ = errno;					\
		CHECK_MSG(ret_ == -1 && errno_ == (err),		\
			  "%s: expected -1 with errno %d (%s), got %ld with errno %d (%s)", \
			  #ret, (err), strerror(err), ret_, errno_,	\
			  strerror(errno_));				\
	} while (0)

#define CHECK_MMAP_ERRNO(ret, err) CHECK_ERRNO((ret) == MAP_FAILED ? -1 : 0, err)

TEST(setup_with_zero_sizes_uses_the_default_capacity)
{
	struct kucomms_setup s;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open_setup(&s);

	CHECK_EQ(s.ring0_capacity, KUCOMMS_RING_DEFAULT_CAPACITY);
	CHECK_EQ(s.ring1_capacity, KUCOMMS_RING_DEFAULT_CAPACITY);
	CHECK_EQ(s.ro_size, page + KUCOMMS_RING_DEFAULT_CAPACITY);
	CHECK_EQ(s.rw_offset, s.ro_size);
	CHECK_EQ(s.rw_size, page + KUCOMMS_RING_DEFAULT_CAPACITY);
	close(fd);
}

TEST(setup_honours_the_sizes_asked_for)
{
	struct devlink l;

	CHECK_EQ(devlink_open(&l, device(), KUCOMMS_RING_MIN_CAPACITY,
			      KUCOMMS_RING_MAX_CAPACITY), 0);
	CHECK_EQ(l.setup.ring0_capacity, KUCOMMS_RING_MIN_CAPACITY);
	CHECK_EQ(l.setup.ring1_capacity, KUCOMMS_RING_MAX_CAPACITY);
	CHECK_EQ(l.layout.capacity[0], KUCOMMS_RING_MIN_CAPACITY);
	CHECK_EQ(l.layout.capacity[1], KUCOMMS_RING_MAX_CAPACITY);
	devlink_close(&l);
}

TEST(setup_rejects_bad_capacities_and_reserved_fields)
{
	static const struct kucomms_setup bad[] = {
		{ .ring0_capacity = 3 * 4096 },
		{ .ring1_capacity = KUCOMMS_RING_MIN_CAPACITY / 2 },
		{ .ring0_capacity = KUCOMMS_RING_MAX_CAPACITY * 2 },
		{ .ring1_capacity = 1ULL << 63 },
		{ .reserved = { 1 } },
		{ .reserved = { 0, 0, 1 } },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kucomms_setup s = bad[i];
		int fd = open_device();

		CHECK_ERRNO(ioctl(fd, KUCOMMS_IOC_SETUP, &s), EINVAL);
		/* A refused SETUP leaves the descriptor usable. */
		s = (struct kucomms_setup){ 0 };
		CHECK_EQ(ioctl(fd, KUCOMMS_IOC_SETUP, &s), 0);
		close(fd);
	}
}

TEST(setup_twice_fails_ebusy)
{
	struct kucomms_setup s;
	int fd = open_setup(&s);

	s = (struct kucomms_setup){ 0 };
	CHECK_ERRNO(ioctl(fd, KUCOMMS_IOC_SETUP, &s), EBUSY);
	close(fd);
}

TEST(mmap_before_setup_fails_einval)
{
	int fd = open_device();
	long page = sysconf(_SC_PAGESIZE);

	CHECK_MMAP_ERRNO(mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	close(fd);
}

TEST(read_only_region_refuses_prot_write_eperm)
{
	struct kucomms_setup s;
	int fd = open_setup(&s);

	CHECK_MMAP_ERRNO(mmap(NULL, s.ro_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
			 EPERM);
	close(fd);
}

TEST(read_only_region_cannot_be_made_writable_eacces)
{
	struct kucomms_setup s;
	int fd = open_setup(&s);
	void *ro = mmap(NULL, s.ro_size, PROT_READ, MAP_SHARED, fd, 0);

	CHECK(ro != MAP_FAILED);
	CHECK_ERRNO(mprotect(ro, s.ro_size, PROT_READ | PROT_WRITE), EACCES);
	CHECK_EQ(munmap(ro, s.ro_size), 0);
	close(fd);
}

TEST(bad_offsets_lengths_and_private_mappings_fail_einval)
{
	struct kucomms_setup s;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open_setup(&s);
	int rw = PROT_READ | PROT_WRITE;

	/* Read-only region: shorter, longer. */
	CHECK_MMAP_ERRNO(mmap(NULL, s.ro_size - page, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	CHECK_MMAP_ERRNO(mmap(NULL, s.ro_size + page, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	/* Read-write region: shorter, longer, one page off either way. */
	CHECK_MMAP_ERRNO(mmap(NULL, s.rw_size - page, rw, MAP_SHARED, fd, s.rw_offset), EINVAL);
	CHECK_MMAP_ERRNO(mmap(NULL, s.rw_size + page, rw, MAP_SHARED, fd, s.rw_offset), EINVAL);
	CHECK_MMAP_ERRNO(mmap(NULL, s.rw_size, rw, MAP_SHARED, fd, s.rw_offset + page), EINVAL);
	CHECK_MMAP_ERRNO(mmap(NULL, s.rw_size, rw, MAP_SHARED, fd, s.rw_offset - page), EINVAL);
	/* Both regions as one mapping. */
	CHECK_MMAP_ERRNO(mmap(NULL, s.ro_size + s.rw_size, PROT_READ, MAP_SHARED, fd, 0), EINVAL);
	/* Beyond the link. */
	CHECK_MMAP_ERRNO(mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
			      s.rw_offset + s.rw_size), EINVAL);
	/* Private mappings of either region. */
	CHECK_MMAP_ERRNO(mmap(NULL, s.ro_size, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	CHECK_MMAP_ERRNO(mmap(NULL, s.rw_size, rw, MAP_PRIVATE, fd, s.rw_offset), EINVAL);
	close(fd);
}

TEST(partial_munmap_fails_einval)
{
	struct devlink l;
	long page = sysconf(_SC_PAGESIZE);

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	CHECK_ERRNO(munmap((char *)l.rw + page, page), EINVAL);
	CHECK_ERRNO(munmap(l.ro, page), EINVAL);
	CHECK_ERRNO(munmap((char *)l.ro + l.setup.ro_size - page, page), EINVAL);
	/* Still mapped whole: the link description is readable at both ends. */
	CHECK_EQ(((struct kucomms_side_page *)l.ro)->info.magic, KUCOMMS_MAGIC);
	((volatile char *)l.rw)[l.setup.rw_size - 1] = 0;
	devlink_close(&l);
}

TEST(partial_mprotect_fails_einval)
{
	struct devlink l;
	long page = sysconf(_SC_PAGESIZE);

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	CHECK_ERRNO(mprotect((char *)l.rw + page, page, PROT_READ), EINVAL);
	devlink_close(&l);
}

TEST(mremap_cannot_grow_a_mapping_efault)
{
	struct devlink l;
	long page = sysconf(_SC_PAGESIZE);

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	CHECK_MMAP_ERRNO(mremap(l.rw, l.setup.rw_size, l.setup.rw_size + page, MREMAP_MAYMOVE),
			 EFAULT);
	CHECK_MMAP_ERRNO(mremap(l.ro, l.setup.ro_size, l.setup.ro_size + page, MREMAP_MAYMOVE),
			 EFAULT);
	devlink_close(&l);
}

TEST(a_region_mapped_twice_shows_the_same_pages)
{
	struct devlink l;
	volatile __u8 *again, *ro_again;

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	again = mmap(NULL, l.setup.rw_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     l.fd, l.setup.rw_offset);
	ro_again = mmap(NULL, l.setup.ro_size, PROT_READ, MAP_SHARED, l.fd, 0);
	CHECK(again != MAP_FAILED);
	CHECK(ro_again != MAP_FAILED);
	((volatile __u8 *)l.rw)[l.setup.rw_size - 1] = 0x5a;
	CHECK_EQ(again[l.setup.rw_size - 1], 0x5a);
	CHECK_MEM_EQ((const void *)ro_again, l.ro, l.setup.ro_size);
	munmap((void *)again, l.setup.rw_size);
	munmap((void *)ro_again, l.setup.ro_size);
	devlink_close(&l);
}

TEST(mappings_outlive_the_descriptor)
{
	struct devlink l;

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	close(l.fd);
	l.fd = -1;
	CHECK_EQ(((struct kucomms_side_page *)l.ro)->info.magic, KUCOMMS_MAGIC);
	CHECK_EQ(((struct kucomms_side_page *)l.ro)->info.total_size,
		 l.setup.ro_size + l.setup.rw_size);
	((volatile __u8 *)l.rw)[0] = 1;
	devlink_close(&l);
}

TEST(mappings_are_not_inherited_across_fork)
{
	struct devlink l;
	int status;
	pid_t pid;

	CHECK_EQ(devlink_open(&l, device(), 0, 0), 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* Must fault: the child has no such mapping. */
		_exit(((volatile struct kucomms_side_page *)l.ro)->info.magic == KUCOMMS_MAGIC ? 0 : 1);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		  "child reading the mapping: expected SIGSEGV, got status 0x%x", status);
	devlink_close(&l);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
