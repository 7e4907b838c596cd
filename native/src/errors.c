// SPDX-License-Identifier: MIT
/* Error reporting: negative errno values plus a per-thread sentence. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char last_error_buf[320];
static __thread const char *last_error;

int kc_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error_buf, sizeof(last_error_buf), fmt, ap);
	va_end(ap);
	last_error = last_error_buf;
	return err;
}

int kc_error_const(int err, const char *msg)
{
	last_error = msg;
	return err;
}

const char *kucomms_last_error(void)
{
	return last_error ? last_error : "";
}

const char *kucomms_strerror(int err)
{
	const char *s = strerrordesc_np(err < 0 ? -err : err);

	return s ? s : "Unknown error";
}
