#include "redrive/store_watch.h"

#include <stdio.h>

#include "redrive/error.h"
#include "redrive/message.h"
#include "redrive/state.h"
#include "store_int.h"

int store_data_version(struct store *s, int64_t *out)
{
	/* not the store's dynamic statement: that one stays prepared for paging */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return store_db_error(s, "checking the store for changes");
	}
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? RD_OK : store_db_error(s, "checking the store for changes");
}

int store_stale_pending(struct store *s, int64_t now, int64_t grace, int64_t cap,
                        int64_t *count, int64_t *oldest)
{
	/* t_at is sent_at for pending mail and never later than the instant it
	 * waits from, so t_at < now - grace bounds the scan; rd_stale decides */
	static const char sql[] =
		"SELECT count(*), min(t_at) FROM (SELECT t_at FROM messages INDEXED BY msg_state"
		" WHERE state = ?1 AND t_at < ?2 - ?3 AND rd_stale(state, t_at, requeued_at, ?2, ?3)"
		" ORDER BY state, t_at LIMIT ?4)";
	sqlite3_stmt *st = NULL;
	*count = 0;
	*oldest = RD_NO_TIME;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		int rc = store_db_error(s, "preparing the delay check");
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_bind_int(st, 1, RD_STATE_PENDING);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, grace);
	sqlite3_bind_int64(st, 4, cap);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*oldest = store_col_time(st, 1);
		rc = RD_OK;
	} else {
		rc = store_db_error(s, "checking for delayed mail");
	}
	sqlite3_finalize(st);
	return rc;
}

int store_memory_limit(struct store *s, int kib)
{
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d; PRAGMA temp_store = FILE;", kib > 0 ? kib : 1);
	return store_exec(s, sql);
}
