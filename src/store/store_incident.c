#include "redrive/store_incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redrive/error.h"
#include "redrive/limits.h"
#include "redrive/timefmt.h"
#include "store_int.h"

int store_incident_add(struct store *s, const char *name, const char *tz,
                       const struct rd_window *w, size_t n)
{
	struct rd_window norm[RD_MAX_WINDOWS];
	if (n == 0 || n > RD_MAX_WINDOWS)
		return rd_error(RD_E_USAGE, "an incident needs 1 to %d windows (--window W)", RD_MAX_WINDOWS);
	memcpy(norm, w, n * sizeof *w);
	n = window_normalize(norm, n);

	int rc = store_begin(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_dyn(s, "INSERT INTO incidents(name, tz, created_at) VALUES (?1, ?2, ?3)"
	                                " ON CONFLICT(name) DO NOTHING");
	if (!st) {
		store_rollback(s);
		return RD_E_DB;
	}
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, tz);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = store_db_error(s, "adding an incident");
	} else if (sqlite3_changes(s->db) == 0) {
		rc = rd_error(RD_E_EXISTS,
		              "an incident named \"%s\" already exists: choose another name, or remove it "
		              "first with `redrive incident rm %s`",
		              name, name);
	}
	sqlite3_reset(st);
	int64_t id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; !rc && i < n; i++) {
		st = store_dyn(s, "INSERT INTO incident_windows(incident_id, start, end) VALUES (?1, ?2, ?3)");
		if (!st) {
			rc = RD_E_DB;
			break;
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, norm[i].start);
		sqlite3_bind_int64(st, 3, norm[i].end);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = store_db_error(s, "adding an incident window");
		sqlite3_reset(st);
	}
	if (!rc) {
		char detail[512];
		snprintf(detail, sizeof detail, "%s (%s), %zu window(s)", name, tz, n);
		rc = store_audit(s, "incident add", detail);
	}
	return store_end(s, rc);
}

static int load_windows(struct store *s, struct rd_incident *in)
{
	sqlite3_stmt *st = store_dyn(s, "SELECT start, end FROM incident_windows WHERE incident_id = ?1"
	                                " ORDER BY start");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, in->id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (in->nwindows == cap) {
			cap = cap ? cap * 2 : 4;
			struct rd_window *w = realloc(in->windows, cap * sizeof *w);
			if (!w) {
				sqlite3_reset(st);
				return rd_error(RD_E_NOMEM, "out of memory");
			}
			in->windows = w;
		}
		in->windows[in->nwindows].start = sqlite3_column_int64(st, 0);
		in->windows[in->nwindows].end = sqlite3_column_int64(st, 1);
		in->nwindows++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RD_OK : store_db_error(s, "reading incident windows");
}

static int read_incident(struct store *s, sqlite3_stmt *st, struct rd_incident *in)
{
	memset(in, 0, sizeof *in);
	in->id = sqlite3_column_int64(st, 0);
	in->name = strdup((const char *)sqlite3_column_text(st, 1));
	in->tz = strdup((const char *)sqlite3_column_text(st, 2));
	in->created_at = sqlite3_column_int64(st, 3);
	if (!in->name || !in->tz)
		return rd_error(RD_E_NOMEM, "out of memory");
	(void)s;
	return RD_OK;
}

int store_incident_get(struct store *s, const char *name, struct rd_incident *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = store_dyn(s, "SELECT id, name, tz, created_at FROM incidents WHERE name = ?1");
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, name);
	int step = sqlite3_step(st);
	int rc = RD_OK;
	if (step == SQLITE_ROW)
		rc = read_incident(s, st, out);
	else if (step == SQLITE_DONE)
		rc = rd_error(RD_E_NOT_FOUND,
		              "no incident named \"%s\": `redrive incident list` shows the incidents, "
		              "`redrive incident add` records one",
		              name);
	else
		rc = store_db_error(s, "reading an incident");
	sqlite3_reset(st);
	if (!rc)
		rc = load_windows(s, out);
	if (rc)
		store_incident_free(out);
	return rc;
}

int store_incident_list(struct store *s, struct rd_incident **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	/* read the heads first: load_windows reuses the dynamic statement */
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc = RD_OK, step;
	sqlite3_prepare_v2(s->db,
	                   "SELECT i.id, i.name, i.tz, i.created_at FROM incidents i"
	                   " ORDER BY (SELECT max(start) FROM incident_windows w WHERE w.incident_id = i.id) DESC,"
	                   " i.name",
	                   -1, &st, NULL);
	if (!st)
		return store_db_error(s, "listing incidents");
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct rd_incident *l = realloc(*out, cap * sizeof *l);
			if (!l) {
				rc = rd_error(RD_E_NOMEM, "out of memory");
				break;
			}
			*out = l;
		}
		rc = read_incident(s, st, &(*out)[*n]);
		(*n)++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_db_error(s, "listing incidents");
	sqlite3_finalize(st);
	for (size_t i = 0; !rc && i < *n; i++)
		rc = load_windows(s, &(*out)[i]);
	if (rc) {
		store_incident_list_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int store_incident_rm(struct store *s, const char *name)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_dyn(s, "DELETE FROM incidents WHERE name = ?1");
	if (!st) {
		store_rollback(s);
		return RD_E_DB;
	}
	store_bind_text(st, 1, name);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_db_error(s, "removing an incident");
	else if (sqlite3_changes(s->db) == 0)
		rc = rd_error(RD_E_NOT_FOUND, "no incident named \"%s\": `redrive incident list` shows the incidents",
		              name);
	sqlite3_reset(st);
	if (!rc)
		rc = store_audit(s, "incident rm", name);
	return store_end(s, rc);
}

void store_incident_free(struct rd_incident *in)
{
	free(in->name);
	free(in->tz);
	free(in->windows);
	memset(in, 0, sizeof *in);
}

void store_incident_list_free(struct rd_incident *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_incident_free(&list[i]);
	free(list);
}
