// SPDX-License-Identifier: MIT
/*
 * link_setup: open a kucomms device, ask for a link with the given ring
 * capacities, and say how it went.
 *
 *	link_setup DEVICE RING0_CAPACITY RING1_CAPACITY
 *
 * Prints "setup: ok" (exit 0) or "setup: " and the error text of open()
 * or KUCOMMS_IOC_SETUP (exit 1), so a script can check, e.g., that a
 * process in a memory-limited cgroup cannot set up rings beyond its limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kucomms.h>

int main(int argc, char **argv)
{
	struct kucomms_setup setup = { 0 };
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DEVICE RING0_CAPACITY RING1_CAPACITY\n", argv[0]);
		return 2;
	}
	setup.ring0_capacity = strtoull(argv[2], NULL, 0);
	setup.ring1_capacity = strtoull(argv[3], NULL, 0);
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KUCOMMS_IOC_SETUP, &setup) < 0) {
		printf("setup: %s\n", strerror(errno));
		return 1;
	}
	printf("setup: ok\n");
	close(fd);
	return 0;
}
