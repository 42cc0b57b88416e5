/* dialog_requeue.c — requeue the tagged set (SPEC §4, §5).
 *
 * The dialog shows what would be sent and what is excluded and why
 * (requeue_plan: suppressed, delivered incl. late bounces, already
 * requeued, hidden by the filter on screen).  Cancel has the focus; only
 * `y` with the focus moved onto Requeue confirms, and the count confirmed goes to
 * requeue_create, which journals nothing if the selection no longer gives
 * exactly that many.  The batch is journaled on the dashboard's connection
 * (the tags live there), then requeue_run sends it from a job with a
 * connection of its own while the screens stay live.
 */
#include "dialog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/requeue.h"
#include "redrive/timefmt.h"
#include "ui_int.h"

enum { F_TARGET, F_RATE, F_FORCE, F_CANCEL, F_GO };

struct rq_dialog {
	struct form fm;
	struct requeue_counts plan;
	int plan_state;           /* 0 none, 1 counting, 2 known, 3 failed */
	unsigned plan_gen;
	int plan_force;           /* the force the plan was counted with */
	char error[512];
	int starting;             /* the batch is being journaled */
};

static const struct dialog_ops rq_ops;

/* The selection: every tagged message, the filter on screen as "visible". */
static int selection(struct ui *ui, struct rd_filter *sel, struct rd_filter *visible)
{
	filter_init(sel);
	filter_init(visible);
	sel->tagged = 1;
	sel->has_now = 1;
	sel->now = ui->now;
	sel->grace = ui->filter.grace;
	return filter_copy(visible, &ui->filter);
}

/* ---- the plan (a job on the dashboard's connection) ----------------------------- */

struct plan_job {
	struct rd_filter sel, visible;
	int force;
	unsigned gen;
	struct requeue_counts c;
};

static void plan_free(void *arg)
{
	struct plan_job *p = arg;
	filter_free(&p->sel);
	filter_free(&p->visible);
	free(p);
}

static int plan_run(struct job *j, struct store *s, void *arg)
{
	struct plan_job *p = arg;
	(void)j;
	return requeue_plan(s, &p->sel, &p->visible, p->force, &p->c);
}

static void plan_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct plan_job *p = arg;
	struct rq_dialog *d = dialog_data(ui, &rq_ops);
	(void)j;
	if (!d || p->gen != d->plan_gen)
		return;
	if (rc) {
		d->plan_state = 3;
		snprintf(d->error, sizeof d->error, "%s", error);
	} else {
		d->plan = p->c;
		d->plan_state = 2;
	}
	ui->redraw = 1;
}

static void start_plan(struct ui *ui, struct rq_dialog *d)
{
	struct plan_job *p = calloc(1, sizeof *p);
	if (!p || selection(ui, &p->sel, &p->visible) != RD_OK) {
		if (p)
			plan_free(p);
		d->plan_state = 3;
		snprintf(d->error, sizeof d->error, "out of memory");
		return;
	}
	p->force = d->fm.f[F_FORCE].choice;
	p->gen = ++d->plan_gen;
	d->plan_force = p->force;
	d->plan_state = 1;
	struct job_spec spec = {
		.label = "counting what a requeue would send",
		.conn = JOB_UI_STORE,
		.run = plan_run,
		.done = plan_done,
		.free = plan_free,
		.arg = p,
	};
	if (job_start(ui, &spec) != RD_OK) {
		d->plan_state = 3;
		snprintf(d->error, sizeof d->error, "%s", rd_error_message());
	}
}

/* ---- running: journal, then send ---------------------------------------------- */

struct rq_job {
	struct rd_filter sel, visible;
	struct requeue_opts o;
	int64_t batch;
	struct requeue_counts c;
	struct requeue_control ctl;
	struct job *job;          /* for the progress callback */
	char *db_path;
};

static void rq_job_free(void *arg)
{
	struct rq_job *r = arg;
	filter_free(&r->sel);
	filter_free(&r->visible);
	free(r->db_path);
	free(r);
}

static int create_run(struct job *j, struct store *s, void *arg)
{
	struct rq_job *r = arg;
	(void)j;
	return requeue_create(s, &r->sel, &r->visible, &r->o, &r->batch, &r->c);
}

static void on_progress(const struct requeue_progress *p, void *arg)
{
	struct rq_job *r = arg;
	int64_t done = p->sent + p->failed + p->skipped + p->unknown;
	char d[32], t[32], eta[16] = "?";
	ui_num(done, d, sizeof d);
	ui_num(p->total, t, sizeof t);
	if (p->eta >= 0)
		timefmt_duration((int64_t)(p->eta + 0.5), eta, sizeof eta);
	job_progress(r->job, p->total ? (double)done / (double)p->total : 1,
	             "%s of %s, %.0f/s, ETA %s%s%s", d, t, p->rate, eta,
	             p->failed ? ", some failed" : "", p->status == RQS_PAUSED ? " (paused)" : "");
}

static int send_run(struct job *j, struct store *s, void *arg)
{
	struct rq_job *r = arg;
	(void)s;
	r->job = j;
	r->ctl.progress = on_progress;
	r->ctl.arg = r;
	return requeue_run(r->db_path, r->batch, 0, 0, &r->ctl);
}

static void send_cancel(void *arg)
{
	struct rq_job *r = arg;
	r->ctl.cancel = 1;
	r->ctl.pause = 0;
}

static int send_pause(void *arg)
{
	struct rq_job *r = arg;
	r->ctl.pause = !r->ctl.pause;
	return r->ctl.pause;
}

static void send_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct rq_job *r = arg;
	(void)j;
	if (rc == RD_E_CANCELLED)
		ui_status(ui, "requeue batch %lld cancelled; what was sent stays sent. Batches (6): R resumes it",
		          (long long)r->batch);
	else if (rc)
		ui_error(ui, "requeue batch %lld: %s", (long long)r->batch, error);
	else
		ui_status(ui, "requeue batch %lld finished (Batches, 6, has the counts)", (long long)r->batch);
	ui_broadcast(ui, UI_CHANGE_DATA);
}

static int start_send(struct ui *ui, int64_t batch)
{
	char label[96];
	struct rq_job *run = calloc(1, sizeof *run);
	if (!run || !(run->db_path = strdup(ui->db_path))) {
		free(run);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	filter_init(&run->sel);
	filter_init(&run->visible);
	run->batch = batch;
	snprintf(label, sizeof label, "requeue batch %lld", (long long)batch);
	struct job_spec spec = {
		.label = label,
		.conn = JOB_NO_STORE,
		.visible = 1,
		.run = send_run,
		.done = send_done,
		.cancel = send_cancel,
		.pause = send_pause,
		.free = rq_job_free,
		.arg = run,
	};
	return job_start(ui, &spec);
}

int ui_requeue_resume(struct ui *ui, int64_t batch)
{
	if (!ui_may_write(ui, "resuming a requeue"))
		return RD_E_READ_ONLY;
	int rc = start_send(ui, batch);
	if (rc)
		ui_error(ui, "%s", rd_error_message());
	else
		ui_status(ui, "resuming requeue batch %lld (x cancels)", (long long)batch);
	return rc;
}

static void create_done(struct ui *ui, struct job *j, int rc, const char *error, void *arg)
{
	struct rq_job *r = arg;
	(void)j;
	struct rq_dialog *d = dialog_data(ui, &rq_ops);
	if (rc) {
		if (d) {
			d->starting = 0;
			snprintf(d->error, sizeof d->error, "%s", error);
			d->plan_state = 3;
		} else {
			ui_error(ui, "requeue: %s", error);
		}
		return;
	}
	if (d)
		dialog_close(ui);
	char n[32];
	ui_num(r->c.to_send, n, sizeof n);
	ui_status(ui, "requeue batch %lld journaled: %s to send to %s", (long long)r->batch, n, r->o.target.spec);
	if (start_send(ui, r->batch) != RD_OK)
		ui_error(ui, "%s", rd_error_message());
	ui_switch(ui, UI_SCR_BATCHES);
	ui_broadcast(ui, UI_CHANGE_DATA);
}

/* Checks the fields and journals the batch. */
static void confirm(struct ui *ui, struct rq_dialog *d)
{
	struct requeue_target target;
	const char *rate_text = le_text(&d->fm.f[F_RATE].edit);
	char *end;
	if (d->plan_state != 2 || d->plan_force != d->fm.f[F_FORCE].choice) {
		snprintf(d->error, sizeof d->error, "wait for the counts before confirming");
		return;
	}
	if (d->plan.to_send <= 0) {
		snprintf(d->error, sizeof d->error, "nothing to send: every tagged message is excluded");
		return;
	}
	/* a target that cannot run (no SendGrid key, say) is refused before
	 * anything is journaled, as on the command line */
	if (requeue_target_parse(le_text(&d->fm.f[F_TARGET].edit), &target) != RD_OK ||
	    requeue_target_check(&target) != RD_OK) {
		snprintf(d->error, sizeof d->error, "%s", rd_error_message());
		d->fm.focus = F_TARGET;
		return;
	}
	errno = 0;
	double rate = strtod(rate_text, &end);
	if (!*rate_text || *end || errno || rate < 0 || rate > 1e6) {
		snprintf(d->error, sizeof d->error, "rate \"%s\" is not messages per second (0 for no cap)", rate_text);
		d->fm.focus = F_RATE;
		return;
	}
	struct rq_job *r = calloc(1, sizeof *r);
	if (!r || selection(ui, &r->sel, &r->visible) != RD_OK) {
		if (r)
			rq_job_free(r);
		snprintf(d->error, sizeof d->error, "out of memory");
		return;
	}
	r->o.target = target;
	r->o.rate = rate;
	r->o.force = d->fm.f[F_FORCE].choice;
	r->o.confirmed = d->plan.to_send;
	struct job_spec spec = {
		.label = "journaling the requeue batch",
		.conn = JOB_UI_STORE,
		.visible = 1,
		.run = create_run,
		.done = create_done,
		.free = rq_job_free,
		.arg = r,
	};
	d->starting = 1;
	d->error[0] = '\0';
	if (job_start(ui, &spec) != RD_OK) {
		d->starting = 0;
		snprintf(d->error, sizeof d->error, "%s", rd_error_message());
	}
}

/* ---- the dialog ------------------------------------------------------------------- */

static void count_line(int y, int x, int w, const char *label, int64_t n, int known, enum ui_element el)
{
	char num[32];
	if (known)
		ui_num(n, num, sizeof num);
	else
		snprintf(num, sizeof num, "…");
	draw_text(y, x, w - 12, label, UTF8_LEFT, ui_attr(UI_EL_DIALOG));
	draw_text(y, x + w - 12, 12, num, UTF8_RIGHT, ui_attr(el));
}

static void rq_draw(struct ui *ui, void *data)
{
	struct rq_dialog *d = data;
	struct ui_rect r = dialog_frame(21, 76, "Requeue the tagged messages");
	int x = r.x + 2, w = r.w - 4, y = r.y + 1, k = d->plan_state == 2;
	char n[32];
	ui_num(ui->tags.tagged, n, sizeof n);
	draw_textf(y++, x, w, ui_attr(UI_EL_DIALOG), "%s tagged; the filter on screen decides what is hidden.", n);
	y++;
	count_line(y++, x, 56, "selected (tagged)", d->plan.selected, k, UI_EL_DIALOG);
	count_line(y++, x, 56, "excluded: suppressed recipients", d->plan.suppressed, k, UI_EL_DIALOG);
	count_line(y++, x, 56, "excluded: delivered (incl. late bounces)", d->plan.delivered, k, UI_EL_DIALOG);
	count_line(y++, x, 56, "excluded: already requeued", d->plan.already_requeued, k, UI_EL_DIALOG);
	count_line(y++, x, 56, "excluded: hidden by the filter", d->plan.hidden, k, UI_EL_DIALOG);
	count_line(y++, x, 56, "to send", d->plan.to_send, k, UI_EL_DANGER);
	y++;
	form_draw_field(ui, &d->fm, F_TARGET, y, x, 9, 36);
	draw_text(y++, x + 37, w - 37, "outbox, sendgrid, smtp://HOST:PORT", UTF8_LEFT, ui_attr(UI_EL_DIM));
	form_draw_field(ui, &d->fm, F_RATE, y, x, 9, 20);
	draw_text(y++, x + 21, w - 21, "messages per second, 0: no cap", UTF8_LEFT, ui_attr(UI_EL_DIM));
	form_draw_field(ui, &d->fm, F_FORCE, y, x, 9, w);
	y++;
	draw_text(y++, x + 9, w - 9, "yes also resends messages an earlier batch requeued", UTF8_LEFT,
	          ui_attr(UI_EL_DIM));
	y++;
	const char *msg = d->starting         ? "journaling the batch…"
	                  : d->plan_state == 1 ? "counting…"
	                  : d->error[0]        ? d->error
	                                       : "";
	/* a refusal says what and what to do: up to three lines, the buttons below */
	int used = draw_para(y, x, w, 3, msg, ui_attr(d->error[0] && !d->starting ? UI_EL_STATUS_ERROR : UI_EL_DIM));
	y += used > 1 ? used : 1;
	ui_num(d->plan.to_send, n, sizeof n);
	char go[64];
	snprintf(go, sizeof go, "Requeue %s", k ? n : "…");
	d->fm.f[F_GO].label = go;
	form_draw_buttons(&d->fm, y++, x, w);
	draw_text(y, x, w, "Cancel is the default.  To requeue: Tab to Requeue, then y.", UTF8_LEFT,
	          ui_attr(UI_EL_DIM));
	d->fm.f[F_GO].label = "Requeue";
}

static int rq_key(struct ui *ui, void *data, int action, int key)
{
	struct rq_dialog *d = data;
	int pressed;
	if (d->starting)
		return action == UI_ACT_CLOSE ? UI_REDRAW : UI_HANDLED; /* the journal is being written */
	if (action == UI_ACT_CLOSE) {
		dialog_close(ui);
		ui_status(ui, "requeue cancelled; nothing was sent");
		return UI_REDRAW;
	}
	/* the deliberate key: y with the focus moved off Cancel onto Requeue */
	if (action == UI_ACT_CONFIRM && d->fm.focus == F_GO) {
		confirm(ui, d);
		return UI_REDRAW;
	}
	if (form_key(&d->fm, action, key, &pressed)) {
		if (pressed == F_CANCEL) {
			dialog_close(ui);
			ui_status(ui, "requeue cancelled; nothing was sent");
		} else if (pressed == F_GO) {
			snprintf(d->error, sizeof d->error, "press y to confirm the requeue");
		}
		if (d->plan_force != d->fm.f[F_FORCE].choice && d->plan_state != 1)
			start_plan(ui, d);
	}
	return UI_REDRAW;
}

static void rq_free(void *data)
{
	struct rq_dialog *d = data;
	form_free(&d->fm);
	free(d);
}

static const struct dialog_ops rq_ops = {
	.name = "requeue",
	.draw = rq_draw,
	.key = rq_key,
	.free = rq_free,
};

int requeue_dialog_open(struct ui *ui)
{
	static const char *const noyes[] = { "no", "yes" };
	if (!ui_may_write(ui, "requeue"))
		return RD_E_READ_ONLY;
	if (!ui->tags.tagged) {
		ui_error(ui, "nothing is tagged: Space tags a message on Messages, t tags every message of the filter");
		return RD_E_USAGE;
	}
	struct rq_dialog *d = calloc(1, sizeof *d);
	if (!d)
		return rd_error(RD_E_NOMEM, "out of memory");
	form_text(&d->fm, "target", "outbox", 500);
	form_text(&d->fm, "rate", "0", 32);
	form_choice(&d->fm, "force", noyes, 2, 0);
	form_button(&d->fm, "Cancel", 0);
	form_button(&d->fm, "Requeue", 1);
	d->fm.focus = F_CANCEL;
	int rc = dialog_open(ui, &rq_ops, d);
	if (!rc)
		start_plan(ui, d);
	return rc;
}
