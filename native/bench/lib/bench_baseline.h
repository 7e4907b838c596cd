/* SPDX-License-Identifier: MIT */
/*
 * The baselines kucomms is measured against: a Unix-domain SOCK_SEQPACKET
 * socket pair and a pair of pipes, one process per end. Every message is a
 * kucomms_msg_header followed by the payload, written with one send() or
 * write(), so the same bytes cross as on a kucomms ring. The socket reads
 * one message per recv(); the pipe, a byte stream, is read in large chunks
 * and split into messages, the way a program would use it.
 */
#ifndef KUCOMMS_BENCH_BASELINE_H
#define KUCOMMS_BENCH_BASELINE_H

#include <stdbool.h>

#include "bench_harness.h"

struct bench_baseline {
	bool stream;  /* pipe: read in chunks and split */
	int fd[2][2]; /* [party][0 = read, 1 = write] */
};

/* @transport: "unix" or "pipe". */
int bench_baseline_open(struct bench_baseline *b, const char *transport);
void bench_baseline_close(struct bench_baseline *b);
/* A bench_party_fn; @ctx is the struct bench_baseline. */
int bench_baseline_party(struct bench_shared *sh, const struct bench_params *p, int party,
			 void *ctx);

#endif /* KUCOMMS_BENCH_BASELINE_H */
