/* SPDX-License-Identifier: MIT */
/*
 * Checks shared by the ring test binaries: one guarded link (fx) on which
 * side 0 sends numbered messages on ring 0 and side 1 reads them back and
 * checks every header field and data byte.
 */
#ifndef KUCOMMS_RING_CHECKS_H
#define KUCOMMS_RING_CHECKS_H

#include <stdio.h>

#include "ring_fixture.h"
#include "testing.h"

#define PAGE 4096
#define CAP KUCOMMS_RING_MIN_CAPACITY
#define HDR ((uint64_t)sizeof(struct kucomms_msg_header))

static struct ring_fixture fx;

/* What a loop is checking right now, for failure messages; fresh_link() clears it. */
static char where[128];

/* CHECK_EQ with the loop's context in front. */
#define CHECK_AT(actual, expected)                                                            \
	CHECK_MSG((long long)(actual) == (long long)(expected),                               \
		  "%s%s: expected %lld (0x%llx), got %lld (0x%llx)", where, #actual,          \
		  (long long)(expected), (unsigned long long)(expected), (long long)(actual), \
		  (unsigned long long)(actual))

static inline void check_guards(void)
{
	CHECK_MSG(ring_fixture_guards_intact(&fx),
		  "%sa write landed in the guard regions around the link", where);
}

static inline void fresh_link(uint64_t capacity)
{
	if (fx.alloc)
		check_guards();
	ring_fixture_free(&fx);
	where[0] = '\0';
	CHECK_EQ(ring_fixture_init(&fx, capacity, capacity, PAGE), 0);
}

/* Data byte @i of the message with @seed; differs between messages. */
static inline unsigned char pattern_byte(uint64_t seed, uint64_t i)
{
	return (unsigned char)(seed * 131 + i * 7 + (i >> 8) + 1);
}

static inline void write_message(struct kucomms_msg_header *rec, uint64_t length, uint64_t seed)
{
	unsigned char *data = (unsigned char *)(rec + 1);
	uint64_t i;

	rec->length = length;
	rec->type = seed + 1000;
	rec->id = seed;
	rec->user_value = ~seed;
	for (i = 0; i < length; i++)
		data[i] = pattern_byte(seed, i);
}

static inline int send_message(struct kucomms_ring *tx, uint64_t length, uint64_t seed)
{
	struct kucomms_msg_header *rec;
	int err = kucomms_ring_reserve(tx, length, &rec);

	if (err)
		return err;
	write_message(rec, length, seed);
	kucomms_ring_commit(tx);
	return 0;
}

/* Peek the next message and check it is the one sent with @seed. */
static inline const unsigned char *expect_message(struct kucomms_ring *rx, uint64_t length,
						  uint64_t seed)
{
	struct kucomms_msg_header h;
	const unsigned char *data;
	const void *p = NULL;
	uint64_t i;

	CHECK_AT(kucomms_ring_peek(rx, &h, &p), 1);
	CHECK_AT(h.length, length);
	CHECK_AT(h.type, seed + 1000);
	CHECK_AT(h.id, seed);
	CHECK_AT(h.user_value, ~seed);
	data = p;
	for (i = 0; i < length; i++)
		CHECK_MSG(data[i] == pattern_byte(seed, i),
			  "%sdata byte %llu of %llu: expected 0x%02x, got 0x%02x", where,
			  (unsigned long long)i, (unsigned long long)length, pattern_byte(seed, i),
			  data[i]);
	return data;
}

static inline const unsigned char *receive_message(struct kucomms_ring *rx, uint64_t length,
						   uint64_t seed)
{
	const unsigned char *data = expect_message(rx, length, seed);

	kucomms_ring_consume(rx);
	kucomms_ring_publish_consumed(rx);
	return data;
}

static inline void expect_empty(struct kucomms_ring *rx)
{
	struct kucomms_msg_header h;
	const void *p;

	CHECK_AT(kucomms_ring_peek(rx, &h, &p), 0);
}

/* Move both ends of ring 0 to @pos (empty ring) with messages that never pad. */
static inline void advance_ring0(uint64_t pos)
{
	uint64_t cap = fx.tx[0].capacity, seed = 500;

	while (fx.tx[0].pos < pos) {
		uint64_t step = pos - fx.tx[0].pos;

		if (step > cap / 2)
			step = cap / 2;
		CHECK_AT(send_message(&fx.tx[0], step - HDR, seed), 0);
		receive_message(&fx.rx[1], step - HDR, seed++);
	}
	CHECK_AT(fx.tx[0].pos, pos);
	CHECK_AT(fx.rx[1].pos, pos);
}

static inline struct kucomms_ring_producer *ring0_producer_line(void)
{
	return &ring_fixture_side_page(&fx, 0)->tx;
}

static inline struct kucomms_ring_consumer *ring0_consumer_line(void)
{
	return &ring_fixture_side_page(&fx, 1)->rx;
}

#endif /* KUCOMMS_RING_CHECKS_H */
