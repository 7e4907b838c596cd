/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * kucomms/longtest.h - the longtest protocol, shared by its two sides: the
 * application (kucomms_lib_longtest) and the peer (the kucomms_longtest
 * kernel module, or kucomms_peer longtest over shared memory).
 *
 * Application -> peer: on each work tick, KUCOMMS_LONGTEST_APP_PER_TICK
 * messages of type KUCOMMS_LONGTEST_TYPE_APP, ids counting up from 0,
 * random data lengths 0..KUCOMMS_LONGTEST_APP_MAX_LENGTH, random bytes.
 * The peer echoes each one back unchanged and the application compares the
 * echo with the copy it kept.
 *
 * Peer -> application: once the application has sent anything, one message
 * of type KUCOMMS_LONGTEST_TYPE_SEQ per work tick, the n-th (from 0) with
 * id n, data length n % KUCOMMS_LONGTEST_SEQ_MODULUS and every data byte
 * n % 256. The application echoes each one back and the peer checks it
 * with kucomms_longtest_seq_check().
 *
 * Static inline helpers that compile in the kernel and in userspace.
 */
#ifndef _KUCOMMS_LONGTEST_H
#define _KUCOMMS_LONGTEST_H

#include <linux/kucomms.h>

#ifdef __KERNEL__
#include <linux/string.h>
#include <linux/types.h>
#else
#include <stdbool.h>
#include <string.h>
#endif

#define KUCOMMS_LONGTEST_TYPE_APP	0
#define KUCOMMS_LONGTEST_TYPE_SEQ	1
#define KUCOMMS_LONGTEST_APP_PER_TICK	4
#define KUCOMMS_LONGTEST_APP_MAX_LENGTH	2047
#define KUCOMMS_LONGTEST_SEQ_MODULUS	2048
/* Largest data of any longtest message: both kinds stay below this. */
#define KUCOMMS_LONGTEST_MAX_LENGTH	2048

/* Data length of sequence message @n. */
static inline __u64 kucomms_longtest_seq_length(__u64 n)
{
	return n % KUCOMMS_LONGTEST_SEQ_MODULUS;
}

/* The value of every data byte of sequence message @n. */
static inline __u8 kucomms_longtest_seq_byte(__u64 n)
{
	return (__u8)(n % 256);
}

/*
 * Build sequence message @n: its header in @hdr and its data in @data,
 * which holds at least kucomms_longtest_seq_length(@n) bytes.
 */
static inline void kucomms_longtest_seq_fill(struct kucomms_msg_header *hdr,
					     void *data, __u64 n)
{
	hdr->length = kucomms_longtest_seq_length(n);
	hdr->type = KUCOMMS_LONGTEST_TYPE_SEQ;
	hdr->id = n;
	hdr->user_value = 0;
	memset(data, kucomms_longtest_seq_byte(n), (size_t)hdr->length);
}

/* Is @hdr + @data exactly sequence message @n (user_value aside)? */
static inline bool kucomms_longtest_seq_check(const struct kucomms_msg_header *hdr,
					      const void *data, __u64 n)
{
	const __u8 *p = (const __u8 *)data;
	__u8 byte = kucomms_longtest_seq_byte(n);
	__u64 i;

	if (hdr->type != KUCOMMS_LONGTEST_TYPE_SEQ || hdr->id != n ||
	    hdr->length != kucomms_longtest_seq_length(n))
		return false;
	for (i = 0; i < hdr->length; i++)
		if (p[i] != byte)
			return false;
	return true;
}

#endif /* _KUCOMMS_LONGTEST_H */
