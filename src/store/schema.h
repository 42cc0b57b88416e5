/* schema.h — private to src/store: the migrations. */
#ifndef REDRIVE_SCHEMA_H
#define REDRIVE_SCHEMA_H

/* The newest schema version (== number of migrations). */
int schema_latest(void);
/* SQL taking a store from from_version to from_version + 1, or NULL. */
const char *schema_migration(int from_version);

/* The key of a message's msg_rollup row, with r the message's alias: the
 * triggers of migration v3 and the bulk upkeep of store_requeue.c spell it
 * with these, so they cannot drift apart.  Shipped migrations use them: the
 * expansion must never change. */
#define ROLLUP_KEY(r)                                                                    \
	"CASE WHEN " r ".t_at >= 0 THEN " r ".t_at / 60 ELSE -((59 - " r ".t_at) / 60) END, " \
	r ".campaign_id, " r ".state, " r ".flags, " r ".sent_at IS NOT NULL, "             \
	"coalesce(" r ".requeued_at / 60, -1)"
#define ROLLUP_COLUMNS "minute, campaign_id, state, flags, sent, rq_minute"

#endif
