// SPDX-License-Identifier: MIT
#include "schedule.h"

void kc_sched_init(struct kc_sched *s, uint64_t now, uint64_t period)
{
	s->start = now;
	s->period = period;
	s->next = 1;
	s->calls = 0;
	s->skipped = 0;
}

uint64_t kc_sched_deadline(const struct kc_sched *s)
{
	return s->start + s->next * s->period;
}

bool kc_sched_due(struct kc_sched *s, uint64_t now)
{
	uint64_t latest;

	if (now < kc_sched_deadline(s))
		return false;
	/* The latest tick whose time has come is the one run now. */
	latest = (now - s->start) / s->period;
	s->skipped += latest - s->next;
	s->next = latest + 1;
	s->calls++;
	return true;
}
