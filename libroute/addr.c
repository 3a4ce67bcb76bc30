/*
 * addr.c - SMTP path parsing and address normalisation (see addr.h).
 *
 * One pass over a bounded string: byte checks first (control characters,
 * UTF-8, spaces outside quotes), then angle brackets, source route, local
 * part and domain.  Only the domain goes through libidn2; local parts are
 * never rewritten beyond removing their quoting.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>

/* Every refusal here is bad input. */
#define invalid(err, ...) route_error_set((err), ROUTE_EINVAL, __VA_ARGS__)

/* is_alnum - ASCII letter or digit, whatever the locale says. */
static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* is_ldh - letter, digit, hyphen; underscore too, as Postfix allows it. */
static bool
is_ldh(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '_';
}

/* is_atext - RFC 5322 atext, with UTF-8 octets as RFC 6531 adds them. */
static bool
is_atext(unsigned char c)
{
	return is_alnum(c) || c >= 0x80 ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* route_utf8_len - length of the valid UTF-8 sequence at s, or 0. */
size_t
route_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms (C0 80 smuggles a NUL), surrogates, > U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* ctl_name - a readable name for the control characters people meet. */
static const char *
ctl_name(unsigned char c)
{
	if (c == '\r')
		return " (CR)";
	return c == '\n' ? " (LF)" : c == '\t' ? " (TAB)" : "";
}

/* check_bytes - refuse controls, bad UTF-8 and spaces outside quotes. */
static int
check_bytes(const unsigned char *s, size_t len, struct route_error *err)
{
	bool quoted = false, escaped = false;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return invalid(
			    err, "control character 0x%02x%s at offset %zu",
			    s[i], ctl_name(s[i]), i);
		if (s[i] >= 0x80 && (n = route_utf8_len(s + i, len - i)) == 0)
			return invalid(err, "invalid UTF-8 at offset %zu", i);
		if (s[i] == ' ' && !quoted)
			return invalid(err,
				       "space outside quotes at offset %zu", i);
		if (escaped)
			escaped = false;
		else if (quoted && s[i] == '\\')
			escaped = true;
		else if (s[i] == '"')
			quoted = !quoted;
	}
	return 0;
}

/* check_labels - lower-case the final domain and check its labels. */
static int
check_labels(char *d, struct route_error *err)
{
	size_t i, start = 0;

	if (strlen(d) > ROUTE_DOMAIN_MAX)
		return invalid(err,
			       "domain longer than %d octets in A-label form",
			       ROUTE_DOMAIN_MAX);
	for (i = 0;; i++) {
		if (d[i] == '.' || d[i] == '\0') {
			if (i == start)
				return invalid(err, "empty label in domain");
			if (i - start > 63)
				return invalid(
				    err, "domain label longer than 63 octets");
			if (d[start] == '-' || d[i - 1] == '-')
				return invalid(
				    err,
				    "domain label starts or ends with '-'");
			if (d[i] == '\0')
				return 0;
			start = i + 1;
		} else if (!is_ldh((unsigned char)d[i]))
			return invalid(
			    err, "character '%c' not allowed in domain", d[i]);
		else if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] += 'a' - 'A';
	}
}

/* to_alabels - U-labels (or A-labels to validate) to lower-case A-labels. */
static int
to_alabels(const char *s, size_t len, char **out_r, struct route_error *err)
{
	char *in = route_xstrndup(s, len);
	uint8_t *out = NULL;
	int rc;

	rc = idn2_lookup_u8((const uint8_t *)in, &out,
			    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	/*
	 * IDNA2008 disallows symbols IDNA2003 allowed ("xn--n3h.net" for a
	 * snowman); such domains were registered and still receive mail.
	 */
	if (rc == IDN2_DISALLOWED)
		rc = idn2_lookup_u8((const uint8_t *)in, &out,
				    IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	free(in);
	if (rc == IDN2_MALLOC)
		abort(); /* out of memory: alloc.h's convention */
	if (rc != IDN2_OK)
		return invalid(err, "invalid internationalised domain name: %s",
			       idn2_strerror(rc));
	*out_r = route_xstrdup((const char *)out);
	idn2_free(out);
	return 0;
}

/* domain_normalise - route_domain_normalise on the first len bytes of s. */
static int
domain_normalise(const char *s, size_t len, char **domain_r,
		 struct route_error *err)
{
	const unsigned char *u = (const unsigned char *)s;
	bool idna = false;
	char *out = NULL;
	size_t i, n;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0)
		return invalid(err, "empty domain");
	if (len > ROUTE_DOMAIN_MAX)
		return invalid(err, "domain longer than %d octets",
			       ROUTE_DOMAIN_MAX);
	for (i = 0; i < len; i += n) {
		n = 1;
		if (u[i] >= 0x80) {
			if ((n = route_utf8_len(u + i, len - i)) == 0)
				return invalid(err, "invalid UTF-8 in domain");
			idna = true;
		} else if (u[i] < 0x20 || u[i] == 0x7f)
			return invalid(err,
				       "control character 0x%02x%s in domain",
				       u[i], ctl_name(u[i]));
		else if (!is_ldh(u[i]) && u[i] != '.')
			return invalid(
			    err, "character '%c' not allowed in domain", u[i]);
		else if ((i == 0 || s[i - 1] == '.') && len - i >= 4 &&
			 strncasecmp(s + i, "xn--", 4) == 0)
			idna = true;
	}
	/* Plain LDH names skip libidn2, which caps names at 253 octets. */
	if (!idna)
		out = route_xstrndup(s, len);
	else if (to_alabels(s, len, &out, err) == -1)
		return -1;
	/* Checked after libidn2 too: TR46 maps e.g. U+2474 to "(1)". */
	if (check_labels(out, err) == -1) {
		free(out);
		return -1;
	}
	*domain_r = out;
	return 0;
}

/* route_domain_normalise - lower-case A-label form of a domain name. */
int
route_domain_normalise(const char *domain, char **domain_r,
		       struct route_error *err)
{
	if (domain == NULL)
		return invalid(err, "empty domain");
	return domain_normalise(domain, strlen(domain), domain_r, err);
}

/* check_literal - "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 4.1.3). */
static int
check_literal(const char *s, size_t len, struct route_error *err)
{
	char buf[ROUTE_PATH_MAX];
	unsigned char bin[16];
	size_t i;

	if (len < 2 || s[len - 1] != ']')
		return invalid(err, "unterminated domain literal");
	for (i = 1; i < len - 1; i++)
		if ((unsigned char)s[i] >= 0x80)
			return invalid(err,
				       "non-ASCII character in domain literal");
		else if (s[i] == '[' || s[i] == ']' || s[i] == '\\' ||
			 s[i] == ' ')
			return invalid(
			    err, "character '%c' not allowed in domain literal",
			    s[i]);
	/* The caller's path limit keeps len below sizeof(buf). */
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	/* No other address-literal tag was ever registered with IANA. */
	if (strncasecmp(buf, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, buf + 5, bin) != 1)
			return invalid(err, "invalid IPv6 address literal");
	} else if (strchr(buf, ':') != NULL)
		return invalid(
		    err,
		    "domain literal is neither an IPv4 nor an IPv6 address");
	else if (inet_pton(AF_INET, buf, bin) != 1)
		return invalid(err, "invalid IPv4 address literal");
	return 0;
}

/* skip_route - pass over a source route "@a,@b:"; NULL if malformed. */
static const char *
skip_route(const char *p, const char *end, struct route_error *err)
{
	const char *label;

	while (p < end && *p == '@') {
		label = ++p;
		while (p < end && (is_ldh((unsigned char)*p) || *p == '.' ||
				   (unsigned char)*p >= 0x80))
			p++;
		if (p == label) {
			invalid(err, "empty domain in source route");
			return NULL;
		}
		if (p < end && *p == ':')
			return p + 1;
		if (p == end || *p != ',')
			break;
		p++;
	}
	invalid(err, "malformed source route");
	return NULL;
}

/* quoted_end - just past the quoted string that starts at p, or NULL. */
static const char *
quoted_end(const char *p, const char *end, struct route_error *err)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if (*p != '\\')
			continue;
		if (++p == end)
			break;
		/* RFC 6531 left quoted-pairSMTP ASCII-only. */
		if ((unsigned char)*p >= 0x80) {
			invalid(err, "backslash before a non-ASCII character");
			return NULL;
		}
	}
	invalid(err, "unterminated quoted string");
	return NULL;
}

/* unquote - the content of a checked quoted string, escapes removed. */
static char *
unquote(const char *s, size_t len)
{
	char *out = route_xmalloc(len), *o = out;
	size_t i;

	for (i = 1; i < len - 1; i++) {
		if (s[i] == '\\')
			i++;
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* parse_local - the local part from p; *p_r is left on '@' or end. */
static int
parse_local(const char *p, const char *end, const char **p_r, char **local_r,
	    struct route_error *err)
{
	const char *q;

	if (*p == '"') {
		if ((q = quoted_end(p, end, err)) == NULL)
			return -1;
		if (q < end && *q != '@')
			return invalid(
			    err, "character '%c' after the quoted local part",
			    *q);
	} else {
		/*
		 * Dots are not checked: Postfix accepts "a..b" and "user."
		 * unless strict_rfc821_envelopes is set, and such mailboxes
		 * exist.  route_addr_format quotes them.
		 */
		for (q = p; q < end && *q != '@'; q++)
			if (!is_atext((unsigned char)*q) && *q != '.')
				return invalid(
				    err,
				    "character '%c' not allowed in unquoted "
				    "local part",
				    *q);
	}
	if (q - p > ROUTE_LOCAL_MAX)
		return invalid(err, "local part longer than %d octets",
			       ROUTE_LOCAL_MAX);
	if (q - p == 0 || (q - p == 2 && *p == '"'))
		return invalid(err, "empty local part");
	*local_r = *p == '"' ? unquote(p, q - p) : route_xstrndup(p, q - p);
	*p_r = q;
	return 0;
}

/* is_dot_atom - local can go unquoted (RFC 5321 Dot-string). */
static bool
is_dot_atom(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == '.' ? s[i + 1] == '.' || s[i + 1] == '\0'
				: !is_atext((unsigned char)s[i]))
			return false;
	return true;
}

/* needs_backslash - a character a quoted string must escape. */
static bool
needs_backslash(char c)
{
	return c == '"' || c == '\\';
}

/* escaped_len - length of local with its escapes, quotes not counted. */
static size_t
escaped_len(const char *local)
{
	size_t n = 0;

	for (; *local != '\0'; local++)
		n += needs_backslash(*local) ? 2 : 1;
	return n;
}

/* quoted_len - strlen of what quote_local makes of local, without making
 * it. */
static size_t
quoted_len(const char *local)
{
	return is_dot_atom(local) ? strlen(local) : escaped_len(local) + 2;
}

/* quote_local - local as it must appear in a path: dot-atom or quoted. */
static char *
quote_local(const char *local)
{
	char *out, *o;

	if (is_dot_atom(local))
		return route_xstrdup(local);
	out = o = route_xmalloc(escaped_len(local) + 3);
	*o++ = '"';
	for (; *local != '\0'; local++) {
		if (needs_backslash(*local))
			*o++ = '\\';
		*o++ = *local;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/*
 * check_written_form - the length limits, applied to the address as
 * route_addr_format writes it: "a..b" gains quotes and a U-label domain
 * grows into A-labels, so an input within the limits can come out over
 * them.  Refusing those keeps every accepted address writable and readable
 * again, so what we pass to the MTA is never what it must refuse.
 */
static int
check_written_form(const char *local, const char *domain,
		   struct route_error *err)
{
	size_t llen = quoted_len(local);

	if (llen > ROUTE_LOCAL_MAX)
		return invalid(err,
			       "local part longer than %d octets once quoted",
			       ROUTE_LOCAL_MAX);
	if (domain != NULL && llen + 1 + strlen(domain) + 2 > ROUTE_PATH_MAX)
		return invalid(err,
			       "path longer than %d octets with the domain in "
			       "A-labels",
			       ROUTE_PATH_MAX);
	return 0;
}

/* route_addr_parse - parse an SMTP path with or without angle brackets. */
int
route_addr_parse(const char *path, struct route_addr *addr_r,
		 struct route_error *err)
{
	const char *p, *end;
	char *local = NULL, *domain = NULL;
	size_t len;

	memset(addr_r, 0, sizeof(*addr_r));
	if (path == NULL || *path == '\0')
		return invalid(err, "empty address");
	len = strlen(path);
	if (check_bytes((const unsigned char *)path, len, err) == -1)
		return -1;
	p = path;
	end = path + len;
	if (*p == '<' && len > 1 && end[-1] == '>') {
		p++;
		end--;
	} else if (*p == '<' || end[-1] == '>')
		return invalid(err, "unbalanced angle bracket");
	if ((size_t)(end - p) + 2 > ROUTE_PATH_MAX)
		return invalid(err, "path longer than %d octets",
			       ROUTE_PATH_MAX);
	if (p == end) {
		addr_r->null_path = true;
		return 0;
	}
	/* Without a ':' a leading '@' is a missing local part, not a route. */
	if (*p == '@' && memchr(p, ':', end - p) != NULL) {
		if ((p = skip_route(p, end, err)) == NULL)
			return -1;
		if (p == end)
			return invalid(err, "source route without a mailbox");
	}
	if (parse_local(p, end, &p, &local, err) == -1)
		return -1;
	if (p < end) {
		p++;
		if (p < end && *p == '[') {
			if (check_literal(p, end - p, err) == 0)
				domain = route_xstrndup(p, end - p);
		} else
			domain_normalise(p, end - p, &domain, err);
		if (domain == NULL) {
			free(local);
			return -1;
		}
	}
	if (check_written_form(local, domain, err) == -1) {
		free(local);
		free(domain);
		return -1;
	}
	addr_r->local = local;
	addr_r->domain = domain;
	return 0;
}

/* route_addr_free - free the strings of addr and reset it. */
void
route_addr_free(struct route_addr *addr)
{
	if (addr == NULL)
		return;
	free(addr->local);
	free(addr->domain);
	memset(addr, 0, sizeof(*addr));
}

/* route_addr_format - "local@domain" with the local part quoted if needed. */
char *
route_addr_format(const struct route_addr *addr)
{
	char *local, *s;

	if (addr->null_path)
		return route_xstrdup("");
	local = quote_local(addr->local);
	if (addr->domain == NULL)
		return local;
	s = route_xasprintf("%s@%s", local, addr->domain);
	free(local);
	return s;
}

/* route_local_fold_to - lookup form of a local part into buf: ASCII folded
 * only. */
void
route_local_fold_to(char *buf, const char *local, size_t len,
		    bool case_sensitive)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = !case_sensitive && local[i] >= 'A' && local[i] <= 'Z'
			     ? (char)(local[i] + ('a' - 'A'))
			     : local[i];
	buf[len] = '\0';
}

/* route_local_fold - lookup form of a local part, allocated. */
char *
route_local_fold(const char *local, bool case_sensitive)
{
	size_t len = strlen(local);
	char *s = route_xmalloc(len + 1);

	route_local_fold_to(s, local, len, case_sensitive);
	return s;
}

/* route_local_split - length of the base before the first delimiter. */
size_t
route_local_split(const char *local, const char *delims)
{
	size_t i;

	if (delims == NULL || *delims == '\0' || local[0] == '\0')
		return 0;
	for (i = 1; local[i] != '\0'; i++)
		if (strchr(delims, local[i]) != NULL)
			return i;
	return 0;
}
