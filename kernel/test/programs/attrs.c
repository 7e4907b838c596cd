// SPDX-License-Identifier: MIT
#include "attrs.h"

#include <errno.h>
#include <stdio.h>

int attr_read(const char *device, const char *attr, __u64 *value)
{
	char path[256], tail;
	unsigned long long v;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/devices/virtual/kucomms/%s/%s", device, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu%c", &v, &tail);
	fclose(f);
	if (n != 2 || tail != '\n')
		return -EINVAL;
	*value = v;
	return 0;
}
