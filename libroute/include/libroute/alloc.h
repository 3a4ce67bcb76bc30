/*
 * alloc.h - memory allocation that never returns NULL.  Out of memory is not
 * an input error a caller can handle meaningfully; these abort() instead,
 * so no caller checks for NULL (Postfix's mymalloc convention).
 */
#ifndef LIBROUTE_ALLOC_H
#define LIBROUTE_ALLOC_H

#include <stddef.h>

/* route_xmalloc - malloc(len); never NULL.  len 0 yields a valid pointer. */
void *route_xmalloc(size_t len);

/* route_xcalloc - zeroed array of n elements of size len; never NULL. */
void *route_xcalloc(size_t n, size_t len);

/* route_xrealloc - resize ptr (which may be NULL); never NULL. */
void *route_xrealloc(void *ptr, size_t len);

/* route_xstrdup - copy of s; s may be NULL, then the result is NULL. */
char *route_xstrdup(const char *s);

/* route_xstrndup - copy of at most len bytes of s, NUL-terminated. */
char *route_xstrndup(const char *s, size_t len);

/* route_xasprintf - malloc'ed printf result; never NULL. */
char *route_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
