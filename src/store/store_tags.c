#include "redrive/store_tags.h"

#include <stdint.h>

#include "query_sql.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "store_int.h"

/* A statement for this call only (tags are rare, one-off operations: the
 * store's cache is kept for the paging queries). */
static sqlite3_stmt *prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		store_db_error(s, "preparing a tag query");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Runs a statement that returns at most one row of integers. */
static int step_ints(struct store *s, sqlite3_stmt *st, int64_t *a, int64_t *b, const char *doing)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (a)
			*a = sqlite3_column_int64(st, 0);
		if (b)
			*b = sqlite3_column_int64(st, 1);
		return RD_OK;
	}
	if (rc == SQLITE_DONE)
		return RD_OK;
	return store_db_error(s, doing);
}

int store_tags_open(struct store *s)
{
	return store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS tagged(msg_id INTEGER PRIMARY KEY)");
}

int store_tag_set(struct store *s, int64_t msg_id, int on, int *changed)
{
	sqlite3_stmt *st = prepare(s, on ? "INSERT OR IGNORE INTO temp.tagged(msg_id) VALUES (?1)"
	                                 : "DELETE FROM temp.tagged WHERE msg_id = ?1");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, msg_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "tagging a message");
	if (!rc && changed)
		*changed = sqlite3_changes(s->db) > 0;
	sqlite3_finalize(st);
	return rc;
}

int store_tags_marks(struct store *s, const int64_t *ids, size_t n, unsigned char *marks)
{
	if (!n)
		return RD_OK;
	sqlite3_stmt *st = prepare(s, "SELECT 1 FROM temp.tagged WHERE msg_id = ?1");
	if (!st)
		return RD_E_DB;
	int rc = RD_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW || r == SQLITE_DONE)
			marks[i] = r == SQLITE_ROW;
		else
			rc = store_db_error(s, "reading tags");
	}
	sqlite3_finalize(st);
	return rc;
}

/* The filter's windows (or all time) clipped to [lo, hi); returns how many. */
static size_t clip_windows(const struct rd_filter *f, int64_t lo, int64_t hi,
                           struct rd_window *out)
{
	size_t n = 0;
	if (!f->nwindows) {
		if (lo < hi)
			out[n++] = (struct rd_window){ lo, hi };
		return n;
	}
	for (size_t i = 0; i < f->nwindows; i++) {
		int64_t a = f->windows[i].start > lo ? f->windows[i].start : lo;
		int64_t b = f->windows[i].end < hi ? f->windows[i].end : hi;
		if (a < b)
			out[n++] = (struct rd_window){ a, b };
	}
	return n;
}

int store_tags_add_range(struct store *s, const struct rd_filter *f, int64_t lo, int64_t hi,
                         int64_t *added)
{
	struct rd_window w[RD_MAX_WINDOWS];
	size_t nw = clip_windows(f, lo, hi, w);
	int rc = RD_OK;

	*added = 0;
	for (size_t i = 0; i < nw && !rc; i++) {
		struct qsql q;
		qsql_init(&q);
		buf_adds(&q.sql, "INSERT OR IGNORE INTO temp.tagged(msg_id) SELECT m.id");
		query_from(&q, f, 0);
		rc = query_where(s, &q, f, w[i].start, w[i].end);
		sqlite3_stmt *st = rc ? NULL : prepare(s, buf_str(&q.sql));
		if (!rc && !st)
			rc = RD_E_DB;
		if (!rc)
			rc = qsql_bind(&q, st);
		if (!rc && sqlite3_step(st) != SQLITE_DONE)
			rc = store_db_error(s, "tagging the matching messages");
		if (!rc)
			*added += sqlite3_changes(s->db);
		sqlite3_finalize(st);
		qsql_free(&q);
	}
	return rc;
}

int store_tags_clear(struct store *s, int64_t *removed)
{
	sqlite3_stmt *st = prepare(s, "DELETE FROM temp.tagged");
	if (!st)
		return RD_E_DB;
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "untagging");
	if (!rc && removed)
		*removed = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

int store_tags_count(struct store *s, int64_t *n)
{
	sqlite3_stmt *st = prepare(s, "SELECT count(*) FROM temp.tagged");
	if (!st)
		return RD_E_DB;
	*n = 0;
	int rc = step_ints(s, st, n, NULL, "counting tags");
	sqlite3_finalize(st);
	return rc;
}

int store_tags_id_range(struct store *s, int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *st = prepare(s, "SELECT coalesce(min(msg_id), 0), coalesce(max(msg_id), 0)"
	                              " FROM temp.tagged");
	if (!st)
		return RD_E_DB;
	*lo = *hi = 0;
	int rc = step_ints(s, st, lo, hi, "reading tags");
	sqlite3_finalize(st);
	return rc;
}

int store_tags_visible(struct store *s, const struct rd_filter *f, int64_t lo, int64_t hi,
                       int64_t *n)
{
	struct qsql q;
	qsql_init(&q);
	/* the tagged ids drive the loop: the cost is the tags in range, not the
	 * messages in the windows */
	buf_adds(&q.sql, "SELECT count(*) FROM temp.tagged t CROSS JOIN messages m ON m.id = t.msg_id"
	                 " WHERE t.msg_id >= ");
	qsql_int(&q, lo);
	buf_adds(&q.sql, " AND t.msg_id < ");
	qsql_int(&q, hi);
	buf_adds(&q.sql, " AND ");
	int rc = query_cond(&q, f, NULL, NULL);
	sqlite3_stmt *st = rc ? NULL : prepare(s, buf_str(&q.sql));
	if (!rc && !st)
		rc = RD_E_DB;
	if (!rc)
		rc = qsql_bind(&q, st);
	*n = 0;
	if (!rc)
		rc = step_ints(s, st, n, NULL, "counting tags the filter shows");
	sqlite3_finalize(st);
	qsql_free(&q);
	return rc;
}

int store_tags_begin(struct store *s)
{
	/* deferred: reading the store takes no write lock; only TEMP is written */
	return store_exec(s, "SAVEPOINT tags");
}

int store_tags_end(struct store *s, int keep)
{
	if (keep)
		return store_exec(s, "RELEASE tags");
	int rc = store_exec(s, "ROLLBACK TO tags");
	int rc2 = store_exec(s, "RELEASE tags");
	return rc ? rc : rc2;
}
