/* store_incident.h — incidents: a name, a display zone and windows (SPEC §1). */
#ifndef REDRIVE_STORE_INCIDENT_H
#define REDRIVE_STORE_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "redrive/window.h"

struct store;

struct rd_incident {
	int64_t id;
	char *name;
	char *tz;
	int64_t created_at;
	struct rd_window *windows; /* ordered, disjoint */
	size_t nwindows;
};

/* Records an incident; RD_E_EXISTS when the name is taken.  The windows are
 * stored normalised (sorted, overlaps merged).  Writes the audit log. */
int store_incident_add(struct store *s, const char *name, const char *tz,
                       const struct rd_window *w, size_t n);
/* RD_E_NOT_FOUND when there is none by that name.  Free with store_incident_free. */
int store_incident_get(struct store *s, const char *name, struct rd_incident *out);
/* All incidents, newest window first.  Free with store_incident_list_free. */
int store_incident_list(struct store *s, struct rd_incident **out, size_t *n);
int store_incident_rm(struct store *s, const char *name);
void store_incident_free(struct rd_incident *in);
void store_incident_list_free(struct rd_incident *list, size_t n);

#endif
