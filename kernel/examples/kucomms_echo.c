// SPDX-License-Identifier: GPL-2.0
/*
 * kucomms_echo: sends every message back, unchanged, on the link it came
 * from. When the reply does not fit (the process is not reading), the
 * message waits in its ring and is echoed once there is room: nothing is
 * dropped.
 *
 *	echo kucomms_echo > /sys/devices/virtual/kucomms/kucomms/create_device
 *	modprobe kucomms_echo
 */
#include <linux/err.h>
#include <linux/module.h>
#include <kucomms/module.h>

/*
 * protocols/echo.yaml's name, version and hash (kucomms-studio hash
 * protocols/echo.yaml prints them; npm test checks they agree).
 */
#define ECHO_PROTOCOL	"echo", "", 0x2374836d4d127ac9ULL

static struct kucomms_endpoint *echo_endpoint;

static int echo_message(struct kucomms_link *link,
			const struct kucomms_msg_header *hdr,
			const void *data, void *priv)
{
	return kucomms_send(link, hdr, data) == -ENOBUFS ? -EAGAIN : 0;
}

static const struct kucomms_ops echo_ops = {
	.message = echo_message,
};

static int __init echo_init(void)
{
	int err;

	echo_endpoint = kucomms_register("kucomms_echo", &echo_ops, NULL);
	if (IS_ERR(echo_endpoint))
		return PTR_ERR(echo_endpoint);
	/* The Studio decodes /dev/kucomms_echo with protocols/echo.yaml, unasked. */
	err = kucomms_set_protocol(echo_endpoint, ECHO_PROTOCOL);
	if (err)
		kucomms_unregister(echo_endpoint);
	return err;
}

static void __exit echo_exit(void)
{
	kucomms_unregister(echo_endpoint);
}

module_init(echo_init);
module_exit(echo_exit);

MODULE_DESCRIPTION("kucomms example: echoes every message back");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUCOMMS_VERSION);
