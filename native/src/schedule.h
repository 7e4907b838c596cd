/* SPDX-License-Identifier: MIT */
/*
 * A periodic schedule with no clock of its own: the caller passes the time,
 * so tests drive it with made-up times.
 *
 * Tick k is due at start + k * period (k >= 1), so the schedule never
 * drifts however late each call is. A caller that comes back after several
 * deadlines have passed (a callback overran) gets one call, not a burst:
 * the ticks it missed are skipped and counted.
 */
#ifndef KC_SCHED_H
#define KC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct kc_sched {
	uint64_t start;	  /* time of tick 0 */
	uint64_t period;  /* > 0 */
	uint64_t next;	  /* index of the next tick due */
	uint64_t calls;	  /* ticks run */
	uint64_t skipped; /* ticks missed and not run */
};

/* Start a schedule at @now; its first tick is due at @now + @period. */
void kc_sched_init(struct kc_sched *s, uint64_t now, uint64_t period);

/* When the next tick is due. */
uint64_t kc_sched_deadline(const struct kc_sched *s);

/*
 * Is a tick due at @now? If so it counts as run, the ticks missed since
 * the last one count as skipped, and the next is the first one after @now.
 */
bool kc_sched_due(struct kc_sched *s, uint64_t now);

#endif /* KC_SCHED_H */
