/* dialog.c — the dialog slot, the prompt, the help screen and forms. */
#include "dialog.h"

#include <stdlib.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"

/* ---- the slot ------------------------------------------------------------ */

static void dialog_free(struct dialog *d)
{
	if (!d)
		return;
	if (d->ops->free)
		d->ops->free(d->data);
	free(d);
}

void dialog_reap(struct ui *ui)
{
	dialog_free(ui->closing);
	ui->closing = NULL;
}

void dialog_close(struct ui *ui)
{
	if (!ui->dialog)
		return;
	/* a dialog closed from its own key handler is freed after the handler */
	dialog_free(ui->closing);
	ui->closing = ui->dialog;
	ui->dialog = NULL;
	ui->redraw = 1;
}

int dialog_open(struct ui *ui, const struct dialog_ops *ops, void *data)
{
	struct dialog *d = malloc(sizeof *d);
	if (!d) {
		if (ops->free)
			ops->free(data);
		return rd_error(RD_E_NOMEM, "out of memory");
	}
	d->ops = ops;
	d->data = data;
	dialog_close(ui);
	ui->dialog = d;
	ui->redraw = 1;
	return RD_OK;
}

void *dialog_data(struct ui *ui, const struct dialog_ops *ops)
{
	return ui->dialog && ui->dialog->ops == ops ? ui->dialog->data : NULL;
}

int dialog_key(struct ui *ui, int key)
{
	static const enum ui_group groups[] = { UI_GROUP_DIALOG, UI_GROUP_MOVE };
	struct dialog *d = ui->dialog;
	if (!d)
		return UI_UNHANDLED;
	int action = ui_key_action(key, groups, 2);
	return d->ops->key(ui, d->data, action, key) | UI_HANDLED | UI_REDRAW;
}

void dialog_draw(struct ui *ui)
{
	if (ui->dialog)
		ui->dialog->ops->draw(ui, ui->dialog->data);
}

struct ui_rect dialog_frame(int h, int w, const char *title)
{
	struct ui_rect r;
	if (w > COLS)
		w = COLS;
	if (h > LINES)
		h = LINES;
	r.h = h;
	r.w = w;
	r.y = (LINES - h) / 2;
	r.x = (COLS - w) / 2;
	draw_box(&r, title, ui_attr(UI_EL_DIALOG), ui_attr(UI_EL_DIALOG_TITLE));
	return r;
}

/* ---- the prompt ------------------------------------------------------------ */

struct prompt {
	char label[64];
	struct lineedit edit;
	prompt_fn accept;
	void *arg;
};

static void prompt_draw(struct ui *ui, void *data)
{
	struct prompt *p = data;
	/* the status line: the filter line with the tag count stays in view */
	int y = LINES - 1;
	int lw = draw_width(p->label);
	draw_fill(y, 0, COLS, ui_attr(UI_EL_INPUT));
	draw_text(y, 0, lw, p->label, UTF8_LEFT, ui_attr(UI_EL_LABEL));
	ui->cursor_x = le_draw(&p->edit, y, lw, COLS - lw, ui_attr(UI_EL_INPUT));
	ui->cursor_y = y;
}

static int prompt_key(struct ui *ui, void *data, int action, int key)
{
	struct prompt *p = data;
	if (action == UI_ACT_CLOSE) {
		dialog_close(ui);
		return UI_REDRAW;
	}
	if (action == UI_ACT_ACCEPT) {
		/* the accept callback may open a dialog of its own: close first */
		char *text = strdup(le_text(&p->edit));
		prompt_fn accept = p->accept;
		void *arg = p->arg;
		dialog_close(ui);
		if (text)
			accept(ui, text, arg);
		else
			ui_error(ui, "out of memory");
		free(text);
		return UI_REDRAW;
	}
	le_key(&p->edit, key);
	return UI_REDRAW;
}

static void prompt_free(void *data)
{
	struct prompt *p = data;
	le_free(&p->edit);
	free(p);
}

static const struct dialog_ops prompt_ops = {
	.name = "prompt",
	.draw = prompt_draw,
	.key = prompt_key,
	.free = prompt_free,
};

int prompt_open(struct ui *ui, const char *label, const char *initial, prompt_fn accept, void *arg)
{
	struct prompt *p = calloc(1, sizeof *p);
	if (!p)
		return rd_error(RD_E_NOMEM, "out of memory");
	snprintf(p->label, sizeof p->label, "%s", label);
	le_init(&p->edit, initial, 4096);
	p->accept = accept;
	p->arg = arg;
	return dialog_open(ui, &prompt_ops, p);
}

/* ---- help ------------------------------------------------------------------ */

struct help {
	struct buf text;      /* lines separated by '\n'; "\x01" starts a heading */
	size_t nlines;
	int top;
	int page;
};

static void help_line(struct help *h, const char *keys, const char *what)
{
	buf_printf(&h->text, "%s\t%s\n", keys, what);
	h->nlines++;
}

static void help_build(struct help *h)
{
	for (int g = 0; g < UI_GROUP_COUNT; g++) {
		if (h->nlines)
			help_line(h, "", "");
		buf_printf(&h->text, "\x01%s\n", ui_group_title(g));
		h->nlines++;
		for (int a = 0; a < UI_ACT_COUNT; a++)
			if (ui_action_group(a) == g)
				help_line(h, ui_action_keys(a), ui_action_help(a));
	}
	help_line(h, "", "");
	buf_adds(&h->text, "\x01" "Commands (:)\n");
	h->nlines++;
	for (int c = 0; c < UI_CMD_COUNT; c++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, ":%s %s", ui_command_name(c), ui_command_arg(c));
		help_line(h, cmd, ui_command_help(c));
	}
	help_line(h, "", "");
	buf_adds(&h->text, "\x01" "Filter (/)\n");
	h->nlines++;
	help_line(h, "state:S", "queued pending delivered bounced blocked dropped dead requeued");
	help_line(h, "campaign:NAME", "exact name; quote names with spaces: campaign:\"a b\"");
	help_line(h, "recipient:GLOB", "address pattern with * and ?");
	help_line(h, "affected", "queued, dead, or pending past the grace period; not suppressed");
	help_line(h, "tagged", "only the tagged messages");
	help_line(h, "incident:NAME", "that incident's windows (or window:\"2018-09-12 04:30/05:00\")");
	help_line(h, "", "repeated terms widen, different terms narrow (same as the CLI flags)");
}

static void help_draw(struct ui *ui, void *data)
{
	struct help *h = data;
	(void)ui;
	struct ui_rect r = dialog_frame(LINES - 2, COLS - 4, "Keys  (Esc closes, arrows scroll)");
	int inner = r.h - 2, kw = 18;
	h->page = inner > 1 ? inner : 1;
	if (h->top > (int)h->nlines - inner)
		h->top = (int)h->nlines - inner;
	if (h->top < 0)
		h->top = 0;
	const char *p = buf_str(&h->text);
	for (int i = 0; *p && i < h->top + inner; i++) {
		size_t n = strcspn(p, "\n");
		if (i >= h->top) {
			int y = r.y + 1 + i - h->top;
			char line[512];
			snprintf(line, sizeof line, "%.*s", (int)n, p);
			if (line[0] == '\x01') {
				draw_text(y, r.x + 2, r.w - 4, line + 1, UTF8_LEFT, ui_attr(UI_EL_DIALOG_TITLE));
			} else {
				char *tab = strchr(line, '\t');
				if (tab)
					*tab = '\0';
				draw_text(y, r.x + 2, kw, line, UTF8_LEFT, ui_attr(UI_EL_HELP_KEY));
				draw_text(y, r.x + 2 + kw, r.w - 4 - kw, tab ? tab + 1 : "", UTF8_LEFT,
				          ui_attr(UI_EL_DIALOG));
			}
		}
		p += n;
		if (*p)
			p++;
	}
}

static int help_key(struct ui *ui, void *data, int action, int key)
{
	struct help *h = data;
	switch (action) {
	case UI_ACT_DOWN:
	case UI_ACT_FIELD_NEXT:
		h->top++;
		break;
	case UI_ACT_UP:
	case UI_ACT_FIELD_PREV:
		h->top--;
		break;
	case UI_ACT_PAGE_DOWN:
		h->top += h->page;
		break;
	case UI_ACT_PAGE_UP:
		h->top -= h->page;
		break;
	case UI_ACT_HOME:
		h->top = 0;
		break;
	case UI_ACT_END:
		h->top = (int)h->nlines;
		break;
	default:
		if (action == UI_ACT_CLOSE || action == UI_ACT_ACCEPT || key == 'q' || key == '?')
			dialog_close(ui);
		break;
	}
	return UI_REDRAW;
}

static void help_free(void *data)
{
	struct help *h = data;
	buf_free(&h->text);
	free(h);
}

static const struct dialog_ops help_ops = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.free = help_free,
};

int help_open(struct ui *ui)
{
	struct help *h = calloc(1, sizeof *h);
	if (!h)
		return rd_error(RD_E_NOMEM, "out of memory");
	help_build(h);
	return dialog_open(ui, &help_ops, h);
}

/* ---- forms ------------------------------------------------------------------ */

static struct field *form_add(struct form *fm, enum field_kind kind, const char *label)
{
	if (fm->n >= FORM_MAX_FIELDS)
		return NULL;
	struct field *f = &fm->f[fm->n++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->label = label;
	return f;
}

int form_choice(struct form *fm, const char *label, const char *const *choices, int n, int choice)
{
	struct field *f = form_add(fm, FIELD_CHOICE, label);
	if (!f)
		return -1;
	for (int i = 0; i < n && i < FORM_MAX_CHOICES; i++)
		f->choices[f->nchoices++] = choices[i];
	f->choice = choice;
	return fm->n - 1;
}

int form_text(struct form *fm, const char *label, const char *text, size_t max)
{
	struct field *f = form_add(fm, FIELD_TEXT, label);
	if (!f)
		return -1;
	le_init(&f->edit, text, max);
	return fm->n - 1;
}

int form_button(struct form *fm, const char *label, int danger)
{
	struct field *f = form_add(fm, FIELD_BUTTON, label);
	if (!f)
		return -1;
	f->danger = danger;
	return fm->n - 1;
}

void form_free(struct form *fm)
{
	for (int i = 0; i < fm->n; i++)
		if (fm->f[i].kind == FIELD_TEXT)
			le_free(&fm->f[i].edit);
	fm->n = 0;
}

static void move_focus(struct form *fm, int step)
{
	for (int k = 0; k < fm->n; k++) {
		fm->focus = (fm->focus + step + fm->n) % fm->n;
		if (!fm->f[fm->focus].disabled)
			return;
	}
}

int form_key(struct form *fm, int action, int key, int *pressed)
{
	struct field *f = fm->n ? &fm->f[fm->focus] : NULL;
	*pressed = -1;
	if (!f)
		return 0;
	if (action == UI_ACT_FIELD_NEXT) {
		move_focus(fm, 1);
		return 1;
	}
	if (action == UI_ACT_FIELD_PREV) {
		move_focus(fm, -1);
		return 1;
	}
	if (action == UI_ACT_ACCEPT) {
		if (f->kind == FIELD_BUTTON && !f->disabled)
			*pressed = fm->focus;
		else if (f->kind != FIELD_BUTTON)
			move_focus(fm, 1);
		return 1;
	}
	if (f->kind == FIELD_TEXT)
		return le_key(&f->edit, key);
	if (f->kind == FIELD_CHOICE && f->nchoices > 0) {
		if (action == UI_ACT_TOGGLE || action == UI_ACT_RIGHT) {
			f->choice = (f->choice + 1) % f->nchoices;
			return 1;
		}
		if (action == UI_ACT_LEFT) {
			f->choice = (f->choice + f->nchoices - 1) % f->nchoices;
			return 1;
		}
	}
	if (f->kind == FIELD_BUTTON && (action == UI_ACT_LEFT || action == UI_ACT_RIGHT)) {
		move_focus(fm, action == UI_ACT_LEFT ? -1 : 1);
		return 1;
	}
	return 0;
}

void form_draw_field(struct ui *ui, struct form *fm, int i, int y, int x, int label_w, int w)
{
	struct field *f = &fm->f[i];
	int focus = fm->focus == i;
	draw_text(y, x, label_w, f->label, UTF8_LEFT, ui_attr(UI_EL_LABEL));
	int vx = x + label_w, vw = w - label_w;
	if (f->kind == FIELD_TEXT) {
		int cx = le_draw(&f->edit, y, vx, vw, ui_attr(focus ? UI_EL_BUTTON_FOCUS : UI_EL_INPUT));
		if (focus) {
			ui->cursor_y = y;
			ui->cursor_x = cx;
		}
		return;
	}
	/* choices: ( ) one  (*) two */
	int cx = vx;
	for (int k = 0; k < f->nchoices && cx < vx + vw; k++) {
		char item[96];
		snprintf(item, sizeof item, "(%c) %s", k == f->choice ? '*' : ' ', f->choices[k]);
		attr_t a = ui_attr(focus && k == f->choice ? UI_EL_BUTTON_FOCUS : UI_EL_DIALOG);
		cx += draw_str(y, cx, vx + vw - cx, item, a);
		cx += draw_str(y, cx, vx + vw - cx, "  ", ui_attr(UI_EL_DIALOG));
	}
}

void form_draw_buttons(struct form *fm, int y, int x, int w)
{
	int total = 0;
	for (int i = 0; i < fm->n; i++)
		if (fm->f[i].kind == FIELD_BUTTON)
			total += draw_width(fm->f[i].label) + 6;
	int cx = x + (w > total ? w - total : 0);
	for (int i = 0; i < fm->n; i++) {
		struct field *f = &fm->f[i];
		if (f->kind != FIELD_BUTTON)
			continue;
		char item[160];
		int focus = fm->focus == i;
		snprintf(item, sizeof item, focus ? "[ %s ]" : "< %s >", f->label);
		enum ui_element el = f->disabled ? UI_EL_DIM
		                     : focus     ? (f->danger ? UI_EL_DANGER : UI_EL_BUTTON_FOCUS)
		                                 : UI_EL_BUTTON;
		cx += draw_str(y, cx, x + w - cx, item, ui_attr(el));
		cx += draw_str(y, cx, x + w - cx, "  ", ui_attr(UI_EL_DIALOG));
	}
}
