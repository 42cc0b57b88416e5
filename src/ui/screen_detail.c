/* screen_detail.c — one message: every field, every event with its reason
 * and raw JSON, and the payload a resend would use. */
#include "ui_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/event.h"
#include "redrive/message.h"
#include "redrive/state.h"
#include "redrive/store_query.h"
#include "redrive/timetext.h"
#include "redrive/tz.h"

#define LABEL_W 12

struct dline {
	size_t off, len;      /* into text: already sanitised */
	int el;               /* enum ui_element */
	int indent;
	int label;            /* the first LABEL_W columns are a field name */
};

struct detail {
	struct ui_rect r;
	char *key;                       /* the message shown, or NULL */
	struct rd_message_detail d;
	int loaded;
	char error[512];
	int need_load;

	struct buf text;                 /* the screen lines */
	struct dline *lines;
	size_t n, cap;
	int top;
	int width;                       /* the width the lines were cut for */
};

/* ---- lines ------------------------------------------------------------------ */

struct adder {
	struct detail *d;
	int el, indent;
	const char *label;    /* a field name before the first piece, or NULL */
};

static void add_piece(const char *piece, size_t n, void *arg)
{
	struct adder *a = arg;
	struct detail *d = a->d;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dline *l = realloc(d->lines, cap * sizeof *l);
		if (!l)
			return;
		d->lines = l;
		d->cap = cap;
	}
	struct dline *l = &d->lines[d->n++];
	*l = (struct dline){ d->text.len, 0, a->el, a->indent, 0 };
	if (a->label) {
		/* field names are ASCII: padding by bytes is padding by columns */
		buf_printf(&d->text, "%-*.*s", LABEL_W, LABEL_W - 1, a->label);
		l->indent = 1;
		l->label = 1;
		a->label = NULL;
	}
	buf_add(&d->text, piece, n);
	l->len = d->text.len - l->off;
}

/* s wrapped at the screen width, starting `indent` columns in. */
static void add_text(struct detail *d, int el, int indent, const char *s)
{
	struct adder a = { d, el, indent, NULL };
	draw_wrap(s, d->width - indent > 8 ? d->width - indent : 8, add_piece, &a);
}

/* "label  value", the value wrapped under itself. */
static void add_field_el(struct detail *d, const char *label, const char *value, int el)
{
	struct adder a = { d, el, 1 + LABEL_W, label };
	int w = d->width - 1 - LABEL_W;
	draw_wrap(value && *value ? value : "-", w > 8 ? w : 8, add_piece, &a);
}

static void add_field(struct detail *d, const char *label, const char *value)
{
	add_field_el(d, label, value, UI_EL_NORMAL);
}

static void add_time(struct ui *ui, struct detail *d, const char *label, int64_t t, const char *more)
{
	struct buf v = BUF_INIT;
	timetext_instant(ui->zone, t, &v);
	if (t != RD_NO_TIME && !tz_is_utc(ui->zone)) {
		struct tz *utc = tz_load("UTC");
		buf_adds(&v, " (");
		timetext_instant(utc, t, &v);
		buf_adds(&v, ")");
		tz_free(utc);
	}
	if (more && *more)
		buf_printf(&v, "  %s", more);
	add_field(d, label, buf_str(&v));
	buf_free(&v);
}

/* JSON made readable (indented) when it parses; else as it is. */
static void add_json(struct detail *d, int el, int indent, const char *raw)
{
	json_error_t err;
	json_t *j = *raw ? json_loads(raw, JSON_DECODE_ANY, &err) : NULL;
	char *pretty = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	add_text(d, el, indent, pretty ? pretty : raw);
	free(pretty);
	json_decref(j);
}

static const char *const how_text[] = { "orphan: no message matched yet", "matched by msg_key",
	                                "matched by sg_message_id", "matched by recipient (bare bounce)" };

static void build(struct ui *ui, struct detail *d)
{
	const struct rd_message *m = &d->d.m;
	char flags[128], num[64];
	struct buf v = BUF_INIT;

	buf_reset(&d->text);
	d->n = 0;
	d->width = d->r.w - 2;
	if (!d->loaded)
		return;
	add_field(d, "msg_key", m->msg_key);
	add_field(d, "campaign", m->campaign);
	add_field(d, "template", m->email_name);
	buf_printf(&v, "%s%s%s", m->recipient, *d->d.suppression ? "  suppressed: " : "", d->d.suppression);
	add_field(d, "recipient", buf_str(&v));
	add_field(d, "subject", m->subject);
	state_flags_text(m->flags, flags, sizeof flags);
	buf_reset(&v);
	buf_printf(&v, "%s%s%s%s", state_name(m->state), *flags ? "  (" : "", flags, *flags ? ")" : "");
	if (m->affected)
		buf_adds(&v, "  AFFECTED: to send again");
	add_field_el(d, "state", buf_str(&v), ui_state_element(m->state, m->flags));
	add_field(d, "reason", m->reason);
	add_time(ui, d, "queued", m->queued_at, NULL);
	add_time(ui, d, "sent", m->sent_at, NULL);
	if (m->dead_at != RD_NO_TIME || *d->d.dead_reason)
		add_time(ui, d, "dead-letter", m->dead_at, d->d.dead_reason);
	buf_reset(&v);
	snprintf(num, sizeof num, "%d", m->attempts);
	buf_printf(&v, "%s  provider_msg_id %s  attempts %s", *d->d.provider ? d->d.provider : "-",
	           *m->provider_msg_id ? m->provider_msg_id : "-", num);
	add_field(d, "provider", buf_str(&v));
	add_time(ui, d, "last event", m->last_event_at, m->last_event);
	if (m->requeue_batch) {
		snprintf(num, sizeof num, "batch %lld", (long long)m->requeue_batch);
		add_time(ui, d, "requeued", m->requeued_at, num);
	}

	add_text(d, UI_EL_NORMAL, 0, "");
	buf_reset(&v);
	buf_printf(&v, "Events (%zu, oldest first)", d->d.nevents);
	add_text(d, UI_EL_DIALOG_TITLE, 1, buf_str(&v));
	if (!d->d.nevents)
		add_text(d, UI_EL_DIM, 3, "no provider event for this message yet");
	for (size_t i = 0; i < d->d.nevents; i++) {
		const struct rd_event_row *e = &d->d.events[i];
		char when[64];
		buf_reset(&v);
		ui_time_text(ui, e->ts, 1, when, sizeof when);
		buf_printf(&v, "%s  %s%s", when, e->name,
		           e->btype == RD_BT_BLOCKED ? " (blocked)" : e->btype == RD_BT_BOUNCE ? " (bounce)" : "");
		if (e->batch)
			buf_printf(&v, "  requeue batch %lld", (long long)e->batch);
		buf_printf(&v, "  %s", how_text[e->how >= 0 && e->how < 4 ? e->how : 0]);
		enum ui_element el = e->kind == RD_EV_DELIVERED ? UI_EL_STATE_DELIVERED
		                     : e->kind == RD_EV_BOUNCE || e->kind == RD_EV_DROPPED ? UI_EL_STATE_BOUNCED
		                     : e->kind == RD_EV_DEFERRED ? UI_EL_STATE_LATE
		                                                 : UI_EL_NORMAL;
		add_text(d, el, 3, buf_str(&v));
		if (*e->reason) {
			buf_reset(&v);
			buf_printf(&v, "reason: %s", e->reason);
			add_text(d, UI_EL_NORMAL, 5, buf_str(&v));
		}
		add_text(d, UI_EL_DIM, 5, e->raw);
	}

	add_text(d, UI_EL_NORMAL, 0, "");
	add_text(d, UI_EL_DIALOG_TITLE, 1, "Payload (what a resend sends)");
	if (*d->d.payload)
		add_json(d, UI_EL_NORMAL, 3, d->d.payload);
	else
		add_text(d, UI_EL_DIM, 3, "no payload stored: a resend through SendGrid cannot be built");
	buf_free(&v);
}

/* ---- loading ----------------------------------------------------------------- */

static void load(struct ui *ui, struct detail *d)
{
	struct store *s = ui_store(ui);
	d->need_load = 0;
	if (!d->key)
		return;
	if (!s) {
		d->need_load = 1;
		return;
	}
	store_message_detail_free(&d->d);
	d->loaded = 0;
	int rc = store_message_detail(s, d->key, ui->now, ui->filter.grace, &d->d);
	if (rc)
		snprintf(d->error, sizeof d->error, "%s", rd_error_message());
	else
		d->loaded = 1;
	build(ui, d);
	ui->redraw = 1;
}

void screen_detail_show(struct ui *ui, void *state, const char *msg_key)
{
	struct detail *d = state;
	char *key = strdup(msg_key);
	if (!key) {
		ui_error(ui, "out of memory");
		return;
	}
	free(d->key);
	d->key = key;
	d->top = 0;
	load(ui, d);
}

/* ---- callbacks ------------------------------------------------------------------ */

static void detail_draw(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct detail *d = state;
	(void)ui;
	if (!d->key) {
		draw_text(r->y + 1, r->x + 2, r->w - 4,
		          "no message opened: choose one on Messages (3) and press Enter", UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
		return;
	}
	if (!d->loaded) {
		draw_text(r->y + 1, r->x + 2, r->w - 4, d->need_load ? "waiting for the store…" : d->error,
		          UTF8_LEFT, ui_attr(d->need_load ? UI_EL_DIM : UI_EL_STATUS_ERROR));
		return;
	}
	int h = r->h;
	if (d->top > (int)d->n - h)
		d->top = (int)d->n - h;
	if (d->top < 0)
		d->top = 0;
	for (int i = 0; i < h && d->top + i < (int)d->n; i++) {
		const struct dline *l = &d->lines[d->top + i];
		char piece[2048];
		size_t n = l->len < sizeof piece - 1 ? l->len : sizeof piece - 1;
		memcpy(piece, d->text.p + l->off, n);
		piece[n] = '\0';
		attr_t a = ui_attr((enum ui_element)l->el);
		if (l->label && n >= LABEL_W) {
			/* "label value": the label in its own colour */
			char label[LABEL_W + 1];
			memcpy(label, piece, LABEL_W);
			label[LABEL_W] = '\0';
			draw_text(r->y + i, r->x + 1, LABEL_W, label, UTF8_LEFT, ui_attr(UI_EL_LABEL));
			draw_text(r->y + i, r->x + 1 + LABEL_W, r->w - 1 - LABEL_W, piece + LABEL_W, UTF8_LEFT, a);
		} else {
			draw_text(r->y + i, r->x + l->indent, r->w - l->indent, piece, UTF8_LEFT, a);
		}
	}
	if ((int)d->n > h) {
		char more[64];
		snprintf(more, sizeof more, " %d-%d of %zu lines ", d->top + 1,
		         d->top + h < (int)d->n ? d->top + h : (int)d->n, d->n);
		draw_text(r->y, r->x + r->w - draw_width(more), draw_width(more), more, UTF8_LEFT,
		          ui_attr(UI_EL_DIM));
	}
}

static int detail_key(struct ui *ui, void *state, int action, int key)
{
	struct detail *d = state;
	int page = d->r.h > 1 ? d->r.h - 1 : 1;
	(void)ui;
	(void)key;
	switch (action) {
	case UI_ACT_DOWN:
		d->top++;
		break;
	case UI_ACT_UP:
		d->top--;
		break;
	case UI_ACT_PAGE_DOWN:
		d->top += page;
		break;
	case UI_ACT_PAGE_UP:
		d->top -= page;
		break;
	case UI_ACT_HOME:
		d->top = 0;
		break;
	case UI_ACT_END:
		d->top = (int)d->n;
		break;
	default:
		return UI_UNHANDLED;
	}
	if (d->top < 0)
		d->top = 0;
	return UI_HANDLED | UI_REDRAW;
}

static void detail_changed(struct ui *ui, void *state, unsigned what)
{
	struct detail *d = state;
	if (what & (UI_CHANGE_DATA | UI_CHANGE_ZONE) || ((what & UI_CHANGE_RETRY) && d->need_load))
		load(ui, d);
}

static void detail_resize(struct ui *ui, void *state, const struct ui_rect *r)
{
	struct detail *d = state;
	d->r = *r;
	if (d->width != r->w - 2)
		build(ui, d);
}

static int detail_open(struct ui *ui, void **state)
{
	(void)ui;
	struct detail *d = calloc(1, sizeof *d);
	if (!d)
		return rd_error(RD_E_NOMEM, "out of memory");
	*state = d;
	return RD_OK;
}

static void detail_close(struct ui *ui, void *state)
{
	struct detail *d = state;
	(void)ui;
	store_message_detail_free(&d->d);
	buf_free(&d->text);
	free(d->lines);
	free(d->key);
	free(d);
}

const struct screen_ops screen_detail_ops = {
	.name = "Detail",
	.group = UI_GROUP_MOVE,
	.hints = "arrows scroll  3 back to Messages",
	.open = detail_open,
	.close = detail_close,
	.resize = detail_resize,
	.draw = detail_draw,
	.key = detail_key,
	.changed = detail_changed,
};
