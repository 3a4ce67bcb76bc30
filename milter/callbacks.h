/*
 * callbacks.h - the filter description route-milter registers with
 * libmilter: its name, the actions it may take and its xxfi_* callbacks.
 */
#ifndef MILTER_CALLBACKS_H
#define MILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

/* callbacks_filter - the smfiDesc to pass to smfi_register. */
struct smfiDesc *callbacks_filter(void);

#endif
