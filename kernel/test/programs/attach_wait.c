// SPDX-License-Identifier: MIT
/*
 * attach_wait: hold one link to a device until the kernel hangs up.
 *
 *	attach_wait DEVICE [flood]
 *
 * Opens and maps a link, prints "attached" and then waits in poll() (with
 * "flood", sends messages as fast as the ring takes them and drains the
 * replies meanwhile). When the kernel side closes the link (user module
 * unloaded, device removed) it checks what <linux/kucomms.h> promises
 * then: POLLHUP, side 0 marked KUCOMMS_SIDE_CLOSED, KUCOMMS_IOC_WAKE
 * failing with EPIPE; prints "hangup: ..." and exits 0 if all hold, 1 if
 * not. Gives up after 60 s (exit 2). The test around it also kills it with
 * SIGKILL to prove the kernel cleans up after a process that vanished.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "devlink.h"

int main(int argc, char **argv)
{
	struct kucomms_msg_header hdr = { 0 };
	static char buf[4096];
	int flood = argc > 2 && !strcmp(argv[2], "flood");
	time_t give_up = time(NULL) + 60;
	struct devlink l;
	__u64 sent = 0;
	int ret, wake;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DEVICE [flood]\n", argv[0]);
		return 2;
	}
	if (devlink_open(&l, argv[1], 0, 0)) {
		printf("attach_wait: %s\n", devlink_error);
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	do {
		if (flood) {
			hdr.length = sent % sizeof(buf);
			hdr.id = sent;
			if (!devlink_send(&l, &hdr, buf))
				sent++;
		}
		ret = devlink_recv(&l, &hdr, buf, sizeof(buf), flood ? 0 : 1000);
	} while (ret >= 0 && time(NULL) < give_up);
	if (ret >= 0) {
		printf("attach_wait: no hangup within 60 s\n");
		return 2;
	}
	wake = ioctl(l.fd, KUCOMMS_IOC_WAKE) < 0 ? errno : 0;
	printf("hangup: %s, side 0 closed %d, KUCOMMS_IOC_WAKE %s\n", devlink_error,
	       devlink_kernel_closed(&l), wake ? strerror(wake) : "succeeded");
	return ret == -EPIPE && devlink_kernel_closed(&l) && wake == EPIPE ? 0 : 1;
}
