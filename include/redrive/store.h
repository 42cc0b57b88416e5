/* store.h — the send-log store: one SQLite file (SPEC §1).
 *
 * All SQL of redrive lives in src/store/.  This header covers opening,
 * creating and migrating a store, transactions and the audit log; the data
 * is reached through store_ingest.h, store_query.h and store_incident.h.
 *
 * Safety: a file that is not a redrive store is refused and never modified
 * (its header is checked before SQLite touches it, and a foreign SQLite
 * database is only ever opened read-only); a store newer than this binary is
 * refused; an older one is migrated forward in one transaction per version.
 */
#ifndef REDRIVE_STORE_H
#define REDRIVE_STORE_H

#include <stdint.h>

struct store;

enum store_mode {
	STORE_READ_ONLY,   /* --read-only: no writes at all, the file must exist */
	STORE_READ_WRITE,  /* the file must exist */
	STORE_CREATE       /* create the store when the path does not exist (or is empty) */
};

/* The schema version this binary writes (PRAGMA user_version). */
int store_schema_version(void);

/* Default path: $REDRIVE_DB, else ./redrive.db (SPEC §1). */
const char *store_default_path(void);

/* Opens the store at path.  On success *out is a handle the caller closes
 * with store_close.  Errors: RD_E_NOT_FOUND (no file, mode not CREATE),
 * RD_E_NOT_STORE, RD_E_NEWER, RD_E_DB, RD_E_READ_ONLY (migration needed on a
 * read-only open). */
int store_open(const char *path, enum store_mode mode, struct store **out);
void store_close(struct store *s);
const char *store_path(const struct store *s);
int store_is_read_only(const struct store *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  store_begin waits up to the busy
 * timeout for another writer. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* Ends what store_begin began, after work that returned rc: COMMIT when rc
 * is RD_OK, else ROLLBACK (also when the COMMIT fails, which would leave the
 * transaction open).  Returns rc, or the COMMIT's error. */
int store_end(struct store *s, int rc);

/* Appends to the audit log (never rewritten): the operator (login, and the
 * SSH client address when there is one), the time, an action and a detail.
 * A no-op on a read-only store. */
int store_audit(struct store *s, const char *action, const char *detail);

/* Facts about the store itself (the meta table): "demo" marks a store that
 * `redrive demo` made and may replace.  *value is a heap copy or NULL. */
int store_meta_set(struct store *s, const char *key, const char *value);
int store_meta_get(struct store *s, const char *key, char **value);

/* For a connection that only writes in bulk (an import, a requeue run):
 * keeps SQLite's temporary data (statement journals of single-row
 * upserts) in memory instead of a temporary file.  Its other temporary
 * structures stay small on such a connection.  Call before any TEMP table
 * exists (changing it drops them). */
int store_bulk(struct store *s);

/* Refreshes the planner statistics after a large import (cheap; bounded). */
int store_optimize(struct store *s);

#endif
