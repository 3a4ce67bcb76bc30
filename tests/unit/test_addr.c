/*
 * test_addr.c - unit tests for libroute/addr.c: what route-milter and
 * milter-ctl get back for the paths an MTA or a person hands them, the
 * precise refusals for malformed ones, IDN domains, and the lookup keys
 * (case folding, sub-address split).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>

#include "test.h"

struct valid_parse_test {
	const char *input;
	const char *local;
	const char *domain;
	bool null_path;
	const char *formatted;
};

static const struct valid_parse_test valid_parse_tests[] = {
    {"<info@example.com>", "info", "example.com", false, "info@example.com"},
    /* Locally submitted mail comes without brackets. */
    {"info@example.com", "info", "example.com", false, "info@example.com"},
    {"<Info+x@Example.COM>", "Info+x", "example.com", false,
     "Info+x@example.com"},
    {"<>", NULL, NULL, true, ""},
    {"<@a.example,@b.example:user@c.example>", "user", "c.example", false,
     "user@c.example"},
    {"@relay.example:user@c.example", "user", "c.example", false,
     "user@c.example"},
    {"<\"john doe\"@example.com>", "john doe", "example.com", false,
     "\"john doe\"@example.com"},
    {"\"john\"@example.com", "john", "example.com", false, "john@example.com"},
    {"\"a\\\"b\"@example.com", "a\"b", "example.com", false,
     "\"a\\\"b\"@example.com"},
    {"\"a\\\\b\"@example.com", "a\\b", "example.com", false,
     "\"a\\\\b\"@example.com"},
    {"\"\\j\\o\"@example.com", "jo", "example.com", false, "jo@example.com"},
    {"\"a@b\"@example.com", "a@b", "example.com", false, "\"a@b\"@example.com"},
    {"\"x.y\"@example.com", "x.y", "example.com", false, "x.y@example.com"},
    {"first.last@example.com", "first.last", "example.com", false,
     "first.last@example.com"},
    /* Accepted as Postfix does, then quoted when written out. */
    {"a..b@example.com", "a..b", "example.com", false, "\"a..b\"@example.com"},
    {"user.@docomo.ne.jp", "user.", "docomo.ne.jp", false,
     "\"user.\"@docomo.ne.jp"},
    {".user@example.com", ".user", "example.com", false,
     "\".user\"@example.com"},
    {"!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", "example.com",
     false, "!#$%&'*+-/=?^_`{|}~@example.com"},
    {"<postmaster>", "postmaster", NULL, false, "postmaster"},
    {"postmaster", "postmaster", NULL, false, "postmaster"},
    {"<\"post master\">", "post master", NULL, false, "\"post master\""},
    {"user@example.com.", "user", "example.com", false, "user@example.com"},
    {"user@mail_relay.example", "user", "mail_relay.example", false,
     "user@mail_relay.example"},
    {"user@[192.0.2.1]", "user", "[192.0.2.1]", false, "user@[192.0.2.1]"},
    {"<user@[IPv6:2001:DB8::1]>", "user", "[IPv6:2001:DB8::1]", false,
     "user@[IPv6:2001:DB8::1]"},
    /* SMTPUTF8: UTF-8 local parts are kept as given. */
    {"<Dörte@example.com>", "Dörte", "example.com", false, "Dörte@example.com"},
    {"用户@例子.广告", "用户", "xn--fsqu00a.xn--4rr70v", false,
     "用户@xn--fsqu00a.xn--4rr70v"},
    {"\"Jürgen Groß\"@example.com", "Jürgen Groß", "example.com", false,
     "\"Jürgen Groß\"@example.com"},
    {"user@Bücher.Example", "user", "xn--bcher-kva.example", false,
     "user@xn--bcher-kva.example"},
    {"<user@XN--BCHER-KVA.Example>", "user", "xn--bcher-kva.example", false,
     "user@xn--bcher-kva.example"},
    {"user@faß.de", "user", "xn--fa-hia.de", false, "user@xn--fa-hia.de"},
    {"user@☃.net", "user", "xn--n3h.net", false, "user@xn--n3h.net"},
    {"user@xn--n3h.net", "user", "xn--n3h.net", false, "user@xn--n3h.net"},
};

struct invalid_parse_test {
	const char *input;
	const char *error;
};

static const struct invalid_parse_test invalid_parse_tests[] = {
    {"", "empty address"},
    {"<", "unbalanced angle bracket"},
    {">", "unbalanced angle bracket"},
    {"<user@example.com", "unbalanced angle bracket"},
    {"user@example.com>", "unbalanced angle bracket"},
    {"<<user@example.com>>", "character '<' not allowed in unquoted"},
    {"user@", "empty domain"},
    {"<user@>", "empty domain"},
    {"user@.", "empty domain"},
    {"@example.com", "empty local part"},
    {"<@example.com>", "empty local part"},
    {"\"\"@example.com", "empty local part"},
    {"<user@example.com\r\n>", "control character 0x0d (CR) at offset 17"},
    {"user\n@example.com", "control character 0x0a (LF) at offset 4"},
    {"user\t@example.com", "control character 0x09 (TAB)"},
    {"\"a\x01\"@example.com", "control character 0x01 at offset 2"},
    {"user@exa\x7fmple.com", "control character 0x7f"},
    {"user@exa mple.com", "space outside quotes at offset 8"},
    {"john doe@example.com", "space outside quotes at offset 4"},
    {" <user@example.com>", "space outside quotes at offset 0"},
    {"<user@example.com> ", "space outside quotes at offset 18"},
    {"user\xc0\x80@example.com", "invalid UTF-8 at offset 4"},
    {"user\xff@example.com", "invalid UTF-8 at offset 4"},
    {"user\xe2\x82@example.com", "invalid UTF-8 at offset 4"},
    {"\xed\xa0\x80@example.com", "invalid UTF-8 at offset 0"},
    {"\xf4\x90\x80\x80@example.com", "invalid UTF-8 at offset 0"},
    {"user@b\xc3", "invalid UTF-8 at offset 6"},
    {"\"john@example.com", "unterminated quoted string"},
    {"\"john\\\"@example.com", "unterminated quoted string"},
    {"\"john\\", "unterminated quoted string"},
    {"\"a\\\xc3\xa4\"@example.com", "backslash before a non-ASCII"},
    {"\"john\"doe@example.com", "character 'd' after the quoted local"},
    {"john.\"doe\"@example.com", "character '\"' not allowed in unquoted"},
    {"jo(hn)@example.com", "character '(' not allowed in unquoted"},
    {"a,b@example.com", "character ',' not allowed in unquoted"},
    {"user@b@example.com", "character '@' not allowed in domain"},
    {"user@exa(mple.com", "character '(' not allowed in domain"},
    {"user@example..com", "empty label in domain"},
    {"user@.example.com", "empty label in domain"},
    {"user@example.com..", "empty label in domain"},
    {"user@-example.com", "domain label starts or ends with '-'"},
    {"user@example-.com", "domain label starts or ends with '-'"},
    {"user@xn--zz.example", "invalid internationalised domain name"},
    {"user@xn--bcher-kvb.example", "invalid internationalised domain"},
    /* TR46 maps U+2474 PARENTHESIZED DIGIT ONE to "(1)". */
    {"user@\xe2\x91\xb4.example", "character '(' not allowed in domain"},
    {"user@[192.0.2.256]", "invalid IPv4 address literal"},
    {"user@[192.0.2]", "invalid IPv4 address literal"},
    {"user@[IPv6:2001:db8::g]", "invalid IPv6 address literal"},
    {"user@[192.0.2.1", "unterminated domain literal"},
    {"user@[192.0.2.1]x", "unterminated domain literal"},
    {"user@[", "unterminated domain literal"},
    {"user@[x:y]", "neither an IPv4 nor an IPv6 address"},
    {"user@[1.2.3.4\\]", "character '\\' not allowed in domain literal"},
    {"user@[b\xc3\xbc]", "non-ASCII character in domain literal"},
    {"@a.example:", "source route without a mailbox"},
    {"<@a.example,b.example:user@c.example>", "malformed source route"},
    {"<@a.example;user@c.example:x>", "malformed source route"},
    {"<@:user@c.example>", "empty domain in source route"},
    {"<@a.example,@:user@c.example>", "empty domain in source route"},
};

struct valid_domain_test {
	const char *input;
	const char *domain;
};

static const struct valid_domain_test valid_domain_tests[] = {
    {"example.com", "example.com"},
    {"Example.COM.", "example.com"},
    {"Bücher.Example", "xn--bcher-kva.example"},
    {"BÜCHER.example", "xn--bcher-kva.example"},
    {"XN--BCHER-KVA.EXAMPLE.", "xn--bcher-kva.example"},
    {"münchen.de", "xn--mnchen-3ya.de"},
    /* Non-transitional: ß stays ß, it is not mapped to "ss". */
    {"faß.de", "xn--fa-hia.de"},
    /* Registered under IDNA2003, still valid as given. */
    {"☃.net", "xn--n3h.net"},
    {"xn--n3h.net", "xn--n3h.net"},
    {"例子.广告", "xn--fsqu00a.xn--4rr70v"},
    /* U+3002 IDEOGRAPHIC FULL STOP separates labels too. */
    {"例子。广告", "xn--fsqu00a.xn--4rr70v"},
    {"mail_relay.example", "mail_relay.example"},
};

static const struct invalid_parse_test invalid_domain_tests[] = {
    {"", "empty domain"},
    {".", "empty domain"},
    {"a..b", "empty label in domain"},
    {".example", "empty label in domain"},
    {"-a.example", "domain label starts or ends with '-'"},
    {"exa mple.com", "character ' ' not allowed in domain"},
    {"exa\rmple.com", "control character 0x0d (CR) in domain"},
    {"[192.0.2.1]", "character '[' not allowed in domain"},
    {"user@example.com", "character '@' not allowed in domain"},
    {"b\xc3x.de", "invalid UTF-8 in domain"},
    {"xn--zz.example", "invalid internationalised domain name"},
    {"\xe2\x91\xb4.example", "character '(' not allowed in domain"},
};

struct fold_test {
	const char *local;
	bool case_sensitive;
	const char *folded;
};

static const struct fold_test fold_tests[] = {
    {"Info+X", false, "info+x"},
    {"Info+X", true, "Info+X"},
    {"ÄRGER.Dörte", false, "Ärger.dörte"},
    {"", false, ""},
};

struct split_test {
	const char *local;
	const char *delims;
	size_t base_len;
};

static const struct split_test split_tests[] = {
    {"info+tag", "+", 4},  {"info+tag+more", "+", 4},
    {"info", "+", 0},	   {"+info", "+", 0},
    {"+a+b", "+", 2},	   {"a-b+c", "+-", 1},
    {"a-b+c", "+", 3},	   {"info+", "+", 4},
    {"info+tag", NULL, 0}, {"info+tag", "", 0},
    {"", "+", 0},	   {"dörte+x", "+", 6},
};

/* repeat - a string of n copies of c (caller frees). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* expect_refusal - parse must fail with ROUTE_EINVAL naming want. */
static void
expect_refusal(const char *input, const char *want)
{
	struct route_error err = {0};
	struct route_addr addr;
	int rc;

	rc = route_addr_parse(input, &addr, &err);
	CHECK_INT(rc, -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK(strstr(err.msg, want) != NULL);
	CHECK(addr.local == NULL && addr.domain == NULL && !addr.null_path);
	if (rc != -1 || strstr(err.msg, want) == NULL)
		printf("# input \"%s\": got \"%s\", want \"%s\"\n", input,
		       err.msg, want);
}

static void
test_valid_parse(void)
{
	struct route_error err = {0};
	struct route_addr addr, again;
	char *s;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(valid_parse_tests) / sizeof(*valid_parse_tests);
	     i++) {
		const struct valid_parse_test *t = &valid_parse_tests[i];

		printf("# parse \"%s\"\n", t->input);
		rc = route_addr_parse(t->input, &addr, &err);
		CHECK_INT(rc, 0);
		if (rc != 0) {
			printf("# error: %s\n", err.msg);
			continue;
		}
		CHECK_STR(addr.local, t->local);
		CHECK_STR(addr.domain, t->domain);
		CHECK(addr.null_path == t->null_path);
		s = route_addr_format(&addr);
		CHECK_STR(s, t->formatted);
		/* What we write out must read back as the same address. */
		if (!t->null_path) {
			CHECK_INT(route_addr_parse(s, &again, &err), 0);
			CHECK_STR(again.local, t->local);
			CHECK_STR(again.domain, t->domain);
			route_addr_free(&again);
		}
		free(s);
		route_addr_free(&addr);
		CHECK(addr.local == NULL && addr.domain == NULL);
	}
}

static void
test_invalid_parse(void)
{
	struct route_addr addr;
	size_t i;

	for (i = 0;
	     i < sizeof(invalid_parse_tests) / sizeof(*invalid_parse_tests);
	     i++)
		expect_refusal(invalid_parse_tests[i].input,
			       invalid_parse_tests[i].error);
	/* Callers that do not want details may pass no error record. */
	CHECK_INT(route_addr_parse(NULL, &addr, NULL), -1);
	CHECK_INT(route_addr_parse("a b@c", &addr, NULL), -1);
	route_addr_free(NULL);
}

/* test_lengths - the RFC 5321 limits, exactly at and one past each. */
static void
test_lengths(void)
{
	struct route_error err = {0};
	struct route_addr addr;
	char *local64 = repeat('l', 64), *local65 = repeat('l', 65);
	char *quoted62 = repeat('q', 62), *quoted63 = repeat('q', 63);
	char *label63 = repeat('d', 63), *label64 = repeat('d', 64);
	char *label61 = repeat('d', 61), *label62 = repeat('d', 62);
	char *label28 = repeat('d', 28);
	char *s, *d;

	s = route_xasprintf("<%s@example.com>", local64);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	CHECK_STR(addr.local, local64);
	route_addr_free(&addr);
	free(s);
	s = route_xasprintf("<%s@example.com>", local65);
	expect_refusal(s, "local part longer than 64 octets");
	free(s);
	s = route_xasprintf("\"%s\"@example.com", quoted62);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	CHECK_STR(addr.local, quoted62);
	route_addr_free(&addr);
	free(s);
	s = route_xasprintf("\"%s\"@example.com", quoted63);
	expect_refusal(s, "local part longer than 64 octets");
	free(s);
	/* "a..b" is written quoted, so the limit counts the two quotes. */
	s = route_xasprintf("<%.60s..@example.com>", local64);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	d = route_addr_format(&addr);
	CHECK_INT(strlen(d), 64 + strlen("@example.com"));
	free(d);
	route_addr_free(&addr);
	free(s);
	s = route_xasprintf("<%.62s..@example.com>", local64);
	expect_refusal(s, "local part longer than 64 octets once quoted");
	free(s);
	/* Escapes count as written: 31 escaped backslashes and the quotes
	 * are 64 octets, and come out the same. */
	d = route_xstrdup("");
	for (int i = 0; i < 31; i++) {
		char *more = route_xasprintf("%s\\\\", d);
		free(d);
		d = more;
	}
	s = route_xasprintf("\"%s\"@example.com", d);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	CHECK_INT(strlen(addr.local), 31);
	free(d);
	d = route_addr_format(&addr);
	CHECK_STR(d, s);
	free(d);
	route_addr_free(&addr);
	free(s);
	/* A U-label domain is counted in the A-label form it is written in:
	 * 17 "b\xc3\xbccher." labels are 153 octets, 306 as A-labels. */
	d = route_xstrdup("");
	for (int i = 0; i < 17; i++) {
		char *more = route_xasprintf("%sb\xc3\xbc"
					     "cher.",
					     d);
		free(d);
		d = more;
	}
	s = route_xasprintf("<%s@%sexample>", local64, d);
	free(d);
	CHECK(strlen(s) <= 256);
	expect_refusal(s, "path longer than 256 octets with the domain in "
			  "A-labels");
	free(s);

	/* "<" 64 "@" 63.63.61 ">" is 256 octets. */
	s = route_xasprintf("<%s@%s.%s.%s>", local64, label63, label63,
			    label61);
	CHECK_INT(strlen(s), 256);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	route_addr_free(&addr);
	free(s);
	s = route_xasprintf("<%s@%s.%s.%s>", local64, label63, label63,
			    label62);
	expect_refusal(s, "path longer than 256 octets");
	free(s);
	/* Without brackets the same limit leaves 254 octets. */
	s = route_xasprintf("%s@%s.%s.%s", local64, label63, label63, label61);
	CHECK_INT(route_addr_parse(s, &addr, &err), 0);
	route_addr_free(&addr);
	free(s);
	s = route_xasprintf("%s@%s.%s.%s", local64, label63, label63, label62);
	expect_refusal(s, "path longer than 256 octets");
	free(s);
	s = route_xasprintf("user@%s.example", label64);
	expect_refusal(s, "domain label longer than 63 octets");
	free(s);

	/* 63.63.63.63 is 255 octets; one more character is too many. */
	s = route_xasprintf("%s.%s.%s.%s", label63, label63, label63, label63);
	d = NULL;
	CHECK_INT(route_domain_normalise(s, &d, &err), 0);
	CHECK_STR(d, s);
	free(d);
	free(s);
	s = route_xasprintf("%s.%s.%s.%s.", label63, label63, label63, label63);
	d = NULL;
	CHECK_INT(route_domain_normalise(s, &d, &err), 0);
	free(d);
	free(s);
	s = route_xasprintf("%s.%s.%s.%s.xy", label63, label63, label63,
			    label61);
	CHECK_INT(strlen(s), 256);
	CHECK_INT(route_domain_normalise(s, &d, &err), -1);
	CHECK(strstr(err.msg, "domain longer than 255 octets") != NULL);
	free(s);
	/* 247 octets as U-labels, eight 36-octet A-labels. */
	s = route_xasprintf("ü%s.ü%s.ü%s.ü%s.ü%s.ü%s.ü%s.ü%s", label28, label28,
			    label28, label28, label28, label28, label28,
			    label28);
	CHECK_INT(strlen(s), 247);
	CHECK_INT(route_domain_normalise(s, &d, &err), -1);
	CHECK(strstr(err.msg, "longer than 255") != NULL);
	printf("# %s\n", err.msg);
	free(s);

	free(local64);
	free(local65);
	free(quoted62);
	free(quoted63);
	free(label63);
	free(label64);
	free(label61);
	free(label62);
	free(label28);
}

static void
test_domains(void)
{
	struct route_error err = {0};
	char *d;
	size_t i;

	for (i = 0;
	     i < sizeof(valid_domain_tests) / sizeof(*valid_domain_tests);
	     i++) {
		d = NULL;
		CHECK_INT(route_domain_normalise(valid_domain_tests[i].input,
						 &d, &err),
			  0);
		CHECK_STR(d, valid_domain_tests[i].domain);
		free(d);
	}
	for (i = 0;
	     i < sizeof(invalid_domain_tests) / sizeof(*invalid_domain_tests);
	     i++) {
		err.msg[0] = '\0';
		CHECK_INT(route_domain_normalise(invalid_domain_tests[i].input,
						 &d, &err),
			  -1);
		CHECK_INT(err.code, ROUTE_EINVAL);
		CHECK(strstr(err.msg, invalid_domain_tests[i].error) != NULL);
		if (strstr(err.msg, invalid_domain_tests[i].error) == NULL)
			printf("# domain \"%s\": got \"%s\", want \"%s\"\n",
			       invalid_domain_tests[i].input, err.msg,
			       invalid_domain_tests[i].error);
	}
	CHECK_INT(route_domain_normalise(NULL, &d, &err), -1);
}

static void
test_format(void)
{
	char specials[] = "a\"b\\c", utf8[] = "dörte.x", colon[] = "a:b";
	char domain[] = "example.com";
	struct route_addr addr = {false, specials, NULL};
	char *s;

	s = route_addr_format(&addr);
	CHECK_STR(s, "\"a\\\"b\\\\c\"");
	free(s);
	addr.local = utf8;
	addr.domain = domain;
	s = route_addr_format(&addr);
	CHECK_STR(s, "dörte.x@example.com");
	free(s);
	addr.local = colon;
	s = route_addr_format(&addr);
	CHECK_STR(s, "\"a:b\"@example.com");
	free(s);
}

static void
test_fold_split(void)
{
	char *s;
	size_t i;

	char buf[32];
	size_t len;

	for (i = 0; i < sizeof(fold_tests) / sizeof(*fold_tests); i++) {
		s = route_local_fold(fold_tests[i].local,
				     fold_tests[i].case_sensitive);
		CHECK_STR(s, fold_tests[i].folded);
		free(s);
		/* The same into a buffer, writing len + 1 bytes and no more. */
		memset(buf, '#', sizeof(buf));
		len = strlen(fold_tests[i].local);
		route_local_fold_to(buf, fold_tests[i].local, len,
				    fold_tests[i].case_sensitive);
		CHECK_STR(buf, fold_tests[i].folded);
		CHECK_INT(buf[len + 1], '#');
	}
	for (i = 0; i < sizeof(split_tests) / sizeof(*split_tests); i++) {
		CHECK_INT(route_local_split(split_tests[i].local,
					    split_tests[i].delims),
			  split_tests[i].base_len);
		if (route_local_split(split_tests[i].local,
				      split_tests[i].delims) !=
		    split_tests[i].base_len)
			printf("# split \"%s\" at \"%s\"\n",
			       split_tests[i].local,
			       split_tests[i].delims ? split_tests[i].delims
						     : "(null)");
	}
}

int
main(void)
{
	test_valid_parse();
	test_invalid_parse();
	test_lengths();
	test_domains();
	test_format();
	test_fold_split();
	return test_done();
}
