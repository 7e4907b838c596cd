// SPDX-License-Identifier: MIT
/*
 * Links come and go without leaving anything behind: the module's
 * live-object counts follow every open link exactly and return to zero,
 * and 10 000 open/SETUP/mmap/munmap/close cycles in every order a program
 * may use do not grow the kernel's slab or vmalloc memory. The device is
 * $KUCOMMS_TEST_DEVICE (default /dev/kucomms_echo); nothing else may hold
 * a kucomms link while this runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../../native/tests/testing.h"
#include "attrs.h"
#include "devlink.h"

TESTING_MAIN_STATE;

#define CYCLES		10000
#define WARMUP_CYCLES	500
/*
 * Allowed growth over CYCLES cycles. Leaking even one small object per
 * cycle (64 bytes, more with slub_debug's red zones and tracking) exceeds
 * the slab bound; one leaked ring exceeds the vmalloc bound many times.
 */
#define SLAB_TOLERANCE_KB	512
#define VMALLOC_TOLERANCE_KB	64

static const char *device_path(void)
{
	const char *d = getenv("KUCOMMS_TEST_DEVICE");

	return d ? d : "/dev/kucomms_echo";
}

static __u64 live(const char *name)
{
	__u64 v = 0;
	int err = attr_read("kucomms", name, &v);

	CHECK_MSG(!err, "reading kucomms/%s: %s", name, strerror(-err));
	return v;
}

static long long meminfo_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	CHECK(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atoll(line + n + 1);
	fclose(f);
	CHECK_MSG(kb >= 0, "no %s in /proc/meminfo", field);
	return kb;
}

/*
 * One link's life, in the order @variant picks: the ways a program may end
 * a link (unmap first, close first, never map, never SETUP, traffic).
 */
static void cycle(unsigned int variant)
{
	__u64 cap = variant % 8 == 0 ? 0 : KUCOMMS_RING_MIN_CAPACITY;
	struct kucomms_msg_header hdr = { .length = 8, .id = variant };
	struct kucomms_setup setup = { 0 };
	struct devlink l;
	char echo[8];
	int fd;

	switch (variant % 4) {
	case 0:		/* unmap, then close */
		CHECK_MSG(!devlink_open(&l, device_path(), cap, cap), "%s", devlink_error);
		devlink_close(&l);
		break;
	case 1:		/* close, then unmap: the pages outlive the descriptor */
		CHECK_MSG(!devlink_open(&l, device_path(), cap, cap), "%s", devlink_error);
		close(l.fd);
		l.fd = -1;
		CHECK_EQ(((struct kucomms_side_page *)l.ro)->info.magic, KUCOMMS_MAGIC);
		devlink_close(&l);
		break;
	case 2:		/* SETUP but never mapped */
		fd = open(device_path(), O_RDWR);
		CHECK(fd >= 0);
		CHECK_EQ(ioctl(fd, KUCOMMS_IOC_SETUP, &setup), 0);
		close(fd);
		break;
	default:	/* traffic both ways, then close */
		CHECK_MSG(!devlink_open(&l, device_path(), cap, cap), "%s", devlink_error);
		CHECK_EQ(devlink_send(&l, &hdr, "abcdefgh"), 0);
		CHECK_EQ(devlink_recv(&l, &hdr, echo, sizeof(echo), 10000), 1);
		CHECK_MEM_EQ(echo, "abcdefgh", sizeof(echo));
		devlink_close(&l);
		break;
	}
}

TEST(live_counts_follow_one_link_exactly)
{
	__u64 page = (__u64)sysconf(_SC_PAGESIZE);
	struct devlink l;
	int fd;

	CHECK_EQ(live("live_links"), 0);
	CHECK_EQ(live("live_rings"), 0);
	CHECK_EQ(live("live_pages"), 0);
	fd = open(device_path(), O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(live("live_links"), 1);
	close(fd);
	CHECK_EQ(live("live_links"), 0);

	CHECK_MSG(!devlink_open(&l, device_path(), KUCOMMS_RING_MIN_CAPACITY,
				2 * KUCOMMS_RING_MIN_CAPACITY), "%s", devlink_error);
	CHECK_EQ(live("live_links"), 1);
	CHECK_EQ(live("live_rings"), 2);
	CHECK_EQ(live("live_pages"), (2 * page + 3 * KUCOMMS_RING_MIN_CAPACITY) / page);
	/* The pages stay while mapped, even after the descriptor closed. */
	close(l.fd);
	l.fd = -1;
	CHECK_EQ(live("live_pages"), (2 * page + 3 * KUCOMMS_RING_MIN_CAPACITY) / page);
	devlink_close(&l);
	CHECK_EQ(live("live_links"), 0);
	CHECK_EQ(live("live_rings"), 0);
	CHECK_EQ(live("live_pages"), 0);
}

TEST(ten_thousand_link_cycles_leak_nothing)
{
	long long slab0, vmalloc0, slab, vmalloc;
	unsigned int i;

	/* Let caches and per-CPU lists reach their working size first. */
	for (i = 0; i < WARMUP_CYCLES; i++)
		cycle(i);
	slab0 = meminfo_kb("Slab");
	vmalloc0 = meminfo_kb("VmallocUsed");
	for (i = 0; i < CYCLES; i++)
		cycle(i);
	CHECK_EQ(live("live_links"), 0);
	CHECK_EQ(live("live_rings"), 0);
	CHECK_EQ(live("live_pages"), 0);
	slab = meminfo_kb("Slab");
	vmalloc = meminfo_kb("VmallocUsed");
	printf("# %d cycles: Slab %lld -> %lld kB, VmallocUsed %lld -> %lld kB\n",
	       CYCLES, slab0, slab, vmalloc0, vmalloc);
	CHECK_MSG(slab - slab0 <= SLAB_TOLERANCE_KB,
		  "Slab grew by %lld kB over %d cycles (from %lld kB), allowed %d kB",
		  slab - slab0, CYCLES, slab0, SLAB_TOLERANCE_KB);
	CHECK_MSG(vmalloc - vmalloc0 <= VMALLOC_TOLERANCE_KB,
		  "VmallocUsed grew by %lld kB over %d cycles (from %lld kB), allowed %d kB",
		  vmalloc - vmalloc0, CYCLES, vmalloc0, VMALLOC_TOLERANCE_KB);
}

int main(int argc, char **argv)
{
	return testing_main(argc, argv);
}
