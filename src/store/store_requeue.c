#include "redrive/store_requeue.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "query_sql.h"
#include "rollup_tally.h"
#include "schema.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/message.h"
#include "redrive/operator.h"
#include "redrive/state.h"
#include "store_int.h"

_Static_assert(RD_FLAG_SUPPRESSED == 8, "the SQL below spells the suppressed flag as 8");

/* Exclusion codes of the CASE below, and their names in journals and output. */
enum { EX_NONE, EX_SUPPRESSED, EX_DELIVERED, EX_REQUEUED, EX_HIDDEN };
static const char *const ex_names[] = { "", "suppressed", "delivered", "already_requeued", "hidden" };

static const char *const item_names[] = { "planned", "sending", "sent", "failed", "skipped", "unknown" };

static const char *const status_names[] = { "planned", "running", "paused", "done",
                                            "cancelled", "stopped", "interrupted" };

const char *store_batch_status_name(int status)
{
	return status >= 0 && status <= RQS_INTERRUPTED ? status_names[status] : "unknown";
}

const char *store_item_status_name(int status)
{
	return status >= 0 && status <= RQI_UNKNOWN ? item_names[status] : "unknown";
}

/* Why a selected message is not sent, first reason first (requeue.h):
 * suppressed, delivered (late bounces included), already requeued — in a
 * batch still under way, always; sent by an earlier batch, unless forced —
 * and hidden by the dashboard's filter. */
static void exclusion_expr(struct qsql *q, int force, const struct rd_filter *visible)
{
	buf_adds(&q->sql, "CASE WHEN m.flags & 8 THEN ");
	qsql_int(q, EX_SUPPRESSED);
	buf_adds(&q->sql, " WHEN m.state = ");
	qsql_int(q, RD_STATE_DELIVERED);
	buf_adds(&q->sql, " THEN ");
	qsql_int(q, EX_DELIVERED);
	buf_adds(&q->sql, " WHEN EXISTS (SELECT 1 FROM batch_items i WHERE i.msg_id = m.id AND i.status IN (");
	qsql_int(q, RQI_PLANNED);
	buf_adds(&q->sql, ", ");
	qsql_int(q, RQI_SENDING);
	buf_adds(&q->sql, ", ");
	qsql_int(q, RQI_UNKNOWN);
	buf_adds(&q->sql, ")) THEN ");
	qsql_int(q, EX_REQUEUED);
	if (!force) {
		buf_adds(&q->sql, " WHEN m.requeue_batch IS NOT NULL THEN ");
		qsql_int(q, EX_REQUEUED);
	}
	if (visible) {
		buf_adds(&q->sql, " WHEN NOT ");
		query_cond(q, visible, NULL, NULL);
		buf_adds(&q->sql, " THEN ");
		qsql_int(q, EX_HIDDEN);
	}
	buf_adds(&q->sql, " ELSE 0 END");
}

/* "SELECT <cols>, <exclusion> AS x FROM messages … WHERE <sel>" */
static void selection(struct qsql *q, const char *cols, const struct rd_filter *sel,
                      const struct rd_filter *visible, int force)
{
	buf_printf(&q->sql, "SELECT %s", cols);
	exclusion_expr(q, force, visible);
	buf_adds(&q->sql, " AS x FROM messages m WHERE ");
	query_cond(q, sel, NULL, NULL);
}

/* Reads the counts of a "SELECT count(*), total(x = 1), … total(x = 4)" statement. */
static int read_counts(struct store *s, sqlite3_stmt *st, struct requeue_counts *out)
{
	memset(out, 0, sizeof *out);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->selected = sqlite3_column_int64(st, 0);
		out->suppressed = sqlite3_column_int64(st, 1);
		out->delivered = sqlite3_column_int64(st, 2);
		out->already_requeued = sqlite3_column_int64(st, 3);
		out->hidden = sqlite3_column_int64(st, 4);
		out->to_send = out->selected - out->suppressed - out->delivered - out->already_requeued -
		               out->hidden;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? RD_OK : store_db_error(s, "counting the requeue selection");
}

#define COUNTS_OF_X "SELECT count(*), total(x = 1), total(x = 2), total(x = 3), total(x = 4) FROM "

int store_requeue_plan(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                       int force, struct requeue_counts *out)
{
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, COUNTS_OF_X "(");
	selection(&q, "", sel, visible, force);
	buf_adds(&q.sql, ")");
	sqlite3_stmt *st = store_dyn(s, buf_str(&q.sql));
	int rc = st ? qsql_bind(&q, st) : RD_E_DB;
	memset(out, 0, sizeof *out);
	if (!rc)
		rc = read_counts(s, st, out);
	else if (st)
		sqlite3_reset(st);
	qsql_free(&q);
	return rc;
}

static int run_selection(struct store *s, struct qsql *q, const char *doing, int64_t *changes)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, buf_str(&q->sql), -1, &st, NULL) != SQLITE_OK)
		return store_db_error(s, doing);
	int rc = qsql_bind(q, st);
	if (!rc && sqlite3_step(st) != SQLITE_DONE)
		rc = store_db_error(s, doing);
	sqlite3_finalize(st);
	if (changes)
		*changes = sqlite3_changes64(s->db);
	return rc;
}

static int insert_batch(struct store *s, const char *target, double rate, int force, const char *filter_line,
                        const struct requeue_counts *c, int64_t *batch)
{
	char who[512];
	operator_identity(who, sizeof who);
	sqlite3_stmt *st = store_dyn(s,
		"INSERT INTO batches(target, status, rate, force, operator, filter, created_at, selected,"
		" ex_suppressed, ex_delivered, ex_requeued, ex_hidden, total)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, unixepoch(), ?7, ?8, ?9, ?10, ?11, ?12)");
	if (!st)
		return RD_E_DB;
	store_bind_text(st, 1, target);
	sqlite3_bind_int(st, 2, RQS_PLANNED);
	sqlite3_bind_double(st, 3, rate);
	sqlite3_bind_int(st, 4, force);
	store_bind_text(st, 5, who);
	store_bind_text(st, 6, filter_line);
	sqlite3_bind_int64(st, 7, c->selected);
	sqlite3_bind_int64(st, 8, c->suppressed);
	sqlite3_bind_int64(st, 9, c->delivered);
	sqlite3_bind_int64(st, 10, c->already_requeued);
	sqlite3_bind_int64(st, 11, c->hidden);
	sqlite3_bind_int64(st, 12, c->to_send);
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "journaling a batch");
	sqlite3_reset(st);
	*batch = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* The selection, evaluated once for the journal: every selected message
 * with its exclusion code (x) in temp.requeue_sel, numbered in (t_at, id)
 * order — window by window through the index that yields that order, so no
 * sort of a million rows is needed.  The plan, the exclusions and the items
 * are then read from it, and agree by construction. */
static int select_once(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                       int force)
{
	struct rd_window all = { INT64_MIN, INT64_MAX };
	const struct rd_window *w = sel->nwindows ? sel->windows : &all;
	size_t nw = sel->nwindows ? sel->nwindows : 1;
	int rc = store_exec(s,
		"CREATE TEMP TABLE requeue_sel(seq INTEGER PRIMARY KEY, msg_id INTEGER NOT NULL, x INTEGER NOT NULL);");
	for (size_t i = 0; i < nw && !rc; i++) {
		struct qsql q;
		qsql_init(&q);
		buf_adds(&q.sql, "INSERT INTO temp.requeue_sel(msg_id, x) SELECT m.id, ");
		exclusion_expr(&q, force, visible);
		rc = query_from(&q, sel, 0);
		if (!rc)
			rc = query_where(s, &q, sel, w[i].start, w[i].end);
		buf_adds(&q.sql, " ORDER BY m.t_at, m.id");
		if (!rc)
			rc = run_selection(s, &q, "journaling the selection", NULL);
		qsql_free(&q);
	}
	return rc;
}

static int drop_selection(struct store *s)
{
	return store_exec(s, "DROP TABLE IF EXISTS temp.requeue_sel; DROP TABLE IF EXISTS temp.requeue_items;");
}

static int journal_selection(struct store *s, int64_t batch, int excluded, int64_t *items)
{
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, "INSERT INTO batch_exclusions(batch_id, msg_id, reason) SELECT ");
	qsql_int(&q, batch);
	buf_adds(&q.sql, ", msg_id, CASE x");
	for (int i = EX_SUPPRESSED; i <= EX_HIDDEN; i++) {
		buf_adds(&q.sql, " WHEN ");
		qsql_int(&q, i);
		buf_adds(&q.sql, " THEN ");
		qsql_text(&q, ex_names[i]);
	}
	buf_adds(&q.sql, " END FROM temp.requeue_sel WHERE x != 0");
	int rc = run_selection(s, &q, "journaling the exclusions", NULL);
	qsql_free(&q);
	/* the items numbered 1..n without gaps: when anything was excluded, the
	 * items are numbered again without the excluded rows */
	if (!rc && excluded)
		rc = store_exec(s, "CREATE TEMP TABLE requeue_items(seq INTEGER PRIMARY KEY, msg_id INTEGER NOT NULL);"
		                   "INSERT INTO temp.requeue_items(msg_id) SELECT msg_id FROM temp.requeue_sel"
		                   " WHERE x = 0 ORDER BY seq");
	if (!rc) {
		qsql_init(&q);
		buf_adds(&q.sql, "INSERT INTO batch_items(batch_id, seq, msg_id) SELECT ");
		qsql_int(&q, batch);
		buf_adds(&q.sql, excluded ? ", seq, msg_id FROM temp.requeue_items ORDER BY seq"
		                          : ", seq, msg_id FROM temp.requeue_sel ORDER BY seq");
		rc = run_selection(s, &q, "journaling the batch items", items);
		qsql_free(&q);
	}
	return rc;
}

int store_requeue_create(struct store *s, const struct rd_filter *sel, const struct rd_filter *visible,
                         const char *target, double rate, int force, const char *filter_line,
                         int64_t confirmed, int64_t *batch, struct requeue_counts *out)
{
	int64_t items = 0;
	int rc = store_begin(s);
	if (rc)
		return rc;
	*batch = 0;
	memset(out, 0, sizeof *out);
	/* one transaction: the counts, the items and the exclusions agree */
	rc = select_once(s, sel, visible, force);
	if (!rc) {
		sqlite3_stmt *st = store_dyn(s, COUNTS_OF_X "temp.requeue_sel");
		rc = st ? read_counts(s, st, out) : RD_E_DB;
	}
	if (!rc && confirmed > 0 && out->to_send != confirmed)
		rc = rd_error(RD_E_FAIL,
		              "the selection changed after it was confirmed: %lld message(s) now, %lld confirmed; "
		              "nothing was journaled or sent — look again and confirm the new count",
		              (long long)out->to_send, (long long)confirmed);
	if (!rc && out->to_send == 0) {
		/* nothing to send: nothing to journal */
		store_rollback(s);
		return RD_OK;
	}
	if (!rc)
		rc = insert_batch(s, target, rate, force, filter_line, out, batch);
	if (!rc)
		rc = journal_selection(s, *batch, out->to_send != out->selected, &items);
	if (!rc && items != out->to_send)
		rc = rd_error(RD_E_DB, "the selection changed while it was journaled (%lld items for %lld); "
		                       "nothing was sent, try again",
		              (long long)items, (long long)out->to_send);
	if (!rc) {
		char detail[1400];
		snprintf(detail, sizeof detail, "batch %lld to %s: %lld to send of %lld selected (%s)",
		         (long long)*batch, target, (long long)out->to_send, (long long)out->selected, filter_line);
		rc = store_audit(s, "requeue planned", detail);
	}
	if (!rc)
		rc = drop_selection(s);
	return store_end(s, rc);
}

/* ---- running a batch ------------------------------------------------------- */

static int exec_bound(struct store *s, const char *sql, const int64_t *v, int n, const char *doing)
{
	sqlite3_stmt *st = store_dyn(s, sql);
	if (!st)
		return RD_E_DB;
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(st, i + 1, v[i]);
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, doing);
	sqlite3_reset(st);
	return rc;
}

enum runner_state { RUNNER_NONE, RUNNER_ALIVE_HERE, RUNNER_GONE_HERE, RUNNER_ELSEWHERE };

/* What the runner recorded for a batch is: a process of this machine that
 * is alive or gone (checked with kill 0), or a process of another machine,
 * of which only the heartbeat tells. */
static enum runner_state runner_state(const char *runner, const char *me)
{
	char host[256];
	if (!runner)
		return RUNNER_NONE;
	const char *colon = strrchr(runner, ':');
	if (!colon || gethostname(host, sizeof host) != 0)
		return RUNNER_ELSEWHERE;
	host[sizeof host - 1] = '\0';
	if ((size_t)(colon - runner) != strlen(host) || strncmp(runner, host, strlen(host)) != 0)
		return RUNNER_ELSEWHERE;
	if (strcmp(runner, me) == 0)
		return RUNNER_GONE_HERE; /* this very process: a claim it left */
	long pid = strtol(colon + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH ? RUNNER_GONE_HERE : RUNNER_ALIVE_HERE;
}

/* A run on another machine shows a sign of life at least every few seconds
 * between requests; a request can take a time-out (60 s for SMTP) on top. */
#define RUNNER_SILENCE_MAX 300

/* RD_E_BUSY while another live process runs the batch. */
static int not_running(struct store *s, int64_t batch, const char *me, int64_t now)
{
	sqlite3_stmt *st = store_dyn(s, "SELECT runner, coalesce(heartbeat_at, 0) FROM batches WHERE id = ?1");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, batch);
	int rc = RD_OK;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		int64_t beat = sqlite3_column_int64(st, 1);
		enum runner_state rs = runner_state(who, me);
		if (rs == RUNNER_ALIVE_HERE || (rs == RUNNER_ELSEWHERE && now - beat < RUNNER_SILENCE_MAX))
			rc = rd_error(RD_E_BUSY,
			              "batch %lld is being run by %s (last sign of life %llds ago); "
			              "wait for it, or stop that process",
			              (long long)batch, who, (long long)(now - beat));
	}
	sqlite3_reset(st);
	return rc;
}

static int batch_row(struct store *s, int64_t id, struct rd_batch *out);
static int count_items(struct store *s, struct rd_batch *b);

/* RD_OK when the batch exists, no live process runs it and it is not done. */
static int abandonable(struct store *s, int64_t batch, int64_t now)
{
	struct rd_batch b;
	int rc = batch_row(s, batch, &b);
	if (rc)
		return rc;
	rc = not_running(s, batch, "", now);
	if (!rc && b.status == RQS_DONE)
		rc = rd_error(RD_E_FAIL, "batch %lld is done: there is nothing left to abandon", (long long)batch);
	return rc;
}

int store_batch_abandon(struct store *s, int64_t batch, int64_t now, int64_t *n)
{
	*n = 0;
	int rc = store_begin(s);
	if (!rc)
		rc = abandonable(s, batch, now);
	if (!rc) {
		int64_t v[] = { RQI_SKIPPED, now, batch, RQI_PLANNED };
		rc = exec_bound(s,
		                "UPDATE batch_items SET status = ?1, updated_at = ?2, error = 'abandoned by the operator'"
		                " WHERE batch_id = ?3 AND status = ?4",
		                v, 4, "abandoning the batch");
		*n = sqlite3_changes64(s->db);
	}
	if (!rc) {
		int64_t v[] = { RQS_CANCELLED, now, batch };
		rc = exec_bound(s,
		                "UPDATE batches SET status = ?1, runner = NULL, finished_at = ?2,"
		                " last_error = 'abandoned by the operator' WHERE id = ?3",
		                v, 3, "abandoning the batch");
	}
	if (!rc) {
		char detail[256];
		snprintf(detail, sizeof detail, "batch %lld abandoned: %lld planned item(s) will not be sent",
		         (long long)batch, (long long)*n);
		rc = store_audit(s, "requeue abandon", detail);
	}
	return store_end(s, rc);
}

int store_batch_claim(struct store *s, int64_t batch, const char *runner, int resend_unknown,
                      int64_t now, struct rd_batch *out)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	/* the items are counted once, after the claim (a pass over all of them) */
	rc = batch_row(s, batch, out);
	sqlite3_stmt *st = NULL;
	if (!rc)
		rc = not_running(s, batch, runner, now);
	if (!rc && out->status == RQS_DONE && resend_unknown)
		rc = count_items(s, out);
	if (!rc && out->status == RQS_DONE && !(resend_unknown && out->unknown > 0))
		rc = rd_error(RD_E_FAIL, "batch %lld is done already (`redrive batches` shows it)", (long long)batch);
	if (!rc) {
		/* a run that died inside a request: the target may have the mail */
		int64_t v[] = { RQI_UNKNOWN, now, batch, RQI_SENDING };
		rc = exec_bound(s,
		                "UPDATE batch_items SET status = ?1, updated_at = ?2,"
		                " error = 'interrupted while sending: the target may have it; resend only with"
		                " --resend-unknown' WHERE batch_id = ?3 AND status = ?4",
		                v, 4, "settling interrupted items");
	}
	if (!rc && resend_unknown) {
		int64_t v[] = { RQI_PLANNED, now, batch, RQI_UNKNOWN };
		rc = exec_bound(s, "UPDATE batch_items SET status = ?1, updated_at = ?2 WHERE batch_id = ?3 AND status = ?4",
		                v, 4, "resending unknown items");
		if (!rc)
			rc = store_audit(s, "requeue resend-unknown", "the operator asked to resend items in unknown state");
	}
	if (!rc) {
		st = store_dyn(s, "UPDATE batches SET runner = ?1, heartbeat_at = ?2, status = ?3,"
		                  " started_at = coalesce(started_at, ?2), last_error = NULL WHERE id = ?4");
		rc = st ? RD_OK : RD_E_DB;
		if (!rc) {
			store_bind_text(st, 1, runner);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_int(st, 3, RQS_RUNNING);
			sqlite3_bind_int64(st, 4, batch);
			rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "claiming the batch");
			sqlite3_reset(st);
		}
	}
	rc = store_end(s, rc);
	return rc ? rc : store_batch_get(s, batch, out);
}

int store_batch_set_status(struct store *s, int64_t batch, const char *runner, int status, const char *error,
                           int64_t now)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	sqlite3_stmt *st = store_dyn(s,
		"UPDATE batches SET status = ?1, last_error = ?2, heartbeat_at = ?3,"
		" runner = CASE WHEN ?1 IN (?5, ?10) THEN runner ELSE NULL END,"
		" finished_at = CASE WHEN ?1 IN (?6, ?7, ?8) THEN ?3 ELSE finished_at END"
		" WHERE id = ?4 AND runner IS ?9");
	if (!st) {
		store_rollback(s);
		return RD_E_DB;
	}
	sqlite3_bind_int(st, 1, status);
	store_bind_text(st, 2, error);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, batch);
	sqlite3_bind_int(st, 5, RQS_RUNNING);
	sqlite3_bind_int(st, 6, RQS_DONE);
	sqlite3_bind_int(st, 7, RQS_CANCELLED);
	sqlite3_bind_int(st, 8, RQS_STOPPED);
	store_bind_text(st, 9, runner);
	sqlite3_bind_int(st, 10, RQS_PAUSED);
	rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "recording the batch status");
	sqlite3_reset(st);
	int changed = !rc && sqlite3_changes(s->db) > 0;
	if (changed && status != RQS_RUNNING && status != RQS_PAUSED) {
		char detail[512];
		snprintf(detail, sizeof detail, "batch %lld %s%s%s", (long long)batch, store_batch_status_name(status),
		         error ? ": " : "", error ? error : "");
		rc = store_audit(s, "requeue run", detail);
	}
	return store_end(s, rc);
}

/* Items (lo, hi] whose message was delivered or whose recipient was
 * suppressed since planning are skipped, never sent. */
static int skip_changed(struct store *s, int64_t batch, int64_t lo, int64_t hi, int64_t now, int64_t *skipped)
{
	static const char sql[] =
		"UPDATE batch_items SET status = ?1, updated_at = ?2,"
		" error = CASE WHEN (SELECT state FROM messages WHERE id = batch_items.msg_id) = ?7"
		"  THEN 'delivered since the batch was planned'"
		"  ELSE 'recipient suppressed since the batch was planned' END"
		" WHERE batch_id = ?3 AND seq > ?4 AND seq <= ?5 AND status = ?6 AND EXISTS (SELECT 1 FROM messages m"
		"  WHERE m.id = batch_items.msg_id AND (m.state = ?7 OR m.flags & 8))";
	int64_t v[] = { RQI_SKIPPED, now, batch, lo, hi, RQI_PLANNED, RD_STATE_DELIVERED };
	int rc = exec_bound(s, sql, v, 7, "skipping changed items");
	if (!rc)
		*skipped += sqlite3_changes64(s->db);
	return rc;
}

/* Inside a transaction: refreshes the heartbeat if runner holds the batch. */
static int still_ours(struct store *s, int64_t batch, const char *runner, int64_t now)
{
	sqlite3_stmt *st = store_dyn(s, "UPDATE batches SET heartbeat_at = ?1 WHERE id = ?2 AND runner = ?3");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, batch);
	store_bind_text(st, 3, runner);
	int rc = sqlite3_step(st) == SQLITE_DONE ? RD_OK : store_db_error(s, "checking the batch claim");
	sqlite3_reset(st);
	if (!rc && sqlite3_changes(s->db) == 0)
		rc = rd_error(RD_E_BUSY, "another process took over batch %lld; this run stops without sending more",
		              (long long)batch);
	return rc;
}

int store_batch_heartbeat(struct store *s, int64_t batch, const char *runner, int64_t now)
{
	int rc = store_begin(s);
	if (!rc)
		rc = still_ours(s, batch, runner, now);
	return store_end(s, rc);
}

/* The messages of items (lo, hi] still planned become "requeued": with a
 * new requeue batch and no events of it yet, state_derive gives "requeued"
 * with no flags but the suppressed one and no reason, so that is set
 * directly.  msg_rollup is kept here for the whole chunk rather than by its
 * trigger row by row (schema v7): the UPDATE's SET clause hands each row's
 * old rollup key to rd_rollup_tally(), which counts them in memory (one
 * pass, no sort); those counts are then taken off the old keys and added to
 * the keys the update gave — the same state, flags & 8 and requeue minute
 * for every message of the chunk. */
static int mark_requeued(struct store *s, int64_t batch, int64_t lo, int64_t hi, int64_t now)
{
	int64_t v[] = { batch, lo, hi, RQI_PLANNED, now, RD_STATE_REQUEUED };
	struct rollup_tally tally = { 0 };
	int rc = store_exec(s, "INSERT INTO msg_rollup_hold VALUES ('requeue')");
	if (!rc) {
		s->tally = &tally;
		rc = exec_bound(s,
			"UPDATE messages SET requeue_batch = ?1, requeued_at = ?5, state = ?6, flags = flags & 8,"
			" reason = rd_rollup_tally(" ROLLUP_KEY("messages") ")"
			" WHERE id IN (SELECT msg_id FROM batch_items WHERE batch_id = ?1 AND seq > ?2 AND seq <= ?3"
			" AND status = ?4)",
			v, 6, "marking messages requeued");
		s->tally = NULL;
	}
	sqlite3_stmt *off = rc ? NULL : store_dyn(s,
		"UPDATE msg_rollup SET n = n - ?7 WHERE (" ROLLUP_COLUMNS ") = (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!rc && !off)
		rc = RD_E_DB;
	const struct rollup_count *c;
	size_t pos = 0;
	while (!rc && (c = rollup_tally_next(&tally, &pos)) != NULL) {
		for (int k = 0; k < ROLLUP_KEY_LEN; k++)
			sqlite3_bind_int64(off, k + 1, c->key[k]);
		sqlite3_bind_int64(off, 7, c->n);
		rc = sqlite3_step(off) == SQLITE_DONE ? RD_OK : store_db_error(s, "counting the messages marked");
		sqlite3_reset(off);
	}
	/* the update's new key: state requeued, flags & 8, rq_minute as
	 * ROLLUP_KEY computes it from requeued_at = now (>= 0): now / 60 */
	sqlite3_stmt *on = rc ? NULL : store_dyn(s,
		"INSERT INTO msg_rollup VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT(" ROLLUP_COLUMNS ") DO UPDATE SET n = n + excluded.n");
	if (!rc && !on)
		rc = RD_E_DB;
	pos = 0;
	while (!rc && (c = rollup_tally_next(&tally, &pos)) != NULL) {
		int64_t key[ROLLUP_KEY_LEN] = { c->key[0], c->key[1], RD_STATE_REQUEUED, c->key[3] & 8, c->key[4],
		                                now / 60 };
		for (int k = 0; k < ROLLUP_KEY_LEN; k++)
			sqlite3_bind_int64(on, k + 1, key[k]);
		sqlite3_bind_int64(on, 7, c->n);
		rc = sqlite3_step(on) == SQLITE_DONE ? RD_OK : store_db_error(s, "counting the messages marked");
		sqlite3_reset(on);
	}
	rollup_tally_free(&tally);
	if (!rc)
		rc = store_exec(s, "DELETE FROM msg_rollup_hold");
	return rc;
}

int store_batch_outbox(struct store *s, int64_t batch, const char *runner, int64_t lo, int64_t hi,
                       int64_t now, int64_t *sent, int64_t *skipped)
{
	int rc = store_begin(s);
	if (!rc)
		rc = still_ours(s, batch, runner, now);
	if (!rc)
		rc = skip_changed(s, batch, lo, hi, now, skipped);
	if (!rc) {
		/* outbox_v adds msg_key and the batch to the payload, so the
		 * application's send produces events that match back */
		int64_t v[] = { batch, now, lo, hi, RQI_PLANNED };
		rc = exec_bound(s,
			"INSERT INTO outbox(batch_id, msg_id, msg_key, recipient, created_at)"
			" SELECT ?1, m.id, m.msg_key, m.recipient, ?2"
			" FROM batch_items i JOIN messages m ON m.id = i.msg_id"
			" WHERE i.batch_id = ?1 AND i.seq > ?3 AND i.seq <= ?4 AND i.status = ?5"
			" ON CONFLICT(batch_id, msg_key) DO NOTHING",
			v, 5, "writing the outbox");
	}
	if (!rc)
		rc = mark_requeued(s, batch, lo, hi, now);
	if (!rc) {
		int64_t v[] = { RQI_SENT, now, batch, lo, hi, RQI_PLANNED };
		rc = exec_bound(s,
			"UPDATE batch_items SET status = ?1, updated_at = ?2, tries = tries + 1"
			" WHERE batch_id = ?3 AND seq > ?4 AND seq <= ?5 AND status = ?6",
			v, 6, "marking items sent");
		if (!rc)
			*sent += sqlite3_changes64(s->db);
	}
	return store_end(s, rc);
}

static char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

static int next_once(struct store *s, int64_t batch, int64_t after, size_t n, struct rd_batch_item *out,
                     size_t *got, int64_t *skipped, int64_t now, int64_t *last)
{
	*got = 0;
	*last = 0;
	/* the last of the next n planned items bounds the range to re-check */
	sqlite3_stmt *st = store_dyn(s,
		"SELECT max(seq) FROM (SELECT seq FROM batch_items WHERE batch_id = ?1 AND seq > ?2"
		" AND status = ?3 ORDER BY seq LIMIT ?4)");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, RQI_PLANNED);
	sqlite3_bind_int64(st, 4, (int64_t)n);
	int rc = sqlite3_step(st);
	int none = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL;
	int64_t hi = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s, "reading batch items");
	if (none)
		return RD_OK;
	*last = hi;

	/* skip what changed since planning, in its own commit */
	rc = store_begin(s);
	if (!rc)
		rc = skip_changed(s, batch, after, hi, now, skipped);
	rc = store_end(s, rc);
	if (rc)
		return rc;

	st = store_dyn(s,
		"SELECT i.seq, i.msg_id, i.tries, m.msg_key, m.recipient, coalesce(b.payload, '')"
		" FROM batch_items i JOIN messages m ON m.id = i.msg_id LEFT JOIN message_bodies b ON b.msg_id = m.id"
		" WHERE i.batch_id = ?1 AND i.seq > ?2 AND i.seq <= ?3 AND i.status = ?4 ORDER BY i.seq");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_int(st, 4, RQI_PLANNED);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *got < n) {
		struct rd_batch_item *it = &out[(*got)++];
		it->seq = sqlite3_column_int64(st, 0);
		it->msg_id = sqlite3_column_int64(st, 1);
		it->tries = sqlite3_column_int(st, 2);
		it->msg_key = col_text(st, 3);
		it->recipient = col_text(st, 4);
		it->payload = col_text(st, 5);
		if (!it->msg_key || !it->recipient || !it->payload) {
			sqlite3_reset(st);
			return rd_error(RD_E_NOMEM, "out of memory");
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? RD_OK : store_db_error(s, "reading batch items");
}

int store_batch_next(struct store *s, int64_t batch, int64_t after, size_t n, struct rd_batch_item *out,
                     size_t *got, int64_t *skipped, int64_t now)
{
	/* a stretch where everything was skipped is not the end: go on */
	for (;;) {
		int64_t last;
		int rc = next_once(s, batch, after, n, out, got, skipped, now, &last);
		if (rc || *got || !last)
			return rc;
		after = last;
	}
}

void store_batch_items_free(struct rd_batch_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].msg_key);
		free(items[i].recipient);
		free(items[i].payload);
		items[i].msg_key = items[i].recipient = items[i].payload = NULL;
	}
}

int store_batch_mark(struct store *s, int64_t batch, const char *runner, const struct rd_batch_item *items,
                     size_t n, int status, const char *provider_id, const char *error, int64_t now)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	/* the claim is checked (and the heartbeat refreshed) in the same
	 * transaction as the items change */
	if ((rc = still_ours(s, batch, runner, now)) != RD_OK) {
		store_rollback(s);
		return rc;
	}
	sqlite3_stmt *st = store_dyn(s,
		"UPDATE batch_items SET status = ?1, updated_at = ?2, tries = tries + ?3,"
		" provider_id = coalesce(?4, provider_id), error = ?5 WHERE batch_id = ?6 AND seq = ?7");
	for (size_t i = 0; !rc && i < n; i++) {
		if (!st) {
			rc = RD_E_DB;
			break;
		}
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, status);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_int(st, 3, status == RQI_SENDING);
		store_bind_text(st, 4, provider_id);
		store_bind_text(st, 5, status == RQI_SENT ? NULL : error);
		sqlite3_bind_int64(st, 6, batch);
		sqlite3_bind_int64(st, 7, items[i].seq);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = store_db_error(s, "recording an item");
	}
	if (st)
		sqlite3_reset(st);
	for (size_t i = 0; !rc && status == RQI_SENT && i < n; i++) {
		int64_t v[] = { batch, now, RD_STATE_REQUEUED, items[i].msg_id };
		/* as in store_batch_outbox: requeued until the new attempt is heard of */
		rc = exec_bound(s,
		                "UPDATE messages SET requeue_batch = ?1, requeued_at = ?2, state = ?3, flags = flags & 8,"
		                " reason = NULL WHERE id = ?4",
		                v, 4, "marking a message requeued");
	}
	return store_end(s, rc);
}

/* ---- reading batches -------------------------------------------------------- */

#define BATCH_COLUMNS                                                                         \
	"SELECT b.id, b.target, b.status, b.rate, b.force, b.operator, b.filter, b.created_at,"    \
	" b.started_at, b.finished_at, b.total, b.selected, b.ex_suppressed, b.ex_delivered,"       \
	" b.ex_requeued, b.ex_hidden, coalesce(b.last_error, ''), b.runner, coalesce(b.heartbeat_at, 0)" \
	" FROM batches b"

static void copy_text(char *dst, size_t n, sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static void read_batch(sqlite3_stmt *st, struct rd_batch *b)
{
	memset(b, 0, sizeof *b);
	b->id = sqlite3_column_int64(st, 0);
	copy_text(b->target, sizeof b->target, st, 1);
	b->status = sqlite3_column_int(st, 2);
	b->rate = sqlite3_column_double(st, 3);
	b->force = sqlite3_column_int(st, 4);
	copy_text(b->operator_name, sizeof b->operator_name, st, 5);
	copy_text(b->filter, sizeof b->filter, st, 6);
	b->created_at = store_col_time(st, 7);
	b->started_at = store_col_time(st, 8);
	b->finished_at = store_col_time(st, 9);
	b->total = sqlite3_column_int64(st, 10);
	b->selected = sqlite3_column_int64(st, 11);
	b->ex_suppressed = sqlite3_column_int64(st, 12);
	b->ex_delivered = sqlite3_column_int64(st, 13);
	b->ex_requeued = sqlite3_column_int64(st, 14);
	b->ex_hidden = sqlite3_column_int64(st, 15);
	copy_text(b->last_error, sizeof b->last_error, st, 16);
	/* "running" with no live runner: the process died */
	if (b->status == RQS_RUNNING || b->status == RQS_PAUSED) {
		const unsigned char *runner = sqlite3_column_text(st, 17);
		int64_t beat = sqlite3_column_int64(st, 18);
		enum runner_state rs = runner_state((const char *)runner, "");
		if (rs == RUNNER_NONE || rs == RUNNER_GONE_HERE ||
		    (rs == RUNNER_ELSEWHERE && time(NULL) - beat > RUNNER_SILENCE_MAX))
			b->status = RQS_INTERRUPTED;
	}
}

/* The items of b by status, in one pass over them. */
_Static_assert(RQI_PLANNED == 0 && RQI_SENDING == 1 && RQI_SENT == 2 && RQI_FAILED == 3 &&
               RQI_SKIPPED == 4 && RQI_UNKNOWN == 5, "ST_BATCH_ITEM_COUNTS spells the item states");
static int count_items(struct store *s, struct rd_batch *b)
{
	sqlite3_stmt *st = store_stmt(s, ST_BATCH_ITEM_COUNTS);
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, b->id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		b->planned = sqlite3_column_int64(st, 0);
		b->sent = sqlite3_column_int64(st, 1);
		b->failed = sqlite3_column_int64(st, 2);
		b->skipped = sqlite3_column_int64(st, 3);
		b->unknown = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? RD_OK : store_db_error(s, "counting a batch's items");
}

int store_batches_list(struct store *s, struct rd_batch **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = store_dyn(s, BATCH_COLUMNS " ORDER BY b.id DESC");
	if (!st)
		return RD_E_DB;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			struct rd_batch *b = realloc(*out, cap * sizeof *b);
			if (!b) {
				sqlite3_reset(st);
				return rd_error(RD_E_NOMEM, "out of memory");
			}
			*out = b;
		}
		read_batch(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_db_error(s, "listing batches");
	rc = RD_OK;
	for (size_t i = 0; i < *n && !rc; i++)
		rc = count_items(s, &(*out)[i]);
	return rc;
}

int store_batch_get(struct store *s, int64_t id, struct rd_batch *out)
{
	int rc = batch_row(s, id, out);
	return rc ? rc : count_items(s, out);
}

/* The batch's journal row, without counting its items. */
static int batch_row(struct store *s, int64_t id, struct rd_batch *out)
{
	memset(out, 0, sizeof *out); /* no batch, whatever the failure */
	sqlite3_stmt *st = store_dyn(s, BATCH_COLUMNS " WHERE b.id = ?1");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_batch(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return rd_error(RD_E_NOT_FOUND, "no requeue batch %lld: `redrive batches` lists them", (long long)id);
	return rc == SQLITE_ROW ? RD_OK : store_db_error(s, "reading a batch");
}
