/* SPDX-License-Identifier: MIT */
/*
 * Descriptor helpers: eventfd wakes, watching descriptors in an endpoint's
 * epoll, closing. None of them blocks, and none reports the failures that
 * cannot happen to a valid descriptor of ours.
 */
#ifndef KC_DESCRIPTORS_H
#define KC_DESCRIPTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ucred;

struct kucomms_link;
struct watch;

/* Write 1 to an eventfd (a wakeup); errors are impossible but ignored. */
void kc_eventfd_signal(int fd);
/* Read an eventfd to zero. */
void kc_eventfd_drain(int fd);

/* Close *@fd if open and mark it closed (-1). */
void kc_close_fd(int *fd);

/* Add @fd to @epfd, events pointing at @w: 0 or a negative errno value. */
int kc_epoll_add(int epfd, int fd, uint32_t events, struct watch *w);

/*
 * A transport's descriptor @fd, watched in its link's endpoint for
 * @events, which the endpoint hands to the link's ops->event with @w:
 * 0 or a negative errno value (a valid new descriptor fails only for want
 * of kernel memory or of the user's epoll watches).
 */
int kc_watch_add(struct kucomms_link *link, int fd, struct watch *w, uint32_t events);
/* Stop watching @fd; nothing for -1 or a descriptor not watched. */
void kc_watch_del(struct kucomms_link *link, int fd);

/*
 * Send @len bytes of @buf on Unix socket @sock in one sendmsg() with
 * @flags (MSG_NOSIGNAL is always added), passing descriptor @fd along by
 * SCM_RIGHTS unless it is -1: 0, or a negative errno value (-EIO for a
 * short send).
 */
int kc_send_with_fd(int sock, const void *buf, size_t len, int fd, int flags);

/*
 * Receive one message of at most @len bytes into @buf from Unix socket
 * @sock without blocking, descriptors passed along close-on-exec. *@fd gets
 * the descriptor when exactly one came by SCM_RIGHTS and nothing else did;
 * otherwise -1, and every descriptor that came is closed (a peer must not
 * be able to leak descriptors into us). The message's length, or a negative
 * errno value.
 */
ssize_t kc_recv_with_fd(int sock, void *buf, size_t len, int *fd);

/*
 * Is the process at the other end of Unix socket @conn of our user, or
 * root (SO_PEERCRED)? Its credentials in *@peer (uid -1 and pid 0 when the
 * kernel cannot say).
 */
bool kc_peer_same_user(int conn, struct ucred *peer);

#endif /* KC_DESCRIPTORS_H */
