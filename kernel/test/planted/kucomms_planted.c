// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_planted: a module with two planted bugs, for proving that the
 * fuzzer finds bugs only specific field values reach. Never load it
 * outside a test machine.
 *
 * Its protocol (protocols/planted.yaml): a "command" (type 1) is
 *	u8 op (0 read, 1 write, 2 reset), u8 channel, le16 count,
 *	count x le32 values
 * and is answered by a "status" (type 2) with the same id:
 *	u8 result (0 ok, 1 too short, 2 count does not fit), u8 channel.
 * Any other type is answered by a status with result 3.
 *
 * The planted bugs:
 *  - a command for channel 255 hits a WARN_ON;
 *  - a reset whose count claims more values than the message holds stalls
 *    its link: the handler asks for the message again (-EAGAIN) until the
 *    link closes, so the link's later messages wait forever. The stall
 *    ends with the link (its held message goes with it): closing the
 *    device, or rmmod, never waits for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/module.h>
#include <asm/unaligned.h>
#include <kucomms/module.h>

enum { PLANTED_COMMAND = 1, PLANTED_STATUS = 2 };
enum { PLANTED_READ, PLANTED_WRITE, PLANTED_RESET };
enum {
	PLANTED_OK,
	PLANTED_TOO_SHORT,
	PLANTED_BAD_COUNT,
	PLANTED_UNKNOWN_TYPE,
};

#define PLANTED_COMMAND_HEAD	4	/* op, channel, count */

static struct kucomms_endpoint *planted_ep;

static int planted_reply(struct kucomms_link *link,
			 const struct kucomms_msg_header *hdr,
			 u8 result, u8 channel)
{
	struct kucomms_msg_header status = {
		.length = 2, .type = PLANTED_STATUS, .id = hdr->id,
	};
	u8 data[2] = { result, channel };

	return kucomms_send(link, &status, data) == -ENOBUFS ? -EAGAIN : 0;
}

static int planted_message(struct kucomms_link *link,
			   const struct kucomms_msg_header *hdr,
			   const void *data, void *priv)
{
	const u8 *cmd = data;
	u8 op, channel;
	u64 count;

	if (hdr->type != PLANTED_COMMAND)
		return planted_reply(link, hdr, PLANTED_UNKNOWN_TYPE, 0);
	if (hdr->length < PLANTED_COMMAND_HEAD)
		return planted_reply(link, hdr, PLANTED_TOO_SHORT, 0);
	op = cmd[0];
	channel = cmd[1];
	count = get_unaligned_le16(cmd + 2);

	/* Planted bug 1: channel 255 was never meant to reach this point. */
	WARN_ON(channel == U8_MAX);

	if (count * sizeof(u32) > hdr->length - PLANTED_COMMAND_HEAD) {
		/*
		 * Planted bug 2: a reset that claims more values than it
		 * holds is retried instead of refused, so the link stalls
		 * until it closes.
		 */
		if (op == PLANTED_RESET)
			return -EAGAIN;
		return planted_reply(link, hdr, PLANTED_BAD_COUNT, channel);
	}
	return planted_reply(link, hdr, PLANTED_OK, channel);
}

static const struct kucomms_ops planted_ops = {
	.message = planted_message,
};

static int __init planted_init(void)
{
	planted_ep = kucomms_register("kucomms_planted", &planted_ops, NULL);
	return PTR_ERR_OR_ZERO(planted_ep);
}

static void __exit planted_exit(void)
{
	kucomms_unregister(planted_ep);
}

module_init(planted_init);
module_exit(planted_exit);

MODULE_DESCRIPTION("kucomms fuzzing example with planted bugs (tests only)");
MODULE_LICENSE("GPL");
MODULE_VERSION("test");
