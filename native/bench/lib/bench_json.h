/* SPDX-License-Identifier: MIT */
/*
 * One JSON object per output line. Keys and string values are ours (plain
 * ASCII without quotes or backslashes), so no escaping is needed.
 */
#ifndef KUCOMMS_BENCH_JSON_H
#define KUCOMMS_BENCH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_json {
	char buf[2048];
	size_t len;
	bool need_comma;
};

void bench_json_begin(struct bench_json *j);
void bench_json_str(struct bench_json *j, const char *key, const char *value);
/* @decimals digits after the point; NaN (a figure not measured) is null. */
void bench_json_num(struct bench_json *j, const char *key, double value, int decimals);
void bench_json_u64(struct bench_json *j, const char *key, uint64_t value);
void bench_json_bool(struct bench_json *j, const char *key, bool value);
void bench_json_object_begin(struct bench_json *j, const char *key);
void bench_json_object_end(struct bench_json *j);
/* Print the object as one line on stdout and flush it. */
void bench_json_end(struct bench_json *j);

#endif /* KUCOMMS_BENCH_JSON_H */
