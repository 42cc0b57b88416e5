#include "redrive/store_timeline.h"

#include <string.h>

#include "redrive/error.h"
#include "redrive/event.h"
#include "store_int.h"

/* Adds the rows of a "SELECT bin, kind, count" statement to the bins. */
static int collect(struct store *s, sqlite3_stmt *st, size_t n, struct rd_timeline_bin *bins)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t i = sqlite3_column_int64(st, 0);
		int kind = sqlite3_column_int(st, 1);
		int64_t c = sqlite3_column_int64(st, 2);
		if (i < 0 || (uint64_t)i >= n)
			continue;
		if (kind < 0)
			bins[i].sent += c;
		else if (kind == RD_EV_DELIVERED)
			bins[i].delivered += c;
		else
			bins[i].bounced += c;
	}
	return rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading the timeline");
}

/* floor(t / 60), as msg_rollup keys its minutes */
static int64_t minute_of(int64_t t)
{
	return t >= 0 ? t / 60 : -((59 - t) / 60);
}

int store_timeline(struct store *s, int64_t lo, int64_t step, size_t n,
                   struct rd_timeline_bin *bins)
{
	static const char *const sql[] = {
		/* sent per minute from the rollup (t_at is sent_at for every sent
		 * message), so a day costs 1,440 rows whatever the traffic */
		"SELECT (minute * 60 - ?1) / ?2, -1, sum(n) FROM msg_rollup"
		" WHERE minute >= ?4 AND minute < ?5 AND sent = 1 GROUP BY 1",
		/* ev_content is (ts, content_h): a range scan by time */
		"SELECT (ts - ?1) / ?2, kind, count(*) FROM events INDEXED BY ev_content"
		" WHERE ts >= ?1 AND ts < ?3 AND kind IN (?4, ?5, ?6) GROUP BY 1, 2",
	};
	if (step <= 0)
		return rd_error(RD_E_USAGE, "a timeline needs bins of at least one second");
	for (size_t i = 0; i < n; i++) {
		memset(&bins[i], 0, sizeof bins[i]);
		bins[i].start = lo + (int64_t)i * step;
	}
	if (!n)
		return RD_OK;
	int64_t hi = lo + (int64_t)n * step;
	int rc = RD_OK;
	for (size_t k = 0; k < sizeof sql / sizeof sql[0] && !rc; k++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(s->db, sql[k], -1, &st, NULL) != SQLITE_OK) {
			rc = store_db_error(s, "preparing the timeline");
			sqlite3_finalize(st);
			break;
		}
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, step);
		sqlite3_bind_int64(st, 3, hi);
		if (k == 0) {
			sqlite3_bind_int64(st, 4, minute_of(lo));
			sqlite3_bind_int64(st, 5, minute_of(hi - 1) + 1);
		} else {
			sqlite3_bind_int(st, 4, RD_EV_DELIVERED);
			sqlite3_bind_int(st, 5, RD_EV_BOUNCE);
			sqlite3_bind_int(st, 6, RD_EV_DROPPED);
		}
		rc = collect(s, st, n, bins);
		sqlite3_finalize(st);
	}
	return rc;
}
