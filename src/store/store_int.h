/* store_int.h — private to src/store: the handle and the statement cache. */
#ifndef REDRIVE_STORE_INT_H
#define REDRIVE_STORE_INT_H

#include <sqlite3.h>
#include <sys/types.h>

#include "redrive/store.h"

/* Cached statements: prepared on first use, reset after each use. */
enum store_stmt {
	ST_CAMPAIGN_UPSERT,
	ST_CAMPAIGN_ID,
	ST_CAMPAIGN_CREATE,
	ST_RECIPIENT_ID,
	ST_RECIPIENT_CREATE,
	ST_MESSAGE_INSERT,
	ST_MESSAGE_UPSERT,
	ST_BODY_UPSERT,
	ST_MESSAGE_BY_KEY,
	ST_MESSAGE_BY_PID,
	ST_MESSAGE_BY_ATTEMPT,
	ST_MESSAGE_BY_RECIPIENT,
	ST_MESSAGE_FACTS,
	ST_MESSAGE_EVENTS,
	ST_MESSAGE_SET_STATE,
	ST_EVENT_INSERT,
	ST_EVENT_REASON,
	ST_EVENT_NAME,
	ST_EVENT_REMATCH,
	ST_SUPPRESSION_UPSERT,
	ST_RECIPIENT_SUPPRESS,
	ST_MESSAGES_SUPPRESS,
	ST_AUDIT,
	ST_BATCH_ITEM_COUNTS,
	ST_COUNT_
};

struct store {
	sqlite3 *db;
	char *path;
	int read_only;
	/* the file's identity while open (see open_stores in store.c) */
	dev_t dev;
	ino_t ino;
	int registered;
	sqlite3_stmt *stmt[ST_COUNT_];
	/* the campaign of the previous send-log row (rows come grouped) */
	char *last_campaign;
	int64_t last_campaign_id;
	/* the last dynamic (filter) query, kept prepared for paging */
	char *dyn_sql;
	sqlite3_stmt *dyn;
	/* where rd_rollup_tally() counts, while one statement uses it; else NULL */
	struct rollup_tally *tally;
};

/* The cached statement `which`, reset and with bindings cleared; NULL on
 * error (recorded).  Valid until store_close. */
sqlite3_stmt *store_stmt(struct store *s, enum store_stmt which);
/* A prepared statement for dynamic SQL, reusing the previous one when the
 * text is the same.  Owned by the store; valid until the next call. */
sqlite3_stmt *store_dyn(struct store *s, const char *sql);
/* Records an RD_E_DB error with SQLite's message and what we were doing. */
int store_db_error(struct store *s, const char *doing);
/* Runs SQL without results. */
int store_exec(struct store *s, const char *sql);

/* Binds text (NULL binds SQL NULL), copied by SQLite. */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Binds an instant; RD_NO_TIME binds NULL. */
int store_bind_time(sqlite3_stmt *st, int i, int64_t t);
/* Reads an instant column: NULL gives RD_NO_TIME. */
int64_t store_col_time(sqlite3_stmt *st, int i);

#endif
