// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_bench_genl: the second baseline of the kernel benchmark, the
 * generic netlink echo a kernel developer would write instead of a
 * character device: family "kucomms_bench", one command that sends its
 * payload attribute back to the sender in a new message. The echo runs in
 * the sender's sendmsg(), like the read()/write() device's. Built for the
 * benchmark only.
 *
 *	insmod kucomms_bench_genl.ko	(registers the family)
 */
#include <linux/module.h>
#include <net/genetlink.h>

#define BENCH_GENL_NAME		"kucomms_bench"
#define BENCH_GENL_VERSION	1
/* The largest payload the benchmark sends, and some room. */
#define BENCH_GENL_MAX_PAYLOAD	65535

enum {
	BENCH_GENL_A_UNSPEC,
	BENCH_GENL_A_PAYLOAD,	/* binary: what comes back */
	__BENCH_GENL_A_MAX,
};
#define BENCH_GENL_A_MAX	(__BENCH_GENL_A_MAX - 1)

enum {
	BENCH_GENL_CMD_UNSPEC,
	BENCH_GENL_CMD_ECHO,
};

static const struct nla_policy bench_genl_policy[BENCH_GENL_A_MAX + 1] = {
	[BENCH_GENL_A_PAYLOAD] = { .type = NLA_BINARY, .len = BENCH_GENL_MAX_PAYLOAD },
};

static struct genl_family bench_genl_family;

static int bench_genl_echo(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *payload = info->attrs[BENCH_GENL_A_PAYLOAD];
	struct sk_buff *reply;
	void *hdr;

	if (!payload)
		return -EINVAL;
	reply = genlmsg_new(nla_total_size(nla_len(payload)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &bench_genl_family, 0,
				BENCH_GENL_CMD_ECHO);
	if (!hdr || nla_put(reply, BENCH_GENL_A_PAYLOAD, nla_len(payload),
			    nla_data(payload))) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static const struct genl_small_ops bench_genl_ops[] = {
	{
		.cmd = BENCH_GENL_CMD_ECHO,
		.doit = bench_genl_echo,
	},
};

static struct genl_family bench_genl_family __ro_after_init = {
	.name = BENCH_GENL_NAME,
	.version = BENCH_GENL_VERSION,
	.maxattr = BENCH_GENL_A_MAX,
	.policy = bench_genl_policy,
	.module = THIS_MODULE,
	/* Strict validation of every command. */
	.resv_start_op = BENCH_GENL_CMD_ECHO + 1,
	.small_ops = bench_genl_ops,
	.n_small_ops = ARRAY_SIZE(bench_genl_ops),
};

static int __init bench_genl_init(void)
{
	return genl_register_family(&bench_genl_family);
}

static void __exit bench_genl_exit(void)
{
	genl_unregister_family(&bench_genl_family);
}

module_init(bench_genl_init);
module_exit(bench_genl_exit);

MODULE_DESCRIPTION("kucomms benchmark baseline: a generic netlink echo");
MODULE_LICENSE("GPL");
