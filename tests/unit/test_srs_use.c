/*
 * test_srs_use.c - unit tests for what an SRS engine is made from and
 * when it applies (srs_secrets.c, srs_use.c, route_srs_new): the secrets
 * file and its permissions, the checks on each setting, SRS domains and
 * overrides, which forwards leave the host, which senders are rewritten,
 * and what becomes of recipients in our SRS domains.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/addr.h>
#include <libroute/alloc.h>
#include <libroute/rules.h>
#include <libroute/srs.h>

#include "test_srs.h"

/* write_file - dir/name with content and mode; the path, malloc'ed. */
static char *
write_file(const char *dir, const char *name, const char *content, size_t len,
	   mode_t mode)
{
	char *path = route_xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, content, len) != (ssize_t)len ||
	    fchmod(fd, mode) == -1)
		printf("# cannot write %s\n", path);
	if (fd != -1)
		close(fd);
	return path;
}

/* load - route_srs_load of path; the engine or NULL with *err. */
static struct route_srs *
load(const char *path, struct route_error *err)
{
	struct route_srs_opts o;
	struct route_srs *srs = NULL;

	route_srs_opts_init(&o);
	o.domain = (char *)SRSD;
	o.secrets_file = (char *)path;
	route_error_clear(err);
	if (route_srs_load(&o, &srs, err) == -1)
		return NULL;
	return srs;
}

/* forward_is - srs forwards user@orig.example to want. */
static bool
forward_is(const struct route_srs *srs, const char *want)
{
	char *out = NULL;
	bool same;

	if (srs == NULL || route_srs_forward(srs, "user@orig.example", NULL,
					     NOW, NULL, &out, NULL) == -1)
		return false;
	same = strcmp(out, want) == 0;
	if (!same)
		printf("# got %s\n", out);
	free(out);
	return same;
}

struct load_test {
	const char *name;
	const char *content;
	mode_t mode;
	enum route_errclass code; /* ROUTE_OK: loads */
	const char *want;	  /* forward of user@orig.example, or reason */
};

static const struct load_test load_tests[] = {
    {"ok", SECRET "\n", 0600, ROUTE_OK, USER_SRS0 "@" SRSD},
    {"no-newline", SECRET, 0400, ROUTE_OK, USER_SRS0 "@" SRSD},
    {"group", SECRET "\n", 0640, ROUTE_OK, USER_SRS0 "@" SRSD},
    {"crlf", "\r\n\nnew-secret\r\n\r\n" SECRET "\r\n", 0600, ROUTE_OK,
     "SRS0=v0La=G3=orig.example=user@" SRSD},
    /* A '#' line is a secret like any other (postsrsd has no comments). */
    {"hash", "# rotated 2024\n" SECRET "\n", 0600, ROUTE_OK,
     "SRS0=u42t=G3=orig.example=user@" SRSD},
    {"world-readable", SECRET "\n", 0644, ROUTE_EINVAL,
     "readable or writable by others (mode 0644); make it chmod 600"},
    {"other-read", SECRET "\n", 0604, ROUTE_EINVAL, "(mode 0604)"},
    {"other-write", SECRET "\n", 0602, ROUTE_EINVAL, "(mode 0602)"},
    {"empty", "", 0600, ROUTE_EINVAL, "holds no secret"},
    {"blank", "\n\r\n\n", 0600, ROUTE_EINVAL, "holds no secret"},
};

/* test_load - the secrets file. */
static void
test_load(void)
{
	char dir[] = "/tmp/test_srs.XXXXXX", *path, *big;
	const struct load_test *t;
	struct route_srs *srs;
	struct route_error err;
	size_t i;

	CHECK(mkdtemp(dir) != NULL);
	for (i = 0; i < sizeof(load_tests) / sizeof(*t); i++) {
		t = &load_tests[i];
		path = write_file(dir, t->name, t->content, strlen(t->content),
				  t->mode);
		srs = load(path, &err);
		if (t->code == ROUTE_OK)
			CHECK(forward_is(srs, t->want));
		else {
			CHECK(srs == NULL);
			CHECK_INT(err.code, t->code);
			CHECK(strstr(err.msg, t->want) != NULL);
			CHECK(strncmp(err.msg, path, strlen(path)) == 0);
		}
		route_srs_unref(&srs);
		unlink(path);
		free(path);
	}
	/* Spaces belong to the secret. */
	path = write_file(dir, "spaces", " " SECRET " \n", 12, 0600);
	srs = load(path, &err);
	CHECK(forward_is(srs, "SRS0=4UAm=G3=orig.example=user@" SRSD));
	route_srs_unref(&srs);
	unlink(path);
	free(path);
	path = write_file(dir, "nul", SECRET "\0x\n", 12, 0600);
	CHECK(load(path, &err) == NULL);
	CHECK(strstr(err.msg, "line 1 holds a NUL byte") != NULL);
	unlink(path);
	free(path);
	big = route_xmalloc(70000);
	memset(big, 'x', 70000);
	path = write_file(dir, "big", big, 70000, 0600);
	CHECK(load(path, &err) == NULL);
	CHECK(strstr(err.msg, "larger than 65536 bytes") != NULL);
	free(big);
	unlink(path);
	free(path);
	/* Even to a good file: a link is followed to what others may own. */
	path = write_file(dir, "target", SECRET "\n", 10, 0600);
	free(path);
	path = route_xasprintf("%s/link", dir);
	CHECK_INT(symlink("target", path), 0);
	CHECK(load(path, &err) == NULL);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK(strstr(err.msg, "symbolic link") != NULL);
	unlink(path);
	free(path);
	path = route_xasprintf("%s/target", dir);
	unlink(path);
	free(path);
	path = route_xasprintf("%s/missing", dir);
	CHECK(load(path, &err) == NULL);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK(strstr(err.msg, "No such file") != NULL);
	free(path);
	CHECK(load(dir, &err) == NULL);
	CHECK(strstr(err.msg, "not a regular file") != NULL);
	CHECK(load(NULL, &err) == NULL);
	CHECK_STR(err.msg, "srs.secrets_file: not set");
	CHECK_INT(rmdir(dir), 0);
}

struct new_test {
	char sep;
	unsigned len, min, age;
	int alphabet;
	const char *domain;
	const char *secret;
	const char *msg; /* NULL: accepted */
};

static const struct new_test new_tests[] = {
    {'=', 4, 4, 21, URL, SRSD, SECRET, NULL},
    {'+', 20, 1, 1, B64, SRSD, SECRET, NULL},
    {'-', 1, 1, 1023, URL, "SRS.Bücher.Example.", SECRET, NULL},
    {'x', 4, 4, 21, URL, SRSD, SECRET, "srs.separator: 0x78 is not one of"},
    {'\0', 4, 4, 21, URL, SRSD, SECRET, "srs.separator: 0x00"},
    {'=', 0, 1, 21, URL, SRSD, SECRET,
     "srs.hash_length: 0 is not between 1 and 20"},
    {'=', 21, 4, 21, URL, SRSD, SECRET,
     "srs.hash_length: 21 is not between 1 and 20"},
    {'=', 4, 0, 21, URL, SRSD, SECRET, "srs.hash_minimum: 0 is less than 1"},
    {'=', 4, 5, 21, URL, SRSD, SECRET,
     "srs.hash_minimum: 5 is more than srs.hash_length 4"},
    {'=', 4, 4, 0, URL, SRSD, SECRET,
     "srs.max_age_days: 0 is not between 1 and 1023"},
    {'=', 4, 4, 1024, URL, SRSD, SECRET,
     "srs.max_age_days: 1024 is not between 1 and 1023"},
    {'=', 4, 4, 21, 7, SRSD, SECRET, "srs.hash_alphabet: unknown alphabet 7"},
    {'=', 4, 4, 21, URL, NULL, SECRET, "srs.domain: not set"},
    {'=', 4, 4, 21, URL, "", SECRET, "srs.domain: empty domain"},
    {'=', 4, 4, 21, URL, "bad domain", SECRET, "srs.domain: \"bad domain\""},
    /* The longest SRS domain whose addresses fit a 256-octet path. */
    {'=', 4, 4, 21, URL, DOMAIN_189, SECRET, NULL},
    {'=', 4, 4, 21, URL, DOMAIN_189 "3", SECRET, "is longer than 189 octets"},
    {'=', 4, 4, 21, URL, SRSD, "", "srs: secret 1 is empty"},
};

/* test_new - route_srs_new's checks, each refusal naming its setting. */
static void
test_new(void)
{
	const char *const two[] = {SECRET, ""};
	struct route_srs_opts o;
	struct route_srs *srs;
	struct route_error err;
	size_t i;

	for (i = 0; i < sizeof(new_tests) / sizeof(new_tests[0]); i++) {
		route_srs_opts_init(&o);
		o.separator = new_tests[i].sep;
		o.hash_length = new_tests[i].len;
		o.hash_minimum = new_tests[i].min;
		o.max_age_days = new_tests[i].age;
		o.alphabet = (enum route_srs_alphabet)new_tests[i].alphabet;
		o.domain = (char *)new_tests[i].domain;
		route_error_clear(&err);
		srs = (struct route_srs *)&err;
		CHECK_INT(
		    route_srs_new(&o, &new_tests[i].secret, 1, &srs, &err),
		    new_tests[i].msg == NULL ? 0 : -1);
		if (new_tests[i].msg == NULL)
			CHECK(srs != NULL);
		else {
			CHECK(srs == NULL);
			CHECK_INT(err.code, ROUTE_EINVAL);
			CHECK(strstr(err.msg, new_tests[i].msg) != NULL);
		}
		route_srs_unref(&srs);
	}
	route_srs_opts_init(&o);
	o.domain = (char *)SRSD;
	CHECK_INT(route_srs_new(&o, one_secret, 0, &srs, &err), -1);
	CHECK_STR(err.msg, "srs: no secret");
	CHECK_INT(route_srs_new(&o, two, 2, &srs, &err), -1);
	CHECK_STR(err.msg, "srs: secret 2 is empty");
}

/* test_opts - copies are deep, free resets to the defaults, the engine
 * keeps its own normalised copy, references count. */
static void
test_opts(void)
{
	struct route_srs_override ov[] = {
	    {"BÜCHER.example", "SRS.Bücher.example"},
	    {"Example.COM", "srs.example.com"}};
	char *locals[] = {"Local.Example."};
	struct route_srs_opts o, copy;
	const struct route_srs_opts *in;
	struct route_srs *srs, *again;
	struct route_error err;

	route_srs_opts_init(&o);
	CHECK_INT(o.separator, '=');
	CHECK_INT(o.hash_length, 4);
	CHECK_INT(o.hash_minimum, 4);
	CHECK_INT(o.max_age_days, 21);
	CHECK_INT(o.alphabet, URL);
	CHECK(o.domain == NULL && !o.always_rewrite);
	o.domain = (char *)"SRS.Example.NET";
	o.secrets_file = (char *)"/etc/secret";
	o.overrides = ov;
	o.noverrides = 2;
	o.local_domains = locals;
	o.nlocal_domains = 1;
	route_srs_opts_copy(&copy, &o);
	CHECK(copy.domain != o.domain && copy.overrides != o.overrides &&
	      copy.overrides[1].srs_domain != ov[1].srs_domain &&
	      copy.local_domains[0] != locals[0]);
	CHECK_STR(copy.overrides[1].srs_domain, "srs.example.com");
	CHECK_STR(copy.secrets_file, "/etc/secret");
	CHECK_INT(route_srs_new(&copy, one_secret, 1, &srs, &err), 0);
	route_srs_opts_free(&copy);
	CHECK(copy.domain == NULL && copy.noverrides == 0 &&
	      copy.overrides == NULL && copy.hash_length == 4);
	in = route_srs_opts_of(srs);
	CHECK_STR(in->domain, SRSD);
	CHECK_STR(in->overrides[0].routed_domain, "xn--bcher-kva.example");
	CHECK_STR(in->overrides[0].srs_domain, "srs.xn--bcher-kva.example");
	CHECK_STR(in->local_domains[0], "local.example");
	CHECK_STR(in->secrets_file, "/etc/secret");
	again = route_srs_ref(srs);
	CHECK(again == srs);
	route_srs_unref(&again);
	CHECK(again == NULL);
	CHECK_STR(route_srs_opts_of(srs)->domain, SRSD);
	route_srs_unref(&srs);
	CHECK(srs == NULL);
	route_srs_unref(&srs);
	ov[0].srs_domain = (char *)"bad domain";
	CHECK_INT(route_srs_new(&o, one_secret, 1, &srs, &err), -1);
	CHECK(strstr(err.msg, "srs.overrides: SRS domain: \"bad domain\"") !=
	      NULL);
	ov[0].srs_domain = (char *)"srs.example.org";
	locals[0] = (char *)"-local";
	CHECK_INT(route_srs_new(&o, one_secret, 1, &srs, &err), -1);
	CHECK(strstr(err.msg, "srs.local_domains: \"-local\"") != NULL);
}

/* use_table - example.com and bücher.example routed, off.example
 * disabled. */
static struct route_table *
use_table(void)
{
	static const struct route_domain_def doms[] = {
	    {"example.com", true, ROUTE_UNKNOWN_REJECT, true},
	    {"Bücher.example", true, ROUTE_UNKNOWN_PASS, true},
	    {"off.example", false, ROUTE_UNKNOWN_REJECT, true},
	};
	struct route_table_builder *b = route_table_builder_new(NULL);
	struct route_error err;
	struct route_table *t;
	size_t i;

	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
		CHECK_INT(route_table_builder_add_domain(b, &doms[i], &err), 0);
	t = route_table_builder_finish(&b, &err);
	CHECK(t != NULL);
	return t;
}

/* use_engine - SRSD (given in a non-normal spelling) with overrides for
 * example.com and bücher.example and one local domain. */
static struct route_srs *
use_engine(bool always_rewrite)
{
	struct route_srs_override ov[] = {
	    {"BÜCHER.example", "SRS.Bücher.example"},
	    {"Example.COM", "srs.example.com"}};
	char *locals[] = {"Local.Example."};
	struct route_srs_opts o;
	struct route_srs *srs = NULL;
	struct route_error err;

	route_srs_opts_init(&o);
	o.domain = (char *)"SRS.Example.NET.";
	o.overrides = ov;
	o.noverrides = 2;
	o.local_domains = locals;
	o.nlocal_domains = 1;
	o.always_rewrite = always_rewrite;
	CHECK_INT(route_srs_new(&o, one_secret, 1, &srs, &err), 0);
	return srs;
}

/* test_domains - SRS domains, overrides and what leaves the host. */
static void
test_domains(const struct route_srs *srs, const struct route_table *t)
{
	static const struct {
		const char *name;
		bool srs;
		const char *srs_for;
	} dtests[] = {
	    {SRSD, true, SRSD},
	    {"SRS.EXAMPLE.NET.", true, SRSD},
	    {"srs.bücher.example", true, SRSD},
	    {"srs.xn--bcher-kva.example", true, SRSD},
	    {"srs.example.com", true, SRSD},
	    {"x.srs.example.net", false, SRSD},
	    {"example.net", false, SRSD},
	    {"example.com", false, "srs.example.com"},
	    {"EXAMPLE.COM", false, "srs.example.com"},
	    {"bücher.example", false, "srs.xn--bcher-kva.example"},
	    {"xn--bcher-kva.example", false, "srs.xn--bcher-kva.example"},
	    {"other.example", false, SRSD},
	};
	static const struct {
		const char *dest;
		bool off;
	} otests[] = {
	    {"me@gmail.com", true},	{"<me@gmail.com>", true},
	    {"x@off.example", true},	{"x@example.com", false},
	    {"x@EXAMPLE.COM", false},	{"x@bücher.example", false},
	    {"x@local.example", false}, {"x@LOCAL.example.", false},
	    {"x@" SRSD, false},		{"x@srs.example.com", false},
	    {"postmaster", false},
	};
	size_t i;

	for (i = 0; i < sizeof(dtests) / sizeof(dtests[0]); i++) {
		CHECK_INT(route_srs_is_srs_domain(srs, dtests[i].name),
			  dtests[i].srs);
		CHECK_STR(route_srs_domain_for(srs, dtests[i].name),
			  dtests[i].srs_for);
	}
	CHECK_STR(route_srs_domain_for(srs, NULL), SRSD);
	CHECK(!route_srs_is_srs_domain(srs, ""));
	for (i = 0; i < sizeof(otests) / sizeof(otests[0]); i++)
		CHECK_INT(route_srs_is_off_box(srs, t, otests[i].dest),
			  otests[i].off);
}

struct sender_test {
	const char *sender;
	const char *rdomain;
	int rc;
	const char *want; /* the new sender, or why it is kept */
};

static const struct sender_test sender_tests[] = {
    {"<>", "example.com", 0, "null sender"},
    {"postmaster", "example.com", 0, "sender has no domain"},
    {"a b@orig.example", "example.com", 0, "sender does not parse"},
    {"user@Example.COM", "example.com", 0, "sender in a routed domain"},
    {"user@bücher.example", "example.com", 0, "sender in a routed domain"},
    {USER_SRS0 "@SRS.example.net", "example.com", 0, "sender in an SRS domain"},
    {"user@srs.bücher.example", NULL, 0, "sender in an SRS domain"},
    {"user@local.example", "example.com", 0, "sender in a local domain"},
    {"user@_", NULL, 0, "sender in the reserved domain _"},
    /* Malformed SRS0: carried into SRS1 whole, as libsrs2 does. */
    {"SRS0=lYnW=G3@hop.example", NULL, 1,
     "SRS1=GlnF=hop.example==lYnW=G3@" SRSD},
    {"<user@orig.example>", "example.com", 1, USER_SRS0 "@srs.example.com"},
    {"user@orig.example", "bücher.example", 1,
     USER_SRS0 "@srs.xn--bcher-kva.example"},
    {"user@orig.example", "other.example", 1, USER_SRS0 "@" SRSD},
    {"user@orig.example", NULL, 1, USER_SRS0 "@" SRSD},
    {"user@off.example", NULL, 1, "SRS0=skQO=G3=off.example=user@" SRSD},
    {USER_SRS0 "@hop.example", NULL, 1, USER_SRS1 "@" SRSD},
};

/* test_sender - whom route_srs_sender rewrites, and how. */
static void
test_sender(const struct route_srs *srs, const struct route_table *t)
{
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct route_srs *always = use_engine(true);
	struct mem_store store = {0};
	const struct sender_test *s;
	struct route_error err;
	const char *why;
	char *out;
	size_t i;

	aliases.ctx = &store;
	for (i = 0; i < sizeof(sender_tests) / sizeof(*s); i++) {
		s = &sender_tests[i];
		CHECK_INT(route_srs_sender(srs, t, s->sender, s->rdomain, NOW,
					   &aliases, &out, &why, &err),
			  s->rc);
		CHECK_STR(s->rc == 1 ? out : why, s->want);
		CHECK(s->rc == 1 ? why == NULL : out == NULL);
		free(out);
	}
	CHECK_INT(route_srs_sender(srs, t, LONG_SENDER, NULL, NOW, &aliases,
				   &out, &why, &err),
		  1);
	CHECK_STR(out, LONG_SRS0 "@" SRSD);
	free(out);
	CHECK_INT(route_srs_sender(srs, t, LONG_SENDER, NULL, NOW, NULL, &out,
				   &why, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	store.fail = true;
	CHECK_INT(route_srs_sender(srs, t, LONG_SENDER, NULL, NOW, &aliases,
				   &out, &why, &err),
		  -1);
	CHECK_STR(err.msg, "disk on fire");
	CHECK_INT(route_srs_sender(always, t, "user@example.com", NULL, NOW,
				   NULL, &out, &why, &err),
		  1);
	CHECK_STR(out, "SRS0=zv5M=G3=example.com=user@" SRSD);
	free(out);
	CHECK_INT(route_srs_sender(always, t, "<>", NULL, NOW, NULL, &out, &why,
				   &err),
		  0);
	CHECK_STR(why, "null sender");
	CHECK_INT(route_srs_sender(srs, NULL, "user@example.com", NULL, NOW,
				   NULL, &out, &why, &err),
		  1);
	free(out);
	mem_clear(&store);
	route_srs_unref(&always);
}

static const struct reverse_test rcpt_tests[] = {
    {"user@example.com", 0, 0, NULL},
    /* SRS addresses of other domains pass untouched. */
    {USER_SRS0 "@other.example", 0, 0, NULL},
    {"SRS0=xxxx=G3=orig.example=user@other.example", 0, 0, NULL},
    {"postmaster@" SRSD, 0, 0, NULL},
    {USER_SRS0 "@" SRSD, 0, 1, "user@orig.example"},
    {"<" USER_SRS0 "@SRS.Example.NET.>", 0, 1, "user@orig.example"},
    {USER_SRS0 "@srs.example.com", 0, 1, "user@orig.example"},
    {USER_SRS0 "@srs.bücher.example", 0, 1, "user@orig.example"},
    {USER_SRS1 "@" SRSD, 0, 1, USER_SRS0 "@hop.example"},
    {LONG_SRS0 "@" SRSD, 0, 1, LONG_SENDER},
    {"SRS0=xxxx=G3=orig.example=user@" SRSD, 0, -1, "does not match"},
    {USER_SRS0 "@" SRSD, 22, -1, "expired"},
    {"SRS0=a b@" SRSD, 0, -1, "malformed"},
    {"SRS0=Cua8=G3=_=0123456789abcdef0123456789abcdef@" SRSD, 0, -1,
     "unknown alias key"},
};

/* test_rcpt - recipients in our SRS domains, and the replies. */
static void
test_rcpt(const struct route_srs *srs)
{
	struct route_srs_aliases aliases = {mem_put, mem_get, NULL};
	struct mem_store store = {0};
	const struct reverse_test *r;
	const char *code, *xcode, *text;
	struct route_error err;
	char *out;
	size_t i;

	aliases.ctx = &store;
	mem_put(&store, LONG_KEY, LONG_SENDER, NOW + 22 * DAY, NULL);
	for (i = 0; i < sizeof(rcpt_tests) / sizeof(*r); i++) {
		r = &rcpt_tests[i];
		route_error_clear(&err);
		CHECK_INT(route_srs_rcpt(srs, r->addr, NOW + r->days * DAY,
					 &aliases, &out, &err),
			  r->rc);
		if (r->rc == 1)
			CHECK_STR(out, r->want);
		else
			CHECK(out == NULL);
		if (r->rc == -1)
			CHECK(strstr(err.msg, r->want) != NULL);
		free(out);
	}
	route_srs_reply(&err, &code, &xcode, &text);
	CHECK_STR(code, "550");
	CHECK_STR(xcode, "5.7.1");
	CHECK_STR(text, "Invalid SRS address");
	store.fail = true;
	CHECK_INT(
	    route_srs_rcpt(srs, LONG_SRS0 "@" SRSD, NOW, &aliases, &out, &err),
	    -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	route_srs_reply(&err, &code, &xcode, &text);
	CHECK_STR(code, "451");
	CHECK_STR(xcode, "4.3.0");
	CHECK_STR(text, "Temporary SRS lookup failure, try again later");
	route_srs_reply(NULL, &code, &xcode, &text);
	CHECK_STR(code, "550");
	mem_clear(&store);
}

int
main(void)
{
	struct route_table *t = use_table();
	struct route_srs *srs = use_engine(false);

	test_load();
	test_new();
	test_opts();
	test_domains(srs, t);
	test_sender(srs, t);
	test_rcpt(srs);
	route_srs_unref(&srs);
	route_table_unref(&t);
	return test_done();
}
