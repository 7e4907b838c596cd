// SPDX-License-Identifier: MIT
/* Targets by the names used everywhere: "/dev/kucomms_NAME", "shm:NAME". */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SHM_PREFIX "shm:"

int kucomms_link_open_target(struct kucomms_endpoint *ep, const char *target,
			     const struct kucomms_link_options *opts, struct kucomms_link **link)
{
	if (target && !strncmp(target, SHM_PREFIX, strlen(SHM_PREFIX)))
		/* The creator chose the ring sizes: @opts has nothing to say. */
		return kucomms_link_shm_attach(ep, target + strlen(SHM_PREFIX), link);
	if (target && target[0] == '/')
		return kucomms_link_device_open(ep, target, opts, link);
	return kc_error(-EINVAL, "unknown target \"%.100s\" (use /dev/kucomms_NAME or shm:NAME)",
			target ? target : "");
}
