#include "query_sql.h"

#include <string.h>

#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/state.h"
#include "store_int.h"

void qsql_init(struct qsql *q)
{
	buf_init(&q->sql, 0);
	q->nbinds = 0;
}

void qsql_free(struct qsql *q)
{
	buf_free(&q->sql);
}

static int push_bind(struct qsql *q, struct qbind b)
{
	if (q->nbinds >= (int)(sizeof q->binds / sizeof q->binds[0]))
		return rd_error(RD_E_USAGE, "the filter is too long");
	q->binds[q->nbinds++] = b;
	return buf_addc(&q->sql, '?');
}

int qsql_int(struct qsql *q, int64_t v)
{
	return push_bind(q, (struct qbind){ QB_INT, v, NULL });
}

int qsql_text(struct qsql *q, const char *v)
{
	return push_bind(q, (struct qbind){ QB_TEXT, 0, v });
}

int qsql_bind(const struct qsql *q, sqlite3_stmt *st)
{
	for (int i = 0; i < q->nbinds; i++) {
		int rc = q->binds[i].type == QB_INT
		                 ? sqlite3_bind_int64(st, i + 1, q->binds[i].i)
		                 : sqlite3_bind_text(st, i + 1, q->binds[i].t, -1, SQLITE_TRANSIENT);
		if (rc != SQLITE_OK)
			return rd_error(RD_E_DB, "binding a query parameter failed");
	}
	return RD_OK;
}

static int one_state(unsigned states)
{
	return states && (states & (states - 1)) == 0;
}

const char *query_driving_index(const struct rd_filter *f)
{
	if (f->ncampaigns == 1)
		return "msg_campaign";
	if (one_state(f->states))
		return "msg_state";
	return "msg_time";
}

int query_from(struct qsql *q, const struct rd_filter *f, int with_campaigns)
{
	/* the driving index yields (t_at, id) order for this filter; CROSS
	 * JOIN keeps messages the outer loop */
	buf_printf(&q->sql, " FROM messages m INDEXED BY %s", query_driving_index(f));
	if (with_campaigns)
		buf_adds(&q->sql, " CROSS JOIN campaigns c ON c.id = m.campaign_id");
	return RD_OK;
}

int query_stale_expr(struct qsql *q, const struct rd_filter *f)
{
	buf_adds(&q->sql, "rd_stale(m.state, m.t_at, m.requeued_at, ");
	qsql_int(q, f->now);
	buf_adds(&q->sql, ", ");
	qsql_int(q, f->grace);
	return buf_adds(&q->sql, ")");
}

static int has_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* The recipient patterns, lowercased like the stored addresses.  The
 * lowered copies live in the filter-owned strings (they are already
 * lowercase after the first call). */
static int where_recipients(struct qsql *q, const struct rd_filter *f)
{
	buf_adds(&q->sql, " AND m.recipient_id IN (SELECT id FROM recipients WHERE ");
	for (size_t i = 0; i < f->nrecipients; i++) {
		char *p = f->recipients[i];
		for (char *c = p; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		buf_adds(&q->sql, i ? " OR email " : "email ");
		buf_adds(&q->sql, has_glob(p) ? "GLOB " : "= ");
		qsql_text(q, p);
	}
	return buf_adds(&q->sql, ")");
}

static void cond_windows(struct qsql *q, const struct rd_filter *f, const int64_t *lo, const int64_t *hi)
{
	if (lo) {
		buf_adds(&q->sql, "m.t_at >= ");
		qsql_int(q, *lo);
		buf_adds(&q->sql, " AND m.t_at < ");
		qsql_int(q, *hi);
		return;
	}
	if (!f->nwindows) {
		buf_adds(&q->sql, "1");
		return;
	}
	buf_adds(&q->sql, "(");
	for (size_t i = 0; i < f->nwindows; i++) {
		buf_adds(&q->sql, i ? " OR m.t_at >= " : "m.t_at >= ");
		qsql_int(q, f->windows[i].start);
		buf_adds(&q->sql, " AND m.t_at < ");
		qsql_int(q, f->windows[i].end);
	}
	buf_adds(&q->sql, ")");
}

int query_cond(struct qsql *q, const struct rd_filter *f, const int64_t *lo, const int64_t *hi)
{
	buf_adds(&q->sql, "(");
	cond_windows(q, f, lo, hi);

	if (f->ncampaigns) {
		buf_adds(&q->sql, f->ncampaigns == 1 ? " AND m.campaign_id = "
		                                     : " AND m.campaign_id IN (");
		for (size_t i = 0; i < f->ncampaigns; i++) {
			if (i)
				buf_adds(&q->sql, ", ");
			buf_adds(&q->sql, "(SELECT id FROM campaigns WHERE name = ");
			qsql_text(q, f->campaigns[i]);
			buf_adds(&q->sql, ")");
		}
		if (f->ncampaigns > 1)
			buf_adds(&q->sql, ")");
	}
	if (f->states) {
		int first = 1;
		buf_adds(&q->sql, " AND m.state IN (");
		for (int st = 0; st < RD_STATE_COUNT; st++)
			if (f->states & (1u << st)) {
				buf_adds(&q->sql, first ? "" : ", ");
				qsql_int(q, st);
				first = 0;
			}
		buf_adds(&q->sql, ")");
	}
	if (f->nrecipients)
		where_recipients(q, f);
	if (f->affected) {
		buf_adds(&q->sql, " AND rd_affected(m.state, ");
		query_stale_expr(q, f);
		buf_adds(&q->sql, ", m.flags & ");
		qsql_int(q, RD_FLAG_SUPPRESSED);
		buf_adds(&q->sql, ")");
	}
	if (f->lost) {
		buf_adds(&q->sql, " AND rd_lost(m.state, ");
		query_stale_expr(q, f);
		buf_adds(&q->sql, ")");
	}
	if (f->tagged)
		buf_adds(&q->sql, " AND m.id IN (SELECT msg_id FROM temp.tagged)");
	buf_adds(&q->sql, ")");
	return q->sql.p ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}

int query_where(struct store *s, struct qsql *q, const struct rd_filter *f, int64_t lo, int64_t hi)
{
	(void)s;
	buf_adds(&q->sql, " WHERE ");
	return query_cond(q, f, &lo, &hi);
}
