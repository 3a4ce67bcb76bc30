/*
 * test.h - the few macros the unit tests share.  Each check is one TAP test
 * point ("ok N - what" / "not ok N - what"), so the automake TAP driver
 * counts checks, not programs, and a failure names file, line and values.
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>
#include <string.h>

static int test_count;
static int test_failed;

static void
test_point(int ok, const char *file, int line, const char *what)
{
	test_count++;
	if (!ok)
		test_failed++;
	printf("%sok %d - %s:%d: %s\n", ok ? "" : "not ", test_count, file,
	       line, what);
}

/* CHECK - one test point: cond must hold. */
#define CHECK(cond) test_point(!!(cond), __FILE__, __LINE__, #cond)

/* CHECK_STR - one test point: strings equal (either may be NULL). */
#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		int ok_ = (g_ == NULL || w_ == NULL) ? g_ == w_                \
						     : strcmp(g_, w_) == 0;    \
		test_point(ok_, __FILE__, __LINE__, #got " == " #want);        \
		if (!ok_)                                                      \
			printf("# got \"%s\", want \"%s\"\n",                  \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");        \
	} while (0)

/* CHECK_INT - one test point: integers equal. */
#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		test_point(g_ == w_, __FILE__, __LINE__, #got " == " #want);   \
		if (g_ != w_)                                                  \
			printf("# got %lld, want %lld\n", g_, w_);             \
	} while (0)

/* test_done - print the TAP plan; the exit status for main. */
static inline int
test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}

#endif
