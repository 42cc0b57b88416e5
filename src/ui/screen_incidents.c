/* screen_incidents.c — the recorded incidents with their windows in the
 * incident's zone and in UTC; Enter makes one the scope of every screen,
 * `w` types windows instead. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "job.h"
#include "redrive/buf.h"
#include "redrive/campaign.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store_incident.h"
#include "redrive/store_query.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"

#define HEAD_LINES 2

struct summary {
	int known;
	int64_t sent, delivered, affected, campaigns_lost;
};

struct incidents {
	struct ui_rect r;
	struct rd_incident *list;
	size_t n;
	struct summary *sum;      /* one per incident */
	unsigned gen;
	int summing;              /* a summary job is running */
	int sum_again;            /* the data changed meanwhile */
	int sel, top;
	int need_load;
	char error[512];
};

/* ---- summaries (a job: one report per incident) ---------------------------------- */

struct sum_job {
	char **names;
	size_t n;
	int64_t now, grace;
	struct summary *sum;
	unsigned gen;
};

static void sum_free(void *arg)
{
	struct sum_job *j = arg;
	for (size_t i = 0; i < j->n; i++)
		free(j->names[i]);
	free(j->names);
	free(j->sum);
	free(j);
}

static int sum_run(struct job *job, struct store *s, void *arg)
{
	struct sum_job *j = arg;
	for (size_t i = 0; i < j->n && !job_cancelled(job); i++) {
		struct rd_filter f;
		struct rd_report r;
		filter_init(&f);
		f.grace = j->grace;
		int rc = filter_option(&f, "incident", j->names[i]);
		if (!rc)
			rc = store_filter_resolve(s, &f, j->now, NULL);
		if (!rc)
			rc = store_report(s, &f, &r);
		filter_free(&f);
		if (rc)
			continue; /* an incident removed meanwhile: no summary */
		struct summary *m = &j->sum[i];
		m->known = 1;
		m->sent = r.totals.sent;
		m->delivered = r.totals.delivered;
		m->affected = r.totals.affected;
		for (size_t k = 0; k < r.n; k++)
			if (r.rows[k].verdict == RD_VERDICT_ALL_PENDING || r.rows[k].verdict == RD_VERDICT_NOT_EXECUTED)
				m->campaigns_lost++;
		store_report_free(&r);
	}
	return RD_OK;
}

static void load(struct ui *ui, struct incidents *in);

static void sum_done(struct ui *ui, struct job *job, int rc, const char *error, void *arg)
{
	struct sum_job *j = arg;
	struct incidents *in = ui->st[UI_SCR_INCIDENTS];
	(void)job;
	(void)error;
	if (j->gen != in->gen)
		return;
	in->summing = 0;
	if (!rc && j->n == in->n) {
		free(in->sum);
		in->sum = j->sum;
		j->sum = NULL;
		ui->redraw = 1;
	}
	if (in->sum_again) {
		in->sum_again = 0;
		load(ui, in);
	}
}

static void start_summaries(struct ui *ui, struct incidents *in)
{
	struct sum_job *j = calloc(1, sizeof *j);
	if (!j)
		return;
	j->names = calloc(in->n ? in->n : 1, sizeof *j->names);
	j->sum = calloc(in->n ? in->n : 1, sizeof *j->sum);
	if (!j->names || !j->sum) {
		sum_free(j);
		return;
	}
	for (size_t i = 0; i < in->n; i++) {
		j->names[i] = strdup(in->list[i].name);
		if (!j->names[i]) {
			sum_free(j);
			return;
		}
		j->n++;
	}
	j->now = ui->now;
	j->grace = ui->filter.grace;
	j->gen = in->gen;
	in->summing = 1;
	struct job_spec spec = {
		.label = "counting incidents",
		.conn = JOB_OWN_STORE,
		.run = sum_run,
		.done = sum_done,
		.free = sum_free,
		.arg = j,
	};
	if (job_start(ui, &spec) != RD_OK)
		in->summing = 0;
}

static void load(struct ui *ui, struct incidents *in)
{
	struct store *s = ui_store(ui);
	if (!s) {
		in->need_load = 1;
		return;
	}
	in->need_load = 0;
	store_incident_list_free(in->list, in->n);
	in->list = NULL;
	in->n = 0;
	free(in->sum);
	in->sum = NULL;
	in->gen++;
	if (store_incident_list(s, &in->list, &in->n) != RD_OK) {
		snprintf(in->error, sizeof in->error, "%s", rd_error_message());
		return;
	}
	in->error[0] = '\0';
	if (in->sel > (int)in->n)
		in->sel = (int)in->n;
	if (in->n)
		start_summaries(ui, in);
	ui->redraw = 1;
}

/* ---- drawing ---------------------------------------------------------------------- */

static int is_current(struct ui *ui, size_t i, struct incidents *in)
{
	if (i == in->n)
		return !ui->filter.incident && !ui->filter.nspecs;
	return ui->filter.incident && strcmp(ui->filter.incident, in->list[i].name) == 0;
}

static void draw_windows(struct incidents *in, int y, int h)
{
	struct ui_rect *r = &in->r;
	struct buf line = BUF_INIT;
	if (in->sel == (int)in->n) {
		draw_text(y, r->x + 1, r->w - 2, "every message in the store, whatever its time", UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
		draw_text(y + 1, r->x + 1, r->w - 2,
		          "w: type windows instead, in the display zone (\"2018-09-12 04:30/05:00\")", UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
		buf_free(&line);
		return;
	}
	const struct rd_incident *it = &in->list[in->sel];
	struct tz *z = tz_load(it->tz);
	buf_printf(&line, "%s: %zu window%s in %s, shown in the zone and in UTC", it->name, it->nwindows,
	           it->nwindows == 1 ? "" : "s", it->tz);
	draw_text(y, r->x + 1, r->w - 2, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_LABEL));
	for (size_t k = 0; k < it->nwindows && (int)k < h - 1; k++) {
		buf_reset(&line);
		buf_printf(&line, "%2zu  ", k + 1);
		timetext_window(z, &it->windows[k], &line);
		draw_text(y + 1 + (int)k, r->x + 3, r->w - 4, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_NORMAL));
	}
	tz_free(z);
	buf_free(&line);
}

static void incidents_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct incidents *in = state;
	if (in->need_load)
		load(ui, in);
	int rows_total = (int)in->n + 1;
	int list_h = r->h - HEAD_LINES - 6;
	if (list_h > rows_total)
		list_h = rows_total;
	if (list_h < 1)
		list_h = 1;
	if (in->sel < in->top)
		in->top = in->sel;
	if (in->sel >= in->top + list_h)
		in->top = in->sel - list_h + 1;

	draw_text(r->y, r->x, r->w,
	          in->error[0] ? in->error
	                       : " Pick the incident: Enter uses its windows and zone on every screen; w types windows",
	          UTF8_LEFT, ui_attr(in->error[0] ? UI_EL_STATUS_ERROR : UI_EL_DIM));
	/* marker, name, zone, windows, first start, three counts */
	int nw = r->w - 2 - 1 - 15 - 4 - 17 - 3 * 10;
	if (nw < 8)
		nw = 8;
	int y = r->y + 1;
	draw_fill(y, r->x, r->w, ui_attr(UI_EL_HEADER));
	draw_textf(y, r->x + 2, r->w - 2, ui_attr(UI_EL_HEADER), "%-*s %-14s %3s %-16s %9s %9s %9s", nw,
	           "INCIDENT", "ZONE", "WIN", "FIRST (ZONE)", "SENT", "DELIVERED", "AFFECTED");
	for (int i = 0; i < list_h && in->top + i < rows_total; i++) {
		int idx = in->top + i, sel = idx == in->sel;
		attr_t a = ui_attr(sel ? UI_EL_ROW_SELECTED : UI_EL_NORMAL);
		int yy = y + 1 + i, x = r->x;
		draw_fill(yy, r->x, r->w, a);
		draw_text(yy, x, 1, is_current(ui, (size_t)idx, in) ? ">" : " ", UTF8_LEFT, a);
		x += 2;
		if (idx == (int)in->n) {
			draw_text(yy, x, nw, "(all messages, no incident)", UTF8_LEFT, a);
			continue;
		}
		const struct rd_incident *it = &in->list[idx];
		char first[40] = "-", num[3][32], wins[16];
		struct tz *z = tz_load(it->tz);
		if (it->nwindows) {
			char full[40];
			tz_format(z, it->windows[0].start, 0, full, sizeof full);
			snprintf(first, sizeof first, "%.16s", full);
		}
		tz_free(z);
		snprintf(wins, sizeof wins, "%zu", it->nwindows);
		const struct summary *m = in->sum ? &in->sum[idx] : NULL;
		if (m && m->known) {
			ui_num(m->sent, num[0], sizeof num[0]);
			ui_num(m->delivered, num[1], sizeof num[1]);
			ui_num(m->affected, num[2], sizeof num[2]);
		} else {
			for (int k = 0; k < 3; k++)
				snprintf(num[k], sizeof num[k], "…");
		}
		draw_text(yy, x, nw, it->name, UTF8_LEFT, a);
		x += nw + 1;
		draw_text(yy, x, 14, it->tz, UTF8_LEFT, a);
		x += 15;
		draw_text(yy, x, 3, wins, UTF8_RIGHT, a);
		x += 4;
		draw_text(yy, x, 16, first, UTF8_LEFT, a);
		x += 17;
		for (int k = 0; k < 3; k++) {
			attr_t na = k == 2 && m && m->known && m->affected && !sel ? ui_attr(UI_EL_STATE_LOST) : a;
			draw_text(yy, x, 9, num[k], UTF8_RIGHT, na);
			x += 10;
		}
	}
	if (!in->n && !in->error[0])
		draw_text(y + 2 + list_h, r->x + 2, r->w - 4,
		          "no incident recorded: `redrive incident add NAME --window W --tz ZONE`, or w here", UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
	int wy = y + 2 + list_h;
	draw_windows(in, wy, r->y + r->h - wy);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void typed_windows(struct ui *ui, const char *text, void *arg)
{
	(void)arg;
	if (ui_use_windows(ui, text) == RD_OK)
		ui_switch(ui, UI_SCR_CAMPAIGNS);
}

static int incidents_key(struct ui *ui, void *state, int action, int key)
{
	struct incidents *in = state;
	int n = (int)in->n + 1;
	(void)key;
	switch (action) {
	case UI_ACT_DOWN:
		in->sel++;
		break;
	case UI_ACT_UP:
		in->sel--;
		break;
	case UI_ACT_PAGE_DOWN:
		in->sel += 10;
		break;
	case UI_ACT_PAGE_UP:
		in->sel -= 10;
		break;
	case UI_ACT_HOME:
		in->sel = 0;
		break;
	case UI_ACT_END:
		in->sel = n - 1;
		break;
	case UI_ACT_OPEN: {
		char *name = in->sel < (int)in->n ? strdup(in->list[in->sel].name) : NULL;
		if (ui_use_incident(ui, name) == RD_OK)
			ui_switch(ui, UI_SCR_CAMPAIGNS);
		free(name);
		return UI_HANDLED | UI_REDRAW;
	}
	case UI_ACT_WINDOWS: {
		char label[96];
		snprintf(label, sizeof label, " windows in %s (several: a, b): ", tz_name(ui->zone));
		prompt_open(ui, label, "", typed_windows, NULL);
		return UI_HANDLED | UI_REDRAW;
	}
	default:
		return UI_UNHANDLED;
	}
	if (in->sel >= n)
		in->sel = n - 1;
	if (in->sel < 0)
		in->sel = 0;
	return UI_HANDLED | UI_REDRAW;
}

static void incidents_changed(struct ui *ui, void *state, unsigned what)
{
	struct incidents *in = state;
	if ((what & UI_CHANGE_DATA) && in->summing)
		in->sum_again = 1; /* after the counts under way */
	else if (what & UI_CHANGE_DATA || ((what & UI_CHANGE_RETRY) && in->need_load))
		load(ui, in);
	else if (what & UI_CHANGE_FILTER)
		ui->redraw = 1;
}

static void incidents_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct incidents *in = state;
	in->r = *r;
	if (!in->list && !in->error[0] && !in->gen)
		load(ui, in);
}

static int incidents_open(struct ui *ui, void **state)
{
	(void)ui;
	struct incidents *in = calloc(1, sizeof *in);
	if (!in)
		return rd_error(RD_E_NOMEM, "out of memory");
	*state = in;
	return RD_OK;
}

static void incidents_close(struct ui *ui, void *state)
{
	struct incidents *in = state;
	(void)ui;
	store_incident_list_free(in->list, in->n);
	free(in->sum);
	free(in);
}

const struct screen_ops screen_incidents_ops = {
	.name = "Incidents",
	.group = UI_GROUP_INCIDENTS,
	.hints = "Enter use incident  w type windows",
	.open = incidents_open,
	.close = incidents_close,
	.resize = incidents_resize,
	.draw = incidents_draw,
	.key = incidents_key,
	.changed = incidents_changed,
};
