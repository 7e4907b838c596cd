// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a kucomms side facing a hostile peer.
 *
 * The side under test is side 0 (as the kernel is on a device): it reads
 * ring 1 and sends on ring 0 with the helpers of kucomms/ring.h. Side 1 is
 * the peer, and the input drives it: it sends well-formed records, writes
 * arbitrary positions, headers, padding markers and flags into its producer
 * and consumer lines and its ring, and arbitrary bytes anywhere in the link,
 * interleaved with side 0's peeks, consumes, publishes, sends and sleeps.
 * The link sits between guard regions (ring_fixture.h), so a read or write
 * outside it stops the run under AddressSanitizer.
 *
 * Inputs whose first byte is below LINK_INFO_MODE instead describe side 0's
 * page to kucomms_link_info_check(), as a side 1 attaching to a link would
 * see it, with an arbitrary mapped size.
 *
 * Every invariant side 0 must keep whatever the peer does is checked, and a
 * violation traps:
 *  - peek returns 1, 0 or -EPROTO; a message's length is legal and its data
 *    lies inside ring 1's data area, within the bytes the peer published;
 *  - reserve returns 0, -EMSGSIZE (exactly when the length is too large),
 *    -ENOBUFS or -EPROTO, and a reserved record lies inside ring 0's data;
 *  - side 0's own positions are aligned, never go backwards, and never get
 *    more than the capacity apart from the peer positions it accepted;
 *  - -EPROTO is sticky: asking again without the peer writing anything gives
 *    -EPROTO again and leaves side 0's state exactly as it was.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../tests/ring_fixture.h"

#define PAGE 256 /* the smallest page that holds a side page */
#define CAP KUCOMMS_RING_MIN_CAPACITY
#define HDR ((uint64_t)sizeof(struct kucomms_msg_header))
#define MAX_LENGTH KUCOMMS_MSG_MAX_LENGTH(CAP)
#define LINK_INFO_MODE 16 /* first byte below this: link_info input */
#define MAX_FIXTURE (1 << 20)

#define require(cond)                     \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* The input, read front to back; reads past its end give zeros. */
struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

/* ---- side 0's invariants ---- */

struct side0_watch {
	uint64_t rx_pos; /* own positions seen last: never go backwards */
	uint64_t tx_pos;
};

static void check_positions(struct ring_fixture *f, struct side0_watch *w)
{
	const struct kucomms_ring *rx = &f->rx[0], *tx = &f->tx[0];

	require(rx->pos >= w->rx_pos && tx->pos >= w->tx_pos);
	require(!(rx->pos % KUCOMMS_RECORD_ALIGN) && !(tx->pos % KUCOMMS_RECORD_ALIGN));
	require(rx->peer_pos - rx->pos <= CAP);
	require(tx->pos - tx->peer_pos <= CAP);
	w->rx_pos = rx->pos;
	w->tx_pos = tx->pos;
}

/* Keeps the reads of message data from being optimised away. */
static volatile uint8_t data_sink;

static void reader_peek(struct ring_fixture *f, struct input *in)
{
	struct kucomms_ring *rx = &f->rx[0];
	const uint8_t *area = ring_fixture_data(f, 1);
	struct kucomms_msg_header hdr;
	struct kucomms_ring before;
	const uint8_t *data;
	const void *p = NULL;
	uint8_t sum = 0;
	uint64_t i;
	int ret;

	ret = kucomms_ring_peek(rx, &hdr, &p);
	if (ret == -EPROTO) {
		before = *rx;
		require(kucomms_ring_peek(rx, &hdr, &p) == -EPROTO);
		require(!memcmp(&before, rx, sizeof(before)));
		return;
	}
	require(ret == 0 || ret == 1);
	if (ret == 0)
		return;
	data = p;
	require(hdr.length <= MAX_LENGTH);
	require(rx->pending == kucomms_record_size(hdr.length));
	require(rx->peer_pos - rx->pos >= rx->pending);
	require(data >= area + HDR && data + hdr.length <= area + CAP);
	require((uint64_t)(data - area - HDR) == rx->pos % CAP);
	/* Read every byte, as a handler would: out of bounds stops ASan. */
	for (i = 0; i < hdr.length; i++)
		sum ^= data[i];
	data_sink = sum;
	if (take(in, 1) & 1)
		kucomms_ring_consume(rx);
}

static void reader_send(struct ring_fixture *f, struct input *in)
{
	struct kucomms_ring *tx = &f->tx[0];
	uint8_t *area = ring_fixture_data(f, 0);
	uint64_t length = take(in, 2) % (MAX_LENGTH + 2);
	struct kucomms_msg_header *rec;
	struct kucomms_ring before;
	int ret;

	ret = kucomms_ring_reserve(tx, length, &rec);
	if (ret == -EPROTO) {
		before = *tx;
		require(kucomms_ring_reserve(tx, length, &rec) == -EPROTO);
		require(!memcmp(&before, tx, sizeof(before)));
		return;
	}
	require((ret == -EMSGSIZE) == (length > MAX_LENGTH));
	require(ret == 0 || ret == -EMSGSIZE || ret == -ENOBUFS);
	if (ret)
		return;
	require((uint8_t *)rec >= area &&
		(uint8_t *)rec + kucomms_record_size(length) <= area + CAP);
	rec->length = length;
	rec->type = 1;
	rec->id = tx->messages;
	rec->user_value = 0;
	memset(rec + 1, (int)length, length);
	if (take(in, 1) & 1)
		kucomms_ring_commit(tx);
}

static void reader_look(struct ring_fixture *f, struct input *in)
{
	require(kucomms_ring_free_bytes(&f->tx[0]) <= CAP);
	require(kucomms_ring_unconsumed(&f->tx[0]) <= CAP);
	if (kucomms_ring_need_wakeup(&f->tx[0]))
		kucomms_ring_count_wakeup(&f->tx[0]);
	if (!kucomms_ring_prepare_sleep(&f->rx[0]))
		kucomms_ring_end_sleep(&f->rx[0], false);
	else
		kucomms_ring_end_sleep(&f->rx[0], take(in, 1) & 1);
}

/* ---- the hostile peer ---- */

/* A position near @own (records apart, either way) or anything at all. */
static uint64_t peer_position(struct input *in, uint64_t own)
{
	uint8_t how = take(in, 1);
	int16_t delta = (int16_t)take(in, 2);

	switch (how % 4) {
	case 0:
		return own + (uint64_t)(int64_t)delta * KUCOMMS_RECORD_ALIGN;
	case 1:
		return own + (uint64_t)(int64_t)delta;
	case 2:
		return own + CAP + (uint64_t)(int64_t)delta;
	default:
		return take(in, 8);
	}
}

static uint64_t peer_length(struct input *in, uint64_t offset)
{
	switch (take(in, 1) % 6) {
	case 0:
		return KUCOMMS_PAD_LENGTH;
	case 1:
		return take(in, 1);
	case 2:
		return MAX_LENGTH + take(in, 1) % 3 - 1;
	case 3: /* around the end of the data area */
		return CAP - offset - HDR + take(in, 1) % 64 - 32;
	case 4:
		return take(in, 2);
	default:
		return take(in, 8);
	}
}

static void peer_write_header(struct ring_fixture *f, struct input *in)
{
	uint64_t offset = take(in, 2) % CAP & ~(uint64_t)(KUCOMMS_RECORD_ALIGN - 1);
	struct kucomms_msg_header *h =
		(struct kucomms_msg_header *)(ring_fixture_data(f, 1) + offset);

	h->length = peer_length(in, offset);
	h->type = take(in, 1);
	h->id = take(in, 1);
	h->user_value = take(in, 1);
}

static void peer_write_bytes(struct ring_fixture *f, struct input *in)
{
	uint64_t offset = take(in, 2) % f->layout.total_size;
	uint64_t n = take(in, 1) % 64;

	if (n > f->layout.total_size - offset)
		n = f->layout.total_size - offset;
	if (n > in->left)
		n = in->left;
	memcpy(f->block + offset, in->p, n);
	in->p += n;
	in->left -= n;
}

/* The peer also sends and reads properly, so the fuzzer reaches deep states. */
static void peer_send(struct ring_fixture *f, struct input *in)
{
	uint64_t length = take(in, 2) % (MAX_LENGTH + 1);
	struct kucomms_msg_header *rec;

	if (kucomms_ring_reserve(&f->tx[1], length, &rec))
		return;
	rec->length = length;
	rec->type = 2;
	rec->id = f->tx[1].messages;
	rec->user_value = take(in, 1);
	memset(rec + 1, 0x5a, length);
	if (take(in, 1) & 1)
		kucomms_ring_commit(&f->tx[1]);
}

static void peer_receive(struct ring_fixture *f)
{
	struct kucomms_msg_header hdr;
	const void *p;

	if (kucomms_ring_peek(&f->rx[1], &hdr, &p) == 1) {
		kucomms_ring_consume(&f->rx[1]);
		kucomms_ring_publish_consumed(&f->rx[1]);
	}
}

static void fuzz_ring(struct input *in)
{
	struct kucomms_side_page *peer;
	struct side0_watch watch = { 0, 0 };
	struct ring_fixture f;

	if (ring_fixture_init(&f, CAP, CAP, PAGE))
		__builtin_trap();
	peer = ring_fixture_side_page(&f, 1);
	while (in->left) {
		switch (take(in, 1) % 14) {
		case 0:
			reader_peek(&f, in);
			break;
		case 1:
			kucomms_ring_publish_consumed(&f.rx[0]);
			break;
		case 2:
			reader_send(&f, in);
			break;
		case 3:
			kucomms_ring_commit(&f.tx[0]);
			break;
		case 4:
			reader_look(&f, in);
			break;
		case 5:
			peer->tx.pos = peer_position(in, f.rx[0].pos);
			break;
		case 6:
			peer->rx.pos = peer_position(in, f.tx[0].pos);
			break;
		case 7:
			peer_write_header(&f, in);
			break;
		case 8:
			peer_write_bytes(&f, in);
			break;
		case 9:
			peer->rx.flags = (uint32_t)take(in, 4);
			break;
		case 10:
			peer_send(&f, in);
			break;
		case 11:
			kucomms_ring_commit(&f.tx[1]);
			break;
		case 12:
			peer_receive(&f);
			break;
		default: /* a peer that restarts its own view of the link */
			ring_fixture_bind(&f, 1);
			break;
		}
		check_positions(&f, &watch);
	}
	require(ring_fixture_guards_intact(&f));
	ring_fixture_free(&f);
}

/* ---- link_info_check ---- */

static void fuzz_link_info(struct input *in)
{
	struct kucomms_link_layout good, seen;
	struct kucomms_side_page page;
	uint64_t mapped = take(in, 4);
	struct ring_fixture f;
	int ret;

	/* Start from a valid description, then let the input patch it. */
	memset(&page, 0, sizeof(page));
	if (kucomms_link_layout_init(&good, CAP, CAP, PAGE))
		__builtin_trap();
	kucomms_link_info_publish(&page, &good);
	while (in->left) {
		uint64_t offset = take(in, 1) % sizeof(page.info);
		uint64_t n = take(in, 1) % 8 + 1;

		if (n > sizeof(page.info) - offset)
			n = sizeof(page.info) - offset;
		if (n > in->left)
			n = in->left;
		memcpy((uint8_t *)&page.info + offset, in->p, n);
		in->p += n;
		in->left -= n;
	}

	ret = kucomms_link_info_check(&page, mapped, &seen);
	require(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT || ret == -EPROTO);
	if (ret)
		return;
	require(kucomms_ring_capacity_valid(seen.capacity[0], seen.page_size));
	require(kucomms_ring_capacity_valid(seen.capacity[1], seen.page_size));
	require(seen.page_size >= sizeof(struct kucomms_side_page));
	require(seen.total_size <= mapped);
	require(seen.total_size == page.info.total_size);
	require(seen.side_offset[1] == page.info.side1_offset);
	require(seen.side_offset[1] + seen.region_size[1] == seen.total_size);
	/* A link laid out from the accepted description is that same link. */
	if (seen.total_size > MAX_FIXTURE)
		return;
	if (ring_fixture_init(&f, seen.capacity[0], seen.capacity[1], seen.page_size))
		__builtin_trap();
	require(!memcmp(&f.layout, &seen, sizeof(seen)));
	require(ring_fixture_guards_intact(&f));
	ring_fixture_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };

	if (!size)
		return 0;
	if (take(&in, 1) < LINK_INFO_MODE)
		fuzz_link_info(&in);
	else
		fuzz_ring(&in);
	return 0;
}
