/* SPDX-License-Identifier: MIT */
/*
 * The socket protocol between an endpoint that publishes a shm link to
 * monitors (monitor_publish.c) and a monitor (monitor_attach.c).
 *
 * The publishing endpoint listens on the abstract Unix socket
 * "kucomms/monitor/shm/NAME" (SOCK_SEQPACKET). A monitor connects and sends
 * a monitor_request; the endpoint checks the monitor's user (the same as
 * its own, or root, by SO_PEERCRED, as shm links do), makes a ring of the
 * layout of kucomms/monitor.h in a sealed memfd, and answers with a
 * monitor_hello carrying that memfd (status 0), or a refusal (a positive
 * errno value). After that each byte the endpoint sends is a wake for a
 * monitor that announced its sleep on the ring, and the connection's
 * hangup tells either side the other is gone.
 */
#ifndef KC_MONITOR_WIRE_H
#define KC_MONITOR_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MONITOR_WIRE_VERSION 1

struct monitor_request {
	uint32_t version;  /* MONITOR_WIRE_VERSION */
	uint32_t snaplen;  /* data bytes kept per message, 0 = all */
	uint64_t capacity; /* ring data bytes, 0 = KUCOMMS_MON_DEFAULT_CAPACITY */
};

struct monitor_hello {
	uint32_t version; /* MONITOR_WIRE_VERSION */
	uint32_t status;  /* 0, or why not (EBUSY, EPERM, EINVAL, ENOMEM) */
};

/* The listening address of shm link @name's monitors. */
static inline socklen_t monitor_address(const char *name, struct sockaddr_un *addr)
{
	int n;

	*addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	/* Abstract namespace: sun_path[0] stays 0. */
	n = snprintf(addr->sun_path + 1, sizeof(addr->sun_path) - 1, "kucomms/monitor/shm/%s",
		     name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

#endif /* KC_MONITOR_WIRE_H */
