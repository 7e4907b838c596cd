// SPDX-License-Identifier: MIT
/*
 * Which endpoint's thread this is. Adding, closing and marking links down
 * work differently from the endpoint's own thread (a callback) than from
 * any other, which must hand the change to that thread.
 */
#include "internal.h"

static __thread struct kucomms_endpoint *current_ep;

bool kc_on_thread(const struct kucomms_endpoint *ep)
{
	return current_ep == ep;
}

void kc_set_current(struct kucomms_endpoint *ep)
{
	current_ep = ep;
}
