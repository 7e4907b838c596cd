// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_longtest: the kernel side of the longtest protocol
 * (kucomms/longtest.h), partner of "kucomms_lib_longtest /dev/kucomms_longtest".
 *
 * On every link: echoes each application message back unchanged; once the
 * application has spoken, sends sequence message n on every work tick and
 * checks the application's echo of each one. Every ten seconds it logs, per
 * link, its counters and errors:
 *	add_error_count: sequence sends refused (ring full; the same message
 *		is tried again on the next tick)
 *	compare_error_count: echoes that were not the sequence message
 *		expected next, and messages of no longtest type
 *
 *	echo kucomms_longtest > /sys/devices/virtual/kucomms/kucomms/create_device
 *	modprobe kucomms_longtest
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <kucomms/longtest.h>
#include <kucomms/module.h>

/*
 * protocols/longtest.yaml's name, version and hash (kucomms-studio hash
 * protocols/longtest.yaml prints them; npm test checks they agree).
 */
#define LONGTEST_PROTOCOL	"longtest", "", 0x02c09de1b54e4f8fULL

#define LONGTEST_LOG_SECONDS	10

/* One link's state; the handlers alone touch it, one at a time. */
struct longtest_link {
	struct list_head node;
	struct kucomms_link *link;
	bool heard;		/* the application has sent something */
	u64 received_count_0;	/* application messages echoed */
	u64 sent_count_1;	/* sequence messages sent: the next n */
	u64 received_count_1;	/* sequence echoes received */
	u64 add_error_count;
	u64 compare_error_count;
};

static struct kucomms_endpoint *longtest_ep;
static LIST_HEAD(longtest_links);
static unsigned int longtest_seconds;
static u8 longtest_seq_data[KUCOMMS_LONGTEST_MAX_LENGTH];

static void longtest_link_up(struct kucomms_link *link, void *priv)
{
	struct longtest_link *lt = kzalloc(sizeof(*lt), GFP_KERNEL);

	/* The allocator has said why; this link just gets no replies. */
	if (!lt)
		return;
	lt->link = link;
	list_add_tail(&lt->node, &longtest_links);
	kucomms_link_set_priv(link, lt);
}

static void longtest_link_down(struct kucomms_link *link, void *priv)
{
	struct longtest_link *lt = kucomms_link_priv(link);

	if (!lt)
		return;
	list_del(&lt->node);
	kfree(lt);
}

static int longtest_message(struct kucomms_link *link,
			    const struct kucomms_msg_header *hdr,
			    const void *data, void *priv)
{
	struct longtest_link *lt = kucomms_link_priv(link);

	if (!lt)
		return 0;
	switch (hdr->type) {
	case KUCOMMS_LONGTEST_TYPE_APP:
		/* No room for the echo: leave the message waiting, drop nothing. */
		if (kucomms_send(link, hdr, data) == -ENOBUFS)
			return -EAGAIN;
		lt->heard = true;
		lt->received_count_0++;
		break;
	case KUCOMMS_LONGTEST_TYPE_SEQ:
		if (!kucomms_longtest_seq_check(hdr, data, lt->received_count_1))
			lt->compare_error_count++;
		lt->received_count_1++;
		break;
	default:
		lt->compare_error_count++;
	}
	return 0;
}

static void longtest_work(void *priv)
{
	struct kucomms_msg_header hdr;
	struct longtest_link *lt;

	list_for_each_entry(lt, &longtest_links, node) {
		if (!lt->heard)
			continue;
		kucomms_longtest_seq_fill(&hdr, longtest_seq_data, lt->sent_count_1);
		if (kucomms_send(lt->link, &hdr, longtest_seq_data))
			lt->add_error_count++;
		else
			lt->sent_count_1++;
	}
}

static void longtest_timer(void *priv)
{
	struct longtest_link *lt;

	if (++longtest_seconds % LONGTEST_LOG_SECONDS)
		return;
	list_for_each_entry(lt, &longtest_links, node)
		pr_info("link %u (pid %d): received_count_0=%llu : sent_count_1=%llu : received_count_1=%llu : add_error_count=%llu : compare_error_count=%llu\n",
			kucomms_link_id(lt->link), kucomms_link_pid(lt->link),
			lt->received_count_0, lt->sent_count_1,
			lt->received_count_1, lt->add_error_count,
			lt->compare_error_count);
}

static const struct kucomms_ops longtest_ops = {
	.message = longtest_message,
	.work = longtest_work,
	.timer = longtest_timer,
	.link_up = longtest_link_up,
	.link_down = longtest_link_down,
};

static int __init longtest_init(void)
{
	int err;

	longtest_ep = kucomms_register("kucomms_longtest", &longtest_ops, NULL);
	if (IS_ERR(longtest_ep))
		return PTR_ERR(longtest_ep);
	/* The Studio decodes /dev/kucomms_longtest with protocols/longtest.yaml, unasked. */
	err = kucomms_set_protocol(longtest_ep, LONGTEST_PROTOCOL);
	if (err)
		kucomms_unregister(longtest_ep);
	return err;
}

static void __exit longtest_exit(void)
{
	kucomms_unregister(longtest_ep);
}

module_init(longtest_init);
module_exit(longtest_exit);

MODULE_DESCRIPTION("kucomms example: the kernel side of the longtest protocol");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUCOMMS_VERSION);
