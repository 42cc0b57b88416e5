/* screen_messages.c — every message of the filter, scrolled by keyset pages.
 *
 * Only the rows on screen are in memory.  Each move asks the store for one
 * page next to the rows shown (store_messages_page: keyset, never OFFSET),
 * so a page costs the same at the top and ten million rows down, and memory
 * does not grow with the store.  The cursor row is remembered by (t_at, id),
 * so a live refresh keeps it on the same message.
 */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/limits.h"
#include "redrive/message.h"
#include "redrive/state.h"
#include "redrive/store_query.h"
#include "redrive/store_tags.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"

/* Lines above the rows: a summary and the column headers. */
#define HEAD_LINES 2

struct messages {
	struct ui_rect r;
	int rows;                     /* rows that fit */
	struct rd_page page;          /* the rows on screen, ascending (t_at, id) */
	struct rd_page probe;         /* a page fetched to see what is next */
	unsigned char marks[RD_PAGE_MAX];
	int sel;                      /* cursor: index into page */
	int need_start;               /* load from the start when the store is free */
	int need_reload;              /* reload in place when the store is free */
	char error[256];

	int span_known;               /* first and last t_at of the filter */
	int64_t first_t, last_t;

	int64_t count;                /* rows of the filter */
	int count_state;              /* 0 unknown, 1 counting, 2 known, 3 failed */
	unsigned count_gen;
	int counting;                 /* a count of this filter is running */
	int count_again;              /* the data changed while it ran */
};

enum ui_element ui_state_element(int state, int flags)
{
	switch (state) {
	case RD_STATE_DELIVERED:
		return UI_EL_STATE_DELIVERED;
	case RD_STATE_PENDING:
		return flags & RD_FLAG_STALE ? UI_EL_STATE_LATE : UI_EL_STATE_PENDING;
	case RD_STATE_QUEUED:
	case RD_STATE_DEAD:
		return UI_EL_STATE_LOST;
	case RD_STATE_REQUEUED:
		return UI_EL_STATE_REQUEUED;
	default:
		return UI_EL_STATE_BOUNCED;
	}
}

/* ---- the position indicator ------------------------------------------------- */

/* Where t lies in the filter, 0..1: by time across the windows (the part of
 * the windows before t), else between the first and last row. */
static double position(struct ui *ui, struct messages *m, int64_t t)
{
	const struct rd_filter *f = &ui->filter;
	if (f->nwindows) {
		double total = 0, before = 0;
		for (size_t i = 0; i < f->nwindows; i++) {
			const struct rd_window *w = &f->windows[i];
			total += (double)(w->end - w->start);
			if (t >= w->end)
				before += (double)(w->end - w->start);
			else if (t > w->start)
				before += (double)(t - w->start);
		}
		return total > 0 ? before / total : 0;
	}
	if (!m->span_known || m->last_t <= m->first_t)
		return 0;
	double p = (double)(t - m->first_t) / (double)(m->last_t - m->first_t);
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* The instant at fraction p of the filter (the inverse of position). */
static int64_t instant_at(struct ui *ui, struct messages *m, double p)
{
	const struct rd_filter *f = &ui->filter;
	if (f->nwindows) {
		double total = 0;
		for (size_t i = 0; i < f->nwindows; i++)
			total += (double)(f->windows[i].end - f->windows[i].start);
		double left = p * total;
		for (size_t i = 0; i < f->nwindows; i++) {
			double len = (double)(f->windows[i].end - f->windows[i].start);
			if (left <= len)
				return f->windows[i].start + (int64_t)left;
			left -= len;
		}
		return f->windows[f->nwindows - 1].end;
	}
	return m->first_t + (int64_t)(p * (double)(m->last_t - m->first_t));
}

/* ---- loading ------------------------------------------------------------------ */

static void read_marks(struct ui *ui, struct messages *m)
{
	int64_t ids[RD_PAGE_MAX];
	struct store *s = ui_store(ui);
	memset(m->marks, 0, sizeof m->marks);
	if (!s || !ui->tags.tagged)
		return;
	for (size_t i = 0; i < m->page.n; i++)
		ids[i] = m->page.rows[i].id;
	store_tags_marks(s, ids, m->page.n, m->marks);
}

/* One page from the store; RD_E_BUSY (quietly) while a job has the store. */
static int fetch(struct ui *ui, struct messages *m, struct rd_cursor from, int backward, int limit,
                 struct rd_page *out)
{
	struct store *s = ui_store(ui);
	if (!s)
		return RD_E_BUSY;
	if (limit < 1)
		limit = 1;
	int rc = store_messages_page(s, &ui->filter, from, backward, (size_t)limit, out);
	if (rc)
		snprintf(m->error, sizeof m->error, "%s", rd_error_message());
	return rc;
}

static void swap_pages(struct messages *m)
{
	struct rd_page t = m->page;
	m->page = m->probe;
	m->probe = t;
}

static void clamp_sel(struct messages *m)
{
	if (m->sel >= (int)m->page.n)
		m->sel = (int)m->page.n - 1;
	if (m->sel < 0)
		m->sel = 0;
}

/* After a page loaded: marks, the cursor, the timing line. */
static void loaded(struct ui *ui, struct messages *m, double t0)
{
	clamp_sel(m);
	read_marks(ui, m);
	m->error[0] = '\0';
	if (ui->timings && m->page.n) {
		/* the query here; the whole page, drawn, when the frame is out */
		char extra[48];
		double pos = position(ui, m, m->page.rows[m->sel].t_at);
		snprintf(extra, sizeof extra, "pos=%.3f", pos);
		ui_timing(ui, "page_query_ms", (ui_clock() - t0) * 1000, extra);
		ui->page_started = t0;
		ui->page_pos = pos;
	}
	ui->redraw = 1;
}

static int load_end(struct ui *ui, struct messages *m)
{
	double t0 = ui_clock();
	int rc = fetch(ui, m, RD_CURSOR_END, 1, m->rows, &m->page);
	if (!rc) {
		m->sel = (int)m->page.n - 1;
		loaded(ui, m, t0);
	}
	return rc;
}

/* The page whose first row is the first row after `after`; at the end of
 * the filter the page is filled from the end instead. */
static int load_after(struct ui *ui, struct messages *m, struct rd_cursor after)
{
	double t0 = ui_clock();
	int rc = fetch(ui, m, after, 0, m->rows, &m->probe);
	if (rc)
		return rc;
	if ((int)m->probe.n < m->rows && !(after.t_at == INT64_MIN && after.id == INT64_MIN)) {
		/* near the end: show the last full page, the cursor on the row it
		 * would have been on */
		int64_t want = 0;
		if (m->probe.n)
			want = m->probe.rows[m->sel < (int)m->probe.n ? m->sel : (int)m->probe.n - 1].id;
		rc = fetch(ui, m, RD_CURSOR_END, 1, m->rows, &m->page);
		if (rc)
			return rc;
		m->sel = (int)m->page.n - 1;
		for (size_t i = 0; i < m->page.n; i++)
			if (m->page.rows[i].id == want) {
				m->sel = (int)i;
				break;
			}
	} else {
		swap_pages(m);
	}
	loaded(ui, m, t0);
	return RD_OK;
}

/* The cursor just before row r (so that load_after starts at r). */
static struct rd_cursor before_row(const struct rd_message *r)
{
	return (struct rd_cursor){ r->t_at, r->id - 1 };
}

static int load_start(struct ui *ui, struct messages *m)
{
	m->sel = 0;
	return load_after(ui, m, RD_CURSOR_START);
}

/* Reloads around the cursor row, keeping it at the same place on screen
 * (or on the next row of the filter when it left it). */
static int reload_in_place(struct ui *ui, struct messages *m)
{
	if (!m->page.n)
		return load_start(ui, m);
	double t0 = ui_clock();
	struct rd_message anchor = m->page.rows[m->sel];
	struct rd_cursor at = { anchor.t_at, anchor.id };
	int off = m->sel;
	int rc = off ? fetch(ui, m, at, 1, off, &m->probe) : RD_OK;
	if (rc)
		return rc;
	struct rd_cursor from = off && m->probe.n ? before_row(&m->probe.rows[0]) : before_row(&anchor);
	rc = fetch(ui, m, from, 0, m->rows, &m->probe);
	if (rc)
		return rc;
	if ((int)m->probe.n < m->rows) {
		rc = fetch(ui, m, RD_CURSOR_END, 1, m->rows, &m->probe);
		if (rc)
			return rc;
	}
	swap_pages(m);
	m->sel = (int)m->page.n - 1;
	for (size_t i = 0; i < m->page.n; i++) {
		const struct rd_message *r = &m->page.rows[i];
		if (r->t_at > anchor.t_at || (r->t_at == anchor.t_at && r->id >= anchor.id)) {
			m->sel = (int)i;
			break;
		}
	}
	loaded(ui, m, t0);
	return RD_OK;
}

/* ---- counting ------------------------------------------------------------------ */

struct count_job {
	struct rd_filter f;
	unsigned gen;
	int64_t count;
};

static void count_free(void *arg)
{
	struct count_job *c = arg;
	filter_free(&c->f);
	free(c);
}

static int count_run(struct job *j, struct store *s, void *arg)
{
	struct count_job *c = arg;
	(void)j;
	return store_messages_count(s, &c->f, &c->count);
}

static void start_count(struct ui *ui, struct messages *m, int fresh);

static void count_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct count_job *c = arg;
	struct messages *m = ui->st[UI_SCR_MESSAGES];
	(void)j;
	(void)error;
	if (c->gen != m->count_gen)
		return;
	m->counting = 0;
	m->count = c->count;
	m->count_state = rc ? 3 : 2;
	ui->redraw = 1;
	if (m->count_again) {
		m->count_again = 0;
		start_count(ui, m, 0);
	}
}

/* Counts the filter's messages in a job.  fresh: a new filter (the old
 * count means nothing); else the data changed: the old count stays on
 * screen until the new one is in, and at most one count runs at a time. */
static void start_count(struct ui *ui, struct messages *m, int fresh)
{
	if (!fresh && m->counting) {
		m->count_again = 1;
		return;
	}
	struct count_job *c = calloc(1, sizeof *c);
	if (fresh) {
		m->count_gen++;
		m->count_state = 1;
		m->count_again = 0;
	}
	if (!c || filter_copy(&c->f, &ui->filter) != RD_OK) {
		free(c);
		m->count_state = 3;
		return;
	}
	c->gen = m->count_gen;
	struct job_spec spec = {
		.label = "counting messages",
		/* the tagged set lives on the dashboard's connection */
		.conn = ui->filter.tagged ? JOB_UI_STORE : JOB_OWN_STORE,
		.run = count_run,
		.done = count_done,
		.free = count_free,
		.arg = c,
	};
	m->counting = 1;
	if (job_start(ui, &spec) != RD_OK) {
		m->counting = 0;
		m->count_state = 3;
	}
}

/* The first and last row's time, for the position of the cursor. */
static void read_span(struct ui *ui, struct messages *m)
{
	m->span_known = 0;
	if (ui->filter.nwindows || fetch(ui, m, RD_CURSOR_START, 0, 1, &m->probe) || !m->probe.n)
		return;
	m->first_t = m->probe.rows[0].t_at;
	if (fetch(ui, m, RD_CURSOR_END, 1, 1, &m->probe) || !m->probe.n)
		return;
	m->last_t = m->probe.rows[0].t_at;
	m->span_known = 1;
}

static void start_over(struct ui *ui, struct messages *m)
{
	m->need_start = 0;
	m->need_reload = 0;
	read_span(ui, m);
	if (load_start(ui, m) == RD_E_BUSY)
		m->need_start = 1;
	start_count(ui, m, 1);
}

/* ---- moving ----------------------------------------------------------------------- */

static void move_down(struct ui *ui, struct messages *m, int by)
{
	if (!m->page.n)
		return;
	if (m->sel + by < (int)m->page.n) {
		m->sel += by;
		ui->redraw = 1;
		return;
	}
	if ((int)m->page.n < m->rows) {
		/* everything is on screen already */
		m->sel = (int)m->page.n - 1;
		ui->redraw = 1;
		return;
	}
	/* scroll: the page after the first `shift` rows, the cursor on the
	 * last line */
	int shift = m->sel + by - ((int)m->page.n - 1);
	if (shift > (int)m->page.n)
		shift = (int)m->page.n;
	struct rd_cursor after = store_page_cursor(&m->page, (size_t)shift - 1);
	m->sel = m->sel + by - shift;
	load_after(ui, m, after);
}

static void move_up(struct ui *ui, struct messages *m, int by)
{
	if (!m->page.n)
		return;
	if (m->sel - by >= 0) {
		m->sel -= by;
		ui->redraw = 1;
		return;
	}
	int need = by - m->sel;
	struct rd_cursor first = { m->page.rows[0].t_at, m->page.rows[0].id };
	double t0 = ui_clock();
	if (fetch(ui, m, first, 1, need, &m->probe) != RD_OK)
		return;
	if (!m->probe.n) {
		m->sel = 0;
		ui->redraw = 1;
		return;
	}
	struct rd_cursor from = before_row(&m->probe.rows[0]);
	if (fetch(ui, m, from, 0, m->rows, &m->probe) != RD_OK)
		return;
	swap_pages(m);
	m->sel = 0;
	loaded(ui, m, t0);
}

static void page_down(struct ui *ui, struct messages *m)
{
	if (!m->page.n)
		return;
	if ((int)m->page.n < m->rows) {
		m->sel = (int)m->page.n - 1;
		ui->redraw = 1;
		return;
	}
	load_after(ui, m, store_page_cursor(&m->page, m->page.n - 1));
}

static void page_up(struct ui *ui, struct messages *m)
{
	if (!m->page.n)
		return;
	struct rd_cursor first = { m->page.rows[0].t_at, m->page.rows[0].id };
	double t0 = ui_clock();
	if (fetch(ui, m, first, 1, m->rows, &m->probe) != RD_OK)
		return;
	if ((int)m->probe.n < m->rows) {
		load_start(ui, m);
		return;
	}
	swap_pages(m);
	loaded(ui, m, t0);
}

int screen_messages_goto(struct ui *ui, void *state, const char *where)
{
	struct messages *m = state;
	int64_t t;
	size_t n = strlen(where);
	if (n > 1 && where[n - 1] == '%') {
		char *end;
		double p = strtod(where, &end);
		if (end != where + n - 1 || p < 0 || p > 100) {
			ui_error(ui, ":goto %s: give a position from 0%% to 100%%", where);
			return RD_E_USAGE;
		}
		if (!ui->filter.nwindows && !m->span_known)
			read_span(ui, m);
		t = instant_at(ui, m, p / 100);
	} else {
		struct timefmt_parts tp;
		if (timefmt_parse_parts(where, n, &tp) != 0 || !tp.has_date) {
			ui_error(ui, ":goto %s: give a time as 2018-09-12 04:40 (in %s) or a position as 50%%",
			         where, tz_name(ui->zone));
			return RD_E_USAGE;
		}
		t = tp.utc;
		if (!tp.has_offset)
			tz_local_to_utc(ui->zone, tp.local, &t, NULL);
	}
	m->sel = 0;
	int rc = load_after(ui, m, (struct rd_cursor){ t, INT64_MIN });
	if (rc == RD_E_BUSY)
		ui_error(ui, "the store is busy with a job; try again when it ends");
	return rc;
}

static void toggle_tag(struct ui *ui, struct messages *m)
{
	struct store *s = ui_store(ui);
	if (!m->page.n)
		return;
	if (!s) {
		ui_error(ui, "the store is busy with a job; tag when it ends (x cancels it)");
		return;
	}
	const struct rd_message *r = &m->page.rows[m->sel];
	int on = !m->marks[m->sel], changed = 0;
	if (store_tag_set(s, r->id, on, &changed) != RD_OK) {
		ui_error(ui, "%s", rd_error_message());
		return;
	}
	m->marks[m->sel] = (unsigned char)on;
	if (changed)
		ui_tags_changed(ui, on ? 1 : -1, -1);
	move_down(ui, m, 1);
}

/* ---- drawing ------------------------------------------------------------------------- */

struct column {
	const char *title;
	int width;
	enum utf8_align align;
};

enum { C_TIME, C_STATE, C_FLAGS, C_KEY, C_CAMPAIGN, C_RECIPIENT, C_LAST, C_REASON, C_COUNT };

/* Column widths for the screen width: the wide columns share what is left. */
static void plan_columns(int width, struct column *c)
{
	static const char *const titles[C_COUNT] = { "TIME",     "STATE",     "FLAGS",      "MSG_KEY",
		                                     "CAMPAIGN", "RECIPIENT", "LAST EVENT", "REASON" };
	for (int i = 0; i < C_COUNT; i++)
		c[i] = (struct column){ titles[i], 0, UTF8_LEFT };
	int wide = width >= 120;
	c[C_TIME].width = width >= 160 ? 19 : 14;
	c[C_STATE].width = 9;
	c[C_FLAGS].width = wide ? 11 : 5;
	int left = width - 2 - c[C_TIME].width - c[C_STATE].width - c[C_FLAGS].width - 3;
	if (wide) {
		c[C_LAST].width = 10;
		c[C_KEY].width = 11;
		left -= c[C_LAST].width + c[C_KEY].width + 5;
		c[C_CAMPAIGN].width = left * 3 / 8;
		c[C_RECIPIENT].width = left * 3 / 8;
		c[C_REASON].width = left - c[C_CAMPAIGN].width - c[C_RECIPIENT].width;
	} else {
		c[C_CAMPAIGN].width = left * 2 / 5;
		c[C_RECIPIENT].width = left - c[C_CAMPAIGN].width - 1;
	}
}

static void flags_short(int flags, int wide, char *out, size_t n)
{
	if (wide) {
		state_flags_text(flags, out, n);
		return;
	}
	snprintf(out, n, "%s%s%s%s", flags & RD_FLAG_LATE_BOUNCE ? "L" : "", flags & RD_FLAG_DEFERRED ? "D" : "",
	         flags & RD_FLAG_STALE ? "S" : "", flags & RD_FLAG_SUPPRESSED ? "X" : "");
}

static void draw_row(struct ui *ui, struct messages *m, int i, int y, const struct column *c, int x0)
{
	const struct rd_message *r = &m->page.rows[i];
	int selected = i == m->sel;
	attr_t base = ui_attr(selected ? UI_EL_ROW_SELECTED : UI_EL_NORMAL);
	char time[40], flags[64];
	int x = x0;

	draw_fill(y, x0, m->r.w, base);
	draw_text(y, x, 1, m->marks[i] ? "*" : " ", UTF8_LEFT,
	          m->marks[i] && !selected ? ui_attr(UI_EL_ROW_TAGGED) : base);
	x += 2;
	ui_time_text(ui, r->t_at, 1, time, sizeof time);
	/* the narrow time column drops the year */
	draw_text(y, x, c[C_TIME].width, c[C_TIME].width < 19 ? time + 5 : time, UTF8_LEFT, base);
	x += c[C_TIME].width + 1;
	draw_text(y, x, c[C_STATE].width, state_name(r->state), UTF8_LEFT,
	          selected ? base : ui_attr(ui_state_element(r->state, r->flags)));
	x += c[C_STATE].width + 1;
	flags_short(r->flags, c[C_FLAGS].width > 5, flags, sizeof flags);
	draw_text(y, x, c[C_FLAGS].width, flags, UTF8_LEFT, base);
	x += c[C_FLAGS].width + 1;
	if (c[C_KEY].width) {
		draw_text(y, x, c[C_KEY].width, r->msg_key, UTF8_LEFT, base);
		x += c[C_KEY].width + 1;
	}
	draw_text(y, x, c[C_CAMPAIGN].width, r->campaign, UTF8_LEFT, base);
	x += c[C_CAMPAIGN].width + 1;
	draw_text(y, x, c[C_RECIPIENT].width, r->recipient, UTF8_LEFT, base);
	x += c[C_RECIPIENT].width + 1;
	if (c[C_LAST].width) {
		draw_text(y, x, c[C_LAST].width, r->last_event, UTF8_LEFT, base);
		x += c[C_LAST].width + 1;
		draw_text(y, x, c[C_REASON].width, r->reason, UTF8_LEFT, base);
	}
}

static void draw_summary(struct ui *ui, struct messages *m, int y)
{
	char count[64], n[32], pos[32] = "";
	switch (m->count_state) {
	case 2:
		ui_num(m->count, n, sizeof n);
		snprintf(count, sizeof count, "%s message%s", n, m->count == 1 ? "" : "s");
		break;
	case 3:
		snprintf(count, sizeof count, "messages (not counted)");
		break;
	default:
		snprintf(count, sizeof count, "messages (counting…)");
		break;
	}
	if (m->page.n)
		snprintf(pos, sizeof pos, "  at %.0f%%", 100 * position(ui, m, m->page.rows[m->sel].t_at));
	char line[256];
	snprintf(line, sizeof line, " %s%s  in time order (sent, else queued)  flags: L late bounce, "
	                            "D deferred, S stale, X suppressed",
	         count, pos);
	draw_text(y, m->r.x, m->r.w, line, UTF8_LEFT, ui_attr(UI_EL_DIM));
}

static void messages_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct messages *m = state;
	struct column c[C_COUNT];
	if (m->need_start)
		start_over(ui, m);
	else if (m->need_reload && ui_store(ui) && reload_in_place(ui, m) == RD_OK)
		m->need_reload = 0;
	plan_columns(r->w, c);
	draw_summary(ui, m, r->y);
	int y = r->y + 1, x = r->x + 2;
	draw_fill(y, r->x, r->w, ui_attr(UI_EL_HEADER));
	for (int i = 0; i < C_COUNT; i++) {
		if (!c[i].width)
			continue;
		draw_text(y, x, c[i].width, c[i].title, UTF8_LEFT, ui_attr(UI_EL_HEADER));
		x += c[i].width + 1;
	}
	for (size_t i = 0; i < m->page.n && (int)i < m->rows; i++)
		draw_row(ui, m, (int)i, r->y + HEAD_LINES + (int)i, c, r->x);
	if (!m->page.n) {
		const char *why = m->error[0]            ? m->error
		                  : m->need_start         ? "waiting for the store (a job is using it)…"
		                                          : "no messages match the filter (/ changes it)";
		draw_text(r->y + HEAD_LINES + 1, r->x + 2, r->w - 4, why, UTF8_LEFT,
		          ui_attr(m->error[0] ? UI_EL_STATUS_ERROR : UI_EL_DIM));
	}
}

/* ---- callbacks ------------------------------------------------------------------------- */

static int messages_key(struct ui *ui, void *state, int action, int key)
{
	struct messages *m = state;
	(void)key;
	if (!ui_store(ui) && action >= UI_ACT_UP && action <= UI_ACT_END) {
		ui_error(ui, "the store is busy with a job; the list moves again when it ends (x cancels it)");
		return UI_HANDLED | UI_REDRAW;
	}
	switch (action) {
	case UI_ACT_DOWN:
		move_down(ui, m, 1);
		break;
	case UI_ACT_UP:
		move_up(ui, m, 1);
		break;
	case UI_ACT_PAGE_DOWN:
		page_down(ui, m);
		break;
	case UI_ACT_PAGE_UP:
		page_up(ui, m);
		break;
	case UI_ACT_HOME:
		load_start(ui, m);
		break;
	case UI_ACT_END:
		load_end(ui, m);
		break;
	case UI_ACT_OPEN:
		if (m->page.n)
			ui_open_message(ui, m->page.rows[m->sel].msg_key);
		break;
	case UI_ACT_TAG:
		toggle_tag(ui, m);
		break;
	default:
		return UI_UNHANDLED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static void messages_changed(struct ui *ui, void *state, unsigned what)
{
	struct messages *m = state;
	if (what & UI_CHANGE_FILTER) {
		start_over(ui, m);
		return;
	}
	if (what & UI_CHANGE_DATA) {
		m->need_reload = 1;
		start_count(ui, m, 0);
	}
	if ((what & (UI_CHANGE_DATA | UI_CHANGE_RETRY)) && m->need_reload && ui_store(ui)) {
		if (reload_in_place(ui, m) == RD_OK)
			m->need_reload = 0;
	}
	if ((what & UI_CHANGE_RETRY) && m->need_start)
		start_over(ui, m);
	if (what & (UI_CHANGE_TAGS | UI_CHANGE_RETRY))
		read_marks(ui, m);
	if ((what & UI_CHANGE_TAGS) && ui->filter.tagged) {
		m->need_reload = 1;
		start_count(ui, m, 0);
	}
}

static void messages_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct messages *m = state;
	int rows = r->h - HEAD_LINES;
	if (rows < 1)
		rows = 1;
	if (rows > RD_PAGE_MAX)
		rows = RD_PAGE_MAX;
	m->r = *r;
	if (rows != m->rows) {
		int first = m->rows == 0;
		m->rows = rows;
		if (first)
			start_over(ui, m);
		else
			m->need_reload = 1;
	}
}

static int messages_open(struct ui *ui, void **state)
{
	(void)ui;
	struct messages *m = calloc(1, sizeof *m);
	if (!m)
		return rd_error(RD_E_NOMEM, "out of memory");
	*state = m;
	return RD_OK;
}

static void messages_close(struct ui *ui, void *state)
{
	struct messages *m = state;
	(void)ui;
	store_page_free(&m->page);
	store_page_free(&m->probe);
	free(m);
}

const struct screen_ops screen_messages_ops = {
	.name = "Messages",
	.group = UI_GROUP_MESSAGES,
	.hints = "Enter detail  Space tag  t tag all  u untag  e export  r requeue",
	.open = messages_open,
	.close = messages_close,
	.resize = messages_resize,
	.draw = messages_draw,
	.key = messages_key,
	.changed = messages_changed,
};
