/* screen_timeline.c — sent, delivered and bounced per minute across each
 * window and a margin around it: when mail was lost, delivered drops to
 * nothing while sent goes on, and the gap shows at a glance. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store_timeline.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"

#define LEGEND_W 11
/* Without windows the timeline shows the last hours before now. */
#define RECENT_SECONDS (3 * 3600)
#define MIN_MARGIN (15 * 60)

struct panel {
	struct rd_window w;       /* the window (or the recent span) */
	int64_t lo, step;
	size_t n;
	struct rd_timeline_bin *bins;
};

struct timeline {
	struct ui_rect r;
	struct panel p[RD_MAX_WINDOWS];
	size_t np;
	int recent;               /* no windows: the last hours */
	int state;                /* 0 stale, 1 loading, 2 ready, 3 failed */
	char error[512];
	unsigned gen;
	int dirty;                /* reload when shown */
	int rerun;                /* the data changed while the bins were read */
	int cur;                  /* the panel the cursor is in */
	int col;                  /* the cursor's bin */
	int chart_w;
};

struct tl_job {
	struct panel p[RD_MAX_WINDOWS];
	size_t np;
	unsigned gen;
};

static void free_panels(struct panel *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].bins);
		p[i].bins = NULL;
	}
}

static void tl_job_free(void *arg)
{
	struct tl_job *j = arg;
	free_panels(j->p, j->np);
	free(j);
}

static int tl_run(struct job *j, struct store *s, void *arg)
{
	struct tl_job *t = arg;
	(void)j;
	for (size_t i = 0; i < t->np; i++) {
		int rc = store_timeline(s, t->p[i].lo, t->p[i].step, t->p[i].n, t->p[i].bins);
		if (rc)
			return rc;
	}
	return RD_OK;
}

static void cursor_to_window(struct timeline *tl);
static void load(struct ui *ui, struct timeline *tl);

static void tl_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct tl_job *t = arg;
	struct timeline *tl = ui->st[UI_SCR_TIMELINE];
	(void)j;
	if (t->gen != tl->gen)
		return;
	if (rc) {
		tl->state = 3;
		snprintf(tl->error, sizeof tl->error, "%s", error);
		return;
	}
	free_panels(tl->p, tl->np);
	memcpy(tl->p, t->p, t->np * sizeof *t->p);
	tl->np = t->np;
	t->np = 0;
	tl->state = 2;
	if (tl->cur >= (int)tl->np)
		tl->cur = 0;
	if (tl->col < 0 || (tl->np && tl->col >= (int)tl->p[tl->cur].n))
		cursor_to_window(tl);
	ui->redraw = 1;
	if (tl->rerun) {
		tl->rerun = 0;
		load(ui, tl);
	}
}

/* Bins for one span: whole minutes, as many as fit the chart. */
static int plan_panel(struct panel *p, struct rd_window w, int64_t margin, int width)
{
	p->w = w;
	int64_t lo = (w.start - margin) / 60 * 60, hi = (w.end + margin + 59) / 60 * 60;
	int64_t minutes = (hi - lo) / 60;
	int64_t per = (minutes + width - 1) / (width > 0 ? width : 1);
	if (per < 1)
		per = 1;
	p->lo = lo;
	p->step = per * 60;
	p->n = (size_t)((hi - lo + p->step - 1) / p->step);
	p->bins = calloc(p->n ? p->n : 1, sizeof *p->bins);
	return p->bins ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}

static void load(struct ui *ui, struct timeline *tl)
{
	struct tl_job *t = calloc(1, sizeof *t);
	tl->dirty = 0;
	if (!t) {
		tl->state = 3;
		snprintf(tl->error, sizeof tl->error, "out of memory");
		return;
	}
	tl->chart_w = tl->r.w - LEGEND_W - 2;
	if (tl->chart_w < 10)
		tl->chart_w = 10;
	tl->recent = !ui->filter.nwindows;
	if (tl->recent) {
		struct rd_window w = { ui->now - RECENT_SECONDS, ui->now };
		t->np = plan_panel(&t->p[0], w, 0, tl->chart_w) == RD_OK ? 1 : 0;
	} else {
		for (size_t i = 0; i < ui->filter.nwindows; i++) {
			struct rd_window w = ui->filter.windows[i];
			int64_t margin = (w.end - w.start) / 4;
			if (margin < MIN_MARGIN)
				margin = MIN_MARGIN;
			if (plan_panel(&t->p[t->np], w, margin, tl->chart_w) != RD_OK)
				break;
			t->np++;
		}
	}
	t->gen = ++tl->gen;
	tl->state = 1;
	struct job_spec spec = {
		.label = "reading the timeline",
		.conn = JOB_OWN_STORE,
		.run = tl_run,
		.done = tl_done,
		.free = tl_job_free,
		.arg = t,
	};
	if (job_start(ui, &spec) != RD_OK) {
		tl->state = 3;
		snprintf(tl->error, sizeof tl->error, "%s", rd_error_message());
	}
}

/* ---- drawing -------------------------------------------------------------------- */

static const char *const blocks_utf8[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char *const blocks_ascii[] = { " ", ".", ".", ":", ":", "|", "|", "#", "#" };

/* One series as bars h rows high, scaled to max. */
static void draw_series(struct timeline *tl, const struct panel *p, int y, int h, const char *label,
                        int which, int64_t max, enum ui_element el)
{
	const char *const *blocks = draw_unicode() ? blocks_utf8 : blocks_ascii;
	int x0 = tl->r.x + LEGEND_W + 1;
	draw_text(y + h - 1, tl->r.x + 1, LEGEND_W - 1, label, UTF8_LEFT, ui_attr(el));
	for (size_t i = 0; i < p->n && (int)i < tl->chart_w; i++) {
		const struct rd_timeline_bin *b = &p->bins[i];
		int64_t v = which == 0 ? b->sent : which == 1 ? b->delivered : b->bounced;
		/* eighths of a row; any non-zero value shows at least a sliver */
		int64_t level = max > 0 ? (v * h * 8 + max - 1) / max : 0;
		for (int k = 0; k < h; k++) {
			int64_t part = level - (int64_t)(h - 1 - k) * 8;
			if (part < 0)
				part = 0;
			if (part > 8)
				part = 8;
			draw_text(y + k, x0 + (int)i, 1, blocks[part], UTF8_LEFT, ui_attr(el));
		}
	}
}

static int in_window(const struct panel *p, size_t i)
{
	int64_t a = p->lo + (int64_t)i * p->step, b = a + p->step;
	return a < p->w.end && b > p->w.start;
}

static void draw_axis(struct ui *ui, struct timeline *tl, const struct panel *p, int y, int cursor)
{
	int x0 = tl->r.x + LEGEND_W + 1;
	int uni = draw_unicode();
	draw_text(y, tl->r.x + 1, LEGEND_W - 1, tl->recent ? "" : "window", UTF8_LEFT, ui_attr(UI_EL_WINDOW_MARK));
	for (size_t i = 0; i < p->n && (int)i < tl->chart_w; i++) {
		int w = in_window(p, i);
		attr_t a = ui_attr(w && !tl->recent ? UI_EL_WINDOW_MARK : UI_EL_AXIS);
		if ((int)i == cursor)
			a = ui_attr(UI_EL_ROW_SELECTED);
		draw_text(y, x0 + (int)i, 1, w && !tl->recent ? "=" : uni ? "─" : "-", UTF8_LEFT, a);
	}
	/* time labels under the axis: the start of the span, and the window's
	 * edges (a label that would overlap the one before is left out) */
	int64_t at[3] = { p->lo, p->w.start, p->w.end };
	int last_end = -1;
	for (int k = 0; k < (tl->recent ? 1 : 3); k++) {
		char t[40];
		int64_t col = (at[k] - p->lo) / p->step;
		int x = x0 + (int)col;
		if (col < 0 || col >= (int64_t)p->n || x <= last_end || x + 5 > tl->r.x + tl->r.w)
			continue;
		ui_time_text(ui, at[k], 0, t, sizeof t);
		draw_text(y + 1, x, 5, t + 11, UTF8_LEFT, ui_attr(UI_EL_AXIS));
		last_end = x + 5;
	}
}

static void draw_panel(struct ui *ui, struct timeline *tl, int k, int y, int h)
{
	const struct panel *p = &tl->p[k];
	int64_t max = 0, tot[3] = { 0, 0, 0 };
	for (size_t i = 0; i < p->n; i++) {
		const struct rd_timeline_bin *b = &p->bins[i];
		int64_t v[3] = { b->sent, b->delivered, b->bounced };
		for (int s = 0; s < 3; s++) {
			if (v[s] > max)
				max = v[s];
			if (in_window(p, i))
				tot[s] += v[s];
		}
	}
	struct buf title = BUF_INIT;
	char n[3][32], top[32];
	for (int s = 0; s < 3; s++)
		ui_num(tot[s], n[s], sizeof n[s]);
	ui_num(max, top, sizeof top);
	if (tl->recent)
		buf_printf(&title, " the last %d hours (no incident window)", RECENT_SECONDS / 3600);
	else
		buf_printf(&title, " window %d of %zu: ", k + 1, tl->np);
	if (!tl->recent)
		timetext_window(ui->zone, &p->w, &title);
	draw_text(y, tl->r.x, tl->r.w, buf_str(&title), UTF8_LEFT,
	          ui_attr(k == tl->cur ? UI_EL_DIALOG_TITLE : UI_EL_LABEL));
	buf_reset(&title);
	buf_printf(&title, " %s: sent %s  delivered %s  bounced %s   column = %lld min, full bar = %s",
	           tl->recent ? "in all" : "inside the window", n[0], n[1], n[2], (long long)(p->step / 60), top);
	draw_text(y + 1, tl->r.x, tl->r.w, buf_str(&title), UTF8_LEFT, ui_attr(UI_EL_DIM));
	buf_free(&title);
	draw_series(tl, p, y + 2, h, "sent", 0, max, UI_EL_BAR_SENT);
	draw_series(tl, p, y + 2 + h, h, "delivered", 1, max, UI_EL_BAR_DELIVERED);
	draw_series(tl, p, y + 2 + 2 * h, h, "bounced", 2, max, UI_EL_BAR_BOUNCED);
	draw_axis(ui, tl, p, y + 2 + 3 * h, k == tl->cur ? tl->col : -1);
}

static void draw_cursor_line(struct ui *ui, struct timeline *tl, int y)
{
	const struct panel *p = &tl->p[tl->cur];
	if (tl->col < 0 || (size_t)tl->col >= p->n)
		return;
	const struct rd_timeline_bin *b = &p->bins[tl->col];
	char when[40], s[32], d[32], o[32], line[256];
	ui_time_text(ui, b->start, 0, when, sizeof when);
	ui_num(b->sent, s, sizeof s);
	ui_num(b->delivered, d, sizeof d);
	ui_num(b->bounced, o, sizeof o);
	snprintf(line, sizeof line, " %s (%lld min)  sent %s  delivered %s  bounced %s%s   h/l minute, n/N window",
	         when, (long long)(p->step / 60), s, d, o,
	         in_window(p, (size_t)tl->col) && !tl->recent ? "  in the window" : "");
	draw_text(y, tl->r.x, tl->r.w, line, UTF8_LEFT, ui_attr(UI_EL_NORMAL));
}

static void timeline_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct timeline *tl = state;
	if (tl->dirty || tl->chart_w != r->w - LEGEND_W - 2)
		load(ui, tl);
	if (tl->state == 3 || !tl->np) {
		draw_text(r->y + 1, r->x + 2, r->w - 4, tl->state == 3 ? tl->error : "reading the timeline…",
		          UTF8_LEFT, ui_attr(tl->state == 3 ? UI_EL_STATUS_ERROR : UI_EL_DIM));
		return;
	}
	int avail = r->h - 1;
	int shown = (int)tl->np;
	int h = (avail / shown - 4) / 3;
	if (h > 4)
		h = 4;
	if (h < 1) {
		h = 1;
		shown = avail / 7 > 0 ? avail / 7 : 1;
	}
	int first = tl->cur - shown + 1 > 0 ? tl->cur - shown + 1 : 0;
	int y = r->y;
	for (int k = first; k < first + shown && k < (int)tl->np; k++) {
		draw_panel(ui, tl, k, y, h);
		y += 3 * h + 4;
	}
	draw_cursor_line(ui, tl, r->y + r->h - 1);
}

/* The cursor starts on the first bin of the window. */
static void cursor_to_window(struct timeline *tl)
{
	tl->col = 0;
	if (tl->state != 2 || !tl->np)
		return;
	const struct panel *p = &tl->p[tl->cur];
	for (size_t i = 0; i < p->n; i++)
		if (in_window(p, i)) {
			tl->col = (int)i;
			return;
		}
}

static int timeline_key(struct ui *ui, void *state, int action, int key)
{
	struct timeline *tl = state;
	(void)ui;
	(void)key;
	int n = tl->np ? (int)tl->p[tl->cur].n : 0;
	switch (action) {
	case UI_ACT_LEFT:
		tl->col--;
		break;
	case UI_ACT_RIGHT:
		tl->col++;
		break;
	case UI_ACT_HOME:
		tl->col = 0;
		break;
	case UI_ACT_END:
		tl->col = n - 1;
		break;
	case UI_ACT_NEXT_WINDOW:
	case UI_ACT_DOWN:
	case UI_ACT_PAGE_DOWN:
		if (tl->cur + 1 < (int)tl->np) {
			tl->cur++;
			cursor_to_window(tl);
		}
		break;
	case UI_ACT_PREV_WINDOW:
	case UI_ACT_UP:
	case UI_ACT_PAGE_UP:
		if (tl->cur > 0) {
			tl->cur--;
			cursor_to_window(tl);
		}
		break;
	default:
		return UI_UNHANDLED;
	}
	if (tl->col >= n)
		tl->col = n - 1;
	if (tl->col < 0)
		tl->col = 0;
	return UI_HANDLED | UI_REDRAW;
}

static void timeline_changed(struct ui *ui, void *state, unsigned what)
{
	struct timeline *tl = state;
	if (what & UI_CHANGE_FILTER) {
		/* the old windows' bars must not stand for the new ones */
		free_panels(tl->p, tl->np);
		tl->np = 0;
		tl->cur = 0;
		tl->col = -1;
	}
	if (what & (UI_CHANGE_FILTER | UI_CHANGE_DATA)) {
		/* only the screen on view reads the store again at once, and a
		 * refresh waits for the reading under way */
		if (ui->cur != UI_SCR_TIMELINE)
			tl->dirty = 1;
		else if (!(what & UI_CHANGE_FILTER) && tl->state == 1)
			tl->rerun = 1;
		else
			load(ui, tl);
	}
}

static void timeline_shown(struct ui *ui, void *state)
{
	struct timeline *tl = state;
	if (tl->dirty || tl->state == 0)
		load(ui, tl);
}

static void timeline_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct timeline *tl = state;
	(void)ui;
	tl->r = *r;
	if (tl->chart_w != r->w - LEGEND_W - 2)
		tl->dirty = 1;
}

static int timeline_open(struct ui *ui, void **state)
{
	(void)ui;
	struct timeline *tl = calloc(1, sizeof *tl);
	if (!tl)
		return rd_error(RD_E_NOMEM, "out of memory");
	tl->col = -1;
	tl->dirty = 1;
	*state = tl;
	return RD_OK;
}

static void timeline_close(struct ui *ui, void *state)
{
	struct timeline *tl = state;
	(void)ui;
	free_panels(tl->p, tl->np);
	free(tl);
}

const struct screen_ops screen_timeline_ops = {
	.name = "Timeline",
	.group = UI_GROUP_TIMELINE,
	.hints = "h/l minute  n/N window",
	.open = timeline_open,
	.close = timeline_close,
	.resize = timeline_resize,
	.draw = timeline_draw,
	.key = timeline_key,
	.changed = timeline_changed,
	.shown = timeline_shown,
};
