#include "redrive/store_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_sql.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/state.h"
#include "redrive/store_incident.h"
#include "redrive/tz.h"
#include "store_int.h"

_Static_assert(RD_FLAG_SUPPRESSED == 8, "the SQL below spells the suppressed flag as 8");

/* ---- making a filter ready ------------------------------------------------ */

static int check_campaigns(struct store *s, const struct rd_filter *f)
{
	for (size_t i = 0; i < f->ncampaigns; i++) {
		sqlite3_stmt *st = store_stmt(s, ST_CAMPAIGN_ID);
		if (!st)
			return RD_E_DB;
		store_bind_text(st, 1, f->campaigns[i]);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return rd_error(RD_E_NOT_FOUND,
			                "no campaign named \"%s\" in %s: `redrive report` lists the campaigns "
			                "(names must match exactly)",
			                f->campaigns[i], s->path);
		if (rc != SQLITE_ROW)
			return store_db_error(s, "looking up a campaign");
	}
	return RD_OK;
}

static int use_incident(struct store *s, struct rd_filter *f, char **zone_name)
{
	struct rd_incident in;
	int rc = store_incident_get(s, f->incident, &in);
	if (rc)
		return rc;
	f->nwindows = in.nwindows < RD_MAX_WINDOWS ? in.nwindows : RD_MAX_WINDOWS;
	memcpy(f->windows, in.windows, f->nwindows * sizeof *f->windows);
	*zone_name = in.tz;
	in.tz = NULL;
	store_incident_free(&in);
	return RD_OK;
}

int store_filter_resolve(struct store *s, struct rd_filter *f, int64_t now, struct tz **zone)
{
	struct tz *tz = NULL;
	char *incident_zone = NULL;
	int rc = RD_OK;

	if (zone)
		*zone = NULL;
	if (!f->has_now) {
		f->now = now;
		f->has_now = 1;
	}
	if (f->incident && f->nspecs)
		return rd_error(RD_E_USAGE,
		                "give either --incident or --window, not both: an incident already has "
		                "its windows (`redrive incident show %s`)",
		                f->incident);
	if (f->tz && !(tz = tz_load(f->tz)))
		return RD_E_USAGE;
	if (f->incident)
		rc = use_incident(s, f, &incident_zone);
	else
		rc = filter_resolve_windows(f, tz);
	if (!rc)
		rc = check_campaigns(s, f);
	if (!rc && zone) {
		if (!tz)
			tz = tz_load(incident_zone ? incident_zone : "UTC");
		if (!tz)
			tz = tz_load("UTC"); /* an incident zone that vanished from tzdata */
		*zone = tz;
		tz = NULL;
	}
	tz_free(tz);
	free(incident_zone);
	return rc;
}

/* The windows to scan: the filter's, or all time. */
static size_t scan_windows(const struct rd_filter *f, struct rd_window *all, const struct rd_window **w)
{
	if (f->nwindows) {
		*w = f->windows;
		return f->nwindows;
	}
	all->start = INT64_MIN;
	all->end = INT64_MAX;
	*w = all;
	return 1;
}

/* ---- stepping over rows --------------------------------------------------- */

/* Hands each row of st to row(st, arg); the first non-zero return of row (a
 * recorded error) stops the walk and is returned.  A failing step is recorded
 * as a database error about `doing`.  st is reset on every path. */
static int step_rows(struct store *s, sqlite3_stmt *st, const char *doing,
                     int (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int row_rc = row(st, arg);
		if (row_rc) {
			sqlite3_reset(st);
			return row_rc;
		}
	}
	/* the error is read before the reset */
	rc = rc == SQLITE_DONE ? RD_OK : store_db_error(s, doing);
	sqlite3_reset(st);
	return rc;
}

/* step_rows over the statement built in q; q is freed on every path. */
static int query_rows(struct store *s, struct qsql *q, const char *doing,
                      int (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st = store_dyn(s, buf_str(&q->sql));
	int rc = st ? qsql_bind(q, st) : RD_E_DB;
	if (!rc)
		rc = step_rows(s, st, doing, row, arg);
	else if (st)
		sqlite3_reset(st);
	qsql_free(q);
	return rc;
}

/* ---- report ------------------------------------------------------------- */

/* The report being counted, and what count_rollup leaves for an exact count. */
struct tally {
	struct rd_report *r;
	size_t cap;
	const struct rd_filter *f;
	int64_t boundary;        /* boundary_minute(f) */
	int rq_boundary, inside; /* see count_rollup */
};

static struct rd_campaign_row *row_for(struct tally *t, int64_t id)
{
	struct rd_report *r = t->r;
	for (size_t i = 0; i < r->n; i++)
		if (r->rows[i].id == id)
			return &r->rows[i];
	if (r->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct rd_campaign_row *rows = realloc(r->rows, ncap * sizeof *rows);
		if (!rows)
			return NULL;
		r->rows = rows;
		t->cap = ncap;
	}
	struct rd_campaign_row *row = &r->rows[r->n++];
	memset(row, 0, sizeof *row);
	row->id = id;
	return row;
}

/* One row of count_scan: campaign, state, flags, sent, stale, count. */
static int scan_row(sqlite3_stmt *st, void *arg)
{
	struct rd_campaign_row *row = row_for(arg, sqlite3_column_int64(st, 0));
	if (!row)
		return rd_error(RD_E_NOMEM, "out of memory");
	int flags = sqlite3_column_int(st, 2);
	counts_add(&row->counts, sqlite3_column_int(st, 1), flags, sqlite3_column_int(st, 3),
	           sqlite3_column_int(st, 4), (flags & RD_FLAG_SUPPRESSED) != 0, sqlite3_column_int64(st, 5));
	return RD_OK;
}

/* Counts messages of the filter in [lo, hi) row by row (covering index),
 * with `extra` (SQL over m, may be NULL) as one more condition. */
static int count_scan(struct store *s, struct tally *t, int64_t lo, int64_t hi, const char *extra)
{
	if (lo >= hi)
		return RD_OK;
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, "SELECT m.campaign_id, m.state, m.flags, m.sent_at IS NOT NULL, ");
	query_stale_expr(&q, t->f);
	buf_adds(&q.sql, ", count(*) FROM messages m INDEXED BY msg_time");
	query_where(s, &q, t->f, lo, hi);
	if (extra)
		buf_printf(&q.sql, " AND (%s)", extra);
	buf_adds(&q.sql, " GROUP BY 1, 2, 3, 4, 5");
	return query_rows(s, &q, "counting messages", scan_row, t);
}

static int64_t floor_div60(int64_t t)
{
	return t >= 0 ? t / 60 : -((59 - t) / 60);
}

/* The minute in which "stale" changes: messages whose clock started in it
 * need the exact second, so they are counted row by row. */
static int64_t boundary_minute(const struct rd_filter *f)
{
	return floor_div60(f->now - f->grace);
}

/* One row of count_rollup: campaign, state, flags, sent, since (the minute
 * the clock of a pending row started, else -1), requeued, count. */
static int rollup_row(sqlite3_stmt *st, void *arg)
{
	struct tally *t = arg;
	int state = sqlite3_column_int(st, 1), flags = sqlite3_column_int(st, 2);
	int64_t since = sqlite3_column_int64(st, 4);
	int stale = 0;
	if (state == RD_STATE_PENDING) {
		if (since == t->boundary) {
			if (sqlite3_column_int(st, 5))
				t->rq_boundary = 1;
			else
				t->inside = 1;
			return RD_OK;
		}
		stale = since < t->boundary;
	}
	int suppressed = (flags & RD_FLAG_SUPPRESSED) != 0;
	if ((t->f->affected && !state_is_affected(state, stale, suppressed)) ||
	    (t->f->lost && !state_is_lost(state, stale)))
		return RD_OK;
	struct rd_campaign_row *row = row_for(t, sqlite3_column_int64(st, 0));
	if (!row)
		return rd_error(RD_E_NOMEM, "out of memory");
	counts_add(&row->counts, state, flags, sqlite3_column_int(st, 3), stale, suppressed,
	           sqlite3_column_int64(st, 6));
	return RD_OK;
}

/* Whole minutes [m_lo, m_hi) from msg_rollup: one row per campaign, state,
 * flags, sent and clock minute.  Pending rows whose clock started in the
 * boundary minute are left out and reported in t->rq_boundary /
 * t->inside for an exact count. */
static int count_rollup(struct store *s, struct tally *t, int64_t m_lo, int64_t m_hi)
{
	const struct rd_filter *f = t->f;
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, "SELECT campaign_id, state, flags, sent, CASE WHEN state = ");
	qsql_int(&q, RD_STATE_PENDING);
	buf_adds(&q.sql, " THEN CASE WHEN rq_minute >= 0 THEN rq_minute ELSE minute END"
	                 " ELSE -1 END AS since, rq_minute >= 0, sum(n) FROM msg_rollup WHERE minute >= ");
	qsql_int(&q, m_lo);
	buf_adds(&q.sql, " AND minute < ");
	qsql_int(&q, m_hi);
	buf_adds(&q.sql, " AND n > 0");
	if (f->ncampaigns) {
		buf_adds(&q.sql, " AND campaign_id IN (SELECT id FROM campaigns WHERE name IN (");
		for (size_t i = 0; i < f->ncampaigns; i++) {
			buf_adds(&q.sql, i ? ", " : "");
			qsql_text(&q, f->campaigns[i]);
		}
		buf_adds(&q.sql, "))");
	}
	if (f->states) {
		buf_adds(&q.sql, " AND state IN (");
		int first = 1;
		for (int st = 0; st < RD_STATE_COUNT; st++)
			if (f->states & (1u << st)) {
				buf_adds(&q.sql, first ? "" : ", ");
				qsql_int(&q, st);
				first = 0;
			}
		buf_adds(&q.sql, ")");
	}
	buf_adds(&q.sql, " GROUP BY 1, 2, 3, 4, 5, 6");
	return query_rows(s, &q, "counting messages", rollup_row, t);
}

/* Counts one window: the whole minutes from the rollup, the partial minutes
 * at its edges and the pending messages whose "stale" turns within the
 * boundary minute row by row.  Exactly what count_scan over the whole
 * window gives (tests compare the two). */
static int count_window(struct store *s, struct tally *t, const struct rd_window *w)
{
	const struct rd_filter *f = t->f;
	/* recipients and tags are not in the rollup: count rows */
	if (f->nrecipients || f->tagged)
		return count_scan(s, t, w->start, w->end, NULL);
	int64_t m_lo = w->start == INT64_MIN ? INT64_MIN / 60 : -floor_div60(-w->start);
	int64_t m_hi = w->end == INT64_MAX ? INT64_MAX / 60 : floor_div60(w->end);
	if (m_lo >= m_hi)
		return count_scan(s, t, w->start, w->end, NULL);

	t->rq_boundary = t->inside = 0;
	int rc = count_rollup(s, t, m_lo, m_hi);
	if (!rc && w->start < m_lo * 60)
		rc = count_scan(s, t, w->start, m_lo * 60, NULL);
	if (!rc && m_hi * 60 < w->end)
		rc = count_scan(s, t, m_hi * 60, w->end, NULL);
	int64_t b = t->boundary;
	char extra[160];
	if (!rc && t->inside) {
		/* waiting since the boundary minute, never requeued, pending */
		snprintf(extra, sizeof extra, "m.state = %d AND m.requeued_at IS NULL", RD_STATE_PENDING);
		rc = count_scan(s, t, b * 60, b * 60 + 60, extra);
	}
	if (!rc && t->rq_boundary) {
		/* requeued in the boundary minute, pending: anywhere in the whole minutes */
		snprintf(extra, sizeof extra, "m.state = %d AND m.requeued_at >= %lld AND m.requeued_at < %lld",
		         RD_STATE_PENDING, (long long)b * 60, (long long)b * 60 + 60);
		rc = count_scan(s, t, m_lo * 60, m_hi * 60, extra);
	}
	return rc;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return strdup(t ? (const char *)t : "");
}

static int describe_campaigns(struct store *s, struct rd_report *r)
{
	sqlite3_stmt *st = store_dyn(s, "SELECT name, kind, schedule, status FROM campaigns WHERE id = ?1");
	if (!st)
		return RD_E_DB;
	for (size_t i = 0; i < r->n; i++) {
		struct rd_campaign_row *row = &r->rows[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, row->id);
		if (sqlite3_step(st) != SQLITE_ROW)
			return store_db_error(s, "reading a campaign");
		row->name = dup_col(st, 0);
		row->kind = dup_col(st, 1);
		row->schedule = dup_col(st, 2);
		row->status = dup_col(st, 3);
		if (!row->name || !row->kind || !row->schedule || !row->status)
			return rd_error(RD_E_NOMEM, "out of memory");
		row->verdict = campaign_verdict(row->status, &row->counts);
	}
	sqlite3_reset(st);
	return RD_OK;
}

static int by_severity(const void *a, const void *b)
{
	const struct rd_campaign_row *x = a, *y = b;
	if (x->verdict != y->verdict)
		return x->verdict - y->verdict;
	if (x->counts.affected != y->counts.affected)
		return x->counts.affected < y->counts.affected ? 1 : -1;
	return strcmp(x->name, y->name);
}

int store_report(struct store *s, const struct rd_filter *f, struct rd_report *out)
{
	struct rd_window all;
	const struct rd_window *w;
	size_t nw = scan_windows(f, &all, &w);
	int rc = RD_OK;

	memset(out, 0, sizeof *out);
	struct tally t = { .r = out, .f = f, .boundary = boundary_minute(f) };
	for (size_t i = 0; i < nw && !rc; i++)
		rc = count_window(s, &t, &w[i]);
	if (!rc)
		rc = describe_campaigns(s, out);
	if (rc) {
		store_report_free(out);
		return rc;
	}
	for (size_t i = 0; i < out->n; i++)
		counts_sum(&out->totals, &out->rows[i].counts);
	if (out->n > 1)
		qsort(out->rows, out->n, sizeof *out->rows, by_severity);
	return RD_OK;
}

void store_report_free(struct rd_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->rows[i].name);
		free(r->rows[i].kind);
		free(r->rows[i].schedule);
		free(r->rows[i].status);
	}
	free(r->rows);
	memset(r, 0, sizeof *r);
}

/* ---- message rows --------------------------------------------------------- */

/* Columns of a message row, in the order read_message expects. */
#define MESSAGE_COLUMNS                                                                    \
	"m.id, m.t_at, m.msg_key, c.name, m.recipient, m.email_name,"                     \
	" (SELECT subject FROM message_bodies WHERE msg_id = m.id),"                       \
	" m.provider_msg_id, m.last_event, m.reason, m.queued_at, m.sent_at, m.dead_at,"  \
	" m.last_event_at, m.requeued_at, coalesce(m.requeue_batch, 0), m.state, m.flags," \
	" m.attempts, (m.flags & 8) != 0, "

/* Strings are collected as offsets into `text` and turned into pointers
 * when the page is complete (the buffer may move while it grows). */
enum { S_KEY, S_CAMPAIGN, S_RECIPIENT, S_EMAIL_NAME, S_SUBJECT, S_PID, S_LAST, S_REASON, S_COUNT };

static size_t add_text(struct buf *text, sqlite3_stmt *st, int col)
{
	size_t off = text->len;
	const unsigned char *t = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	buf_add(text, t ? (const char *)t : "", t ? (size_t)n : 0);
	buf_addc(text, '\0');
	return off;
}

static void read_message(sqlite3_stmt *st, struct rd_message *m, struct buf *text, size_t *offs)
{
	m->id = sqlite3_column_int64(st, 0);
	m->t_at = sqlite3_column_int64(st, 1);
	for (int i = 0; i < S_COUNT; i++)
		offs[i] = add_text(text, st, 2 + i);
	m->queued_at = store_col_time(st, 10);
	m->sent_at = store_col_time(st, 11);
	m->dead_at = store_col_time(st, 12);
	m->last_event_at = store_col_time(st, 13);
	m->requeued_at = store_col_time(st, 14);
	m->requeue_batch = sqlite3_column_int64(st, 15);
	m->state = sqlite3_column_int(st, 16);
	m->flags = sqlite3_column_int(st, 17);
	m->attempts = sqlite3_column_int(st, 18);
	int suppressed = sqlite3_column_int(st, 19);
	int stale = sqlite3_column_int(st, 20);
	if (stale)
		m->flags |= RD_FLAG_STALE;
	m->affected = state_is_affected(m->state, stale, suppressed);
}

static void point_strings(struct rd_message *m, const char *base, const size_t *offs)
{
	m->msg_key = base + offs[S_KEY];
	m->campaign = base + offs[S_CAMPAIGN];
	m->recipient = base + offs[S_RECIPIENT];
	m->email_name = base + offs[S_EMAIL_NAME];
	m->subject = base + offs[S_SUBJECT];
	m->provider_msg_id = base + offs[S_PID];
	m->last_event = base + offs[S_LAST];
	m->reason = base + offs[S_REASON];
}

/* A page while it is read: its first n rows and where each row's strings
 * start in its text (which moves while it grows). */
struct page_fill {
	struct rd_page *p;
	size_t (*offs)[S_COUNT];
	size_t n;
};

static int page_row(sqlite3_stmt *st, void *arg)
{
	struct page_fill *pf = arg;
	read_message(st, &pf->p->rows[pf->n], &pf->p->text, pf->offs[pf->n]);
	pf->n++;
	return RD_OK;
}

/* Rows of [lo, hi) in (t_at, id) order (backward: descending) appended to
 * the page, up to limit; same_second: only t_at == lo with id beyond from.id.
 * Both forms are plain index ranges, so the cost does not depend on how far
 * in the cursor is — even when a whole batch shares one second. */
static int page_range(struct store *s, const struct rd_filter *f, int64_t lo, int64_t hi, int same_second,
                      struct rd_cursor from, int backward, size_t limit, struct page_fill *pf)
{
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, "SELECT " MESSAGE_COLUMNS);
	query_stale_expr(&q, f);
	query_from(&q, f, 1);
	if (same_second) {
		/* t_at = ? AND id > ?: an index seek on (t_at, rowid); a range on
		 * t_at here would make SQLite scan the second and sort it */
		struct rd_filter rest = *f;
		rest.nwindows = 0;
		buf_adds(&q.sql, " WHERE m.t_at = ");
		qsql_int(&q, lo);
		buf_adds(&q.sql, backward ? " AND m.id < " : " AND m.id > ");
		qsql_int(&q, from.id);
		buf_adds(&q.sql, " AND ");
		query_cond(&q, &rest, NULL, NULL);
	} else {
		query_where(s, &q, f, lo, hi);
	}
	buf_adds(&q.sql, backward ? " ORDER BY m.t_at DESC, m.id DESC LIMIT " : " ORDER BY m.t_at, m.id LIMIT ");
	qsql_int(&q, (int64_t)(limit - pf->n));
	return query_rows(s, &q, "reading messages", page_row, pf);
}

/* The rows of window w beyond the cursor: first the rest of the cursor's
 * own second, then the seconds after (before, going backward). */
static int page_query(struct store *s, const struct rd_filter *f, const struct rd_window *w,
                      struct rd_cursor from, int backward, size_t limit, struct page_fill *pf)
{
	int rc = RD_OK;
	int inside = from.t_at >= w->start && from.t_at < w->end;
	if (inside)
		rc = page_range(s, f, from.t_at, from.t_at + 1, 1, from, backward, limit, pf);
	if (rc || pf->n >= limit)
		return rc;
	int64_t lo = w->start, hi = w->end;
	if (!backward && from.t_at >= lo)
		lo = from.t_at == INT64_MAX ? INT64_MAX : from.t_at + 1;
	if (backward && from.t_at < hi)
		hi = from.t_at;
	return lo < hi ? page_range(s, f, lo, hi, 0, from, backward, limit, pf) : RD_OK;
}

static void reverse_rows(struct rd_message *rows, size_t (*offs)[S_COUNT], size_t n)
{
	for (size_t i = 0, j = n - 1; i < j; i++, j--) {
		struct rd_message t = rows[i];
		rows[i] = rows[j];
		rows[j] = t;
		size_t o[S_COUNT];
		memcpy(o, offs[i], sizeof o);
		memcpy(offs[i], offs[j], sizeof o);
		memcpy(offs[j], o, sizeof o);
	}
}

static int page_reserve(struct rd_page *p, size_t limit)
{
	if (p->cap >= limit)
		return RD_OK;
	struct rd_message *rows = realloc(p->rows, limit * sizeof *rows);
	if (!rows)
		return rd_error(RD_E_NOMEM, "out of memory");
	p->rows = rows;
	p->cap = limit;
	return RD_OK;
}

int store_messages_page(struct store *s, const struct rd_filter *f, struct rd_cursor from,
                        int backward, size_t limit, struct rd_page *out)
{
	struct rd_window all;
	const struct rd_window *w;
	size_t nw = scan_windows(f, &all, &w);

	if (limit > RD_PAGE_MAX)
		limit = RD_PAGE_MAX;
	out->n = 0;
	buf_reset(&out->text);
	if (!limit)
		return RD_OK;
	int rc = page_reserve(out, limit);
	if (rc)
		return rc;
	size_t (*offs)[S_COUNT] = malloc(limit * sizeof *offs);
	if (!offs)
		return rd_error(RD_E_NOMEM, "out of memory");
	struct page_fill pf = { out, offs, 0 };

	/* Windows are disjoint and ordered: walk them from the cursor on.  A
	 * backward walk collects rows newest first across all windows, so one
	 * reversal at the end puts the page in ascending order. */
	for (size_t k = 0; !rc && k < nw && pf.n < limit; k++) {
		const struct rd_window *win = backward ? &w[nw - 1 - k] : &w[k];
		if (backward ? win->start > from.t_at : win->end <= from.t_at)
			continue;
		rc = page_query(s, f, win, from, backward, limit, &pf);
	}
	if (!rc && backward && pf.n > 1)
		reverse_rows(out->rows, pf.offs, pf.n);
	if (!rc && !out->text.p && buf_addc(&out->text, '\0'))
		rc = RD_E_NOMEM;
	for (size_t i = 0; !rc && i < pf.n; i++)
		point_strings(&out->rows[i], out->text.p, pf.offs[i]);
	free(pf.offs);
	out->n = rc ? 0 : pf.n;
	return rc;
}

void store_page_free(struct rd_page *p)
{
	free(p->rows);
	buf_free(&p->text);
	memset(p, 0, sizeof *p);
}

struct rd_cursor store_page_cursor(const struct rd_page *p, size_t i)
{
	return (struct rd_cursor){ p->rows[i].t_at, p->rows[i].id };
}

static int add_count(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg += sqlite3_column_int64(st, 0);
	return RD_OK;
}

int store_messages_count(struct store *s, const struct rd_filter *f, int64_t *out)
{
	struct rd_window all;
	const struct rd_window *w;
	size_t nw = scan_windows(f, &all, &w);
	int rc = RD_OK;

	*out = 0;
	for (size_t i = 0; i < nw && !rc; i++) {
		struct qsql q;
		qsql_init(&q);
		buf_adds(&q.sql, "SELECT count(*)");
		query_from(&q, f, 0);
		query_where(s, &q, f, w[i].start, w[i].end);
		rc = query_rows(s, &q, "counting messages", add_count, out);
	}
	return rc;
}

/* ---- one message ---------------------------------------------------------- */

enum { D_PAYLOAD, D_PROVIDER, D_DEAD_REASON, D_SUPPRESSION, D_COUNT };

/* A message detail while it is read: where its strings start in d->text,
 * which moves until the last row is in. */
struct detail_fill {
	struct rd_message_detail *d;
	int found;
	size_t offs[S_COUNT], doffs[D_COUNT];
	size_t (*eoffs)[3];  /* name, reason, raw of each event */
	size_t nevents, cap;
};

static int detail_row(sqlite3_stmt *st, void *arg)
{
	struct detail_fill *df = arg;
	read_message(st, &df->d->m, &df->d->text, df->offs);
	for (int i = 0; i < D_COUNT; i++)
		df->doffs[i] = add_text(&df->d->text, st, 21 + i);
	df->found = 1;
	return RD_OK;
}

static int detail_message(struct store *s, const char *msg_key, int64_t now, int64_t grace,
                          struct detail_fill *df)
{
	struct rd_filter f;
	filter_init(&f);
	f.now = now;
	f.grace = grace;
	struct qsql q;
	qsql_init(&q);
	buf_adds(&q.sql, "SELECT " MESSAGE_COLUMNS);
	query_stale_expr(&q, &f);
	buf_adds(&q.sql, ", (SELECT payload FROM message_bodies WHERE msg_id = m.id), m.provider, m.dead_reason,"
	                 " (SELECT group_concat(source, ', ') FROM suppressions WHERE recipient_id = m.recipient_id)"
	                 " FROM messages m JOIN recipients r ON r.id = m.recipient_id"
	                 " JOIN campaigns c ON c.id = m.campaign_id WHERE m.msg_key = ");
	qsql_text(&q, msg_key);
	int rc = query_rows(s, &q, "reading a message", detail_row, df);
	filter_free(&f);
	if (!rc && !df->found)
		rc = rd_error(RD_E_NOT_FOUND, "no message with msg_key \"%s\" in %s", msg_key, s->path);
	return rc;
}

/* Room for one more event; 0 when out of memory (the rows read stay). */
static int events_room(struct detail_fill *df)
{
	if (df->nevents < df->cap)
		return 1;
	size_t cap = df->cap ? df->cap * 2 : 16;
	struct rd_event_row *ev = realloc(df->d->events, cap * sizeof *ev);
	if (!ev)
		return 0;
	df->d->events = ev;
	size_t (*eo)[3] = realloc(df->eoffs, cap * sizeof *eo);
	if (!eo)
		return 0;
	df->eoffs = eo;
	df->cap = cap;
	return 1;
}

static int event_row(sqlite3_stmt *st, void *arg)
{
	struct detail_fill *df = arg;
	if (!events_room(df))
		return rd_error(RD_E_NOMEM, "out of memory");
	struct rd_event_row *e = &df->d->events[df->nevents];
	e->id = sqlite3_column_int64(st, 0);
	e->ts = sqlite3_column_int64(st, 1);
	e->batch = sqlite3_column_int64(st, 2);
	e->kind = sqlite3_column_int(st, 3);
	e->btype = sqlite3_column_int(st, 4);
	e->how = sqlite3_column_int(st, 5);
	for (int i = 0; i < 3; i++)
		df->eoffs[df->nevents][i] = add_text(&df->d->text, st, 6 + i);
	df->d->nevents = ++df->nevents;
	return RD_OK;
}

static int detail_events(struct store *s, struct detail_fill *df)
{
	sqlite3_stmt *st = store_dyn(s,
		"SELECT id, ts, batch, kind, btype, how, coalesce(json_extract(raw, '$.event'), ''),"
		" coalesce(reason, ''), raw FROM events WHERE msg_id = ?1 ORDER BY ts, kind, content_h");
	if (!st)
		return RD_E_DB;
	sqlite3_bind_int64(st, 1, df->d->m.id);
	return step_rows(s, st, "reading events", event_row, df);
}

/* Turns the offsets into pointers once the text no longer moves. */
static void point_detail(struct rd_message_detail *d, const struct detail_fill *df)
{
	const char *base = d->text.p;
	point_strings(&d->m, base, df->offs);
	d->payload = base + df->doffs[D_PAYLOAD];
	d->provider = base + df->doffs[D_PROVIDER];
	d->dead_reason = base + df->doffs[D_DEAD_REASON];
	d->suppression = base + df->doffs[D_SUPPRESSION];
	for (size_t i = 0; i < df->nevents; i++) {
		d->events[i].name = base + df->eoffs[i][0];
		d->events[i].reason = base + df->eoffs[i][1];
		d->events[i].raw = base + df->eoffs[i][2];
	}
}

int store_message_detail(struct store *s, const char *msg_key, int64_t now, int64_t grace,
                         struct rd_message_detail *out)
{
	memset(out, 0, sizeof *out);
	struct detail_fill df = { .d = out };
	int rc = detail_message(s, msg_key, now, grace, &df);
	if (!rc)
		rc = detail_events(s, &df);
	if (!rc && !out->text.p)
		rc = buf_addc(&out->text, '\0');
	if (!rc)
		point_detail(out, &df);
	free(df.eoffs);
	if (rc)
		store_message_detail_free(out);
	return rc;
}

void store_message_detail_free(struct rd_message_detail *d)
{
	free(d->events);
	buf_free(&d->text);
	memset(d, 0, sizeof *d);
}
