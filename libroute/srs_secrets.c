/*
 * srs_secrets.c - what an SRS engine is made from: the settings struct
 * (route_srs_opts_*) and the secrets file (route_srs_load).  The file is
 * the only thing that makes SRS addresses unforgeable, so it is refused
 * when others may read or change it, and what was read is wiped before its
 * memory is given back.  Every non-empty line is a secret, as in postsrsd.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <libroute/alloc.h>
#include <libroute/srs.h>

#include "srs_int.h"

/* Far more than any rotation needs; a bigger file is a wrong path. */
#define SECRETS_FILE_MAX (64 * 1024)

/* route_srs_opts_init - the defaults, no domain. */
void
route_srs_opts_init(struct route_srs_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->separator = ROUTE_SRS_DEFAULT_SEPARATOR;
	o->hash_length = ROUTE_SRS_DEFAULT_HASH_LENGTH;
	o->hash_minimum = ROUTE_SRS_DEFAULT_HASH_MINIMUM;
	o->max_age_days = ROUTE_SRS_DEFAULT_MAX_AGE_DAYS;
	o->alphabet = ROUTE_SRS_BASE64URL;
}

/* route_srs_opts_free - free what o owns and reset it. */
void
route_srs_opts_free(struct route_srs_opts *o)
{
	size_t i;

	free(o->domain);
	free(o->secrets_file);
	for (i = 0; i < o->nlocal_domains; i++)
		free(o->local_domains[i]);
	free(o->local_domains);
	for (i = 0; i < o->noverrides; i++) {
		free(o->overrides[i].routed_domain);
		free(o->overrides[i].srs_domain);
	}
	free(o->overrides);
	route_srs_opts_init(o);
}

/* route_srs_opts_copy - deep copy of src into *dst. */
void
route_srs_opts_copy(struct route_srs_opts *dst,
		    const struct route_srs_opts *src)
{
	size_t i;

	*dst = *src;
	dst->domain = route_xstrdup(src->domain);
	dst->secrets_file = route_xstrdup(src->secrets_file);
	dst->local_domains = NULL;
	if (src->nlocal_domains > 0) {
		dst->local_domains =
		    route_xcalloc(src->nlocal_domains, sizeof(char *));
		for (i = 0; i < src->nlocal_domains; i++)
			dst->local_domains[i] =
			    route_xstrdup(src->local_domains[i]);
	}
	dst->overrides = NULL;
	if (src->noverrides > 0) {
		dst->overrides =
		    route_xcalloc(src->noverrides, sizeof(*dst->overrides));
		for (i = 0; i < src->noverrides; i++) {
			dst->overrides[i].routed_domain =
			    route_xstrdup(src->overrides[i].routed_domain);
			dst->overrides[i].srs_domain =
			    route_xstrdup(src->overrides[i].srs_domain);
		}
	}
}

/* read_file - the whole of fd (at most SECRETS_FILE_MAX bytes) into a
 * NUL-terminated buffer of SECRETS_FILE_MAX + 1 bytes. */
static int
read_file(int fd, const char *file, char *buf, size_t *len_r,
	  struct route_error *err)
{
	size_t len = 0;
	ssize_t n;

	/* One byte past the limit tells a file that is too big. */
	while (len <= SECRETS_FILE_MAX) {
		n = read(fd, buf + len, SECRETS_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return route_error_set(err, ROUTE_ESYS, "%s: %s", file,
					       strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRETS_FILE_MAX)
		return route_error_set(err, ROUTE_EINVAL,
				       "%s: larger than %d bytes", file,
				       SECRETS_FILE_MAX);
	buf[len] = '\0';
	*len_r = len;
	return 0;
}

/* split_lines - cut buf into its non-empty lines, a final CR removed from
 * each; the pointers go into secrets, which has room for every line. */
static int
split_lines(char *buf, size_t len, const char *file, const char **secrets,
	    size_t *n_r, struct route_error *err)
{
	size_t i, start = 0, line = 1, n = 0, end;

	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] == '\0')
			return route_error_set(err, ROUTE_EINVAL,
					       "%s: line %zu holds a NUL byte",
					       file, line);
		if (i < len && buf[i] != '\n')
			continue;
		end = i;
		if (end > start && buf[end - 1] == '\r')
			end--;
		buf[end] = '\0';
		if (end > start)
			secrets[n++] = buf + start;
		start = i + 1;
		line++;
	}
	if (n == 0)
		return route_error_set(err, ROUTE_EINVAL, "%s: holds no secret",
				       file);
	*n_r = n;
	return 0;
}

/* check_file - a regular file that only its owner and group may touch. */
static int
check_file(int fd, const char *file, struct route_error *err)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return route_error_set(err, ROUTE_ESYS, "%s: %s", file,
				       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return route_error_set(err, ROUTE_EINVAL,
				       "%s: not a regular file", file);
	if (st.st_mode & S_IRWXO)
		return route_error_set(err, ROUTE_EINVAL,
				       "%s: readable or writable by others "
				       "(mode %04o); make it chmod 600",
				       file, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* route_srs_load - route_srs_new with the secrets of o->secrets_file. */
int
route_srs_load(const struct route_srs_opts *o, struct route_srs **srs_r,
	       struct route_error *err)
{
	const char *file = o->secrets_file;
	const char **secrets;
	size_t len = 0, n = 0;
	char *buf;
	int fd, rc;

	*srs_r = NULL;
	if (file == NULL || *file == '\0')
		return route_error_set(err, ROUTE_EINVAL,
				       "srs.secrets_file: not set");
	/*
	 * O_NOFOLLOW: the file checked is the file read, not the target of a
	 * link someone else may own.  O_NONBLOCK: a FIFO put in its place
	 * must not hang start-up before fstat refuses it.
	 */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1 && errno == ELOOP)
		return route_error_set(err, ROUTE_EINVAL,
				       "%s: a symbolic link; name the file "
				       "itself",
				       file);
	if (fd == -1)
		return route_error_set(err, ROUTE_ESYS, "%s: %s", file,
				       strerror(errno));
	buf = route_xmalloc(SECRETS_FILE_MAX + 1);
	rc = check_file(fd, file, err);
	if (rc == 0)
		rc = read_file(fd, file, buf, &len, err);
	close(fd);
	/* A secret and its LF take two bytes at least. */
	secrets = route_xcalloc(len / 2 + 1, sizeof(*secrets));
	if (rc == 0)
		rc = split_lines(buf, len, file, secrets, &n, err);
	if (rc == 0)
		rc = route_srs_new(o, secrets, n, srs_r, err);
	OPENSSL_cleanse(buf, SECRETS_FILE_MAX + 1);
	free(buf);
	free(secrets);
	return rc;
}
