// SPDX-License-Identifier: GPL-2.0
/*
 * A user's own kernel module, as the package test builds it: only from what
 * kucomms-dkms installs (its headers in /usr/src/kucomms-VERSION, the
 * Module.symvers DKMS keeps, the Makefile in
 * /usr/share/doc/kucomms-dkms/module) and own_layout.h, generated from
 * own.yaml. It says which protocol it speaks and echoes every reading back
 * on /dev/kucomms_own.
 */
#include <linux/module.h>
#include <kucomms/module.h>
#include "own_layout.h"

static struct kucomms_endpoint *own_ep;

static int own_message(struct kucomms_link *link,
		       const struct kucomms_msg_header *hdr,
		       const void *data, void *priv)
{
	if (own_kind_of(hdr->type, hdr->id, hdr->user_value) != OWN_MSG_KIND_READING)
		return 0;
	return kucomms_send(link, hdr, data) == -ENOBUFS ? -EAGAIN : 0;
}

static const struct kucomms_ops own_ops = { .message = own_message };

static int __init own_init(void)
{
	int err;

	own_ep = kucomms_register("kucomms_own", &own_ops, NULL);
	if (IS_ERR(own_ep))
		return PTR_ERR(own_ep);
	err = kucomms_set_protocol(own_ep, OWN_PROTOCOL);
	if (err)
		kucomms_unregister(own_ep);
	return err;
}

static void __exit own_exit(void)
{
	kucomms_unregister(own_ep);
}

module_init(own_init);
module_exit(own_exit);

MODULE_DESCRIPTION("a module of a user's own, built against installed kucomms");
MODULE_LICENSE("GPL");
