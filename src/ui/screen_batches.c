/* screen_batches.c — requeue batches: progress of the running one, the
 * history, and for the selected batch what was planned, sent, excluded and
 * why; R resumes a batch that was cancelled or interrupted. */
#include "ui_int.h"

#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/message.h"
#include "redrive/requeue.h"
#include "redrive/store_requeue.h"

#define HEAD_LINES 2
#define DETAIL_LINES 8

struct batches {
	struct ui_rect r;
	struct rd_batch *list;
	size_t n;
	int sel, top;
	int need_load;
	char error[512];
};

static void load(struct ui *ui, struct batches *b)
{
	struct store *s = ui_store(ui);
	if (!s) {
		b->need_load = 1;
		return;
	}
	int64_t sel_id = b->n && b->sel < (int)b->n ? b->list[b->sel].id : 0;
	free(b->list);
	b->list = NULL;
	b->n = 0;
	b->need_load = 0;
	if (store_batches_list(s, &b->list, &b->n) != RD_OK) {
		snprintf(b->error, sizeof b->error, "%s", rd_error_message());
		return;
	}
	b->error[0] = '\0';
	b->sel = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->list[i].id == sel_id)
			b->sel = (int)i;
	ui->redraw = 1;
}

static void draw_detail(struct ui *ui, struct batches *b, int y)
{
	const struct rd_batch *t = &b->list[b->sel];
	struct ui_rect *r = &b->r;
	char n[8][32], when[3][40];
	int64_t v[8] = { t->total, t->sent, t->failed, t->skipped, t->unknown, t->planned, t->selected, 0 };
	for (int i = 0; i < 7; i++)
		ui_num(v[i], n[i], sizeof n[i]);
	ui_time_text(ui, t->created_at, 1, when[0], sizeof when[0]);
	ui_time_text(ui, t->started_at, 1, when[1], sizeof when[1]);
	ui_time_text(ui, t->finished_at, 1, when[2], sizeof when[2]);
	int64_t done = t->sent + t->failed + t->skipped + t->unknown;
	draw_textf(y, r->x + 1, r->w - 2, ui_attr(UI_EL_DIALOG_TITLE), "batch %lld → %s  %s", (long long)t->id,
	           t->target, store_batch_status_name(t->status));
	draw_progress(y + 1, r->x + 1, 30, t->total ? (double)done / (double)t->total : 0,
	              ui_attr(UI_EL_PROGRESS_DONE), ui_attr(UI_EL_PROGRESS_LEFT));
	draw_textf(y + 1, r->x + 32, r->w - 33, ui_attr(UI_EL_NORMAL),
	           "sent %s  failed %s  skipped %s  unknown %s  still planned %s of %s", n[1], n[2], n[3], n[4],
	           n[5], n[0]);
	char ex[4][32];
	ui_num(t->ex_suppressed, ex[0], sizeof ex[0]);
	ui_num(t->ex_delivered, ex[1], sizeof ex[1]);
	ui_num(t->ex_requeued, ex[2], sizeof ex[2]);
	ui_num(t->ex_hidden, ex[3], sizeof ex[3]);
	draw_textf(y + 2, r->x + 1, r->w - 2, ui_attr(UI_EL_NORMAL),
	           "selected %s; excluded: suppressed %s, delivered %s, already requeued %s, hidden %s", n[6], ex[0],
	           ex[1], ex[2], ex[3]);
	struct buf line = BUF_INIT;
	buf_printf(&line, "selection: %s   rate: ", *t->filter ? t->filter : "(all)");
	if (t->rate > 0)
		buf_printf(&line, "%g/s", t->rate);
	else
		buf_adds(&line, "no cap");
	buf_printf(&line, "%s", t->force ? "   forced" : "");
	draw_text(y + 3, r->x + 1, r->w - 2, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_NORMAL));
	buf_reset(&line);
	buf_printf(&line, "by %s; created %s, started %s, finished %s", t->operator_name, when[0], when[1], when[2]);
	draw_text(y + 4, r->x + 1, r->w - 2, buf_str(&line), UTF8_LEFT, ui_attr(UI_EL_DIM));
	if (*t->last_error)
		draw_textf(y + 5, r->x + 1, r->w - 2, ui_attr(UI_EL_STATUS_ERROR), "last error: %s", t->last_error);
	if (t->unknown)
		draw_text(y + 6, r->x + 1, r->w - 2,
		          "unknown items may have been sent: they are resent only on your word "
		          "(redrive requeue --resume with the batch id)",
		          UTF8_LEFT, ui_attr(UI_EL_STATE_LATE));
	buf_free(&line);
}

static void batches_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct batches *b = state;
	if (b->need_load)
		load(ui, b);
	draw_text(r->y, r->x, r->w,
	          b->error[0] ? b->error : " Requeue batches, newest first (r on Messages starts one; R resumes)",
	          UTF8_LEFT, ui_attr(b->error[0] ? UI_EL_STATUS_ERROR : UI_EL_DIM));
	draw_fill(r->y + 1, r->x, r->w, ui_attr(UI_EL_HEADER));
	/* the target column takes what the screen width leaves */
	int tw = r->w - 60 - (r->w >= 100 ? 18 : 0);
	if (tw < 10)
		tw = 10;
	draw_textf(r->y + 1, r->x + 1, r->w - 1, ui_attr(UI_EL_HEADER), "%6s  %-11s  %-*s %9s %9s %7s %7s  %s",
	           "BATCH", "STATUS", tw, "TARGET", "TOTAL", "SENT", "FAILED", "UNKNOWN", r->w >= 100 ? "CREATED" : "");
	int rows = r->h - HEAD_LINES - DETAIL_LINES;
	if (!b->n) {
		draw_text(r->y + HEAD_LINES + 1, r->x + 2, r->w - 4,
		          "no requeue yet: tag messages (Space, t), then r", UTF8_LEFT, ui_attr(UI_EL_DIM));
		return;
	}
	if (b->sel < b->top)
		b->top = b->sel;
	if (b->sel >= b->top + rows)
		b->top = b->sel - rows + 1;
	for (int i = 0; i < rows && b->top + i < (int)b->n; i++) {
		const struct rd_batch *t = &b->list[b->top + i];
		int y = r->y + HEAD_LINES + i, sel = b->top + i == b->sel;
		attr_t a = ui_attr(sel ? UI_EL_ROW_SELECTED : UI_EL_NORMAL);
		char n[4][32], when[40];
		ui_num(t->total, n[0], sizeof n[0]);
		ui_num(t->sent, n[1], sizeof n[1]);
		ui_num(t->failed, n[2], sizeof n[2]);
		ui_num(t->unknown, n[3], sizeof n[3]);
		ui_time_text(ui, t->created_at, 0, when, sizeof when);
		draw_fill(y, r->x, r->w, a);
		draw_textf(y, r->x + 1, 21, a, "%6lld  %-11s", (long long)t->id, store_batch_status_name(t->status));
		draw_text(y, r->x + 22, tw, t->target, UTF8_LEFT, a);
		draw_textf(y, r->x + 23 + tw, r->w - 23 - tw, a, "%9s %9s %7s %7s  %s", n[0], n[1], n[2], n[3],
		           r->w >= 100 ? when : "");
	}
	draw_detail(ui, b, r->y + r->h - DETAIL_LINES);
}

static int batches_key(struct ui *ui, void *state, int action, int key)
{
	struct batches *b = state;
	(void)key;
	switch (action) {
	case UI_ACT_DOWN:
		b->sel++;
		break;
	case UI_ACT_UP:
		b->sel--;
		break;
	case UI_ACT_HOME:
		b->sel = 0;
		break;
	case UI_ACT_END:
		b->sel = (int)b->n - 1;
		break;
	case UI_ACT_PAGE_DOWN:
		b->sel += 10;
		break;
	case UI_ACT_PAGE_UP:
		b->sel -= 10;
		break;
	case UI_ACT_RESUME:
		if (!b->n)
			break;
		if (b->list[b->sel].status == RQS_DONE || b->list[b->sel].status == RQS_RUNNING) {
			ui_error(ui, "batch %lld is %s: nothing to resume", (long long)b->list[b->sel].id,
			         store_batch_status_name(b->list[b->sel].status));
			break;
		}
		ui_requeue_resume(ui, b->list[b->sel].id);
		break;
	default:
		return UI_UNHANDLED;
	}
	if (b->sel >= (int)b->n)
		b->sel = (int)b->n - 1;
	if (b->sel < 0)
		b->sel = 0;
	return UI_HANDLED | UI_REDRAW;
}

static void batches_changed(struct ui *ui, void *state, unsigned what)
{
	struct batches *b = state;
	if ((what & UI_CHANGE_DATA) || ((what & UI_CHANGE_RETRY) && b->need_load)) {
		if (ui->cur == UI_SCR_BATCHES)
			load(ui, b);
		else
			b->need_load = 1;
	}
}

static void batches_shown(struct ui *ui, void *state)
{
	load(ui, state);
}

static void batches_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct batches *b = state;
	(void)ui;
	b->r = *r;
}

static int batches_open(struct ui *ui, void **state)
{
	(void)ui;
	struct batches *b = calloc(1, sizeof *b);
	if (!b)
		return rd_error(RD_E_NOMEM, "out of memory");
	b->need_load = 1;
	*state = b;
	return RD_OK;
}

static void batches_close(struct ui *ui, void *state)
{
	struct batches *b = state;
	(void)ui;
	free(b->list);
	free(b);
}

const struct screen_ops screen_batches_ops = {
	.name = "Batches",
	.group = UI_GROUP_BATCHES,
	.hints = "R resume the selected batch",
	.open = batches_open,
	.close = batches_close,
	.resize = batches_resize,
	.draw = batches_draw,
	.key = batches_key,
	.changed = batches_changed,
	.shown = batches_shown,
};
