/* raw_insert.c — the limit for webhook ingest: the same event rows inserted
 * into a plain SQLite table (no indexes, no de-duplication, no matching) in
 * large transactions with one prepared statement.
 *
 *   raw_insert DB EVENTS_FILE     prints "rows seconds"
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/event_parse.h"
#include "redrive/jsonstream.h"
#include "redrive/limits.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: raw_insert DB EVENTS_FILE\n");
		return 2;
	}
	FILE *in = fopen(argv[2], "rb");
	sqlite3 *db;
	sqlite3_stmt *st;
	if (!in || sqlite3_open(argv[1], &db) != SQLITE_OK)
		return 1;
	sqlite3_exec(db,
	             "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	             "CREATE TABLE IF NOT EXISTS events(ts INTEGER, event TEXT, email TEXT, sg_event_id TEXT, raw TEXT);",
	             NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
	struct jsonstream *js = jsonstream_new(in, RD_MAX_JSON_RECORD);
	char *scratch = malloc(RD_MAX_JSON_RECORD + 1);
	struct js_record rec;
	long rows = 0;
	double t0 = now();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	while (jsonstream_next(js, &rec) == 1) {
		struct ev_fields f;
		if (event_parse(rec.p, rec.n, scratch, &f))
			continue;
		sqlite3_bind_int64(st, 1, f.timestamp);
		sqlite3_bind_text(st, 2, f.event.p, (int)f.event.n, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, f.email.p, (int)f.email.n, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, f.sg_event_id.p, (int)f.sg_event_id.n, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, rec.p, (int)rec.n, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (++rows % 100000 == 0) {
			sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL);
		}
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	double secs = now() - t0;
	printf("%ld %.3f\n", rows, secs);
	sqlite3_finalize(st);
	sqlite3_close(db);
	jsonstream_free(js);
	free(scratch);
	fclose(in);
	return 0;
}
