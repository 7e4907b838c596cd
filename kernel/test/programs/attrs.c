// SPDX-License-Identifier: MIT
#include "attrs.h"

#include <errno.h>
#include <stdio.h>

static void attr_path(char *path, size_t size, const char *device, const char *attr)
{
	snprintf(path, size, "/sys/devices/virtual/kucomms/%s/%s", device, attr);
}

int attr_read(const char *device, const char *attr, __u64 *value)
{
	char path[256], tail;
	unsigned long long v;
	FILE *f;
	int n;

	attr_path(path, sizeof(path), device, attr);
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

int attr_write(const char *device, const char *attr, __u64 value)
{
	char path[256];
	FILE *f;
	int err;

	attr_path(path, sizeof(path), device, attr);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	/* Unbuffered: the write's own error, not fclose()'s guess. */
	setvbuf(f, NULL, _IONBF, 0);
	err = fprintf(f, "%llu\n", (unsigned long long)value) < 0 ? -errno : 0;
	fclose(f);
	return err;
}
