// SPDX-License-Identifier: MIT
/*
 * The ring helpers of kucomms/ring.h between two well-behaved sides: side 0
 * sends on ring 0 (fx.tx[0]) and side 1 reads it (fx.rx[1]), on a link in
 * ordinary memory guarded on both ends (ring_fixture.h).
 */
#include "ring_checks.h"

TESTING_MAIN_STATE;

/*
 * Send one message of @length from an empty ring standing at @start and read
 * it back: it lands right there, or after a padding record at offset 0 when
 * it does not fit before the end; then the ring carries on normally.
 */
static void round_trip_from(uint64_t start, uint64_t length)
{
	uint64_t off = start % CAP, to_end = CAP - off;
	uint64_t size = kucomms_record_size(length);
	bool padded = size > to_end;
	uint64_t end = start + (padded ? to_end + size : size);
	const unsigned char *data;

	fresh_link(CAP);
	snprintf(where, sizeof(where),
		 "start %llu (offset %llu), length %llu: ", (unsigned long long)start,
		 (unsigned long long)off, (unsigned long long)length);
	advance_ring0(start);
	CHECK_AT(send_message(&fx.tx[0], length, 7), 0);
	CHECK_AT(fx.tx[0].pos, end);
	data = receive_message(&fx.rx[1], length, 7);
	CHECK_AT(data - ring_fixture_data(&fx, 0), (padded ? 0 : off) + HDR);
	CHECK_AT(fx.rx[1].pos, end);
	expect_empty(&fx.rx[1]);
	CHECK_AT(send_message(&fx.tx[0], 40, 8), 0);
	receive_message(&fx.rx[1], 40, 8);
	expect_empty(&fx.rx[1]);
	check_guards();
}

TEST(wrap_around_at_every_record_offset)
{
	static const uint64_t lengths[] = { 0, 1, 31, 32, 33, 100, 1000, CAP / 2 - HDR };
	uint64_t lap, off, to_end;
	size_t i;

	for (lap = 0; lap < 2; lap++) {
		for (off = 0; off < CAP; off += KUCOMMS_RECORD_ALIGN) {
			to_end = CAP - off;
			for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
				round_trip_from(lap * CAP + off, lengths[i]);
			/* Exactly fills the space before the end: no padding. */
			if (to_end - HDR <= kucomms_ring_max_length(CAP))
				round_trip_from(lap * CAP + off, to_end - HDR);
			/* One byte more: the first length that needs padding. */
			if (to_end - HDR + 1 <= kucomms_ring_max_length(CAP))
				round_trip_from(lap * CAP + off, to_end - HDR + 1);
		}
	}
}

TEST(empty_ring_has_nothing_to_read)
{
	fresh_link(CAP);
	expect_empty(&fx.rx[1]);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), CAP);
	CHECK_EQ(kucomms_ring_unconsumed(&fx.tx[0]), 0);
	CHECK_EQ(send_message(&fx.tx[0], 10, 1), 0);
	receive_message(&fx.rx[1], 10, 1);
	expect_empty(&fx.rx[1]);
	CHECK_EQ(kucomms_ring_unconsumed(&fx.tx[0]), 0);
	check_guards();
}

TEST(full_ring_accepts_exact_fit_and_refuses_one_byte_more)
{
	struct kucomms_msg_header *rec;

	fresh_link(CAP);
	/* 2048 + 1952 bytes in flight: 96 left, all before the end. */
	CHECK_EQ(send_message(&fx.tx[0], CAP / 2 - HDR, 1), 0);
	CHECK_EQ(send_message(&fx.tx[0], 1952 - HDR, 2), 0);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), 96);
	CHECK_EQ(kucomms_ring_unconsumed(&fx.tx[0]), CAP - 96);

	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 96 - HDR + 1, &rec), -ENOBUFS);
	CHECK_EQ(ring0_producer_line()->full_events, 1);
	CHECK_EQ(fx.tx[0].pos, CAP - 96);
	CHECK_EQ(send_message(&fx.tx[0], 96 - HDR, 3), 0);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), 0);
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 0, &rec), -ENOBUFS);
	CHECK_EQ(ring0_producer_line()->full_events, 2);

	/* Reading a message does not free its space until it is published. */
	expect_message(&fx.rx[1], CAP / 2 - HDR, 1);
	kucomms_ring_consume(&fx.rx[1]);
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 0, &rec), -ENOBUFS);
	CHECK_EQ(ring0_producer_line()->full_events, 3);
	kucomms_ring_publish_consumed(&fx.rx[1]);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), CAP / 2);
	CHECK_EQ(send_message(&fx.tx[0], CAP / 2 - HDR, 4), 0);
	CHECK_EQ(ring0_producer_line()->full_events, 3);

	receive_message(&fx.rx[1], 1952 - HDR, 2);
	receive_message(&fx.rx[1], 96 - HDR, 3);
	receive_message(&fx.rx[1], CAP / 2 - HDR, 4);
	expect_empty(&fx.rx[1]);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), CAP);
	check_guards();
}

TEST(message_needing_padding_counts_the_skipped_tail_as_used)
{
	struct kucomms_msg_header *rec;
	const unsigned char *data;

	fresh_link(CAP);
	/* Consumer at 96, producer at CAP - 64: 64 bytes free at the end, 96 at the start. */
	advance_ring0(96);
	CHECK_EQ(send_message(&fx.tx[0], CAP / 2 - HDR, 1), 0);
	CHECK_EQ(send_message(&fx.tx[0], CAP - 160 - CAP / 2 - HDR, 2), 0);
	CHECK_EQ(fx.tx[0].pos % CAP, CAP - 64);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), 160);

	/* 128 bytes would fit in 160 free, but not after skipping the 64-byte tail. */
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 128 - HDR, &rec), -ENOBUFS);
	CHECK_EQ(ring0_producer_line()->full_events, 1);
	CHECK_EQ(send_message(&fx.tx[0], 96 - HDR, 3), 0);
	CHECK_EQ(kucomms_ring_free_bytes(&fx.tx[0]), 0);

	receive_message(&fx.rx[1], CAP / 2 - HDR, 1);
	receive_message(&fx.rx[1], CAP - 160 - CAP / 2 - HDR, 2);
	data = receive_message(&fx.rx[1], 96 - HDR, 3);
	CHECK_EQ(data - ring_fixture_data(&fx, 0), HDR);
	expect_empty(&fx.rx[1]);
	check_guards();
}

TEST(zero_length_messages_take_one_header_each)
{
	struct kucomms_msg_header *rec;
	const unsigned char *data;
	uint64_t i;

	fresh_link(CAP);
	for (i = 0; i < CAP / HDR; i++)
		CHECK_EQ(send_message(&fx.tx[0], 0, i), 0);
	CHECK_EQ(fx.tx[0].pos, CAP);
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 0, &rec), -ENOBUFS);
	CHECK_EQ(ring0_producer_line()->messages, CAP / HDR);
	CHECK_EQ(ring0_producer_line()->bytes, 0);
	for (i = 0; i < CAP / HDR; i++) {
		data = receive_message(&fx.rx[1], 0, i);
		CHECK_EQ(data - ring_fixture_data(&fx, 0), (i + 1) * HDR);
	}
	expect_empty(&fx.rx[1]);
	CHECK_EQ(ring0_consumer_line()->messages, CAP / HDR);
	check_guards();
}

static void largest_message_from(uint64_t cap, uint64_t start)
{
	uint64_t max = kucomms_ring_max_length(cap);
	struct kucomms_msg_header *rec;

	fresh_link(cap);
	snprintf(where, sizeof(where), "capacity %llu, offset %llu: ", (unsigned long long)cap,
		 (unsigned long long)start);
	advance_ring0(start);
	CHECK_AT(kucomms_ring_reserve(&fx.tx[0], max + 1, &rec), -EMSGSIZE);
	CHECK_AT(fx.tx[0].pos, start);
	CHECK_AT(send_message(&fx.tx[0], max, 9), 0);
	receive_message(&fx.rx[1], max, 9);
	expect_empty(&fx.rx[1]);
	CHECK_AT(ring0_producer_line()->full_events, 0);
	check_guards();
}

TEST(largest_message_fits_an_empty_ring_at_every_offset)
{
	static const uint64_t caps[] = { CAP, 4 * CAP };
	uint64_t off;
	size_t i;

	CHECK_EQ(kucomms_ring_max_length(CAP), CAP / 2 - HDR);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		for (off = 0; off < caps[i]; off += KUCOMMS_RECORD_ALIGN)
			largest_message_from(caps[i], off);
}

TEST(oversized_lengths_are_refused_and_not_counted_as_full)
{
	static const uint64_t lengths[] = {
		CAP / 2 - HDR + 1,	    CAP,
		KUCOMMS_MSG_MAX_LENGTH_ABS, 1ULL << 63,
		KUCOMMS_PAD_LENGTH - 1,	    KUCOMMS_PAD_LENGTH,
	};
	struct kucomms_msg_header *rec;
	size_t i;

	fresh_link(CAP);
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		snprintf(where, sizeof(where), "length %llu: ", (unsigned long long)lengths[i]);
		CHECK_AT(kucomms_ring_reserve(&fx.tx[0], lengths[i], &rec), -EMSGSIZE);
	}
	CHECK_EQ(fx.tx[0].pos, 0);
	CHECK_EQ(ring0_producer_line()->full_events, 0);
	expect_empty(&fx.rx[1]);
	check_guards();
}

TEST(reserved_records_stay_invisible_until_commit)
{
	struct kucomms_msg_header *a, *b;
	uint64_t messages;

	fresh_link(CAP);
	advance_ring0(CAP - 64);
	messages = ring0_producer_line()->messages;
	/* The second reservation does not fit before the end: it pads. */
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 0, &a), 0);
	write_message(a, 0, 1);
	CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], 100, &b), 0);
	write_message(b, 100, 2);
	CHECK_EQ((unsigned char *)b - ring_fixture_data(&fx, 0), 0);

	expect_empty(&fx.rx[1]);
	CHECK_EQ(ring0_producer_line()->pos, CAP - 64);
	CHECK_EQ(ring0_producer_line()->messages, messages);
	CHECK(kucomms_ring_prepare_sleep(&fx.rx[1]));
	kucomms_ring_end_sleep(&fx.rx[1], false);

	kucomms_ring_commit(&fx.tx[0]);
	CHECK_EQ(ring0_producer_line()->pos, CAP + 160);
	receive_message(&fx.rx[1], 0, 1);
	receive_message(&fx.rx[1], 100, 2);
	expect_empty(&fx.rx[1]);
	check_guards();
}

TEST(several_reserves_are_published_by_one_commit)
{
	static const uint64_t lengths[] = { 10, 0, 200, 1 };
	struct kucomms_msg_header *rec;
	uint64_t i, pos = 0, bytes = 0;

	fresh_link(CAP);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(kucomms_ring_reserve(&fx.tx[0], lengths[i], &rec), 0);
		write_message(rec, lengths[i], i);
		pos += kucomms_record_size(lengths[i]);
		bytes += lengths[i];
	}
	kucomms_ring_commit(&fx.tx[0]);
	CHECK_EQ(ring0_producer_line()->pos, pos);
	CHECK_EQ(ring0_producer_line()->messages, 4);
	CHECK_EQ(ring0_producer_line()->bytes, bytes);
	for (i = 0; i < 4; i++)
		receive_message(&fx.rx[1], lengths[i], i);
	expect_empty(&fx.rx[1]);
	check_guards();
}

TEST(published_counters_match_the_traffic)
{
	uint64_t i, bytes = 0, in_flight = 0;

	fresh_link(CAP);
	for (i = 0; i < 10; i++) {
		CHECK_EQ(send_message(&fx.tx[0], i * 37, i), 0);
		bytes += i * 37;
		if (i >= 6)
			in_flight += kucomms_record_size(i * 37);
	}
	CHECK_EQ(ring0_producer_line()->messages, 10);
	CHECK_EQ(ring0_producer_line()->bytes, bytes);
	CHECK_EQ(ring0_producer_line()->pos, fx.tx[0].pos);
	for (i = 0; i < 6; i++)
		receive_message(&fx.rx[1], i * 37, i);
	CHECK_EQ(ring0_consumer_line()->messages, 6);
	CHECK_EQ(ring0_consumer_line()->pos, fx.rx[1].pos);
	CHECK_EQ(kucomms_ring_unconsumed(&fx.tx[0]), in_flight);

	kucomms_ring_count_wakeup(&fx.tx[0]);
	kucomms_ring_count_wakeup(&fx.tx[0]);
	CHECK_EQ(ring0_producer_line()->wakeups, 2);
	kucomms_ring_end_sleep(&fx.rx[1], true);
	kucomms_ring_end_sleep(&fx.rx[1], false);
	CHECK_EQ(ring0_consumer_line()->sleeps, 1);
	CHECK_EQ(ring0_producer_line()->full_events, 0);
	check_guards();
}

TEST(fresh_ring_needs_no_wakeup)
{
	fresh_link(CAP);
	CHECK(!kucomms_ring_need_wakeup(&fx.tx[0]));
	CHECK_EQ(send_message(&fx.tx[0], 1, 1), 0);
	CHECK(!kucomms_ring_need_wakeup(&fx.tx[0]));
	check_guards();
}

TEST(sleeping_consumer_asks_for_a_wakeup_until_it_wakes)
{
	fresh_link(CAP);
	CHECK(kucomms_ring_prepare_sleep(&fx.rx[1]));
	CHECK_EQ(ring0_consumer_line()->flags, KUCOMMS_CONSUMER_NEED_WAKEUP);
	CHECK_EQ(send_message(&fx.tx[0], 5, 1), 0);
	CHECK(kucomms_ring_need_wakeup(&fx.tx[0]));
	kucomms_ring_count_wakeup(&fx.tx[0]);
	kucomms_ring_end_sleep(&fx.rx[1], true);
	CHECK(!kucomms_ring_need_wakeup(&fx.tx[0]));
	CHECK_EQ(ring0_consumer_line()->sleeps, 1);
	CHECK_EQ(ring0_producer_line()->wakeups, 1);
	receive_message(&fx.rx[1], 5, 1);
	check_guards();
}

TEST(consumer_stays_awake_when_a_record_raced_in)
{
	fresh_link(CAP);
	expect_empty(&fx.rx[1]);
	/* Committed after the consumer found the ring empty, before it sleeps. */
	CHECK_EQ(send_message(&fx.tx[0], 3, 1), 0);
	CHECK(!kucomms_ring_prepare_sleep(&fx.rx[1]));
	kucomms_ring_end_sleep(&fx.rx[1], false);
	CHECK(!kucomms_ring_need_wakeup(&fx.tx[0]));
	/* A message peeked but not consumed also keeps it awake. */
	expect_message(&fx.rx[1], 3, 1);
	CHECK(!kucomms_ring_prepare_sleep(&fx.rx[1]));
	kucomms_ring_end_sleep(&fx.rx[1], false);
	kucomms_ring_consume(&fx.rx[1]);
	kucomms_ring_publish_consumed(&fx.rx[1]);
	CHECK(kucomms_ring_prepare_sleep(&fx.rx[1]));
	kucomms_ring_end_sleep(&fx.rx[1], false);
	CHECK_EQ(ring0_consumer_line()->sleeps, 0);
	check_guards();
}

/* ---- link_info_check ---- */

static struct kucomms_link_info *link_info(void)
{
	return &ring_fixture_side_page(&fx, 0)->info;
}

static int check_link_info(uint64_t mapped_size)
{
	struct kucomms_link_layout seen;

	return kucomms_link_info_check(ring_fixture_side_page(&fx, 0), mapped_size, &seen);
}

TEST(link_info_check_accepts_the_published_link)
{
	struct kucomms_link_layout seen;

	fresh_link(CAP);
	CHECK_EQ(kucomms_link_info_check(ring_fixture_side_page(&fx, 0), 2 * PAGE + 2 * CAP, &seen),
		 0);
	CHECK_EQ(seen.page_size, PAGE);
	CHECK_EQ(seen.capacity[0], CAP);
	CHECK_EQ(seen.capacity[1], CAP);
	CHECK_EQ(seen.side_offset[1], PAGE + CAP);
	CHECK_EQ(seen.data_offset[0], PAGE);
	CHECK_EQ(seen.data_offset[1], 2 * PAGE + CAP);
	CHECK_EQ(seen.total_size, 2 * PAGE + 2 * CAP);
	CHECK_EQ(check_link_info(2 * PAGE + 2 * CAP + 1), 0);
	check_guards();
}

TEST(link_info_check_rejects_a_bad_magic)
{
	static const uint32_t magics[] = { 0, KUCOMMS_MAGIC + 1, 0x4b55434d, ~0U };
	size_t i;

	fresh_link(CAP);
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		snprintf(where, sizeof(where), "magic 0x%08x: ", magics[i]);
		link_info()->magic = magics[i];
		CHECK_AT(check_link_info(fx.layout.total_size), -EBADMSG);
	}
	check_guards();
}

TEST(link_info_check_rejects_another_abi_version)
{
	static const uint16_t versions[] = { 0, KUCOMMS_ABI_VERSION + 1, 0xffff };
	size_t i;

	fresh_link(CAP);
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		snprintf(where, sizeof(where), "version %u: ", versions[i]);
		link_info()->abi_version = versions[i];
		CHECK_AT(check_link_info(fx.layout.total_size), -EPROTONOSUPPORT);
	}
	check_guards();
}

struct bad_info_field {
	const char *field;
	size_t offset;
	size_t width;
	uint64_t value;
};

#define BAD_FIELD(name, v)                                                 \
	{                                                                  \
#name, offsetof(struct kucomms_link_info, name),           \
			sizeof(((struct kucomms_link_info *)0)->name), (v) \
	}

TEST(link_info_check_rejects_impossible_sizes)
{
	static const struct bad_info_field cases[] = {
		BAD_FIELD(ring0_capacity, 0),
		BAD_FIELD(ring0_capacity, CAP - 1),
		BAD_FIELD(ring0_capacity, CAP / 2),
		BAD_FIELD(ring0_capacity, CAP + PAGE),
		BAD_FIELD(ring0_capacity, KUCOMMS_RING_MAX_CAPACITY * 2),
		BAD_FIELD(ring0_capacity, ~0ULL),
		BAD_FIELD(ring1_capacity, 0),
		BAD_FIELD(ring1_capacity, CAP / 2),
		BAD_FIELD(ring1_capacity, KUCOMMS_RING_MAX_CAPACITY * 2),
		BAD_FIELD(page_size, 0),
		BAD_FIELD(page_size, 3000),
		BAD_FIELD(page_size, sizeof(struct kucomms_side_page) / 2),
		BAD_FIELD(page_size, 2 * CAP),
		BAD_FIELD(page_size, 1U << 31),
		BAD_FIELD(side1_offset, 0),
		BAD_FIELD(side1_offset, PAGE),
		BAD_FIELD(side1_offset, PAGE + CAP + KUCOMMS_RECORD_ALIGN),
		BAD_FIELD(total_size, 0),
		BAD_FIELD(total_size, 2 * PAGE + 2 * CAP - 1),
		BAD_FIELD(total_size, 2 * PAGE + 2 * CAP + 1),
	};
	struct kucomms_link_info good;
	size_t i;

	fresh_link(CAP);
	good = *link_info();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(where, sizeof(where), "%s = %llu: ", cases[i].field,
			 (unsigned long long)cases[i].value);
		*link_info() = good;
		memcpy((unsigned char *)link_info() + cases[i].offset, &cases[i].value,
		       cases[i].width);
		CHECK_AT(check_link_info(fx.layout.total_size), -EPROTO);
	}
	check_guards();
}

TEST(link_info_check_rejects_a_link_larger_than_mapped)
{
	fresh_link(CAP);
	CHECK_EQ(check_link_info(fx.layout.total_size - 1), -EPROTO);
	CHECK_EQ(check_link_info(0), -EPROTO);
	/* Self-consistent, but twice the size of what was mapped. */
	link_info()->ring0_capacity = 2 * CAP;
	link_info()->ring1_capacity = 2 * CAP;
	link_info()->side1_offset = PAGE + 2 * CAP;
	link_info()->total_size = 2 * PAGE + 4 * CAP;
	CHECK_EQ(check_link_info(2 * PAGE + 4 * CAP), 0);
	CHECK_EQ(check_link_info(fx.layout.total_size), -EPROTO);
	check_guards();
}

int main(int argc, char **argv)
{
	int status = testing_main(argc, argv);

	ring_fixture_free(&fx);
	return status;
}
