/* store_watch.h — cheap questions a live view asks the store again and
 * again: has anything changed, and is mail waiting too long (seed 003's
 * "delivery delayed over 10 minutes" alarm).
 */
#ifndef REDRIVE_STORE_WATCH_H
#define REDRIVE_STORE_WATCH_H

#include <stdint.h>

struct store;

/* A number that changes whenever another connection (another process, or
 * another connection of this one) commits to the store: PRAGMA data_version.
 * Costs no I/O. */
int store_data_version(struct store *s, int64_t *out);

/* Pending messages waiting longer than grace at now (SPEC §1 "stale"),
 * whole store, counted up to cap (so the cost is bounded: *count == cap means
 * "at least cap").  *oldest receives the earliest send time among them
 * (RD_NO_TIME when there are none).  Walks msg_state(state, t_at). */
int store_stale_pending(struct store *s, int64_t now, int64_t grace, int64_t cap,
                        int64_t *count, int64_t *oldest);

/* Bounds this connection's memory whatever the size of the store: a page
 * cache of kib KiB, and temporary tables and sorts (GROUP BY, the
 * dashboard's tags) in temporary files rather than in memory.  For the
 * dashboard and its helper connections (SPEC §7: memory must not grow with
 * the store). */
int store_memory_limit(struct store *s, int kib);

#endif
