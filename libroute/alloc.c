/*
 * alloc.c - allocation that aborts on out-of-memory (see alloc.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/alloc.h>

static void *
checked(void *p)
{
	if (p == NULL)
		abort();
	return p;
}

/* route_xmalloc - malloc that never fails. */
void *
route_xmalloc(size_t len)
{
	return checked(malloc(len ? len : 1));
}

/* route_xcalloc - calloc that never fails. */
void *
route_xcalloc(size_t n, size_t len)
{
	return checked(calloc(n ? n : 1, len ? len : 1));
}

/* route_xrealloc - realloc that never fails. */
void *
route_xrealloc(void *ptr, size_t len)
{
	return checked(realloc(ptr, len ? len : 1));
}

/* route_xstrdup - strdup that never fails; NULL stays NULL. */
char *
route_xstrdup(const char *s)
{
	return s ? checked(strdup(s)) : NULL;
}

/* route_xstrndup - strndup that never fails. */
char *
route_xstrndup(const char *s, size_t len)
{
	return checked(strndup(s, len));
}

/* route_xasprintf - formatted, malloc'ed string. */
char *
route_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}
