/* SPDX-License-Identifier: MIT */
/*
 * A kucomms link laid out in ordinary memory, for tests and fuzzers of the
 * ring helpers in kucomms/ring.h (no library involved).
 *
 * The link block sits between two guard regions of at least a page each:
 *
 *   | guard (canary) | link block (layout.total_size) | guard (canary) |
 *
 * Under AddressSanitizer the guards are poisoned, so any access outside the
 * block is reported where it happens; in every build the canary bytes are
 * checked afterwards, so a stray write is caught even without sanitizers.
 * Side 0 binds exactly as the link's creator does; side 1 binds from the
 * link_info it checks, exactly as an attaching peer does.
 */
#ifndef KUCOMMS_RING_FIXTURE_H
#define KUCOMMS_RING_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include <kucomms/ring.h>

#define RING_FIXTURE_GUARD 4096
#define RING_FIXTURE_CANARY 0xa5

struct ring_fixture {
	struct kucomms_link_layout layout;
	unsigned char *alloc;	   /* guard + block + guard */
	size_t alloc_size;	   /* a multiple of the guard, as aligned_alloc wants */
	unsigned char *block;	   /* the link: layout.total_size bytes */
	struct kucomms_ring tx[2]; /* tx[i]: ring i, as side i sends on it */
	struct kucomms_ring rx[2]; /* rx[i]: ring 1 - i, as side i reads it */
};

static inline struct kucomms_side_page *ring_fixture_side_page(struct ring_fixture *f, int side)
{
	return (struct kucomms_side_page *)(f->block + f->layout.side_offset[side]);
}

/* The ring data area of ring @ring (0: side 0 -> side 1, 1: the other way). */
static inline unsigned char *ring_fixture_data(struct ring_fixture *f, int ring)
{
	return f->block + f->layout.data_offset[ring];
}

static inline void ring_fixture_bind(struct ring_fixture *f, int side)
{
	kucomms_link_bind(&f->layout, side, f->block, f->block + f->layout.side_offset[1],
			  &f->tx[side], &f->rx[side]);
}

/*
 * Lay out a fresh link (zeroed, published by side 0, checked and bound by
 * side 1). Returns 0 or the negative errno of the step that failed.
 */
static inline size_t ring_fixture_tail_guard(struct ring_fixture *f)
{
	return f->alloc_size - RING_FIXTURE_GUARD - f->layout.total_size;
}

static inline int ring_fixture_init(struct ring_fixture *f, uint64_t cap0, uint64_t cap1,
				    uint64_t page_size)
{
	struct kucomms_link_layout seen;
	unsigned char *tail;
	size_t total;
	int err;

	memset(f, 0, sizeof(*f));
	err = kucomms_link_layout_init(&f->layout, cap0, cap1, page_size);
	if (err)
		return err;
	total = f->layout.total_size;
	f->alloc_size =
		(total + 3 * RING_FIXTURE_GUARD - 1) / RING_FIXTURE_GUARD * RING_FIXTURE_GUARD;
	f->alloc = aligned_alloc(RING_FIXTURE_GUARD, f->alloc_size);
	if (!f->alloc)
		return -ENOMEM;
	f->block = f->alloc + RING_FIXTURE_GUARD;
	tail = f->block + total;
	memset(f->alloc, RING_FIXTURE_CANARY, RING_FIXTURE_GUARD);
	memset(f->block, 0, total);
	memset(tail, RING_FIXTURE_CANARY, ring_fixture_tail_guard(f));
	ASAN_POISON_MEMORY_REGION(f->alloc, RING_FIXTURE_GUARD);
	ASAN_POISON_MEMORY_REGION(tail, ring_fixture_tail_guard(f));

	kucomms_link_info_publish(ring_fixture_side_page(f, 0), &f->layout);
	ring_fixture_bind(f, 0);
	err = kucomms_link_info_check(ring_fixture_side_page(f, 0), total, &seen);
	if (err)
		return err;
	if (memcmp(&seen, &f->layout, sizeof(seen)))
		return -EPROTO;
	ring_fixture_bind(f, 1);
	return 0;
}

/* True when nothing was written to either guard region. */
static inline bool ring_fixture_guards_intact(struct ring_fixture *f)
{
	unsigned char *tail = f->block + f->layout.total_size;
	size_t i, tail_size = ring_fixture_tail_guard(f);
	bool intact = true;

	ASAN_UNPOISON_MEMORY_REGION(f->alloc, RING_FIXTURE_GUARD);
	ASAN_UNPOISON_MEMORY_REGION(tail, tail_size);
	for (i = 0; i < RING_FIXTURE_GUARD; i++)
		intact &= f->alloc[i] == RING_FIXTURE_CANARY;
	for (i = 0; i < tail_size; i++)
		intact &= tail[i] == RING_FIXTURE_CANARY;
	ASAN_POISON_MEMORY_REGION(f->alloc, RING_FIXTURE_GUARD);
	ASAN_POISON_MEMORY_REGION(tail, tail_size);
	return intact;
}

static inline void ring_fixture_free(struct ring_fixture *f)
{
	if (!f->alloc)
		return;
	ASAN_UNPOISON_MEMORY_REGION(f->alloc, f->alloc_size);
	free(f->alloc);
	f->alloc = NULL;
}

#endif /* KUCOMMS_RING_FIXTURE_H */
