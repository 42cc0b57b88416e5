/* dialog_export.c — export the tagged set, or the affected messages of the
 * filter, to a file (export_write: mode 0600, replaced atomically, CSV safe
 * from spreadsheet formulas).  An export writes only the file, so it is
 * allowed with --read-only. */
#include "dialog.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "redrive/error.h"
#include "redrive/export.h"
#include "redrive/filter.h"
#include "redrive/store.h"
#include "redrive/tz.h"
#include "ui_int.h"

enum { F_WHAT, F_FORMAT, F_FILE, F_CANCEL, F_GO };
enum { WHAT_TAGGED, WHAT_AFFECTED };

struct ex_dialog {
	struct form fm;
	char default_stem[128];   /* the suggested name without its extension */
	char error[512];
};

static const char *const formats[] = { "CSV", "JSONL" };
static const char *const extensions[] = { ".csv", ".jsonl" };

/* "redrive-<incident>-<YYYYmmdd-HHMM>": letters, digits, - and _ only. */
static void default_stem(struct ui *ui, char *out, size_t n)
{
	char scope[48] = "", when[40];
	const char *src = ui->filter.incident ? ui->filter.incident : ui->filter.nwindows ? "windows" : "all";
	size_t k = 0;
	for (const char *p = src; *p && k + 1 < sizeof scope; p++) {
		char c = *p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
			scope[k++] = c;
	}
	scope[k] = '\0';
	if (!k)
		snprintf(scope, sizeof scope, "incident");
	tz_format(ui->zone, ui->now, 0, when, sizeof when);
	/* "2018-09-13 03:00+09:00" -> "20180913-0300" */
	snprintf(out, n, "redrive-%s-%.4s%.2s%.2s-%.2s%.2s", scope, when, when + 5, when + 8, when + 11, when + 14);
}

/* ---- the export job ------------------------------------------------------------- */

struct ex_job {
	struct rd_filter f;
	char *path;
	enum export_format format;
	int64_t count;
};

static void ex_job_free(void *arg)
{
	struct ex_job *e = arg;
	filter_free(&e->f);
	free(e->path);
	free(e);
}

static int ex_run(struct job *j, struct store *s, void *arg)
{
	struct ex_job *e = arg;
	job_progress(j, -1, "writing %s", e->path);
	int rc = export_write(s, &e->f, e->path, e->format, &e->count, job_cancel_flag(j));
	if (rc || store_is_read_only(s))
		return rc;
	export_audit(s, &e->f, e->path, e->format, e->count, "dashboard");
	return RD_OK;
}

static void ex_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct ex_job *e = arg;
	(void)j;
	if (rc == RD_E_CANCELLED) {
		ui_status(ui, "export cancelled; %s was not written", e->path);
		return;
	}
	if (rc) {
		ui_error(ui, "export: %s", error);
		return;
	}
	char n[32];
	ui_num(e->count, n, sizeof n);
	ui_status(ui, "exported %s message%s to %s (mode 0600)", n, e->count == 1 ? "" : "s", e->path);
}

static void start_export(struct ui *ui, struct ex_dialog *d)
{
	const char *path = le_text(&d->fm.f[F_FILE].edit);
	if (!*path) {
		snprintf(d->error, sizeof d->error, "give a file name");
		d->fm.focus = F_FILE;
		return;
	}
	if (d->fm.f[F_WHAT].choice == WHAT_TAGGED && !ui->tags.tagged) {
		snprintf(d->error, sizeof d->error, "nothing is tagged: choose \"affected in the filter\", or tag first");
		d->fm.focus = F_WHAT;
		return;
	}
	struct ex_job *e = calloc(1, sizeof *e);
	if (!e || !(e->path = strdup(path))) {
		free(e);
		snprintf(d->error, sizeof d->error, "out of memory");
		return;
	}
	int rc;
	filter_init(&e->f);
	if (d->fm.f[F_WHAT].choice == WHAT_TAGGED) {
		/* every tagged message, whatever the filter on screen */
		e->f.tagged = 1;
		e->f.has_now = 1;
		e->f.now = ui->now;
		e->f.grace = ui->filter.grace;
		rc = RD_OK;
	} else {
		rc = filter_copy(&e->f, &ui->filter);
		e->f.affected = 1;
		e->f.now = ui->now;
	}
	if (rc) {
		ex_job_free(e);
		snprintf(d->error, sizeof d->error, "out of memory");
		return;
	}
	e->format = d->fm.f[F_FORMAT].choice ? EXPORT_JSONL : EXPORT_CSV;
	struct job_spec spec = {
		.label = "exporting",
		/* the tags live on the dashboard's connection */
		.conn = e->f.tagged ? JOB_UI_STORE : JOB_OWN_STORE,
		.visible = 1,
		.write = 1,
		.run = ex_run,
		.done = ex_done,
		.free = ex_job_free,
		.arg = e,
	};
	if (job_start(ui, &spec) != RD_OK) {
		snprintf(d->error, sizeof d->error, "%s", rd_error_message());
		return;
	}
	dialog_close(ui);
}

/* ---- the dialog --------------------------------------------------------------------- */

static void ex_draw(struct ui *ui, void *data)
{
	struct ex_dialog *d = data;
	struct ui_rect r = dialog_frame(14, 76, "Export");
	int x = r.x + 2, w = r.w - 4, y = r.y + 2;
	char n[32], what0[64], hidden[96] = "";
	ui_num(ui->tags.tagged, n, sizeof n);
	snprintf(what0, sizeof what0, "tagged (%s)", n);
	d->fm.f[F_WHAT].choices[0] = what0;
	form_draw_field(ui, &d->fm, F_WHAT, y++, x, 10, w);
	if (d->fm.f[F_WHAT].choice == WHAT_TAGGED && ui->tags.hidden_known && ui->tags.hidden) {
		ui_num(ui->tags.hidden, n, sizeof n);
		snprintf(hidden, sizeof hidden, "includes %s tagged message%s the filter hides", n,
		         ui->tags.hidden == 1 ? "" : "s");
	} else if (d->fm.f[F_WHAT].choice == WHAT_AFFECTED) {
		snprintf(hidden, sizeof hidden, "queued, dead or late pending messages of the filter on screen");
	}
	draw_text(y++, x + 10, w - 10, hidden, UTF8_LEFT, ui_attr(UI_EL_DIM));
	form_draw_field(ui, &d->fm, F_FORMAT, y++, x, 10, w);
	y++;
	form_draw_field(ui, &d->fm, F_FILE, y++, x, 10, w);
	const char *path = le_text(&d->fm.f[F_FILE].edit);
	draw_text(y++, x + 10, w - 10, *path && access(path, F_OK) == 0 ? "exists: it will be replaced" : "mode 0600",
	          UTF8_LEFT, ui_attr(UI_EL_DIM));
	y++;
	/* a refusal says what and what to do: up to two lines, the buttons below */
	int used = draw_para(y, x, w, 2, d->error, ui_attr(UI_EL_STATUS_ERROR));
	y += used > 1 ? used : 1;
	form_draw_buttons(&d->fm, y, x, w);
	d->fm.f[F_WHAT].choices[0] = "tagged";
}

/* A file name that still ends in the other format's extension follows the
 * format. */
static void follow_format(struct ex_dialog *d)
{
	struct lineedit *le = &d->fm.f[F_FILE].edit;
	const char *want = extensions[d->fm.f[F_FORMAT].choice];
	const char *other = extensions[!d->fm.f[F_FORMAT].choice];
	const char *s = le_text(le);
	size_t n = strlen(s), no = strlen(other);
	if (n > no && strcmp(s + n - no, other) == 0) {
		char name[4200];
		snprintf(name, sizeof name, "%.*s%s", (int)(n - no), s, want);
		le_set(le, name);
	}
}

static int ex_key(struct ui *ui, void *data, int action, int key)
{
	struct ex_dialog *d = data;
	int pressed, format = d->fm.f[F_FORMAT].choice;
	if (action == UI_ACT_CLOSE) {
		dialog_close(ui);
		return UI_REDRAW;
	}
	if (form_key(&d->fm, action, key, &pressed)) {
		d->error[0] = '\0';
		if (format != d->fm.f[F_FORMAT].choice)
			follow_format(d);
		if (pressed == F_CANCEL)
			dialog_close(ui);
		else if (pressed == F_GO)
			start_export(ui, d);
	}
	return UI_REDRAW;
}

static void ex_free(void *data)
{
	struct ex_dialog *d = data;
	form_free(&d->fm);
	free(d);
}

static const struct dialog_ops ex_ops = {
	.name = "export",
	.draw = ex_draw,
	.key = ex_key,
	.free = ex_free,
};

int export_dialog_open(struct ui *ui)
{
	static const char *const whats[] = { "tagged", "affected in the filter" };
	struct ex_dialog *d = calloc(1, sizeof *d);
	char name[200];
	if (!d)
		return rd_error(RD_E_NOMEM, "out of memory");
	default_stem(ui, d->default_stem, sizeof d->default_stem);
	snprintf(name, sizeof name, "%s%s", d->default_stem, extensions[0]);
	form_choice(&d->fm, "export", whats, 2, ui->tags.tagged ? WHAT_TAGGED : WHAT_AFFECTED);
	form_choice(&d->fm, "format", formats, 2, 0);
	form_text(&d->fm, "file", name, 4096);
	form_button(&d->fm, "Cancel", 0);
	form_button(&d->fm, "Export", 0);
	d->fm.focus = F_GO;
	return dialog_open(ui, &ex_ops, d);
}
