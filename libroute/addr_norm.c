/*
 * addr_norm.c - the comparison forms of an address that the daemons and
 * milter-ctl share: the one spelling of a mailbox, the key two mailboxes
 * are the same under, and the domain of a path too broken to parse (so a
 * bad address in a domain we do not route can still pass untouched).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>

/* route_addr_normalise - parse path and write it as "local@domain". */
int
route_addr_normalise(const char *path, char **mailbox_r,
		     struct route_error *err)
{
	struct route_addr a;

	if (route_addr_parse(path, &a, err) == -1)
		return -1;
	*mailbox_r = route_addr_format(&a);
	route_addr_free(&a);
	return 0;
}

/* route_addr_key - "folded-local@domain", the identity of a mailbox. */
int
route_addr_key(const char *path, bool case_sensitive, char **key_r,
	       struct route_error *err)
{
	struct route_addr a;
	char *local;

	if (route_addr_parse(path, &a, err) == -1)
		return -1;
	if (a.null_path) {
		*key_r = route_xstrdup("");
	} else {
		local = route_local_fold(a.local, case_sensitive);
		*key_r = a.domain != NULL
			     ? route_xasprintf("%s@%s", local, a.domain)
			     : route_xstrdup(local);
		free(local);
	}
	route_addr_free(&a);
	return 0;
}

/* route_path_domain - the domain after the last '@', taken loosely. */
char *
route_path_domain(const char *path)
{
	const char *at = path != NULL ? strrchr(path, '@') : NULL;
	char *raw, *norm;
	size_t len, i;

	if (at == NULL)
		return NULL;
	at++;
	len = strlen(at);
	while (len > 0 && (at[len - 1] == '>' || at[len - 1] == ' ' ||
			   at[len - 1] == '\t'))
		len--;
	if (len > 0 && at[len - 1] == '.')
		len--;
	if (len == 0)
		return NULL;
	raw = route_xstrndup(at, len);
	if (route_domain_normalise(raw, &norm, NULL) == 0) {
		free(raw);
		return norm;
	}
	for (i = 0; i < len; i++)
		raw[i] = (char)tolower((unsigned char)raw[i]);
	return raw;
}
