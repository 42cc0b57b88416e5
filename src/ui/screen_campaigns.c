/* screen_campaigns.c — the per-campaign counts and verdicts of the filter
 * (the same store_report as `redrive report`), sortable; Enter lists the
 * campaign's messages. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store_query.h"
#include "redrive/timefmt.h"
#include "redrive/timetext.h"

/* Sort keys: the report's own order (severity), name, verdict, then each count. */
enum { SORT_SEVERITY, SORT_NAME, SORT_VERDICT, SORT_FIRST_COUNT };

#define NCOUNTS 11
#define SORT_COUNT (SORT_FIRST_COUNT + NCOUNTS)

/* The counts in the order shown: AFFECTED first (what an operator acts on),
 * then SPEC §1's order. */
static const char *const count_titles[NCOUNTS] = { "AFFECTED", "SENT",  "DELIV", "PEND", "DEFER",   "BOUNCE",
	                                           "BLOCK",    "DROP",  "DEAD",  "QUEUED", "REQUEUED" };
static const char *const sort_names[SORT_COUNT] = { "severity", "name",     "verdict", "affected", "sent",
	                                            "delivered", "pending", "deferred", "bounced", "blocked",
	                                            "dropped",  "dead",     "queued",  "requeued" };

/* Lines above the rows (summary, headers) and below (totals, details). */
#define HEAD_LINES 2
#define FOOT_LINES 3

struct campaigns {
	struct ui_rect r;
	struct rd_report rep;
	int *order;               /* rows in display order */
	int have;                 /* rep is the filter's (maybe one refresh behind) */
	int running;              /* a report is being computed */
	int failed;               /* the last one failed: error says why */
	char error[512];
	unsigned gen;
	int rerun;                /* the data changed while a report ran */
	int sel, top;
	int sort, reverse;
	int hscroll;              /* first count column shown */
	int64_t sel_id;           /* keeps the cursor on a campaign across reloads */
};

static void counts_of(const struct rd_counts *c, int64_t *v)
{
	const int64_t shown[NCOUNTS] = { c->affected, c->sent,    c->delivered, c->pending, c->deferred, c->bounced,
		                         c->blocked,  c->dropped, c->dead,      c->queued,  c->requeued };
	for (int k = 0; k < NCOUNTS; k++)
		v[k] = shown[k];
}

/* ---- sorting ---------------------------------------------------------------- */

static struct campaigns *sorting;

static int compare(const void *a, const void *b)
{
	const struct rd_campaign_row *x = &sorting->rep.rows[*(const int *)a];
	const struct rd_campaign_row *y = &sorting->rep.rows[*(const int *)b];
	int c = 0;
	if (sorting->sort == SORT_NAME) {
		c = strcmp(x->name, y->name);
	} else if (sorting->sort == SORT_VERDICT) {
		c = x->verdict - y->verdict;
	} else if (sorting->sort >= SORT_FIRST_COUNT) {
		int64_t vx[NCOUNTS], vy[NCOUNTS];
		counts_of(&x->counts, vx);
		counts_of(&y->counts, vy);
		int k = sorting->sort - SORT_FIRST_COUNT;
		/* biggest first */
		c = vx[k] < vy[k] ? 1 : vx[k] > vy[k] ? -1 : 0;
	}
	if (!c) /* the report's order breaks ties */
		c = *(const int *)a - *(const int *)b;
	return sorting->reverse ? -c : c;
}

static void sort_rows(struct campaigns *c)
{
	free(c->order);
	c->order = c->rep.n ? malloc(c->rep.n * sizeof *c->order) : NULL;
	if (!c->order)
		return;
	for (size_t i = 0; i < c->rep.n; i++)
		c->order[i] = (int)i;
	sorting = c;
	qsort(c->order, c->rep.n, sizeof *c->order, compare);
	sorting = NULL;
	c->sel = 0;
	for (size_t i = 0; i < c->rep.n; i++)
		if (c->rep.rows[c->order[i]].id == c->sel_id)
			c->sel = (int)i;
}

/* ---- the report job ------------------------------------------------------------ */

struct report_job {
	struct rd_filter f;
	struct rd_report rep;
	unsigned gen;
};

static void report_free(void *arg)
{
	struct report_job *j = arg;
	filter_free(&j->f);
	store_report_free(&j->rep);
	free(j);
}

static int report_run(struct job *j, struct store *s, void *arg)
{
	struct report_job *r = arg;
	(void)j;
	return store_report(s, &r->f, &r->rep);
}

static void start_report(struct ui *ui, struct campaigns *c, int fresh);

static void report_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct report_job *r = arg;
	struct campaigns *c = ui->st[UI_SCR_CAMPAIGNS];
	(void)j;
	if (r->gen != c->gen)
		return;
	c->running = 0;
	if (rc) {
		c->failed = 1;
		snprintf(c->error, sizeof c->error, "%s", error);
	} else {
		store_report_free(&c->rep);
		c->rep = r->rep;
		memset(&r->rep, 0, sizeof r->rep);
		c->have = 1;
		c->failed = 0;
		sort_rows(c);
	}
	if (c->rerun) {
		c->rerun = 0;
		start_report(ui, c, 0);
	}
	ui->redraw = 1;
}

/* Runs the report in a job.  fresh: a new filter (what is shown is no longer
 * the filter's); else the data changed: the table stays until the new
 * counts are in, and at most one report runs at a time. */
static void start_report(struct ui *ui, struct campaigns *c, int fresh)
{
	if (fresh) {
		c->gen++;
		c->have = 0;
		c->failed = 0;
		c->rerun = 0;
	} else if (c->running) {
		c->rerun = 1;
		return;
	}
	struct report_job *r = calloc(1, sizeof *r);
	if (!r || filter_copy(&r->f, &ui->filter) != RD_OK) {
		free(r);
		c->failed = 1;
		snprintf(c->error, sizeof c->error, "out of memory");
		return;
	}
	r->gen = c->gen;
	c->running = 1;
	struct job_spec spec = {
		.label = "counting campaigns",
		.conn = ui->filter.tagged ? JOB_UI_STORE : JOB_OWN_STORE,
		.run = report_run,
		.done = report_done,
		.free = report_free,
		.arg = r,
	};
	if (job_start(ui, &spec) != RD_OK) {
		c->running = 0;
		c->failed = 1;
		snprintf(c->error, sizeof c->error, "%s", rd_error_message());
	}
}

/* ---- layout ---------------------------------------------------------------------- */

struct layout {
	int name_w, verdict_w;
	int count_w[NCOUNTS];
	int first, last;          /* count columns shown */
	int x_counts;
};

static void plan(struct campaigns *c, int width, struct layout *l)
{
	int64_t v[NCOUNTS];
	int name_max = 8;
	l->verdict_w = 12;
	for (int k = 0; k < NCOUNTS; k++)
		l->count_w[k] = (int)strlen(count_titles[k]);
	for (size_t i = 0; i <= c->rep.n; i++) {
		const struct rd_counts *rc = i < c->rep.n ? &c->rep.rows[i].counts : &c->rep.totals;
		counts_of(rc, v);
		for (int k = 0; k < NCOUNTS; k++) {
			char n[32];
			ui_num(v[k], n, sizeof n);
			if ((int)strlen(n) > l->count_w[k])
				l->count_w[k] = (int)strlen(n);
		}
		if (i < c->rep.n && draw_width(c->rep.rows[i].name) > name_max)
			name_max = draw_width(c->rep.rows[i].name);
	}
	int sum = 0;
	for (int k = 0; k < NCOUNTS; k++)
		sum += l->count_w[k] + 1;
	int avail = width - 2 - l->verdict_w - 2;
	if (name_max > 40)
		name_max = 40;
	l->name_w = avail - sum >= name_max ? avail - sum : name_max;
	if (l->name_w > avail - 24)
		l->name_w = avail - 24 > 16 ? avail - 24 : 16;
	if (c->hscroll > NCOUNTS - 1)
		c->hscroll = NCOUNTS - 1;
	if (c->hscroll < 0)
		c->hscroll = 0;
	/* every column shown when they fit */
	if (l->name_w + sum <= avail)
		c->hscroll = 0;
	l->x_counts = 1 + l->name_w + 1 + l->verdict_w + 1;
	l->first = c->hscroll;
	int x = l->x_counts;
	l->last = l->first;
	while (l->last < NCOUNTS && x + l->count_w[l->last] <= width) {
		x += l->count_w[l->last] + 1;
		l->last++;
	}
}

static void draw_counts(int y, int x0, const struct layout *l, const struct rd_counts *counts, attr_t a,
                        int affected_el)
{
	int64_t v[NCOUNTS];
	int x = x0 + l->x_counts;
	counts_of(counts, v);
	for (int k = l->first > 0 ? l->first : 0; k < l->last && k < NCOUNTS; k++) {
		char n[32];
		ui_num(v[k], n, sizeof n);
		attr_t ca = a;
		if (k == 0 && v[k] > 0 && affected_el >= 0)
			ca = ui_attr((enum ui_element)affected_el);
		draw_text(y, x, l->count_w[k], n, UTF8_RIGHT, ca);
		x += l->count_w[k] + 1;
	}
}

static enum ui_element verdict_element(int verdict)
{
	switch (verdict) {
	case RD_VERDICT_NOT_EXECUTED:
		return UI_EL_VERDICT_NOT_EXECUTED;
	case RD_VERDICT_ALL_PENDING:
		return UI_EL_VERDICT_LOST;
	case RD_VERDICT_PARTIAL:
		return UI_EL_VERDICT_PARTIAL;
	default:
		return UI_EL_VERDICT_OK;
	}
}

static void draw_header(struct campaigns *c, const struct layout *l, int y, int x0, int w)
{
	attr_t h = ui_attr(UI_EL_HEADER), hs = ui_attr(UI_EL_HEADER_SORTED);
	const char *arrow = c->reverse ? "^" : "v";
	char title[32];
	draw_fill(y, x0, w, h);
	snprintf(title, sizeof title, "CAMPAIGN%s", c->sort == SORT_NAME ? (c->reverse ? " v" : " ^") : "");
	draw_text(y, x0 + 1, l->name_w, title, UTF8_LEFT, c->sort == SORT_NAME ? hs : h);
	snprintf(title, sizeof title, "VERDICT%s", c->sort == SORT_VERDICT ? (c->reverse ? " v" : " ^") : "");
	draw_text(y, x0 + 2 + l->name_w, l->verdict_w, title, UTF8_LEFT, c->sort == SORT_VERDICT ? hs : h);
	int x = x0 + l->x_counts;
	for (int k = l->first > 0 ? l->first : 0; k < l->last && k < NCOUNTS; k++) {
		int sorted = c->sort == SORT_FIRST_COUNT + k;
		snprintf(title, sizeof title, "%s%s", sorted ? arrow : "", count_titles[k]);
		draw_text(y, x, l->count_w[k], title, UTF8_RIGHT, sorted ? hs : h);
		x += l->count_w[k] + 1;
	}
}

static void draw_scope(struct ui *ui, struct campaigns *c, int y, int x, int w)
{
	struct buf line = BUF_INIT;
	char n[32], grace[16];
	ui_num((int64_t)c->rep.n, n, sizeof n);
	timefmt_duration(ui->filter.grace, grace, sizeof grace);
	buf_printf(&line, " %s campaign%s  sorted by %s%s  grace %s  ", n, c->rep.n == 1 ? "" : "s",
	           sort_names[c->sort], c->reverse ? " (reversed)" : "", grace);
	if (ui->filter.nwindows) {
		timetext_window(ui->zone, &ui->filter.windows[0], &line);
		if (ui->filter.nwindows > 1)
			buf_printf(&line, " +%zu more window%s", ui->filter.nwindows - 1,
			           ui->filter.nwindows > 2 ? "s" : "");
	} else {
		buf_adds(&line, "all time");
	}
	if (c->hscroll)
		buf_adds(&line, "  (h: more columns on the left)");
	draw_text(y, x, w, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_DIM));
	buf_free(&line);
}

static void campaigns_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct campaigns *c = state;
	struct layout l;
	plan(c, r->w, &l);
	draw_scope(ui, c, r->y, r->x, r->w);
	draw_header(c, &l, r->y + 1, r->x, r->w);
	int rows = r->h - HEAD_LINES - FOOT_LINES;
	if (!c->have || !c->rep.n) {
		const char *why = !c->have && c->failed ? c->error
		                  : c->have ? "no messages match the filter (/ changes it, 1 picks an incident)"
		                            : "counting…";
		draw_text(r->y + HEAD_LINES + 1, r->x + 2, r->w - 4, why, UTF8_LEFT,
		          ui_attr(!c->have && c->failed ? UI_EL_STATUS_ERROR : UI_EL_DIM));
		if (!c->have)
			return;
	}
	if (c->sel < c->top)
		c->top = c->sel;
	if (c->sel >= c->top + rows)
		c->top = c->sel - rows + 1;
	for (int i = 0; i < rows && c->top + i < (int)c->rep.n; i++) {
		int idx = c->top + i;
		const struct rd_campaign_row *row = &c->rep.rows[c->order ? c->order[idx] : idx];
		int y = r->y + HEAD_LINES + i, selected = idx == c->sel;
		attr_t a = ui_attr(selected ? UI_EL_ROW_SELECTED : UI_EL_NORMAL);
		draw_fill(y, r->x, r->w, a);
		draw_text(y, r->x + 1, l.name_w, row->name, UTF8_LEFT, a);
		draw_text(y, r->x + 2 + l.name_w, l.verdict_w, campaign_verdict_name(row->verdict), UTF8_LEFT,
		          selected ? a : ui_attr(verdict_element(row->verdict)));
		draw_counts(y, r->x, &l, &row->counts, a, selected ? -1 : UI_EL_STATE_LOST);
	}
	int y = r->y + r->h - FOOT_LINES;
	attr_t t = ui_attr(UI_EL_ROW_TOTAL);
	draw_fill(y, r->x, r->w, t);
	draw_text(y, r->x + 1, l.name_w, "TOTAL", UTF8_LEFT, t);
	draw_counts(y, r->x, &l, &c->rep.totals, t, -1);
	if (c->rep.n) {
		const struct rd_campaign_row *row = &c->rep.rows[c->order ? c->order[c->sel] : c->sel];
		struct buf line = BUF_INIT;
		buf_printf(&line, " %s: %s, %s, %s — %s: %s", row->name, row->kind, row->schedule, row->status,
		           campaign_verdict_name(row->verdict), campaign_verdict_help(row->verdict));
		draw_text(y + 1, r->x, r->w, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_NORMAL));
		buf_free(&line);
		draw_text(y + 2, r->x, r->w, " Enter: its messages   s/S: sort   h/l: columns", UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
	}
}

/* ---- callbacks --------------------------------------------------------------------- */

static void list_campaign(struct ui *ui, const char *name)
{
	struct rd_filter nf;
	if (ui_filter_terms(ui, &nf) != RD_OK)
		return;
	for (size_t i = 0; i < nf.ncampaigns; i++)
		free(nf.campaigns[i]);
	nf.ncampaigns = 0;
	if (filter_option(&nf, "campaign", name) != RD_OK) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return;
	}
	if (ui_set_filter(ui, &nf) == RD_OK)
		ui_switch(ui, UI_SCR_MESSAGES);
}

static int campaigns_key(struct ui *ui, void *state, int action, int key)
{
	struct campaigns *c = state;
	int n = (int)c->rep.n, page = c->r.h - HEAD_LINES - FOOT_LINES;
	(void)key;
	switch (action) {
	case UI_ACT_DOWN:
		c->sel++;
		break;
	case UI_ACT_UP:
		c->sel--;
		break;
	case UI_ACT_PAGE_DOWN:
		c->sel += page;
		break;
	case UI_ACT_PAGE_UP:
		c->sel -= page;
		break;
	case UI_ACT_HOME:
		c->sel = 0;
		break;
	case UI_ACT_END:
		c->sel = n - 1;
		break;
	case UI_ACT_LEFT:
		c->hscroll--;
		break;
	case UI_ACT_RIGHT:
		c->hscroll++;
		break;
	case UI_ACT_SORT:
		c->sort = (c->sort + 1) % SORT_COUNT;
		c->reverse = 0;
		sort_rows(c);
		break;
	case UI_ACT_SORT_REVERSE:
		c->reverse = !c->reverse;
		sort_rows(c);
		break;
	case UI_ACT_OPEN:
		if (c->have && n) {
			char *name = strdup(c->rep.rows[c->order ? c->order[c->sel] : c->sel].name);
			if (name)
				list_campaign(ui, name);
			free(name);
		}
		return UI_HANDLED | UI_REDRAW;
	default:
		return UI_UNHANDLED;
	}
	if (c->sel >= n)
		c->sel = n - 1;
	if (c->sel < 0)
		c->sel = 0;
	if (n && action != UI_ACT_SORT && action != UI_ACT_SORT_REVERSE)
		c->sel_id = c->rep.rows[c->order ? c->order[c->sel] : c->sel].id;
	return UI_HANDLED | UI_REDRAW;
}

static void campaigns_changed(struct ui *ui, void *state, unsigned what)
{
	struct campaigns *c = state;
	if (what & UI_CHANGE_FILTER) {
		c->sel = c->top = 0;
		c->sel_id = 0;
		start_report(ui, c, 1);
	} else if ((what & UI_CHANGE_DATA) || ((what & UI_CHANGE_TAGS) && ui->filter.tagged)) {
		start_report(ui, c, 0);
	}
}

static void campaigns_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct campaigns *c = state;
	c->r = *r;
	if (!c->have && !c->running && !c->failed)
		start_report(ui, c, 1);
}

static int campaigns_open(struct ui *ui, void **state)
{
	(void)ui;
	struct campaigns *c = calloc(1, sizeof *c);
	if (!c)
		return rd_error(RD_E_NOMEM, "out of memory");
	*state = c;
	return RD_OK;
}

static void campaigns_close(struct ui *ui, void *state)
{
	struct campaigns *c = state;
	(void)ui;
	store_report_free(&c->rep);
	free(c->order);
	free(c);
}

const struct screen_ops screen_campaigns_ops = {
	.name = "Campaigns",
	.group = UI_GROUP_CAMPAIGNS,
	.hints = "Enter messages  s sort  S reverse  h/l columns",
	.open = campaigns_open,
	.close = campaigns_close,
	.resize = campaigns_resize,
	.draw = campaigns_draw,
	.key = campaigns_key,
	.changed = campaigns_changed,
};
