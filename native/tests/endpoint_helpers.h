/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the endpoint tests: waiting for a condition without timing
 * anything, unique shm names, and kucomms_peer as a child process (it is
 * built into the same directory as the test binaries).
 */
#ifndef KUCOMMS_ENDPOINT_HELPERS_H
#define KUCOMMS_ENDPOINT_HELPERS_H

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kucomms/kucomms.h>

/*
 * How long a wait may last before the test calls it a failure. Generous:
 * it only bounds a hang, no test passes or fails on how fast things are.
 */
#define WAIT_LIMIT_MS 20000

static inline void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Poll @cond every millisecond; false if it is still false at the limit. */
#define WAIT_FOR(cond)                                        \
	({                                                    \
		int wait_ms_ = 0;                             \
		while (!(cond) && wait_ms_ < WAIT_LIMIT_MS) { \
			sleep_ms(1);                          \
			wait_ms_++;                           \
		}                                             \
		(bool)(cond);                                 \
	})

static inline uint64_t load_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline int load_int(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* A shm name no other test run uses at the same time. */
static inline const char *unique_name(char *buf, size_t size, const char *what)
{
	snprintf(buf, size, "test-%d-%s", (int)getpid(), what);
	return buf;
}

/*
 * In a child about to exec: die with the test, even when a failed check
 * leaves the test before it stops the child.
 */
static inline void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127); /* the parent is already gone */
}

/*
 * Start "kucomms_peer MODE shm:NAME" and wait for its "ready" line.
 * Returns its pid, or -1 (with the reason printed to stderr).
 */
static inline pid_t spawn_peer(const char *mode, const char *name)
{
	char exe[PATH_MAX], peer[PATH_MAX + 32], target[96], line[128];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct pollfd pfd;
	pid_t pid, parent;
	int out[2];

	if (n < 0)
		return -1;
	exe[n] = 0;
	snprintf(peer, sizeof(peer), "%s/kucomms_peer", dirname(exe));
	snprintf(target, sizeof(target), "shm:%s", name);
	if (pipe(out))
		return -1;
	parent = getpid();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		die_with_parent(parent);
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execl(peer, peer, mode, target, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", peer, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	pfd.fd = out[0];
	pfd.events = POLLIN;
	n = 0;
	if (poll(&pfd, 1, WAIT_LIMIT_MS) == 1)
		n = read(out[0], line, sizeof(line) - 1);
	close(out[0]);
	if (n <= 0 || strncmp(line, "ready ", 6)) {
		fprintf(stderr, "%s %s did not get ready\n", peer, target);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* A message handler for endpoints whose messages a test does not look at. */
static inline void ignore_message(struct kucomms_link *l, const struct kucomms_msg_header *h,
				  const void *d, void *u)
{
	(void)l, (void)h, (void)d, (void)u;
}

/* Stop a peer with @sig and reap it; its wait status. */
static inline int stop_peer(pid_t pid, int sig)
{
	int status = -1;

	if (pid > 0) {
		kill(pid, sig);
		waitpid(pid, &status, 0);
	}
	return status;
}

#endif /* KUCOMMS_ENDPOINT_HELPERS_H */
