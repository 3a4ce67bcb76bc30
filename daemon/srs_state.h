/*
 * srs_state.h - the SRS engine a daemon uses, and the store handle that
 * keeps senders too long for an SRS address.
 *
 * The engine (settings and secrets) is an immutable, reference-counted
 * snapshot like the configuration: a message takes a reference at MAIL
 * FROM, and a reload swaps in a new engine without touching messages in
 * flight.  The alias store is one SQLite handle shared by every session
 * thread under a mutex: it is used only for the rare long sender and for
 * bounces to one, so it never becomes a queue.
 */
#ifndef DAEMON_SRS_STATE_H
#define DAEMON_SRS_STATE_H

#include <libroute/config.h>
#include <libroute/error.h>
#include <libroute/srs.h>

/*
 * srs_state_configure - make the engine follow cfg: with srs.domain set,
 * read the secrets (route_srs_load) and make the new engine current;
 * without, turn SRS off.  On failure returns -1 with err set and keeps
 * the current engine, so a reload that cannot read the secrets changes
 * nothing.  The alias store follows cfg->store.
 */
int srs_state_configure(const struct route_config *cfg,
			struct route_error *err);

/* srs_state_engine - a new reference to the current engine, or NULL when
 * SRS is off. */
struct route_srs *srs_state_engine(void);

/* srs_state_aliases - alias callbacks over the shared store handle,
 * opened on first use; they may be called from any thread. */
void srs_state_aliases(struct route_srs_aliases *a_r);

/* srs_state_stop - drop the engine and close the store handle. */
void srs_state_stop(void);

#endif
