/* SPDX-License-Identifier: MIT */
/*
 * The spin policy: after delivering messages the endpoint's thread keeps
 * looking at its rings for its spin budget (ep->opts.spin_ns) before it
 * sleeps, which trades CPU for latency, and stops doing so for a while
 * where spinning does not pay.
 */
#ifndef KC_SPIN_H
#define KC_SPIN_H

#include <stdbool.h>
#include <stdint.h>

struct kucomms_endpoint;

/*
 * Spin if the policy says it is worth it, no later than @deadline (the
 * next work or timer tick, 0 for none). True if the rings (or a stop)
 * need a look, false if the thread should sleep.
 */
bool kc_spin_if_worthwhile(struct kucomms_endpoint *ep, uint64_t deadline);

/*
 * The thread delivered @delivered messages in the pass after a spin: that
 * tells whether a spin that hit only once others had run on our core paid.
 */
void kc_spin_judge(struct kucomms_endpoint *ep, unsigned int delivered);

#endif /* KC_SPIN_H */
