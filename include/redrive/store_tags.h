/* store_tags.h — the dashboard's tagged set (SPEC §4: space tags a row, a
 * key tags every row matching the filter; export and requeue act on it).
 *
 * Tags live in a TEMP table `tagged(msg_id INTEGER PRIMARY KEY)` on one
 * connection: they are private to that dashboard, vanish with it, and are
 * written even when the store is open read-only (the store file is never
 * touched).  The filter field `tagged` (filter.h) restricts any query on the
 * same connection to this set, so requeue_create and export_write see the
 * tags when they run on that connection.
 *
 * Tagging every matching row is an INSERT … SELECT over the filter's own SQL
 * (the one query path), never a loop over loaded rows.  Callers that must not
 * block split it into time ranges (store_tags_add_range) and id ranges
 * (store_tags_visible), each a bounded piece of work.
 */
#ifndef REDRIVE_STORE_TAGS_H
#define REDRIVE_STORE_TAGS_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct rd_filter;

/* Creates the (empty) tagged set on this connection if it does not exist. */
int store_tags_open(struct store *s);

/* Tags (on = 1) or untags one message; *changed (may be NULL) is 1 when the
 * set changed. */
int store_tag_set(struct store *s, int64_t msg_id, int on, int *changed);

/* For each of the n ids, marks[i] = 1 when it is tagged, else 0. */
int store_tags_marks(struct store *s, const int64_t *ids, size_t n, unsigned char *marks);

/* Tags every message the resolved filter selects whose t_at lies in
 * [lo, hi) (intersected with the filter's windows); *added receives how many
 * were not tagged before.  Cost: the filter's rows in that range. */
int store_tags_add_range(struct store *s, const struct rd_filter *f, int64_t lo, int64_t hi,
                         int64_t *added);

/* Untags everything; *removed (may be NULL) receives how many were tagged. */
int store_tags_clear(struct store *s, int64_t *removed);

/* How many messages are tagged (a scan of the set: call it when the count
 * is not known, not on every frame). */
int store_tags_count(struct store *s, int64_t *n);

/* The smallest and largest tagged id; both 0 when nothing is tagged. */
int store_tags_id_range(struct store *s, int64_t *lo, int64_t *hi);

/* How many tagged messages with lo <= id < hi the resolved filter selects.
 * tagged minus the sum over all ranges is the number the filter hides. */
int store_tags_visible(struct store *s, const struct rd_filter *f, int64_t lo, int64_t hi,
                       int64_t *n);

/* A transaction around a long tagging run, so that a cancelled run leaves
 * the set as it was: store_tags_begin, then store_tags_end(keep = 1 to keep
 * the changes, 0 to undo them).  Only the TEMP table is written; the store
 * file is only read (no write lock is taken). */
int store_tags_begin(struct store *s);
int store_tags_end(struct store *s, int keep);

#endif
