/* SPDX-License-Identifier: MIT */
/*
 * A minimal test harness for libkucomms's C and C++ tests.
 *
 * Each test binary prints one line per test, "ok - NAME" or
 * "not ok - NAME: WHY", and exits nonzero if any failed. The suite runner
 * (tests/run.sh) runs every binary and prints the closing "N passed, N failed".
 * A failed check names the file, the line, the expression, and the expected
 * and actual values, then ends that test (not the binary).
 *
 *	TEST(ring_empty_peek_returns_zero)
 *	{
 *		CHECK_EQ(kucomms_ring_peek(&r, &h, &d), 0);
 *	}
 *	int main(int argc, char **argv) { return testing_main(argc, argv); }
 *
 * `binary NAME...` runs only the named tests.
 */
#ifndef KUCOMMS_TESTING_H
#define KUCOMMS_TESTING_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct testing_case {
	const char *name;
	void (*fn)(void);
	struct testing_case *next;
};

extern struct testing_case *testing_cases;
extern jmp_buf testing_abort;
extern char testing_reason[512];

#define TEST(name)                                                                     \
	static void test_##name(void);                                                 \
	static struct testing_case testing_case_##name = { #name, test_##name, NULL }; \
	__attribute__((constructor)) static void testing_register_##name(void)         \
	{                                                                              \
		struct testing_case **p = &testing_cases;                              \
		while (*p)                                                             \
			p = &(*p)->next;                                               \
		*p = &testing_case_##name;                                             \
	}                                                                              \
	static void test_##name(void)

__attribute__((format(printf, 3, 4), noreturn)) static inline void
testing_fail(const char *file, int line, const char *fmt, ...)
{
	int n = snprintf(testing_reason, sizeof(testing_reason), "%s:%d: ", file, line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(testing_reason + n, sizeof(testing_reason) - (size_t)n, fmt, ap);
	va_end(ap);
	longjmp(testing_abort, 1);
}

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond))                                                    \
			testing_fail(__FILE__, __LINE__, "%s is false", #cond); \
	} while (0)

#define CHECK_MSG(cond, ...)                                           \
	do {                                                           \
		if (!(cond))                                           \
			testing_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* Integer comparison; both sides printed as signed and unsigned 64-bit. */
#define CHECK_EQ(actual, expected)                                                             \
	do {                                                                                   \
		long long testing_a_ = (long long)(actual);                                    \
		long long testing_e_ = (long long)(expected);                                  \
		if (testing_a_ != testing_e_)                                                  \
			testing_fail(__FILE__, __LINE__,                                       \
				     "%s: expected %lld (0x%llx), got %lld (0x%llx)", #actual, \
				     testing_e_, (unsigned long long)testing_e_, testing_a_,   \
				     (unsigned long long)testing_a_);                          \
	} while (0)

#define CHECK_MEM_EQ(actual, expected, len)                                                                \
	do {                                                                                               \
		const unsigned char *testing_a_ = (const unsigned char *)(actual);                         \
		const unsigned char *testing_e_ = (const unsigned char *)(expected);                       \
		size_t testing_n_ = (len), testing_i_;                                                     \
		for (testing_i_ = 0; testing_i_ < testing_n_; testing_i_++)                                \
			if (testing_a_[testing_i_] != testing_e_[testing_i_])                              \
				testing_fail(__FILE__, __LINE__,                                           \
					     "%s differs at byte %zu of %zu: expected 0x%02x, got 0x%02x", \
					     #actual, testing_i_, testing_n_,                              \
					     testing_e_[testing_i_], testing_a_[testing_i_]);              \
	} while (0)

#define CHECK_STR_EQ(actual, expected)                                                       \
	CHECK_MSG(!strcmp((actual), (expected)), "%s: expected \"%s\", got \"%s\"", #actual, \
		  (expected), (actual))

#define CHECK_CONTAINS(actual, part)                                                         \
	CHECK_MSG(strstr((actual), (part)), "%s: expected it to contain \"%s\", got \"%s\"", \
		  #actual, (part), (actual))

/* Define once per binary (in the file holding main). */
#define TESTING_MAIN_STATE                  \
	struct testing_case *testing_cases; \
	jmp_buf testing_abort;              \
	char testing_reason[512]

static inline int testing_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

static inline int testing_main(int argc, char **argv)
{
	/* volatile: both live across the setjmp() that a failed check returns to. */
	struct testing_case *volatile c;
	volatile int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (c = testing_cases; c; c = c->next) {
		if (!testing_selected(c->name, argc, argv))
			continue;
		if (setjmp(testing_abort) == 0) {
			c->fn();
			printf("ok - %s\n", c->name);
		} else {
			printf("not ok - %s: %s\n", c->name, testing_reason);
			failed++;
		}
	}
	return failed ? 1 : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* KUCOMMS_TESTING_H */
