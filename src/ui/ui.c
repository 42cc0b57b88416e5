/* ui.c — the screen manager: the input loop, focus, redraw, the chrome
 * around the screens (title, tabs, filter and status lines), the live
 * refresh and the `:` commands. */
#include "redrive/ui.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialog.h"
#include "job.h"
#include "redrive/buf.h"
#include "redrive/error.h"
#include "redrive/filter.h"
#include "redrive/state.h"
#include "redrive/store.h"
#include "redrive/store_query.h"
#include "redrive/store_tags.h"
#include "redrive/store_watch.h"
#include "redrive/timefmt.h"
#include "redrive/tz.h"
#include "ui_int.h"

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
#define UI_REFRESH_MS 2000
/* Without a fixed --now, counts that depend on the clock (stale, affected)
 * are refreshed at least this often. */
#define UI_CLOCK_REFRESH 30
/* How long a status message stays (errors stay until the next key). */
#define UI_STATUS_SECONDS 8.0
/* Keys handled before a redraw when they arrive in a burst. */
#define UI_KEY_BURST 64
/* The dashboard's page cache: the rows on screen and the indexes that lead
 * to them need far less than a bulk import; memory stays well under the
 * 64 MB target (SPEC §7) with jobs running beside it. */
#define UI_CACHE_KIB 4096

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	(void)sig;
	quit_signal = 1;
}

double ui_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ui_timing(struct ui *ui, const char *name, double ms, const char *extra)
{
	if (!ui->timings)
		return;
	fprintf(ui->timings, "%s %.3f%s%s\n", name, ms, extra && *extra ? " " : "", extra ? extra : "");
	fflush(ui->timings);
}

/* ---- services ------------------------------------------------------------ */

struct store *ui_store(struct ui *ui)
{
	return ui->store_lent ? NULL : ui->store;
}

static void set_status(struct ui *ui, int error, const char *fmt, va_list ap)
{
	vsnprintf(ui->status, sizeof ui->status, fmt, ap);
	ui->status_error = error;
	ui->status_until = ui_clock() + UI_STATUS_SECONDS;
	ui->redraw = 1;
}

void ui_status(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_status(ui, 0, fmt, ap);
	va_end(ap);
}

void ui_error(struct ui *ui, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_status(ui, 1, fmt, ap);
	va_end(ap);
}

int ui_may_write(struct ui *ui, const char *what)
{
	if (!ui->read_only)
		return 1;
	ui_error(ui, "read-only: %s writes the store; open the dashboard without --read-only", what);
	return 0;
}

void ui_num(int64_t n, char *out, size_t len)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
	size_t nd = strlen(digits), o = 0;
	if (n < 0 && o + 1 < len)
		out[o++] = '-';
	for (size_t i = 0; i < nd && o + 1 < len; i++) {
		if (i && (nd - i) % 3 == 0 && o + 1 < len)
			out[o++] = ',';
		if (o + 1 < len)
			out[o++] = digits[i];
	}
	if (len)
		out[o < len ? o : len - 1] = '\0';
}

void ui_time_text(struct ui *ui, int64_t t, int seconds, char *out, size_t n)
{
	char full[40];
	if (t == INT64_MIN) {
		snprintf(out, n, "-");
		return;
	}
	tz_format(ui->zone, t, seconds, full, sizeof full);
	snprintf(out, n, "%.*s", seconds ? 19 : 16, full);
}

void ui_broadcast(struct ui *ui, unsigned what)
{
	for (int i = 0; i < UI_SCR_COUNT; i++)
		if (ui->ops[i]->changed)
			ui->ops[i]->changed(ui, ui->st[i], what);
	ui->redraw = 1;
}

void ui_switch(struct ui *ui, int screen)
{
	if (screen < 0 || screen >= UI_SCR_COUNT)
		return;
	ui->cur = screen;
	if (ui->ops[screen]->shown)
		ui->ops[screen]->shown(ui, ui->st[screen]);
	ui->redraw = 1;
}

void ui_open_message(struct ui *ui, const char *msg_key)
{
	screen_detail_show(ui, ui->st[UI_SCR_DETAIL], msg_key);
	ui_switch(ui, UI_SCR_DETAIL);
}

void ui_filter_line(struct ui *ui, struct buf *out)
{
	filter_to_line(&ui->filter, out);
}

int ui_filter_terms(struct ui *ui, struct rd_filter *out)
{
	filter_init(out);
	int rc = filter_copy(out, &ui->filter);
	/* the resolved windows are recomputed from the terms */
	out->nwindows = 0;
	return rc;
}

int ui_set_filter(struct ui *ui, struct rd_filter *nf)
{
	struct store *s = ui_store(ui);
	struct tz *zone = NULL;
	if (!s) {
		filter_free(nf);
		ui_error(ui, "the store is busy with a job; try again when it ends (x cancels it)");
		return RD_E_BUSY;
	}
	double t0 = ui_clock();
	nf->has_now = 1;
	nf->now = ui->now;
	int rc = store_filter_resolve(s, nf, ui->now, &zone);
	if (rc) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(nf);
		return rc;
	}
	filter_free(&ui->filter);
	ui->filter = *nf;
	filter_init(nf);
	tz_free(ui->zone);
	ui->zone = zone;
	ui->filter_started = t0;
	ui_broadcast(ui, UI_CHANGE_FILTER | UI_CHANGE_ZONE);
	if (ui->tags.tagged)
		ui_count_hidden(ui);
	return RD_OK;
}

void ui_tags_changed(struct ui *ui, int64_t delta, int64_t absolute)
{
	if (absolute >= 0)
		ui->tags.tagged = absolute;
	else
		ui->tags.tagged += delta;
	if (ui->tags.tagged < 0)
		ui->tags.tagged = 0;
	if (!ui->tags.tagged) {
		ui->tags.hidden = 0;
		ui->tags.hidden_known = 1;
	}
	ui->tags.gen++;
	ui_broadcast(ui, UI_CHANGE_TAGS);
}

/* ---- commands --------------------------------------------------------------- */

static void free_list(char **list, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
}

/* The next filter: the current terms, then changed by the caller. */
static int next_filter(struct ui *ui, struct rd_filter *nf)
{
	int rc = ui_filter_terms(ui, nf);
	if (rc)
		ui_error(ui, "%s", rd_error_message());
	return rc;
}

/* A new scope (incident or windows) keeps the other terms. */
static void drop_scope(struct rd_filter *nf)
{
	free(nf->incident);
	nf->incident = NULL;
	free_list(nf->window_specs, &nf->nspecs);
}

int ui_use_incident(struct ui *ui, const char *name)
{
	struct rd_filter nf;
	if (next_filter(ui, &nf))
		return RD_E_NOMEM;
	drop_scope(&nf);
	int rc = name ? filter_option(&nf, "incident", name) : RD_OK;
	if (rc) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return rc;
	}
	return ui_set_filter(ui, &nf);
}

int ui_use_windows(struct ui *ui, const char *specs)
{
	struct rd_filter nf;
	if (next_filter(ui, &nf))
		return RD_E_NOMEM;
	drop_scope(&nf);
	int rc = RD_OK;
	const char *p = specs;
	while (!rc && *p) {
		size_t n = strcspn(p, ",;");
		char one[256];
		while (n && (*p == ' ' || *p == '"' || *p == '\'')) {
			p++;
			n--;
		}
		while (n && (p[n - 1] == ' ' || p[n - 1] == '"' || p[n - 1] == '\''))
			n--;
		if (n >= sizeof one)
			rc = rd_error(RD_E_USAGE, "a window is too long: %.40s…", p);
		else if (n) {
			snprintf(one, sizeof one, "%.*s", (int)n, p);
			rc = filter_option(&nf, "window", one);
		}
		p += strcspn(p, ",;");
		if (*p)
			p++;
	}
	if (!rc && !nf.nspecs)
		rc = rd_error(RD_E_USAGE, "give a window, e.g. 2018-09-12 04:30/05:00 (several separated by ',')");
	if (rc) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return rc;
	}
	return ui_set_filter(ui, &nf);
}

static void apply_filter_line(struct ui *ui, const char *text, void *arg)
{
	(void)arg;
	struct rd_filter nf;
	filter_init(&nf);
	int rc = RD_OK;
	if (ui->filter.tz)
		rc = filter_option(&nf, "tz", ui->filter.tz);
	nf.grace = ui->filter.grace;
	if (!rc)
		rc = filter_parse_line(&nf, text);
	if (rc) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return;
	}
	ui_set_filter(ui, &nf);
}

static void command_tz(struct ui *ui, const char *zone)
{
	struct rd_filter nf;
	struct tz *z = tz_load(zone);
	if (!z) {
		ui_error(ui, "%s", rd_error_message());
		return;
	}
	tz_free(z);
	if (next_filter(ui, &nf))
		return;
	int rc = filter_option(&nf, "tz", zone);
	if (rc) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return;
	}
	if (ui_set_filter(ui, &nf) == RD_OK)
		ui_status(ui, "times are shown in %s%s", zone,
		          ui->filter.nspecs ? "; the typed windows are read in it too" : "");
}

static void command_theme(struct ui *ui, const char *name)
{
	struct buf msg = BUF_INIT;
	struct ui_theme t;
	if (!ui->colors && strcmp(name, "mono") != 0) {
		ui_status(ui, "this terminal shows no colours (or NO_COLOR is set): staying with mono");
		return;
	}
	int rc = ui_theme_load(&t, name, &msg);
	ui->theme = t;
	ui_theme_apply(&ui->theme, ui->colors);
	if (rc)
		ui_error(ui, "%s", buf_str(&msg));
	else
		ui_status(ui, "theme %s", t.name);
	buf_free(&msg);
	clearok(curscr, TRUE);
}

static void command_clear(struct ui *ui)
{
	struct rd_filter nf;
	if (next_filter(ui, &nf))
		return;
	free_list(nf.campaigns, &nf.ncampaigns);
	free_list(nf.recipients, &nf.nrecipients);
	nf.states = 0;
	nf.affected = 0;
	nf.tagged = 0;
	ui_set_filter(ui, &nf);
}

static void command_grace(struct ui *ui, const char *dur)
{
	struct rd_filter nf;
	if (next_filter(ui, &nf))
		return;
	if (filter_option(&nf, "grace", dur) != RD_OK) {
		ui_error(ui, "%s", rd_error_message());
		filter_free(&nf);
		return;
	}
	if (ui_set_filter(ui, &nf) == RD_OK) {
		char text[16];
		timefmt_duration(ui->filter.grace, text, sizeof text);
		ui_status(ui, "grace period %s", text);
		ui_check_alert(ui);
	}
}

static void command_refresh(struct ui *ui, const char *arg)
{
	char *end;
	errno = 0;
	double s = strtod(arg, &end);
	if (!*arg || *end || errno || s < 0 || s > 3600) {
		ui_error(ui, ":refresh takes seconds from 0 (off) to 3600, e.g. :refresh 2");
		return;
	}
	ui->refresh_ms = (int)(s * 1000);
	ui->next_poll = ui_clock() + s;
	if (ui->refresh_ms)
		ui_status(ui, "live refresh every %g s", s);
	else
		ui_status(ui, "live refresh off (C-l reads the store again)");
}

void ui_command(struct ui *ui, const char *line)
{
	while (*line == ' ' || *line == ':')
		line++;
	size_t n = strcspn(line, " ");
	const char *arg = line + n;
	while (*arg == ' ')
		arg++;
	if (!n)
		return;
	int cmd = ui_command_find(line, n);
	if (cmd < 0) {
		ui_error(ui, "%s command \"%.*s\"; ? lists the commands", cmd == -2 ? "ambiguous" : "unknown",
		         (int)n, line);
		return;
	}
	if (!*arg && *ui_command_arg(cmd) && cmd != UI_CMD_FILTER && cmd != UI_CMD_INCIDENT) {
		ui_error(ui, ":%s needs %s", ui_command_name(cmd), ui_command_arg(cmd));
		return;
	}
	switch (cmd) {
	case UI_CMD_INCIDENT:
		if (ui_use_incident(ui, *arg ? arg : NULL) == RD_OK && ui->cur == UI_SCR_INCIDENTS)
			ui_switch(ui, UI_SCR_CAMPAIGNS);
		break;
	case UI_CMD_WINDOW:
		ui_use_windows(ui, arg);
		break;
	case UI_CMD_TZ:
		command_tz(ui, arg);
		break;
	case UI_CMD_THEME:
		command_theme(ui, arg);
		break;
	case UI_CMD_FILTER:
		apply_filter_line(ui, arg, NULL);
		break;
	case UI_CMD_CLEAR:
		command_clear(ui);
		break;
	case UI_CMD_GRACE:
		command_grace(ui, arg);
		break;
	case UI_CMD_REFRESH:
		command_refresh(ui, arg);
		break;
	case UI_CMD_GOTO:
		ui_switch(ui, UI_SCR_MESSAGES);
		screen_messages_goto(ui, ui->st[UI_SCR_MESSAGES], arg);
		break;
	case UI_CMD_EXPORT:
		export_dialog_open(ui);
		break;
	case UI_CMD_REQUEUE:
		if (ui_may_write(ui, "requeue"))
			requeue_dialog_open(ui);
		break;
	case UI_CMD_HELP:
		help_open(ui);
		break;
	case UI_CMD_QUIT:
		ui->quit = 1;
		break;
	default:
		break;
	}
}

static void run_command(struct ui *ui, const char *text, void *arg)
{
	(void)arg;
	ui_command(ui, text);
}

/* ---- the chrome ---------------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void draw_title(struct ui *ui)
{
	struct buf left = BUF_INIT;
	char when[40], right[160], n[32];
	attr_t a = ui_attr(UI_EL_TITLE);

	draw_fill(0, 0, COLS, a);
	buf_printf(&left, " redrive  %s%s  ", base_name(ui->db_path), ui->read_only ? " (read-only)" : "");
	if (ui->filter.incident)
		buf_printf(&left, "incident %s (%s)", ui->filter.incident, tz_name(ui->zone));
	else if (ui->filter.nwindows)
		buf_printf(&left, "%zu window%s (%s)", ui->filter.nwindows, ui->filter.nwindows > 1 ? "s" : "",
		           tz_name(ui->zone));
	else
		buf_printf(&left, "all messages (%s)", tz_name(ui->zone));

	const char *abbr = NULL;
	tz_offset_at(ui->zone, ui->now, &abbr);
	ui_time_text(ui, ui->now, 0, when, sizeof when);
	snprintf(right, sizeof right, "%s %s ", when, abbr ? abbr : "");
	int rw = draw_width(right);
	int live_w = 7;
	int alert_w = 0;
	char badge[64] = "";
	if (ui->alert.known && ui->alert.count > 0) {
		char dur[16];
		ui_num(ui->alert.count, n, sizeof n);
		timefmt_duration(ui->filter.grace, dur, sizeof dur);
		snprintf(badge, sizeof badge, " LATE %s%s > %s ", n, ui->alert.count >= UI_ALERT_CAP ? "+" : "",
		         dur);
		alert_w = draw_width(badge) + 1;
	}
	int lw = COLS - rw - live_w - alert_w;
	draw_text(0, 0, lw > 0 ? lw : 0, buf_str(&left), UTF8_LEFT, a);
	int x = lw > 0 ? lw : 0;
	if (alert_w) {
		draw_text(0, x, alert_w - 1, badge, UTF8_LEFT, ui_attr(UI_EL_ALERT));
		x += alert_w;
	}
	const char *live = ui->paused ? "paused" : ui->refresh_ms ? "live" : "static";
	draw_text(0, x, live_w, live, UTF8_LEFT,
	          ui->paused ? ui_attr(UI_EL_PAUSED) : a);
	draw_text(0, x + live_w, rw, right, UTF8_RIGHT, a);
	buf_free(&left);
}

static void draw_tabs(struct ui *ui)
{
	int x = 0;
	draw_fill(1, 0, COLS, ui_attr(UI_EL_TAB));
	for (int i = 0; i < UI_SCR_COUNT && x < COLS; i++) {
		char tab[48];
		snprintf(tab, sizeof tab, " %d %s ", i + 1, ui->ops[i]->name);
		x += draw_str(1, x, COLS - x, tab, ui_attr(i == ui->cur ? UI_EL_TAB_ACTIVE : UI_EL_TAB));
		x += draw_str(1, x, COLS - x, " ", ui_attr(UI_EL_TAB));
	}
}

static void draw_filter_line(struct ui *ui)
{
	struct buf line = BUF_INIT;
	char tags[96] = "", hidden[64] = "", n[32];
	int y = LINES - 2;

	draw_fill(y, 0, COLS, ui_attr(UI_EL_FILTER_LINE));
	if (ui->tags.tagged) {
		ui_num(ui->tags.tagged, n, sizeof n);
		snprintf(tags, sizeof tags, " tagged %s ", n);
		if (!ui->tags.hidden_known) {
			snprintf(hidden, sizeof hidden, "(counting hidden) ");
		} else if (ui->tags.hidden) {
			ui_num(ui->tags.hidden, n, sizeof n);
			snprintf(hidden, sizeof hidden, "(%s hidden by the filter) ", n);
		}
	} else {
		snprintf(tags, sizeof tags, " tagged 0 ");
	}
	int tw = draw_width(tags), hw = draw_width(hidden);
	filter_to_line(&ui->filter, &line);
	int fw = COLS - tw - hw;
	char label[] = " filter: ";
	int lw = (int)strlen(label);
	draw_text(y, 0, lw, label, UTF8_LEFT, ui_attr(UI_EL_LABEL));
	draw_text(y, lw, fw - lw > 0 ? fw - lw : 0, line.len ? buf_str(&line) : "(none: every message)",
	          UTF8_LEFT, ui_attr(line.len ? UI_EL_FILTER_LINE : UI_EL_DIM));
	draw_text(y, fw, tw, tags, UTF8_LEFT, ui_attr(UI_EL_TAG_COUNT));
	if (hw)
		draw_text(y, fw + tw, hw, hidden, UTF8_LEFT, ui_attr(UI_EL_TAG_HIDDEN));
	buf_free(&line);
}

static void draw_status(struct ui *ui)
{
	int y = LINES - 1;
	char text[256];
	double fraction;
	draw_fill(y, 0, COLS, ui_attr(UI_EL_STATUS));
	if (jobs_status(ui, text, sizeof text, &fraction)) {
		int bw = fraction >= 0 ? 20 : 0;
		int x = 1;
		if (bw) {
			draw_progress(y, x, bw, fraction, ui_attr(UI_EL_PROGRESS_DONE), ui_attr(UI_EL_PROGRESS_LEFT));
			x += bw + 1;
		}
		char full[300];
		snprintf(full, sizeof full, "%s   (x cancels)", text);
		draw_text(y, x, COLS - x, full, UTF8_LEFT, ui_attr(UI_EL_STATUS));
		return;
	}
	if (ui->status[0] && (ui->status_error || ui_clock() < ui->status_until)) {
		draw_text(y, 0, COLS, ui->status, UTF8_LEFT,
		          ui_attr(ui->status_error ? UI_EL_STATUS_ERROR : UI_EL_STATUS));
		return;
	}
	snprintf(text, sizeof text, " %s   / filter  : command  ? help  q quit", ui->ops[ui->cur]->hints);
	draw_text(y, 0, COLS, text, UTF8_LEFT, ui_attr(UI_EL_DIM));
}

static void draw_too_small(void)
{
	char size[64];
	const char *lines[] = { "terminal too small", size, "redrive needs at least 80x24",
		                "enlarge the window, or press q to quit" };
	snprintf(size, sizeof size, "this one is %dx%d", COLS, LINES);
	erase();
	for (int i = 0; i < 4; i++) {
		int y = LINES / 2 - 2 + i;
		if (y < 0 || y >= LINES)
			continue;
		int w = draw_width(lines[i]);
		if (w > COLS)
			w = COLS;
		draw_text(y, (COLS - w) / 2, w, lines[i], UTF8_LEFT, ui_attr(i ? UI_EL_NORMAL : UI_EL_STATUS_ERROR));
	}
}

static void draw_all(struct ui *ui)
{
	ui->cursor_y = ui->cursor_x = -1;
	erase();
	if (ui->too_small) {
		draw_too_small();
	} else {
		draw_title(ui);
		draw_tabs(ui);
		ui->ops[ui->cur]->draw(ui, ui->st[ui->cur], &ui->content);
		draw_filter_line(ui);
		draw_status(ui);
		dialog_draw(ui);
	}
	if (ui->cursor_y >= 0) {
		curs_set(1);
		move(ui->cursor_y, ui->cursor_x);
	} else {
		curs_set(0);
		move(LINES - 1, COLS - 1);
	}
	refresh();
	if (!ui->first_frame_done) {
		ui->first_frame_done = 1;
		ui_timing(ui, "first_frame_ms", (ui_clock() - ui->started) * 1000, NULL);
	}
	if (ui->filter_started > 0) {
		ui_timing(ui, "filter_ms", (ui_clock() - ui->filter_started) * 1000, NULL);
		ui->filter_started = 0;
	}
	if (ui->page_started > 0) {
		char pos[32];
		snprintf(pos, sizeof pos, "pos=%.3f", ui->page_pos);
		ui_timing(ui, "page_ms", (ui_clock() - ui->page_started) * 1000, pos);
		ui->page_started = 0;
	}
}

static void layout(struct ui *ui)
{
	ui->too_small = COLS < UI_MIN_COLS || LINES < UI_MIN_LINES;
	ui->content = (struct ui_rect){ 2, 0, LINES - 4, COLS };
	if (ui->too_small)
		return;
	for (int i = 0; i < UI_SCR_COUNT; i++)
		if (ui->ops[i]->resize)
			ui->ops[i]->resize(ui, ui->st[i], &ui->content);
	ui->redraw = 1;
}

/* ---- keys --------------------------------------------------------------------- */

static void filter_prompt(struct ui *ui)
{
	struct buf line = BUF_INIT;
	ui_filter_line(ui, &line);
	prompt_open(ui, " / ", buf_str(&line), apply_filter_line, NULL);
	buf_free(&line);
}

static int global_action(struct ui *ui, int action)
{
	if (ui_action_writes(action) && !ui_may_write(ui, "requeue"))
		return UI_REDRAW;
	switch (action) {
	case UI_ACT_SCREEN_1:
	case UI_ACT_SCREEN_2:
	case UI_ACT_SCREEN_3:
	case UI_ACT_SCREEN_4:
	case UI_ACT_SCREEN_5:
	case UI_ACT_SCREEN_6:
		ui_switch(ui, action - UI_ACT_SCREEN_1);
		break;
	case UI_ACT_SCREEN_NEXT:
		ui_switch(ui, (ui->cur + 1) % UI_SCR_COUNT);
		break;
	case UI_ACT_SCREEN_PREV:
		ui_switch(ui, (ui->cur + UI_SCR_COUNT - 1) % UI_SCR_COUNT);
		break;
	case UI_ACT_FILTER:
		filter_prompt(ui);
		break;
	case UI_ACT_COMMAND:
		prompt_open(ui, " : ", "", run_command, NULL);
		break;
	case UI_ACT_HELP:
		help_open(ui);
		break;
	case UI_ACT_TAG_ALL:
		ui_tag_all(ui);
		break;
	case UI_ACT_UNTAG_ALL:
		ui_untag_all(ui);
		break;
	case UI_ACT_EXPORT:
		export_dialog_open(ui);
		break;
	case UI_ACT_REQUEUE:
		requeue_dialog_open(ui);
		break;
	case UI_ACT_CANCEL_JOB:
		if (!jobs_cancel_visible(ui))
			ui_status(ui, "nothing to cancel");
		break;
	case UI_ACT_PAUSE_JOB: {
		int paused = 0;
		if (!jobs_pause_visible(ui, &paused))
			ui_status(ui, "no requeue is running");
		else
			ui_status(ui, paused ? "requeue paused after the current request (P goes on, x cancels)"
			                     : "requeue goes on");
		break;
	}
	case UI_ACT_PAUSE:
		ui->paused = !ui->paused;
		ui_status(ui, ui->paused ? "live refresh paused (p resumes)" : "live refresh resumed");
		ui->next_poll = 0;
		break;
	case UI_ACT_REFRESH:
		ui->next_poll = 0;
		ui->data_version = -1;
		clearok(curscr, TRUE);
		break;
	case UI_ACT_QUIT:
		return UI_QUIT;
	default:
		return UI_UNHANDLED;
	}
	return UI_HANDLED | UI_REDRAW;
}

static int handle_key(struct ui *ui, int key)
{
	if (ui->too_small)
		return key == 'q' ? UI_QUIT : UI_HANDLED;
	if (ui->status_error) {
		/* an error stays until the operator does something */
		ui->status_error = 0;
		ui->status_until = ui_clock() + 2;
		ui->redraw = 1;
	}
	if (ui->dialog) {
		int r = dialog_key(ui, key);
		dialog_reap(ui);
		return r;
	}
	const struct screen_ops *ops = ui->ops[ui->cur];
	enum ui_group groups[] = { ops->group, UI_GROUP_MOVE, UI_GROUP_GLOBAL };
	int action = ui_key_action(key, groups, 3);
	int r = ops->key(ui, ui->st[ui->cur], action, key);
	if (!(r & UI_HANDLED) && action != UI_ACT_NONE)
		r |= global_action(ui, action);
	dialog_reap(ui);
	return r;
}

/* ---- the clock and the live refresh ---------------------------------------------- */

static void advance_clock(struct ui *ui)
{
	if (ui->opts->fixed_now)
		return;
	int64_t now = ui->opts->now + (int64_t)(ui_clock() - ui->started);
	if (now / 60 != ui->now / 60)
		ui->redraw = 1;
	ui->now = now;
}

static void live_poll(struct ui *ui)
{
	struct store *s = ui_store(ui);
	double t = ui_clock();
	if (!s || ui->paused || (!ui->refresh_ms && ui->data_version >= 0) || t < ui->next_poll)
		return;
	ui->next_poll = t + (ui->refresh_ms ? ui->refresh_ms : UI_REFRESH_MS) / 1000.0;
	int64_t v = 0;
	if (store_data_version(s, &v) != RD_OK)
		return;
	int data = v != ui->data_version;
	int clock = !ui->opts->fixed_now && ui->now - ui->last_refresh_now >= UI_CLOCK_REFRESH;
	if (!data && !clock)
		return;
	ui->data_version = v;
	ui->last_refresh_now = ui->now;
	ui->filter.now = ui->now;
	ui_broadcast(ui, UI_CHANGE_DATA);
	ui_check_alert(ui);
	if (ui->tags.tagged)
		ui_count_hidden(ui);
}

static void tick(struct ui *ui)
{
	char text[8];
	double f;
	advance_clock(ui);
	if (jobs_poll(ui) || jobs_status(ui, text, sizeof text, &f))
		ui->redraw = 1;
	live_poll(ui);
	if (ui->status[0] && !ui->status_error && ui_clock() >= ui->status_until) {
		ui->status[0] = '\0';
		ui->redraw = 1;
	}
}

/* ---- setup and the loop ------------------------------------------------------------ */

static int open_screens(struct ui *ui)
{
	const struct screen_ops *ops[UI_SCR_COUNT] = {
		[UI_SCR_INCIDENTS] = &screen_incidents_ops, [UI_SCR_CAMPAIGNS] = &screen_campaigns_ops,
		[UI_SCR_MESSAGES] = &screen_messages_ops,   [UI_SCR_DETAIL] = &screen_detail_ops,
		[UI_SCR_TIMELINE] = &screen_timeline_ops,   [UI_SCR_BATCHES] = &screen_batches_ops,
	};
	for (int i = 0; i < UI_SCR_COUNT; i++) {
		ui->ops[i] = ops[i];
		int rc = ops[i]->open(ui, &ui->st[i]);
		if (rc)
			return rc;
	}
	return RD_OK;
}

static void close_screens(struct ui *ui)
{
	for (int i = 0; i < UI_SCR_COUNT; i++)
		if (ui->ops[i] && ui->st[i])
			ui->ops[i]->close(ui, ui->st[i]);
}

/* Store and filter, before the terminal is touched (errors go to stderr). */
static int prepare(struct ui *ui, const struct ui_opts *o)
{
	int rc = store_open(o->db_path, o->read_only ? STORE_READ_ONLY : STORE_READ_WRITE, &ui->store);
	if (rc)
		return rc;
	rc = store_memory_limit(ui->store, UI_CACHE_KIB);
	if (!rc)
		rc = store_tags_open(ui->store);
	if (!rc && o->filter)
		rc = filter_copy(&ui->filter, o->filter);
	if (rc)
		return rc;
	ui->filter.has_now = 1;
	ui->filter.now = ui->now;
	return store_filter_resolve(ui->store, &ui->filter, ui->now, &ui->zone);
}

static void choose_theme(struct ui *ui, const char *name)
{
	const char *no_color = getenv("NO_COLOR");
	struct buf msg = BUF_INIT;
	ui->colors = has_colors() && !(no_color && *no_color);
	if (ui->colors) {
		start_color();
		use_default_colors();
	}
	if (!ui->colors) {
		ui_theme_builtin(&ui->theme, 1);
		if (ui_theme_load(&ui->theme, "mono", &msg) != 0)
			ui_error(ui, "%s", buf_str(&msg));
		else if (strcmp(name, "default") != 0 && strcmp(name, "mono") != 0)
			ui_status(ui, "%s: the mono theme (attributes only) instead of %s",
			          no_color && *no_color ? "NO_COLOR is set" : "this terminal has no colours", name);
	} else if (ui_theme_load(&ui->theme, name, &msg) != 0) {
		ui_error(ui, "%s", buf_str(&msg));
	}
	ui_theme_apply(&ui->theme, ui->colors);
	buf_free(&msg);
}

static void start_curses(struct ui *ui)
{
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	const char *theme = ui->opts->theme;
	if (!theme || !*theme)
		theme = getenv("REDRIVE_THEME");
	choose_theme(ui, theme && *theme ? theme : "default");
}

static void install_signals(int on)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int read_key(int *key)
{
	wint_t wch;
	int r = get_wch(&wch);
	if (r == ERR)
		return 0;
	*key = r == KEY_CODE_YES ? ((int)wch | UI_KEY_FN) : (int)wch;
	return 1;
}

static void loop(struct ui *ui)
{
	while (!ui->quit && !quit_signal) {
		if (ui->redraw) {
			ui->redraw = 0;
			draw_all(ui);
		}
		timeout(jobs_active(ui) ? 100 : 500);
		int key;
		if (!read_key(&key)) {
			tick(ui);
			continue;
		}
		/* a burst of keys (a paste, a held key) is handled before one redraw */
		for (int n = 0; n < UI_KEY_BURST && !ui->quit; n++) {
			int r;
			if (key == (KEY_RESIZE | UI_KEY_FN)) {
				layout(ui);
				clearok(curscr, TRUE);
				r = UI_REDRAW;
			} else {
				r = handle_key(ui, key);
			}
			if (r & UI_QUIT)
				ui->quit = 1;
			if (r & UI_REDRAW)
				ui->redraw = 1;
			timeout(0);
			if (!read_key(&key))
				break;
		}
		tick(ui);
	}
}

static void first_screen(struct ui *ui)
{
	int scr = ui->filter.nwindows || ui->filter.incident ? UI_SCR_CAMPAIGNS : UI_SCR_INCIDENTS;
	ui_switch(ui, scr);
}

int ui_run(const struct ui_opts *o)
{
	struct ui *ui = calloc(1, sizeof *ui);
	if (!ui)
		return rd_error(RD_E_NOMEM, "out of memory");
	ui->opts = o;
	ui->started = ui_clock();
	ui->now = o->now;
	ui->last_refresh_now = o->now;
	ui->read_only = o->read_only;
	ui->db_path = o->db_path;
	ui->refresh_ms = UI_REFRESH_MS;
	ui->data_version = -1;
	ui->tags.hidden_known = 1;
	filter_init(&ui->filter);
	const char *tpath = getenv("REDRIVE_UI_TIMINGS");
	if (tpath && *tpath)
		ui->timings = fopen(tpath, "a");

	int rc = prepare(ui, o);
	if (!rc) {
		ui_keys_init();
		install_signals(1);
		start_curses(ui);
		rc = open_screens(ui);
		if (!rc) {
			layout(ui);
			first_screen(ui);
			ui_check_alert(ui);
			/* the first poll only records the version */
			struct store *s = ui_store(ui);
			if (s)
				store_data_version(s, &ui->data_version);
			ui->next_poll = ui_clock() + ui->refresh_ms / 1000.0;
			ui->redraw = 1;
			loop(ui);
		}
		jobs_stop(ui);
		dialog_close(ui);
		dialog_reap(ui);
		close_screens(ui);
		/* the terminal is restored before anything is reported */
		endwin();
		install_signals(0);
		draw_done();
	}
	if (ui->timings)
		fclose(ui->timings);
	tz_free(ui->zone);
	filter_free(&ui->filter);
	store_close(ui->store);
	free(ui);
	return rc;
}
