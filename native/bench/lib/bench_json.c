// SPDX-License-Identifier: MIT
#include "bench_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

__attribute__((format(printf, 2, 3))) static void append(struct bench_json *j, const char *fmt, ...)
{
	size_t room = sizeof(j->buf) - j->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(j->buf + j->len, room, fmt, ap);
	va_end(ap);
	/* A line is a few hundred bytes; a truncated one would be a bug here. */
	if (n < 0 || (size_t)n >= room) {
		fprintf(stderr, "bench: JSON line longer than %zu bytes\n", sizeof(j->buf));
		j->len = sizeof(j->buf) - 1;
		return;
	}
	j->len += (size_t)n;
}

static void key(struct bench_json *j, const char *name)
{
	append(j, "%s\"%s\":", j->need_comma ? "," : "", name);
	j->need_comma = true;
}

void bench_json_begin(struct bench_json *j)
{
	j->len = 0;
	j->need_comma = false;
	append(j, "{");
}

void bench_json_str(struct bench_json *j, const char *name, const char *value)
{
	key(j, name);
	append(j, "\"%s\"", value);
}

void bench_json_num(struct bench_json *j, const char *name, double value, int decimals)
{
	key(j, name);
	if (isnan(value) || isinf(value))
		append(j, "null");
	else
		append(j, "%.*f", decimals, value);
}

void bench_json_u64(struct bench_json *j, const char *name, uint64_t value)
{
	key(j, name);
	append(j, "%llu", (unsigned long long)value);
}

void bench_json_bool(struct bench_json *j, const char *name, bool value)
{
	key(j, name);
	append(j, "%s", value ? "true" : "false");
}

void bench_json_object_begin(struct bench_json *j, const char *name)
{
	key(j, name);
	append(j, "{");
	j->need_comma = false;
}

void bench_json_object_end(struct bench_json *j)
{
	append(j, "}");
	j->need_comma = true;
}

void bench_json_end(struct bench_json *j)
{
	append(j, "}");
	puts(j->buf);
	fflush(stdout);
}
