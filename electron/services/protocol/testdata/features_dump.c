/* SPDX-License-Identifier: MIT */
/*
 * Decodes messages of testdata/features.yaml with the header that
 * `kucomms-studio gen c` generates for it, and prints every field as
 * "path=value" (integers in decimal, floats as their IEEE 754 bits in hex,
 * bytes and strings as hex), the same lines the codec test derives from the
 * TypeScript decoder. Then packs the struct again and says whether the bytes
 * came back identical.
 *
 * Input: one message per line on stdin, "KIND HEX" (HEX: the data only).
 * Output per message: the field lines, "roundtrip=ok" or "roundtrip=FAILED",
 * then "--". Exits 1 if a message did not unpack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "features_layout.h"  /* not features.h: that would hide glibc's <features.h> */

/* __u64 is unsigned long long; print through the standard types. */
#define U(x) ((unsigned long long)(x))
#define S(x) ((long long)(x))

static void hex(const char *path, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	printf("%s=", path);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

/* A fixed-size string without its trailing padding. */
static void padded(const char *path, const char *s, size_t n, char pad)
{
	while (n > 0 && s[n - 1] == pad)
		n--;
	hex(path, s, n);
}

static void point(const char *path, const struct features_point *pt)
{
	printf("%s.x=%" PRId32 "\n%s.y=%" PRId32 "\n", path, pt->x, path, pt->y);
}

static int dump(const char *kind, const unsigned char *data, size_t len, unsigned char *again, size_t *again_len)
{
	char path[64];
	size_t used, at, i;
	int err = -1;

	if (strcmp(kind, "ints") == 0) {
		struct features_msg_ints m;

		err = features_msg_ints_unpack(&m, data, len);
		if (err)
			return err;
		printf("data.a8=%" PRIu8 "\ndata.a16=%" PRIu16 "\ndata.a24=%" PRIu32 "\ndata.a32=%" PRIu32 "\n", m.a8, m.a16, m.a24, m.a32);
		printf("data.a40=%llu\ndata.a48=%llu\ndata.a56=%llu\ndata.a64=%llu\n", U(m.a40), U(m.a48), U(m.a56), U(m.a64));
		printf("data.b16=%" PRIu16 "\ndata.b24=%" PRIu32 "\ndata.b48=%llu\ndata.b64=%llu\n", m.b16, m.b24, U(m.b48), U(m.b64));
		printf("data.i8=%" PRId8 "\ndata.i16=%" PRId16 "\ndata.i24=%" PRId32 "\ndata.i32=%" PRId32 "\n", m.i8, m.i16, m.i24, m.i32);
		printf("data.i40=%lld\ndata.i48=%lld\ndata.i56=%lld\ndata.i64=%lld\n", S(m.i40), S(m.i48), S(m.i56), S(m.i64));
		return features_msg_ints_pack(&m, again, *again_len, again_len);
	}
	if (strcmp(kind, "reading") == 0) {
		struct features_msg_reading m;

		err = features_msg_reading_unpack(&m, data, len);
		if (err)
			return err;
		printf("data.unit=%u\ndata.status=%u\n", m.unit, m.status);
		printf("data.control.enabled=%u\ndata.control.mode=%u\ndata.control.gain=%u\ndata.control.channel=%u\n",
		       m.control.enabled, m.control.mode, m.control.gain, m.control.channel);
		printf("data.temperature=%08" PRIx32 "\n", kucomms_gen_f32_to_bits(m.temperature));
		printf("data.pressure=%016llx\n", U(kucomms_gen_f64_to_bits(m.pressure)));
		printf("data.calibrated=%s\ndata.seconds=%" PRIu32 "\n", m.calibrated ? "true" : "false", m.seconds);
		hex("data.trailer", m.trailer, m.trailer_size);
		return features_msg_reading_pack(&m, again, *again_len, again_len);
	}
	if (strcmp(kind, "texts") == 0) {
		struct features_msg_texts m;

		err = features_msg_texts_unpack(&m, data, len);
		if (err)
			return err;
		padded("data.label", m.label, sizeof(m.label), 0);
		printf("data.name_len=%u\n", m.name_len);
		hex("data.name", m.name, m.name_size);
		hex("data.note", m.note, m.note_size);
		hex("data.legacy", m.legacy, sizeof(m.legacy));
		hex("data.blob", m.blob, sizeof(m.blob));
		return features_msg_texts_pack(&m, again, *again_len, again_len);
	}
	if (strcmp(kind, "lists") == 0) {
		struct features_msg_lists m;
		struct features_point pt;
		struct features_sample s;

		err = features_msg_lists_unpack(&m, data, len);
		if (err)
			return err;
		for (i = 0; i < 3; i++)
			printf("data.fixed[%zu]=%u\n", i, m.fixed[i]);
		printf("data.n_points=%u\n", m.n_points);
		for (i = 0, at = 0; i < m.points_count; i++, at += used) {
			if (features_point_unpack(&pt, m.points_wire + at, m.points_wire_size - at, &used))
				return -1;
			snprintf(path, sizeof(path), "data.points[%zu]", i);
			point(path, &pt);
		}
		for (i = 0, at = 0; i < m.samples_count; i++, at += used) {
			if (features_sample_unpack(&s, m.samples_wire + at, m.samples_wire_size - at, &used))
				return -1;
			snprintf(path, sizeof(path), "data.samples[%zu].at", i);
			point(path, &s.at);
			printf("data.samples[%zu].value=%08" PRIx32 "\n", i, kucomms_gen_f32_to_bits(s.value));
			snprintf(path, sizeof(path), "data.samples[%zu].tag", i);
			hex(path, s.tag, s.tag_size);
		}
		for (i = 0; i < m.levels_count; i++)
			printf("data.levels[%zu]=%lld\n", i, S(kucomms_gen_sext(kucomms_gen_get(m.levels_wire + 2 * i, 2, 0), 16)));
		return features_msg_lists_pack(&m, again, *again_len, again_len);
	}
	fprintf(stderr, "unknown kind %s\n", kind);
	return err;
}

int main(void)
{
	static char line[1 << 16];
	static unsigned char data[1 << 15], again[1 << 15];
	char kind[32];
	int failed = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *h;
		size_t n = 0, again_len = sizeof(again);
		int err;

		if (sscanf(line, "%31s", kind) != 1)
			continue;
		h = line + strlen(kind);
		while (*h == ' ')
			h++;
		while (h[0] && h[1] && h[0] != '\n' && n < sizeof(data)) {
			unsigned int b;

			if (sscanf(h, "%2x", &b) != 1)
				break;
			data[n++] = (unsigned char)b;
			h += 2;
		}
		err = dump(kind, data, n, again, &again_len);
		if (err) {
			printf("unpack=%d\n", err);
			failed = 1;
		} else {
			printf("roundtrip=%s\n", again_len == n && memcmp(again, data, n) == 0 ? "ok" : "FAILED");
		}
		printf("--\n");
	}
	return failed;
}
