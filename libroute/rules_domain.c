/*
 * rules_domain.c - whether a rule table routes a domain, for callers that
 * hold only a domain name (a recipient too malformed to look up).  Reads
 * the compiled table; never changes it.
 */
#include <stdlib.h>
#include <string.h>

#include <libroute/addr.h>

#include "rules_int.h"

/* route_table_path_routed - whether the domain of path is routed by t. */
bool
route_table_path_routed(const struct route_table *t, const char *path)
{
	char *domain = route_path_domain(path);
	uint32_t i;
	bool routed;

	if (t == NULL || domain == NULL) {
		free(domain);
		return false;
	}
	i = rt_domain_find(t, domain, strlen(domain));
	routed = i != RT_NONE && t->domains[i].enabled;
	free(domain);
	return routed;
}
