// SPDX-License-Identifier: GPL-2.0
/*
 * A user's own kernel module, as the package test builds it: only from what
 * kucomms-dkms installs (its headers in /usr/src/kucomms-VERSION, the
 * Module.symvers DKMS keeps, the Makefile in
 * /usr/share/doc/kucomms-dkms/module). It echoes every message back on
 * /dev/kucomms_own.
 */
#include <linux/module.h>
#include <kucomms/module.h>

static struct kucomms_endpoint *own_ep;

static int own_message(struct kucomms_link *link,
		       const struct kucomms_msg_header *hdr,
		       const void *data, void *priv)
{
	return kucomms_send(link, hdr, data) == -ENOBUFS ? -EAGAIN : 0;
}

static const struct kucomms_ops own_ops = { .message = own_message };

static int __init own_init(void)
{
	own_ep = kucomms_register("kucomms_own", &own_ops, NULL);
	return PTR_ERR_OR_ZERO(own_ep);
}

static void __exit own_exit(void)
{
	kucomms_unregister(own_ep);
}

module_init(own_init);
module_exit(own_exit);

MODULE_DESCRIPTION("a module of a user's own, built against installed kucomms");
MODULE_LICENSE("GPL");
