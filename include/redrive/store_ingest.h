/* store_ingest.h — writing campaigns, send-log rows and provider events.
 *
 * The caller owns transactions (store_begin/store_commit around a batch);
 * these functions never commit on their own, except store_rematch, which
 * works in bounded chunks of its own.
 */
#ifndef REDRIVE_STORE_INGEST_H
#define REDRIVE_STORE_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct rd_event;

/* A campaign row as imported; all fields NUL terminated and validated. */
struct rd_campaign_in {
	const char *name;
	const char *kind;
	const char *schedule;
	const char *status;
};

/* Creates or updates a campaign by name.  *changed: 1 if stored or
 * changed, 0 if identical to what the store had. */
int store_campaign_upsert(struct store *s, const struct rd_campaign_in *c, int *changed);

/* A send-log row as imported.  NULL strings and RD_NO_TIME instants are
 * "not given": on re-import they keep what the store has. */
struct rd_message_in {
	const char *msg_key;
	const char *campaign;    /* created (transactional, running) when unknown */
	const char *email_name;
	const char *recipient;
	const char *subject;
	const char *provider;
	const char *provider_msg_id;
	const char *dead_reason;
	const char *payload;     /* JSON text of an object */
	int64_t queued_at;
	int64_t sent_at;
	int64_t dead_at;
	int has_attempts;
	int64_t attempts;
};

/* Creates or updates a message by msg_key and derives its state again.
 * *changed as for campaigns. */
int store_message_upsert(struct store *s, const struct rd_message_in *m, int *changed);

struct rd_ingest_stats {
	uint64_t stored;       /* new events */
	uint64_t duplicates;   /* already in the store (by sg_event_id or by content) */
	uint64_t orphans;      /* stored without a message yet */
	uint64_t rematched;    /* store_rematch: events that found (or changed) their message */
};

/* Stores n events: matches each to its message (SPEC §1 order), skips
 * duplicates, records suppressions, then derives the state of every message
 * touched, once per message. */
int store_events_apply(struct store *s, const struct rd_event *ev, size_t n,
                       struct rd_ingest_stats *stats);

/* The messages that events touched and whose state is still to be derived:
 * a bulk import stores the events of a whole transaction first and derives
 * each message once before it commits (a message's processed, delivered and
 * open events usually arrive within seconds of each other). */
struct rd_touched {
	int64_t *ids;
	size_t n, cap;
};

/* store_events_apply without the derivation: the touched messages are
 * added to *t.  Call store_touched_derive before the transaction commits. */
int store_events_store(struct store *s, const struct rd_event *ev, size_t n,
                       struct rd_ingest_stats *stats, struct rd_touched *t);
/* Looks up the message each event's msg_key names, on a connection of its
 * own (read-only is enough), and notes its id in key_msg_id (0: none yet).
 * Meant for the parser thread of an import: a message never changes id, so
 * the writer takes the id as found and matches only the rest itself, which
 * takes a fifth of the writer's work off its thread.  Events without a
 * msg_key are matched here too, only to bring the pages their matching
 * reads into memory for the writer. */
int store_events_prematch(struct store *rs, struct rd_event *ev, size_t n);
/* Derives the state of every message in *t once, in id order, and empties
 * *t (its memory is kept for the next round). */
int store_touched_derive(struct store *s, struct rd_touched *t);
void store_touched_free(struct rd_touched *t);

/* Matches orphans (and bounces matched by recipient) again after messages
 * arrived, so importing events before the send log gives the same states as
 * after.  Commits in chunks.  Adds to stats->rematched. */
int store_rematch(struct store *s, struct rd_ingest_stats *stats);

/* Events still without a message. */
int store_orphan_count(struct store *s, int64_t *out);

#endif
