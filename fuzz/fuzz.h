/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry point, which
 * replay.c also calls to run saved inputs, and the check that stops a run
 * when an invariant breaks.  A failed check aborts so that libFuzzer saves
 * the input as a crash and the replay test fails on it.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>

/* LLVMFuzzerTestOneInput - run one input; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_fail - report a broken invariant with some context and abort. */
static inline void __attribute__((noreturn, format(printf, 4, 5)))
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FUZZ_CHECK - cond must hold; otherwise print the message and abort.  Not
 * assert(): these checks are the point of the target and stay on with
 * NDEBUG. */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);     \
	} while (0)

/* fuzz_cstring - the input as a C string, cut at its first NUL (as an MTA
 * would hand it over); free() the result. */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	return route_xstrndup((const char *)data, size);
}

/* fuzz_streq - strings equal, either may be NULL. */
static inline int
fuzz_streq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

#endif
