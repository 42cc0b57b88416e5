/* actions.c — what the dashboard does across screens: tagging everything the
 * filter selects, counting the tags the filter hides, the late-mail alarm. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/store_query.h"
#include "redrive/store_tags.h"
#include "redrive/store_watch.h"

/* Tags below this many are counted on the spot; more in a job. */
#define HIDDEN_INLINE_MAX 20000
/* Ids per piece when counting hidden tags. */
#define HIDDEN_SLICE 100000
/* A tag-all piece aims at this many seconds, so cancel answers quickly. */
#define TAG_SLICE_SECONDS 0.1

/* ---- tag all ------------------------------------------------------------------ */

struct tag_all {
	struct rd_filter f;
	int64_t added;
};

static void tag_all_free(void *arg)
{
	struct tag_all *t = arg;
	filter_free(&t->f);
	free(t);
}

/* The time ranges to cover: the windows, or the filter's first to last row. */
static int tag_ranges(struct store *s, const struct rd_filter *f, struct rd_window *r, size_t *n)
{
	*n = 0;
	if (f->nwindows) {
		memcpy(r, f->windows, f->nwindows * sizeof *r);
		*n = f->nwindows;
		return RD_OK;
	}
	struct rd_page p = { 0 };
	int rc = store_messages_page(s, f, RD_CURSOR_START, 0, 1, &p);
	if (!rc && p.n) {
		int64_t first = p.rows[0].t_at;
		rc = store_messages_page(s, f, RD_CURSOR_END, 1, 1, &p);
		if (!rc && p.n)
			r[(*n)++] = (struct rd_window){ first, p.rows[0].t_at + 1 };
	}
	store_page_free(&p);
	return rc;
}

static int tag_all_run(struct job *j, struct store *s, void *arg)
{
	struct tag_all *t = arg;
	struct rd_window r[RD_MAX_WINDOWS];
	size_t nr;
	double total = 0, covered = 0;
	int rc = tag_ranges(s, &t->f, r, &nr);
	if (rc)
		return rc;
	for (size_t i = 0; i < nr; i++)
		total += (double)(r[i].end - r[i].start);
	if ((rc = store_tags_begin(s)) != RD_OK)
		return rc;
	for (size_t i = 0; i < nr && !rc; i++) {
		int64_t at = r[i].start, step = (r[i].end - r[i].start) / 64;
		if (step < 60)
			step = 60;
		while (at < r[i].end && !rc) {
			if (job_cancelled(j)) {
				rc = rd_error(RD_E_CANCELLED, "tag all cancelled; the tags are as they were");
				break;
			}
			int64_t hi = r[i].end - at > step ? at + step : r[i].end, added = 0;
			double t0 = ui_clock();
			rc = store_tags_add_range(s, &t->f, at, hi, &added);
			double dt = ui_clock() - t0;
			t->added += added;
			covered += (double)(hi - at);
			at = hi;
			/* pieces of about TAG_SLICE_SECONDS, whatever the density */
			if (dt < TAG_SLICE_SECONDS / 2 && step < INT64_MAX / 4)
				step *= 2;
			else if (dt > TAG_SLICE_SECONDS * 2 && step > 1)
				step /= 2;
			char n[32];
			ui_num(t->added, n, sizeof n);
			job_progress(j, total > 0 ? covered / total : 1, "%s tagged", n);
		}
	}
	int end = store_tags_end(s, rc == RD_OK);
	return rc ? rc : end;
}

static void tag_all_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct tag_all *t = arg;
	(void)j;
	if (rc) {
		ui_error(ui, "%s", error);
		return;
	}
	char n[32], all[32];
	ui_tags_changed(ui, t->added, -1);
	ui_num(t->added, n, sizeof n);
	ui_num(ui->tags.tagged, all, sizeof all);
	ui_status(ui, "tagged %s more messages matching the filter (%s tagged in all)", n, all);
}

void ui_tag_all(struct ui *ui)
{
	struct tag_all *t = calloc(1, sizeof *t);
	if (!t || filter_copy(&t->f, &ui->filter) != RD_OK) {
		free(t);
		ui_error(ui, "out of memory");
		return;
	}
	struct job_spec spec = {
		.label = "tagging every message of the filter",
		.conn = JOB_UI_STORE,
		.visible = 1,
		.run = tag_all_run,
		.done = tag_all_done,
		.free = tag_all_free,
		.arg = t,
	};
	if (job_start(ui, &spec) != RD_OK)
		ui_error(ui, "%s", rd_error_message());
	ui->redraw = 1;
}

void ui_untag_all(struct ui *ui)
{
	struct store *s = ui_store(ui);
	int64_t removed = 0;
	if (!s) {
		ui_error(ui, "the store is busy with a job; untag when it ends (x cancels it)");
		return;
	}
	if (store_tags_clear(s, &removed) != RD_OK) {
		ui_error(ui, "%s", rd_error_message());
		return;
	}
	char n[32];
	ui_num(removed, n, sizeof n);
	ui_tags_changed(ui, 0, 0);
	ui_status(ui, "untagged %s messages", n);
}

/* ---- hidden tags --------------------------------------------------------------- */

struct hidden {
	struct rd_filter f;
	unsigned gen;
	int64_t tagged, visible;
};

static void hidden_free(void *arg)
{
	struct hidden *h = arg;
	filter_free(&h->f);
	free(h);
}

static int hidden_run(struct job *j, struct store *s, void *arg)
{
	struct hidden *h = arg;
	int64_t lo = 0, hi = 0;
	int rc = store_tags_count(s, &h->tagged);
	if (!rc)
		rc = store_tags_id_range(s, &lo, &hi);
	h->visible = 0;
	for (int64_t at = lo; !rc && h->tagged && at <= hi; at += HIDDEN_SLICE) {
		int64_t n = 0;
		if (j && job_cancelled(j))
			return rd_error(RD_E_CANCELLED, "cancelled");
		rc = store_tags_visible(s, &h->f, at, at + HIDDEN_SLICE, &n);
		h->visible += n;
		if (j)
			job_progress(j, hi > lo ? (double)(at - lo) / (double)(hi - lo) : 1, " ");
	}
	return rc;
}

static void hidden_apply(struct ui *ui, struct hidden *h, int rc, const char *error)
{
	if (h->gen != ui->tags.gen)
		return; /* the tags changed meanwhile: a newer count follows */
	if (rc) {
		ui_error(ui, "counting hidden tags: %s", error);
		return;
	}
	ui->tags.tagged = h->tagged;
	ui->tags.hidden = h->tagged - h->visible;
	ui->tags.hidden_known = 1;
	ui->redraw = 1;
}

static void hidden_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	(void)j;
	hidden_apply(ui, arg, rc, error);
}

void ui_count_hidden(struct ui *ui)
{
	struct hidden *h = calloc(1, sizeof *h);
	if (!h || filter_copy(&h->f, &ui->filter) != RD_OK) {
		free(h);
		return;
	}
	ui->tags.gen++;
	h->gen = ui->tags.gen;
	ui->tags.hidden_known = 0;
	struct store *s = ui_store(ui);
	if (s && ui->tags.tagged <= HIDDEN_INLINE_MAX) {
		int rc = hidden_run(NULL, s, h);
		hidden_apply(ui, h, rc, rc ? rd_error_message() : "");
		hidden_free(h);
		return;
	}
	struct job_spec spec = {
		.label = "counting the tags the filter hides",
		.conn = JOB_UI_STORE,
		.run = hidden_run,
		.done = hidden_done,
		.free = hidden_free,
		.arg = h,
	};
	job_start(ui, &spec);
}

/* ---- the late-mail alarm -------------------------------------------------------- */

struct alert_job {
	int64_t now, grace, count, oldest;
};

static int alert_run(struct job *j, struct store *s, void *arg)
{
	struct alert_job *a = arg;
	(void)j;
	return store_stale_pending(s, a->now, a->grace, UI_ALERT_CAP, &a->count, &a->oldest);
}

static void alert_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct alert_job *a = arg;
	(void)j;
	(void)error;
	ui->alert.running = 0;
	if (rc)
		return;
	ui->alert.count = a->count;
	ui->alert.oldest = a->oldest;
	ui->alert.known = 1;
	ui->redraw = 1;
}

void ui_check_alert(struct ui *ui)
{
	if (ui->alert.running)
		return;
	struct alert_job *a = calloc(1, sizeof *a);
	if (!a)
		return;
	a->now = ui->now;
	a->grace = ui->filter.grace;
	struct job_spec spec = {
		.label = "checking for late mail",
		.conn = JOB_OWN_STORE,
		.run = alert_run,
		.done = alert_done,
		.free = free,
		.arg = a,
	};
	if (job_start(ui, &spec) == RD_OK)
		ui->alert.running = 1;
}
