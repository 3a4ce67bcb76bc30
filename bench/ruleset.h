/*
 * bench/ruleset.h - the generated rule set bench/rules and bench/policyd
 * measure (NDOMAINS domains that refuse unknown addresses, NDESTS verified
 * destinations, rule i an exact forward "userK@dJ.example", J = i %
 * NDOMAINS, K = i / NDOMAINS), so their figures compare, and the store
 * that holds it.
 */
#ifndef BENCH_RULESET_H
#define BENCH_RULESET_H

#define NDOMAINS 100
#define NDESTS 1000
#define ADDR_LEN 48 /* room for every generated address */

/* dest_name - destination i of the pool into buf (ADDR_LEN bytes). */
void dest_name(unsigned i, char *buf);

/* rule_names - rule i's match string and its one destination, each into
 * ADDR_LEN bytes. */
void rule_names(unsigned long i, char *match, char *dest);

/*
 * ruleset_store - create the store at path (its directory exists) with n
 * rules: the domains, destinations and rule 0 through the store's API,
 * timed into *setup_r, the others in one SQLite transaction, timed into
 * *bulk_r.  Returns 0, or -1 after saying why on stderr.
 */
int ruleset_store(const char *path, unsigned long n, double *setup_r,
		  double *bulk_r);

#endif
