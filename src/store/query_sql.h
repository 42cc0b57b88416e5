/* query_sql.h — private to src/store: a filter as SQL.
 *
 * The one place where "which messages does this filter select" is written
 * in SQL.  Everything that reads or acts on a selection (report, pages,
 * counts, export, tags, requeue) builds its statement from here.
 */
#ifndef REDRIVE_QUERY_SQL_H
#define REDRIVE_QUERY_SQL_H

#include <sqlite3.h>
#include <stdint.h>

#include "redrive/buf.h"
#include "redrive/limits.h"

struct rd_filter;
struct store;

enum qbind_type { QB_INT, QB_TEXT };

struct qbind {
	enum qbind_type type;
	int64_t i;
	const char *t;   /* borrowed from the filter */
};

/* A statement under construction: SQL text and positional bindings. */
struct qsql {
	struct buf sql;
	struct qbind binds[4 * RD_MAX_FILTER_ITEMS + 16];
	int nbinds;
};

void qsql_init(struct qsql *q);
void qsql_free(struct qsql *q);
/* Appends "?" to the SQL and records the value. */
int qsql_int(struct qsql *q, int64_t v);
int qsql_text(struct qsql *q, const char *v);
/* Binds every recorded value to st (from parameter 1). */
int qsql_bind(const struct qsql *q, sqlite3_stmt *st);

/* Which index drives a scan over the filter, so that rows come in
 * (t_at, id) order without sorting. */
const char *query_driving_index(const struct rd_filter *f);

/* Appends " FROM messages m INDEXED BY <idx>" (with_campaigns: and the
 * campaign as `c`). */
int query_from(struct qsql *q, const struct rd_filter *f, int with_campaigns);

/* Appends the filter as one boolean expression over `m` (never
 * empty): its windows (or the one window [*lo, *hi) when lo is not NULL —
 * callers that walk windows one by one), campaigns, states, recipients,
 * affected/lost and tags.  The campaign names must exist
 * (store_filter_resolve checked them). */
int query_cond(struct qsql *q, const struct rd_filter *f, const int64_t *lo, const int64_t *hi);

/* Appends " WHERE " and query_cond limited to the window [lo, hi). */
int query_where(struct store *s, struct qsql *q, const struct rd_filter *f, int64_t lo, int64_t hi);

/* The expression for "stale" (uses the filter's now and grace). */
int query_stale_expr(struct qsql *q, const struct rd_filter *f);

#endif
