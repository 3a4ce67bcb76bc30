/*
 * config_path.c - which configuration a program runs with when no -c
 * option names one: the installed file if there is one, else the built-in
 * defaults.  route-milter and milter-ctl share it so they never differ.
 */
#include <unistd.h>

#include <libroute/config.h>

/* route_config_load_default - -c FILE, else the installed file, else none. */
int
route_config_load_default(const char *path, const char *installed,
			  const char *store_default, const char *socket_default,
			  struct route_config **cfg_r, struct route_error *err)
{
	if (path == NULL && installed != NULL && access(installed, F_OK) == 0)
		path = installed;
	return route_config_load(path, store_default, socket_default, cfg_r,
				 err);
}
