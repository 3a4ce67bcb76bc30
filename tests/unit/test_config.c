/*
 * test_config.c - route_config_load on real files: valid files give the
 * values a user wrote (and defaults for the rest), broken files are refused
 * with "FILE:LINE: KEY: reason" naming the right line and key, and the
 * snapshot's reference count frees it exactly once.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libroute/config.h>

#include "test.h"

#define STORE_DEF "sqlite:/var/lib/route-milter/routes.db"
#define SOCKET_DEF "unix:/run/route-milter/milter.sock"

static char tmpdir[] = "/tmp/test_config.XXXXXX";

/* write_file - create tmpdir/name with text; returns the path (static). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) == EOF ||
	    fclose(fp) == EOF) {
		perror(path);
		exit(99);
	}
	return path;
}

/* srs_field - field() for the srs and policyd groups. */
static const char *
srs_field(const struct route_config *cfg, const char *key, char *buf,
	  size_t size)
{
	const struct route_srs_opts *o = &cfg->srs;
	size_t i, len = 0;

	buf[0] = '\0';
	if (strcmp(key, "srs.domain") == 0)
		return o->domain;
	if (strcmp(key, "srs.secrets_file") == 0)
		return o->secrets_file;
	if (strcmp(key, "srs.separator") == 0)
		snprintf(buf, size, "%c", o->separator);
	else if (strcmp(key, "srs.hash_length") == 0)
		snprintf(buf, size, "%u", o->hash_length);
	else if (strcmp(key, "srs.hash_minimum") == 0)
		snprintf(buf, size, "%u", o->hash_minimum);
	else if (strcmp(key, "srs.max_age_days") == 0)
		snprintf(buf, size, "%u", o->max_age_days);
	else if (strcmp(key, "srs.hash_alphabet") == 0)
		return o->alphabet == ROUTE_SRS_BASE64 ? "base64" : "base64url";
	else if (strcmp(key, "srs.always_rewrite") == 0)
		return o->always_rewrite ? "true" : "false";
	else if (strcmp(key, "srs.local_domains") == 0) {
		for (i = 0; i < o->nlocal_domains; i++)
			len +=
			    (size_t)snprintf(buf + len, size - len, "%s%s",
					     i ? "," : "", o->local_domains[i]);
	} else if (strcmp(key, "srs.overrides") == 0) {
		for (i = 0; i < o->noverrides; i++)
			len += (size_t)snprintf(buf + len, size - len,
						"%s%s>%s", i ? "," : "",
						o->overrides[i].routed_domain,
						o->overrides[i].srs_domain);
	} else if (strcmp(key, "policyd.socket") == 0)
		return cfg->policyd_socket;
	else if (strcmp(key, "policyd.user") == 0)
		return cfg->policyd_user;
	else if (strcmp(key, "policyd.group") == 0)
		return cfg->policyd_group;
	else if (strcmp(key, "policyd.socket_mode") == 0)
		snprintf(buf, size, "%04o", cfg->policyd_socket_mode);
	else if (strcmp(key, "policyd.pidfile") == 0)
		return cfg->policyd_pidfile;
	else
		return "(no such key in the test)";
	return buf;
}

/* field - the value of key in cfg as text, for table comparisons. */
static const char *
field(const struct route_config *cfg, const char *key)
{
	static char buf[256];

	if (strcmp(key, "store") == 0)
		return cfg->store;
	if (strcmp(key, "store_poll_ms") == 0)
		snprintf(buf, sizeof(buf), "%u", cfg->poll_ms);
	else if (strcmp(key, "milter.socket") == 0)
		return cfg->milter_socket;
	else if (strcmp(key, "milter.user") == 0)
		return cfg->milter_user;
	else if (strcmp(key, "milter.group") == 0)
		return cfg->milter_group;
	else if (strcmp(key, "milter.socket_mode") == 0)
		snprintf(buf, sizeof(buf), "%04o", cfg->milter_socket_mode);
	else if (strcmp(key, "milter.pidfile") == 0)
		return cfg->milter_pidfile;
	else if (strcmp(key, "limits.message_size") == 0)
		snprintf(buf, sizeof(buf), "%" PRIu64, cfg->max_message_size);
	else if (strcmp(key, "limits.received_headers") == 0)
		snprintf(buf, sizeof(buf), "%u", cfg->max_received);
	else if (strcmp(key, "routing.delimiters") == 0)
		return cfg->table.delimiters;
	else if (strcmp(key, "routing.case_sensitive") == 0)
		return cfg->table.case_sensitive ? "true" : "false";
	else if (strcmp(key, "routing.max_depth") == 0)
		snprintf(buf, sizeof(buf), "%u", cfg->table.max_depth);
	else if (strcmp(key, "log.facility") == 0)
		return cfg->syslog_facility;
	else if (strncmp(key, "srs.", 4) == 0 ||
		 strncmp(key, "policyd.", 8) == 0)
		return srs_field(cfg, key, buf, sizeof(buf));
	else
		return "(no such key in the test)";
	return buf;
}

/* The built-in value of every key, as field() prints it. */
static const char *const defaults[][2] = {
    {"store", STORE_DEF},
    {"store_poll_ms", "500"},
    {"milter.socket", SOCKET_DEF},
    {"milter.user", NULL},
    {"milter.group", NULL},
    {"milter.socket_mode", "0660"},
    {"milter.pidfile", NULL},
    {"limits.message_size", "26214400"},
    {"limits.received_headers", "30"},
    {"routing.delimiters", "+"},
    {"routing.case_sensitive", "false"},
    {"routing.max_depth", "8"},
    {"log.facility", "mail"},
    {"srs.domain", NULL},
    {"srs.secrets_file", NULL},
    {"srs.separator", "="},
    {"srs.hash_length", "4"},
    {"srs.hash_minimum", "4"},
    {"srs.max_age_days", "21"},
    {"srs.hash_alphabet", "base64url"},
    {"srs.always_rewrite", "false"},
    {"srs.local_domains", ""},
    {"srs.overrides", ""},
    {"policyd.socket", NULL},
    {"policyd.user", NULL},
    {"policyd.group", NULL},
    {"policyd.socket_mode", "0660"},
    {"policyd.pidfile", NULL},
};
#define NDEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

struct valid_test {
	const char *text;
	const char *want[NDEFAULTS][2]; /* key, value; others keep defaults */
};

static const struct valid_test valid_config_tests[] = {
    {"", {{NULL}}},
    {"# only a comment\n", {{NULL}}},
    {"store = \"sqlite:/srv/routes.db\";\n"
     "store_poll_ms = 50;\n"
     "milter = {\n"
     "  socket = \"unix:/var/spool/postfix/route/milter.sock\";\n"
     "  user = \"route-milter\";\n"
     "  group = \"postfix\";\n"
     "  socket_mode = \"0600\";\n"
     "  pidfile = \"/run/route-milter/route-milter.pid\";\n"
     "};\n"
     "limits = { message_size = \"10M\"; received_headers = 50; };\n"
     "routing = { delimiters = \"+-\"; case_sensitive = true;"
     " max_depth = 64; };\n"
     "log = { facility = \"local3\"; };\n",
     {{"store", "sqlite:/srv/routes.db"},
      {"store_poll_ms", "50"},
      {"milter.socket", "unix:/var/spool/postfix/route/milter.sock"},
      {"milter.user", "route-milter"},
      {"milter.group", "postfix"},
      {"milter.socket_mode", "0600"},
      {"milter.pidfile", "/run/route-milter/route-milter.pid"},
      {"limits.message_size", "10485760"},
      {"limits.received_headers", "50"},
      {"routing.delimiters", "+-"},
      {"routing.case_sensitive", "true"},
      {"routing.max_depth", "64"},
      {"log.facility", "local3"}}},
    /* A plain path is a SQLite store; both spellings come out the same. */
    {"store = \"/var/db/r.db\";\n", {{"store", "sqlite:/var/db/r.db"}}},
    {"milter = { socket = \"inet:10025@127.0.0.1\"; };\n",
     {{"milter.socket", "inet:10025@127.0.0.1"}}},
    {"milter = { socket = \"inet:1@localhost\"; };\n",
     {{"milter.socket", "inet:1@localhost"}}},
    {"milter = { socket = \"inet:65535@mx-1.example.org\"; };\n",
     {{"milter.socket", "inet:65535@mx-1.example.org"}}},
    {"milter = { socket = \"inet6:8891@::1\"; };\n",
     {{"milter.socket", "inet6:8891@::1"}}},
    {"milter = { socket = \"local:/run/m.sock\"; };\n",
     {{"milter.socket", "unix:/run/m.sock"}}},
    {"milter = { socket_mode = 0660; };\n", {{"milter.socket_mode", "0660"}}},
    {"milter = { socket_mode = 600; };\n", {{"milter.socket_mode", "0600"}}},
    {"milter = { socket_mode = 0x1B0; };\n", {{"milter.socket_mode", "0660"}}},
    {"milter = { socket_mode = \"777\"; };\n",
     {{"milter.socket_mode", "0777"}}},
    {"milter = { socket_mode = \"0\"; };\n", {{"milter.socket_mode", "0000"}}},
    {"limits = { message_size = 1000; };\n", {{"limits.message_size", "1000"}}},
    {"limits = { message_size = 2147483648L; };\n",
     {{"limits.message_size", "2147483648"}}},
    {"limits = { message_size = \"512k\"; };\n",
     {{"limits.message_size", "524288"}}},
    {"limits = { message_size = \"2G\"; };\n",
     {{"limits.message_size", "2147483648"}}},
    {"limits = { message_size = \"123\"; };\n",
     {{"limits.message_size", "123"}}},
    {"limits = { received_headers = 1; };\n",
     {{"limits.received_headers", "1"}}},
    {"limits = { received_headers = 1000; };\n",
     {{"limits.received_headers", "1000"}}},
    {"routing = { delimiters = \"\"; };\n", {{"routing.delimiters", ""}}},
    {"routing = { delimiters = \"+-_=.~#&\"; };\n",
     {{"routing.delimiters", "+-_=.~#&"}}},
    {"routing = { max_depth = 1; };\n", {{"routing.max_depth", "1"}}},
    {"routing = { case_sensitive = false; };\n",
     {{"routing.case_sensitive", "false"}}},
    {"store_poll_ms = 60000;\n", {{"store_poll_ms", "60000"}}},
    {"log = { facility = \"daemon\"; };\n", {{"log.facility", "daemon"}}},
    {"log = { facility = \"user\"; };\n", {{"log.facility", "user"}}},
    {"log = { facility = \"local7\"; };\n", {{"log.facility", "local7"}}},
    {"srs = {\n"
     "  domain = \"SRS.Example.NET.\";\n"
     "  secrets_file = \"/etc/route-milter/srs.secrets\";\n"
     "  separator = \"+\";\n"
     "  hash_length = 8;\n"
     "  hash_minimum = 6;\n"
     "  max_age_days = 30;\n"
     "  hash_alphabet = \"base64\";\n"
     "  always_rewrite = true;\n"
     "  local_domains = [ \"Mail.Example.ORG\", \"b\xc3\xbc"
     "cher.example\" ];\n"
     "  overrides = ( { routed_domain = \"example.org\";\n"
     "                  srs_domain = \"bounce.example.org\"; },\n"
     "                { srs_domain = \"srs.example.com\";\n"
     "                  routed_domain = \"Example.COM\"; } );\n"
     "};\n",
     {{"srs.domain", "srs.example.net"},
      {"srs.secrets_file", "/etc/route-milter/srs.secrets"},
      {"srs.separator", "+"},
      {"srs.hash_length", "8"},
      {"srs.hash_minimum", "6"},
      {"srs.max_age_days", "30"},
      {"srs.hash_alphabet", "base64"},
      {"srs.always_rewrite", "true"},
      {"srs.local_domains", "mail.example.org,xn--bcher-kva.example"},
      {"srs.overrides",
       "example.org>bounce.example.org,example.com>srs.example.com"}}},
    {"srs = { domain = \"s.example\"; secrets_file = \"/s\";"
     " hash_length = 20; hash_minimum = 1; max_age_days = 1023;"
     " local_domains = ( \"a.example\" ); };\n",
     {{"srs.domain", "s.example"},
      {"srs.secrets_file", "/s"},
      {"srs.hash_length", "20"},
      {"srs.hash_minimum", "1"},
      {"srs.max_age_days", "1023"},
      {"srs.local_domains", "a.example"}}},
    {"policyd = {\n"
     "  socket = \"inet:10040@127.0.0.1\";\n"
     "  user = \"route-policyd\";\n"
     "  group = \"postfix\";\n"
     "  socket_mode = \"0666\";\n"
     "  pidfile = \"/run/route-milter/route-policyd.pid\";\n"
     "};\n",
     {{"policyd.socket", "inet:10040@127.0.0.1"},
      {"policyd.user", "route-policyd"},
      {"policyd.group", "postfix"},
      {"policyd.socket_mode", "0666"},
      {"policyd.pidfile", "/run/route-milter/route-policyd.pid"}}},
    {"policyd = { socket = \"local:/run/p.sock\"; };\n",
     {{"policyd.socket", "unix:/run/p.sock"}}},
    /* Empty groups are harmless. */
    {"milter = { };\nlimits = { };\nrouting = { };\nlog = { };\n", {{NULL}}},
};

struct invalid_test {
	const char *text;
	const char *want; /* the message after "PATH:" */
};

static const struct invalid_test invalid_config_tests[] = {
    /* Syntax errors: libconfig's own words, with file and line. */
    {"store = \"sqlite:/x.db\";\nmilter = { socket = ; };\n",
     "2: syntax error"},
    {"store = \"/a\";\nstore = \"/b\";\n", "2: duplicate setting name"},
    /* Unknown keys, top level and in groups: typos are refused. */
    {"\n\nstor = \"sqlite:/x.db\";\n", "3: stor: unknown key"},
    {"milter = {\n  socket = \"unix:/a\";\n  sockt = \"unix:/b\";\n};\n",
     "3: milter.sockt: unknown key"},
    {"limits = { message_sizes = 10; };\n",
     "1: limits.message_sizes: unknown key"},
    {"routing = { delimiter = \"+\"; };\n",
     "1: routing.delimiter: unknown key"},
    {"log = { level = \"debug\"; };\n", "1: log.level: unknown key"},
    {"log = { facility = \"mail\"; store = \"/x\"; };\n",
     "1: log.store: unknown key"},
    /* Groups and types. */
    {"milter = \"unix:/a\";\n", "1: milter: expected a group { ... }"},
    {"limits = (1, 2);\n", "1: limits: expected a group { ... }"},
    {"store = 5;\n", "1: store: expected a string"},
    {"store = [\"/a\"];\n", "1: store: expected a string"},
    {"milter = {\n socket = 25;\n};\n", "2: milter.socket: expected a string"},
    {"milter = { user = 0; };\n", "1: milter.user: expected a string"},
    {"milter = { pidfile = true; };\n", "1: milter.pidfile: expected a string"},
    {"store_poll_ms = \"500\";\n", "1: store_poll_ms: expected an integer"},
    {"store_poll_ms = 1.5;\n", "1: store_poll_ms: expected an integer"},
    {"limits = { received_headers = \"30\"; };\n",
     "1: limits.received_headers: expected an integer"},
    {"routing = { case_sensitive = 1; };\n",
     "1: routing.case_sensitive: expected true or false"},
    {"routing = { case_sensitive = \"yes\"; };\n",
     "1: routing.case_sensitive: expected true or false"},
    {"log = { facility = 3; };\n", "1: log.facility: expected a string"},
    /* Store. */
    {"store = \"postgresql://db.example/routes\";\n",
     "1: store: postgresql stores are not supported by this build"},
    {"store = \"routes.db\";\n",
     "1: store: expected \"sqlite:/absolute/path\" or an absolute path"},
    {"store = \"mysql://x\";\n",
     "1: store: expected \"sqlite:/absolute/path\" or an absolute path"},
    {"store = \"\";\n",
     "1: store: expected \"sqlite:/absolute/path\" or an absolute path"},
    {"store = \"sqlite:routes.db\";\n",
     "1: store: the store path must be absolute"},
    {"store = \"sqlite:\";\n", "1: store: the store path must be absolute"},
    /* Socket. */
    {"milter = { socket = \"/run/m.sock\"; };\n",
     "1: milter.socket: expected \"unix:/path\", \"inet:PORT@HOST\" or "
     "\"inet6:PORT@HOST\""},
    {"milter = { socket = \"inet6:25@127.0.0.1/8\"; };\n",
     "1: milter.socket: the host must be an IPv6 address or a host name"},
    {"milter = { socket = \"unix:run/m.sock\"; };\n",
     "1: milter.socket: the socket path must be absolute"},
    {"milter = { socket = \"local:\"; };\n",
     "1: milter.socket: the socket path must be absolute"},
    {"milter = { socket = \"unix:/run/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaa.sock\"; };\n",
     "1: milter.socket: the socket path is longer than 107 bytes"},
    {"milter = { socket = \"inet:0@127.0.0.1\"; };\n",
     "1: milter.socket: port must be between 1 and 65535"},
    {"milter = { socket = \"inet:65536@127.0.0.1\"; };\n",
     "1: milter.socket: port must be between 1 and 65535"},
    {"milter = { socket = \"inet:99999999999999999999@h\"; };\n",
     "1: milter.socket: port must be between 1 and 65535"},
    {"milter = { socket = \"inet:10025\"; };\n",
     "1: milter.socket: expected PORT@HOST with a numeric port"},
    {"milter = { socket = \"inet:10025@\"; };\n",
     "1: milter.socket: expected PORT@HOST with a numeric port"},
    {"milter = { socket = \"inet:smtp@localhost\"; };\n",
     "1: milter.socket: expected PORT@HOST with a numeric port"},
    {"milter = { socket = \"inet:25@local host\"; };\n",
     "1: milter.socket: the host must be an IPv4 address or a host name"},
    {"milter = { socket = \"inet:25@::1\"; };\n",
     "1: milter.socket: the host must be an IPv4 address or a host name "
     "(use inet6: for IPv6)"},
    /* Accounts and paths. */
    {"milter = { user = \"\"; };\n", "1: milter.user: must not be empty"},
    {"milter = { group = \"post fix\"; };\n",
     "1: milter.group: not a valid user or group name"},
    {"milter = { user = \"root:root\"; };\n",
     "1: milter.user: not a valid user or group name"},
    {"milter = { pidfile = \"route-milter.pid\"; };\n",
     "1: milter.pidfile: the path must be absolute"},
    /* Socket mode. */
    {"milter = { socket_mode = \"0888\"; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    {"milter = { socket_mode = \"rw-rw----\"; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    {"milter = { socket_mode = \"\"; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    {"milter = { socket_mode = \"4755\"; };\n",
     "1: milter.socket_mode: must be at most 0777"},
    {"milter = { socket_mode = 0680; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    {"milter = { socket_mode = -1; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    {"milter = { socket_mode = 1777; };\n",
     "1: milter.socket_mode: must be at most 0777"},
    {"milter = { socket_mode = 0x200; };\n",
     "1: milter.socket_mode: must be at most 0777"},
    {"milter = { socket_mode = true; };\n",
     "1: milter.socket_mode: expected an octal mode such as \"0660\""},
    /* Limits. */
    {"limits = { message_size = 0; };\n",
     "1: limits.message_size: must be positive"},
    {"limits = { message_size = -5; };\n",
     "1: limits.message_size: must be positive"},
    {"limits = { message_size = 2147483649L; };\n",
     "1: limits.message_size: must be at most 2G"},
    {"limits = { message_size = \"3G\"; };\n",
     "1: limits.message_size: must be at most 2G"},
    {"limits = { message_size = \"99999999999999999999999K\"; };\n",
     "1: limits.message_size: must be at most 2G"},
    {"limits = { message_size = \"25MB\"; };\n",
     "1: limits.message_size: expected a size such as \"25M\""},
    {"limits = { message_size = \"M\"; };\n",
     "1: limits.message_size: expected a size such as \"25M\""},
    {"limits = { message_size = \"0\"; };\n",
     "1: limits.message_size: expected a size such as \"25M\""},
    {"limits = { message_size = \" 25M\"; };\n",
     "1: limits.message_size: expected a size such as \"25M\""},
    {"limits = { message_size = 2.5; };\n",
     "1: limits.message_size: expected an integer or a string"},
    {"limits = { received_headers = 0; };\n",
     "1: limits.received_headers: must be between 1 and 1000"},
    {"limits = { received_headers = 1001; };\n",
     "1: limits.received_headers: must be between 1 and 1000"},
    /* Routing. */
    {"routing = { max_depth = 0; };\n",
     "1: routing.max_depth: must be between 1 and 64"},
    {"routing = { max_depth = 65; };\n",
     "1: routing.max_depth: must be between 1 and 64"},
    {"routing = { delimiters = \"@\"; };\n",
     "1: routing.delimiters: '@' cannot be a delimiter"},
    {"routing = { delimiters = \"+a\"; };\n",
     "1: routing.delimiters: 'a' cannot be a delimiter"},
    {"routing = { delimiters = \"5\"; };\n",
     "1: routing.delimiters: '5' cannot be a delimiter"},
    {"routing = { delimiters = \"\\\"\"; };\n",
     "1: routing.delimiters: '\"' cannot be a delimiter"},
    {"routing = { delimiters = \"'\"; };\n",
     "1: routing.delimiters: ''' cannot be a delimiter"},
    {"routing = { delimiters = \"+ \"; };\n",
     "1: routing.delimiters: byte 0x20 cannot be a delimiter"},
    {"routing = { delimiters = \"\\t\"; };\n",
     "1: routing.delimiters: byte 0x09 cannot be a delimiter"},
    {"routing = { delimiters = \"++\"; };\n",
     "1: routing.delimiters: '+' is given twice"},
    {"routing = { delimiters = \"+-_=.~#&!\"; };\n",
     "1: routing.delimiters: at most 8 delimiter characters"},
    /* Poll and log. */
    {"store_poll_ms = 49;\n", "1: store_poll_ms: must be between 50 and 60000"},
    {"store_poll_ms = 60001;\n",
     "1: store_poll_ms: must be between 50 and 60000"},
    {"log = { facility = \"Mail\"; };\n",
     "1: log.facility: unknown syslog facility"},
    {"log = { facility = \"local8\"; };\n",
     "1: log.facility: unknown syslog facility"},
    {"log = { facility = \"kern\"; };\n",
     "1: log.facility: unknown syslog facility"},
    /* The line is the offending setting's, deep in a file. */
    {"# route-milter.conf\n"
     "store = \"sqlite:/var/lib/route-milter/routes.db\";\n"
     "\n"
     "milter = {\n"
     "  socket = \"unix:/run/route-milter/milter.sock\";\n"
     "  socket_mode = \"0660\";\n"
     "};\n"
     "\n"
     "limits = {\n"
     "  message_size = \"25M\";\n"
     "  received_headers = 30;\n"
     "};\n"
     "routing = {\n"
     "  delimiters = \"+\";\n"
     "  max_depth = 100;\n"
     "};\n",
     "15: routing.max_depth: must be between 1 and 64"},
    /* srs and policyd */
    {"srs = { secrets_file = \"/s\"; };\n",
     "1: srs.domain: required when the srs group is given"},
    {"srs = {\n domain = \"s.example\";\n};\n",
     "1: srs.secrets_file: required when the srs group is given"},
    {"srs = { domain = \"s.example\"; secrets_file = \"/s\";\n"
     "  hash_length = 4; hash_minimum = 5; };\n",
     "1: srs.hash_minimum: 5 is more than srs.hash_length 4"},
    {"srs = { domain = \"s..example\"; };\n", "1: srs.domain: "},
    {"srs = { secrets_file = \"s\"; };\n",
     "1: srs.secrets_file: the path must be absolute"},
    {"srs = { separator = \"/\"; };\n",
     "1: srs.separator: expected \"=\", \"+\" or \"-\""},
    {"srs = { separator = \"==\"; };\n",
     "1: srs.separator: expected \"=\", \"+\" or \"-\""},
    {"srs = { hash_length = 21; };\n",
     "1: srs.hash_length: must be between 1 and 20"},
    {"srs = { hash_minimum = 0; };\n",
     "1: srs.hash_minimum: must be between 1 and 20"},
    {"srs = { max_age_days = 1024; };\n",
     "1: srs.max_age_days: must be between 1 and 1023"},
    {"srs = { hash_alphabet = \"hex\"; };\n",
     "1: srs.hash_alphabet: expected \"base64url\" or \"base64\""},
    {"srs = { always_rewrite = 1; };\n",
     "1: srs.always_rewrite: expected true or false"},
    {"srs = { local_domains = \"a.example\"; };\n",
     "1: srs.local_domains: expected a list of domains"},
    {"srs = { local_domains = [ \"a..b\" ]; };\n", "1: srs.local_domains: "},
    {"srs = { overrides = ( { routed_domain = \"a.example\"; } ); };\n",
     "1: srs.overrides: each override needs routed_domain and srs_domain"},
    {"srs = { overrides = ( { routed_domain = \"a.example\";\n"
     "  srs = \"b.example\"; } ); };\n",
     "2: srs.overrides: unknown key srs"},
    {"srs = { overrides = (\n"
     "  { routed_domain = \"a.example\"; srs_domain = \"b.example\"; },\n"
     "  { routed_domain = \"A.example\"; srs_domain = \"c.example\"; }"
     " ); };\n",
     "3: srs.overrides: a.example has two overrides"},
    {"srs = { overrides = [ \"a\" ]; };\n",
     "1: srs.overrides: expected a list"},
    {"srs = { hash = 4; };\n", "1: srs.hash: unknown key"},
    {"srs = \"s.example\";\n", "1: srs: expected a group { ... }"},
    {"policyd = { socket = \"tcp:1@x\"; };\n",
     "1: policyd.socket: expected \"unix:/path\""},
    {"policyd = { user = \"a b\"; };\n",
     "1: policyd.user: not a valid user or group name"},
    {"policyd = { socket_mode = \"0999\"; };\n",
     "1: policyd.socket_mode: expected an octal mode"},
    {"policyd = { pidfile = \"p.pid\"; };\n",
     "1: policyd.pidfile: the path must be absolute"},
    {"policyd = { threads = 4; };\n", "1: policyd.threads: unknown key"},
};

/* ok_str - strings equal, either may be NULL. */
static int
ok_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* check_values - the keys in want have their values, the rest defaults. */
static void
check_values(const struct route_config *cfg, const char *const want[][2],
	     size_t nwant)
{
	size_t i, j;

	for (i = 0; i < NDEFAULTS; i++) {
		const char *v = defaults[i][1];

		for (j = 0; j < nwant && want[j][0] != NULL; j++)
			if (strcmp(want[j][0], defaults[i][0]) == 0)
				v = want[j][1];
		CHECK_STR(field(cfg, defaults[i][0]), v);
		if (!ok_str(field(cfg, defaults[i][0]), v))
			printf("# ... for key %s\n", defaults[i][0]);
	}
}

/* test_valid - each valid file yields its values and defaults elsewhere. */
static void
test_valid(void)
{
	struct route_config *cfg;
	struct route_error err;
	const char *path;
	size_t i;

	for (i = 0;
	     i < sizeof(valid_config_tests) / sizeof(valid_config_tests[0]);
	     i++) {
		const struct valid_test *t = &valid_config_tests[i];

		printf("# valid_config_tests[%zu]\n", i);
		path = write_file("valid.conf", t->text);
		cfg = NULL;
		route_error_clear(&err);
		CHECK_INT(
		    route_config_load(path, STORE_DEF, SOCKET_DEF, &cfg, &err),
		    0);
		if (cfg == NULL) {
			printf("# %s\n", err.msg);
			continue;
		}
		CHECK_STR(cfg->path, path);
		check_values(cfg, t->want, NDEFAULTS);
		route_config_unref(&cfg);
	}
}

/* test_invalid - each broken file is refused with file, line and key. */
static void
test_invalid(void)
{
	struct route_config *cfg, *old = NULL;
	struct route_error err;
	char want[ROUTE_ERROR_MAX + 300];
	const char *path;
	size_t i;

	if (route_config_load(NULL, STORE_DEF, SOCKET_DEF, &old, &err) == -1)
		exit(99);
	for (i = 0;
	     i < sizeof(invalid_config_tests) / sizeof(invalid_config_tests[0]);
	     i++) {
		const struct invalid_test *t = &invalid_config_tests[i];

		path = write_file("invalid.conf", t->text);
		snprintf(want, sizeof(want), "%s:%s", path, t->want);
		/* A failed load must leave the caller's snapshot alone. */
		cfg = old;
		route_error_clear(&err);
		CHECK_INT(
		    route_config_load(path, STORE_DEF, SOCKET_DEF, &cfg, &err),
		    -1);
		CHECK(cfg == old);
		if (cfg != old)
			route_config_unref(&cfg);
		CHECK_INT(err.code, ROUTE_EINVAL);
		CHECK(strncmp(err.msg, want, strlen(want)) == 0);
		if (strncmp(err.msg, want, strlen(want)) != 0)
			printf("# invalid_config_tests[%zu]\n# got  \"%s\"\n"
			       "# want \"%s...\"\n",
			       i, err.msg, want);
	}
	CHECK_STR(old->milter_socket, SOCKET_DEF);
	route_config_unref(&old);
}

/* test_defaults - no file: the built-in values and the given defaults. */
static void
test_defaults(void)
{
	struct route_config *cfg = NULL;
	struct route_error err;

	CHECK_INT(route_config_load(NULL, STORE_DEF, SOCKET_DEF, &cfg, &err),
		  0);
	CHECK(cfg->path == NULL);
	check_values(cfg, NULL, 0);
	CHECK_INT(cfg->max_message_size, ROUTE_DEFAULT_MAX_SIZE);
	CHECK_INT(cfg->max_received, ROUTE_DEFAULT_MAX_RECEIVED);
	CHECK_INT(cfg->poll_ms, ROUTE_DEFAULT_POLL_MS);
	route_config_unref(&cfg);

	CHECK_INT(
	    route_config_load(NULL, "sqlite:/other.db", "inet:9@h", &cfg, &err),
	    0);
	CHECK_STR(cfg->store, "sqlite:/other.db");
	CHECK_STR(cfg->milter_socket, "inet:9@h");
	route_config_unref(&cfg);

	CHECK_INT(route_config_load(NULL, NULL, SOCKET_DEF, &cfg, &err), -1);
	CHECK_INT(err.code, ROUTE_EINVAL);
	CHECK(cfg == NULL);
}

/* test_unreadable - a file that cannot be read is a system error. */
static void
test_unreadable(void)
{
	struct route_config *cfg = NULL;
	struct route_error err;
	char path[300], want[400];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	snprintf(want, sizeof(want),
		 "%s: cannot read: No such file or directory", path);
	CHECK_INT(route_config_load(path, STORE_DEF, SOCKET_DEF, &cfg, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK_STR(err.msg, want);
	CHECK(cfg == NULL);

	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	CHECK_INT(route_config_load(tmpdir, STORE_DEF, SOCKET_DEF, &cfg, &err),
		  -1);
	CHECK_INT(err.code, ROUTE_ESYS);
	CHECK_STR(err.msg, want);
}

/* test_include - an error in an included file names that file. */
static void
test_include(void)
{
	struct route_config *cfg = NULL;
	struct route_error err;
	char inc[300], main_text[400], want[400];

	snprintf(inc, sizeof(inc), "%s",
		 write_file("inc.conf", "# included\nlimits = {\n"
					"  received_headers = 40;\n};\n"));
	snprintf(main_text, sizeof(main_text),
		 "store = \"/x.db\";\n@include \"%s\"\n", inc);
	CHECK_INT(route_config_load(write_file("main.conf", main_text),
				    STORE_DEF, SOCKET_DEF, &cfg, &err),
		  0);
	if (cfg != NULL) {
		CHECK_INT(cfg->max_received, 40);
		CHECK_STR(cfg->store, "sqlite:/x.db");
	}
	route_config_unref(&cfg);

	write_file("inc.conf", "\n\nlimits = { received_headers = 0; };\n");
	snprintf(want, sizeof(want),
		 "%s:3: limits.received_headers: must be between 1 and 1000",
		 inc);
	CHECK_INT(route_config_load(write_file("main.conf", main_text),
				    STORE_DEF, SOCKET_DEF, &cfg, &err),
		  -1);
	CHECK_STR(err.msg, want);
}

struct ref_worker {
	struct route_config *cfg;
	int ok;
};

/* ref_worker_run - take and drop references while others do the same. */
static void *
ref_worker_run(void *arg)
{
	struct ref_worker *w = arg;
	struct route_config *mine;
	int i;

	w->ok = 1;
	for (i = 0; i < 100000; i++) {
		mine = route_config_ref(w->cfg);
		if (mine != w->cfg || mine->max_received != 30)
			w->ok = 0;
		route_config_unref(&mine);
		if (mine != NULL)
			w->ok = 0;
	}
	return NULL;
}

/* test_refcount - the snapshot lives until the last reference goes;
 * ASan's leak check sees that the last one frees it. */
static void
test_refcount(void)
{
	struct route_config *cfg = NULL, *second, *none = NULL;
	struct route_error err;
	struct ref_worker w[4];
	pthread_t th[4];
	int i;

	CHECK_INT(
	    route_config_load(write_file("ref.conf", "store = \"/ref.db\";\n"),
			      STORE_DEF, SOCKET_DEF, &cfg, &err),
	    0);
	second = route_config_ref(cfg);
	CHECK(second == cfg);
	route_config_unref(&cfg);
	CHECK(cfg == NULL);
	/* Still readable through the second reference (ASan would object). */
	CHECK_STR(second->store, "sqlite:/ref.db");

	for (i = 0; i < 4; i++) {
		w[i].cfg = second;
		pthread_create(&th[i], NULL, ref_worker_run, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].ok);
	}
	CHECK_STR(second->store, "sqlite:/ref.db");
	route_config_unref(&second);
	CHECK(second == NULL);

	route_config_unref(&none);
	CHECK(none == NULL);
	route_config_unref(NULL);
}

/* remove_tmpdir - leave /tmp as we found it. */
static void
remove_tmpdir(void)
{
	static const char *const names[] = {
	    "valid.conf", "invalid.conf", "inc.conf", "main.conf", "ref.conf"};
	char path[300];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_valid();
	test_invalid();
	test_defaults();
	test_unreadable();
	test_include();
	test_refcount();
	remove_tmpdir();
	return test_done();
}
