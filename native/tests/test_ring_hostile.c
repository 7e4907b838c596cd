// SPDX-License-Identifier: MIT
/*
 * The ring helpers of kucomms/ring.h facing a hostile peer. Side 1 is the
 * reader under test: it reads ring 0, whose producer line and data the
 * hostile side 0 writes directly, and sends on ring 1, whose consumer line
 * side 0 writes directly. Every impossible value must give -EPROTO (again
 * on a retry, without the reader moving) and nothing may be read or written
 * outside the link (ring_fixture.h guards it; ASan builds poison the guards).
 */
#include "ring_checks.h"

TESTING_MAIN_STATE;

static void put_header(uint64_t offset, uint64_t length)
{
	struct kucomms_msg_header *h =
		(struct kucomms_msg_header *)(ring_fixture_data(&fx, 0) + offset);

	h->length = length;
	h->type = 0xbad;
	h->id = 0xbad;
	h->user_value = 0xbad;
}

static void publish_producer(uint64_t pos)
{
	ring0_producer_line()->pos = pos;
}

/* The reader refuses what side 0 published, twice, and stays at @reader_pos. */
static void expect_refused(uint64_t reader_pos)
{
	struct kucomms_msg_header h;
	const void *p;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		CHECK_AT(kucomms_ring_peek(&fx.rx[1], &h, &p), -EPROTO);
		CHECK_AT(fx.rx[1].pos, reader_pos);
	}
	check_guards();
}

TEST(producer_position_beyond_capacity_is_refused)
{
	static const uint64_t positions[] = { CAP + 32, 2 * CAP, 1ULL << 63, ~0ULL - 31 };
	size_t i;

	for (i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
		fresh_link(CAP);
		snprintf(where, sizeof(where),
			 "producer at %llu: ", (unsigned long long)positions[i]);
		publish_producer(positions[i]);
		expect_refused(0);
	}
}

TEST(producer_position_behind_the_reader_is_refused)
{
	fresh_link(CAP);
	advance_ring0(128);
	publish_producer(64);
	expect_refused(128);
}

TEST(unaligned_producer_position_is_refused)
{
	static const uint64_t positions[] = { 1, 31, 33, CAP - 1 };
	size_t i;

	for (i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
		fresh_link(CAP);
		snprintf(where, sizeof(where),
			 "producer at %llu: ", (unsigned long long)positions[i]);
		put_header(0, 0);
		publish_producer(positions[i]);
		expect_refused(0);
	}
}

TEST(record_length_larger_than_the_ring_allows_is_refused)
{
	static const uint64_t lengths[] = {
		CAP / 2 - HDR + 1, CAP - HDR, CAP, 1ULL << 32, 1ULL << 63, KUCOMMS_PAD_LENGTH - 1,
	};
	size_t i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		fresh_link(CAP);
		snprintf(where, sizeof(where), "length %llu: ", (unsigned long long)lengths[i]);
		put_header(0, lengths[i]);
		publish_producer(CAP);
		expect_refused(0);
	}
}

TEST(record_running_past_the_published_bytes_is_refused)
{
	static const struct {
		uint64_t length, published;
	} cases[] = {
		{ 1, 32 },
		{ 33, 64 },
		{ CAP / 2 - HDR, CAP / 2 - 32 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fresh_link(CAP);
		snprintf(where, sizeof(where),
			 "length %llu, %llu bytes published: ", (unsigned long long)cases[i].length,
			 (unsigned long long)cases[i].published);
		put_header(0, cases[i].length);
		publish_producer(cases[i].published);
		expect_refused(0);
	}
}

TEST(record_running_past_the_end_of_the_data_area_is_refused)
{
	fresh_link(CAP);
	advance_ring0(CAP - 64);
	put_header(CAP - 64, 64); /* 96 bytes where 64 are left */
	publish_producer(2 * CAP - 64);
	expect_refused(CAP - 64);
}

TEST(padding_record_at_offset_zero_is_refused)
{
	fresh_link(CAP);
	put_header(0, KUCOMMS_PAD_LENGTH);
	/* The whole ring published, so only the offset can make it illegal. */
	publish_producer(CAP);
	expect_refused(0);
}

TEST(padding_record_after_padding_is_refused)
{
	fresh_link(CAP);
	advance_ring0(CAP - 64);
	put_header(CAP - 64, KUCOMMS_PAD_LENGTH);
	put_header(0, KUCOMMS_PAD_LENGTH);
	publish_producer(CAP + 64);
	/* The first padding is legal and skipped; the second one is not. */
	expect_refused(CAP);
}

TEST(padding_record_without_enough_published_bytes_is_refused)
{
	fresh_link(CAP);
	advance_ring0(CAP - 96);
	put_header(CAP - 96, KUCOMMS_PAD_LENGTH);
	publish_producer(CAP - 96 + 32);
	expect_refused(CAP - 96);
}

TEST(header_rewritten_after_peek_cannot_change_the_message)
{
	struct kucomms_msg_header h;
	const void *p;

	fresh_link(CAP);
	CHECK_EQ(send_message(&fx.tx[0], 100, 1), 0);
	CHECK_EQ(kucomms_ring_peek(&fx.rx[1], &h, &p), 1);
	put_header(0, CAP / 2 - HDR);
	CHECK_EQ(h.length, 100);
	CHECK_EQ(h.id, 1);
	CHECK_EQ((const unsigned char *)p - ring_fixture_data(&fx, 0), HDR);
	kucomms_ring_consume(&fx.rx[1]);
	kucomms_ring_publish_consumed(&fx.rx[1]);
	CHECK_EQ(fx.rx[1].pos, kucomms_record_size(100));
	CHECK_EQ(send_message(&fx.tx[0], 7, 2), 0);
	receive_message(&fx.rx[1], 7, 2);
	expect_empty(&fx.rx[1]);
	check_guards();
}

/* ---- side 1 sending on ring 1, side 0 lying about its consumer position ---- */

static struct kucomms_ring_consumer *ring1_consumer_line(void)
{
	return &ring_fixture_side_page(&fx, 0)->rx;
}

/* Fill ring 1, let side 0 claim @consumer_pos, and expect every send refused. */
static void expect_send_refused(uint64_t consumer_pos)
{
	static unsigned char before[CAP];
	struct kucomms_msg_header *rec;
	int attempt;

	fresh_link(CAP);
	snprintf(where, sizeof(where), "consumer at %llu: ", (unsigned long long)consumer_pos);
	CHECK_AT(send_message(&fx.tx[1], CAP / 2 - HDR, 1), 0);
	CHECK_AT(send_message(&fx.tx[1], CAP / 2 - HDR, 2), 0);
	memcpy(before, ring_fixture_data(&fx, 1), CAP);
	ring1_consumer_line()->pos = consumer_pos;
	for (attempt = 0; attempt < 2; attempt++)
		CHECK_AT(kucomms_ring_reserve(&fx.tx[1], 0, &rec), -EPROTO);
	CHECK_AT(fx.tx[1].pos, CAP);
	CHECK_AT(kucomms_ring_free_bytes(&fx.tx[1]), 0);
	CHECK_AT(kucomms_ring_unconsumed(&fx.tx[1]), 0);
	CHECK_AT(ring_fixture_side_page(&fx, 1)->tx.full_events, 0);
	CHECK_MSG(!memcmp(before, ring_fixture_data(&fx, 1), CAP),
		  "%sthe refused send wrote into ring 1", where);
	check_guards();
}

TEST(consumer_position_ahead_of_the_producer_is_refused)
{
	expect_send_refused(CAP + 32);
	expect_send_refused(1ULL << 63);
}

TEST(consumer_position_too_far_behind_is_refused)
{
	expect_send_refused(~0ULL - 31);
}

TEST(unaligned_consumer_position_is_refused)
{
	expect_send_refused(16);
	expect_send_refused(CAP - 1);
}

int main(int argc, char **argv)
{
	int status = testing_main(argc, argv);

	ring_fixture_free(&fx);
	return status;
}
