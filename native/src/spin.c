// SPDX-License-Identifier: MIT
/* The spin policy (spin.h). */
#define _GNU_SOURCE
#include <sched.h>

#include "internal.h"
#include "spin.h"

/* How long a spin keeps its core before it lets others run between looks. */
#define SPIN_HARD_NS 5000
/*
 * A sched_yield() that takes longer than this let another thread run on
 * our core: the call alone returns within a microsecond or two.
 */
#define YIELD_RAN_OTHERS_NS 3000
/* Idle moments slept through at once after a spin that did not pay. */
#define SPIN_BACKOFF 64
/*
 * Messages found at once after a spin on a shared core that show a peer
 * streaming to us, not answering one message at a time: spinning paid.
 */
#define SPIN_PAID_MESSAGES 16
/*
 * Budgets beyond a scheduler time slice ask to hold the core whatever it
 * costs (e.g. one second: never sleep): those spin every time.
 */
#define SPIN_ADAPTIVE_MAX_NS 1000000

enum spin_result {
	SPIN_HIT,	 /* data (or a stop) with a core to ourselves */
	SPIN_HIT_SHARED, /* data, but only after others ran on our core */
	SPIN_MISS,	 /* nothing within the budget */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Keep looking at the rings for the spin budget. A peer that is running
 * answers within microseconds, so the first ones are spent spinning hard;
 * after that the core is yielded between looks, so a peer (or anyone else)
 * waiting for it can run.
 */
static enum spin_result spin(struct kucomms_endpoint *ep, uint64_t deadline)
{
	uint64_t now = kc_now_ns();
	uint64_t end = now + ep->opts.spin_ns, hard_end = now + SPIN_HARD_NS;
	struct kucomms_link *link;
	bool shared = false;
	int i;

	if (deadline && deadline < end)
		end = deadline;
	do {
		for (i = 0; i < 32; i++) {
			for (link = ep->links; link; link = link->next)
				if (kc_link_live(link) &&
				    kucomms_read_once(link->rx.prod->pos) != link->rx.pos)
					return shared ? SPIN_HIT_SHARED : SPIN_HIT;
			if (kc_should_leave_sleep(ep))
				return SPIN_HIT;
			cpu_relax();
		}
		now = kc_now_ns();
		if (now >= hard_end) {
			sched_yield();
			if (kc_now_ns() - now > YIELD_RAN_OTHERS_NS)
				shared = true;
		}
	} while (now < end);
	return SPIN_MISS;
}

/*
 * Spin only while traffic flows, when the next message is likely to come
 * soon, and only while spinning pays. A spin that found nothing was spun
 * in vain, and so was one whose message came only after other threads had
 * our core (the peer shares it, or the machine is busy) if that message
 * came alone: it would have come as soon to a sleeping endpoint. Either
 * makes the next SPIN_BACKOFF waits sleep at once, then one spin looks
 * again. But a peer sharing our core that streams to us fills the ring
 * while we yield, and there each sleep would cost it a wake and us a
 * wakeup every few dozen messages: a spin that finds a stream keeps us
 * spinning (kc_spin_judge()). So does a peer on a core of its own that is
 * merely slow to answer, so two ends that both backed off find their way
 * back to spinning once cores are free.
 */
bool kc_spin_if_worthwhile(struct kucomms_endpoint *ep, uint64_t deadline)
{
	enum spin_result r;

	if (!ep->had_traffic || !ep->opts.spin_ns)
		return false;
	if (ep->spin_skips) {
		ep->spin_skips--;
		return false;
	}
	r = spin(ep, deadline);
	if (ep->opts.spin_ns <= SPIN_ADAPTIVE_MAX_NS) {
		if (r == SPIN_MISS)
			ep->spin_skips = SPIN_BACKOFF;
		else if (r == SPIN_HIT_SHARED)
			ep->spin_on_trial = true;
	}
	return r != SPIN_MISS;
}

void kc_spin_judge(struct kucomms_endpoint *ep, unsigned int delivered)
{
	if (!ep->spin_on_trial)
		return;
	ep->spin_on_trial = false;
	if (delivered < SPIN_PAID_MESSAGES)
		ep->spin_skips = SPIN_BACKOFF;
}
