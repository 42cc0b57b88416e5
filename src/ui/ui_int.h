/* ui_int.h — private to src/ui: the dashboard's state, the contract between
 * the screen manager (ui.c) and the screens, and the services screens use.
 *
 * Everything here runs on the UI thread; jobs (job.h) talk to it only
 * through their progress and done callbacks.
 */
#ifndef REDRIVE_UI_INT_H
#define REDRIVE_UI_INT_H

#include <stdint.h>
#include <stdio.h>

#include "draw.h"
#include "keys.h"
#include "redrive/filter.h"
#include "theme.h"

struct store;
struct tz;
struct job;
struct dialog;
struct ui;
struct ui_opts;

/* What a key handler did.  The manager redraws on UI_REDRAW and leaves the
 * loop on UI_QUIT; an unhandled key goes on to the global keys. */
enum ui_flags {
	UI_UNHANDLED = 0,
	UI_HANDLED = 1 << 0,
	UI_REDRAW = 1 << 1,
	UI_QUIT = 1 << 2
};

/* Why a screen is told to look at its data again. */
enum ui_change {
	UI_CHANGE_FILTER = 1 << 0, /* another filter, incident or window: start over */
	UI_CHANGE_DATA = 1 << 1,   /* the store changed (live refresh): reload in place */
	UI_CHANGE_TAGS = 1 << 2,   /* the tagged set changed */
	UI_CHANGE_ZONE = 1 << 3,   /* times are shown in another zone */
	UI_CHANGE_RETRY = 1 << 4   /* the connection is back from a job: load what waited */
};

enum ui_screen_id {
	UI_SCR_INCIDENTS,
	UI_SCR_CAMPAIGNS,
	UI_SCR_MESSAGES,
	UI_SCR_DETAIL,
	UI_SCR_TIMELINE,
	UI_SCR_BATCHES,
	UI_SCR_COUNT
};

/* A screen: a struct of callbacks; its state is whatever open returns. */
struct screen_ops {
	const char *name;      /* in the tab line */
	enum ui_group group;   /* its own keys, looked up before MOVE and GLOBAL */
	const char *hints;     /* the status line when there is nothing to say */
	int (*open)(struct ui *ui, void **state);
	void (*close)(struct ui *ui, void *state);
	/* The content area changed size (also called once after open). */
	void (*resize)(struct ui *ui, void *state, const struct ui_rect *r);
	void (*draw)(struct ui *ui, void *state, const struct ui_rect *r);
	/* action: the key's action in this screen's groups (UI_ACT_NONE if
	 * none); key: the key itself.  Returns enum ui_flags. */
	int (*key)(struct ui *ui, void *state, int action, int key);
	/* enum ui_change bits. */
	void (*changed)(struct ui *ui, void *state, unsigned what);
	/* The screen became the current one (may be NULL). */
	void (*shown)(struct ui *ui, void *state);
};

extern const struct screen_ops screen_incidents_ops;
extern const struct screen_ops screen_campaigns_ops;
extern const struct screen_ops screen_messages_ops;
extern const struct screen_ops screen_detail_ops;
extern const struct screen_ops screen_timeline_ops;
extern const struct screen_ops screen_batches_ops;

/* The tagged set as the header shows it. */
struct ui_tags {
	int64_t tagged;        /* how many are tagged */
	int64_t hidden;        /* of those, how many the filter hides */
	int hidden_known;      /* 0 while being counted */
	unsigned gen;          /* bumps on every change, so late counts are dropped */
};

/* The late-mail alarm (seed 003): pending mail older than the grace period. */
struct ui_alert {
	int64_t count;         /* up to UI_ALERT_CAP */
	int64_t oldest;
	int known;
	int running;
};

#define UI_ALERT_CAP 100000

struct ui {
	const struct ui_opts *opts;
	struct store *store;       /* the dashboard's connection; the tags live on it */
	int store_lent;            /* a job is using it: see ui_store */
	int read_only;
	const char *db_path;

	struct rd_filter filter;   /* what the screens show, resolved */
	struct tz *zone;           /* display zone */
	int64_t now;               /* the clock (ui_tick advances it) */
	double started;            /* monotonic seconds at start */

	const struct screen_ops *ops[UI_SCR_COUNT];
	void *st[UI_SCR_COUNT];
	int cur;
	struct ui_rect content;
	int too_small;

	struct dialog *dialog;     /* the open dialog or prompt, or NULL */
	struct dialog *closing;    /* closed during a key handler, freed after it */
	int cursor_y, cursor_x;    /* where a text field wants the cursor, -1: hidden */

	struct ui_tags tags;
	struct ui_alert alert;

	int paused;                /* live refresh paused */
	int refresh_ms;            /* live refresh interval, 0: off */
	double next_poll;
	int64_t data_version;
	int64_t last_refresh_now;  /* the clock at the last refresh */

	char status[512];          /* one message for the status line */
	int status_error;
	double status_until;

	struct ui_theme theme;
	int colors;                /* the terminal shows colours and NO_COLOR is unset */

	struct job *jobs;          /* running and waiting jobs */

	FILE *timings;             /* REDRIVE_UI_TIMINGS */
	int first_frame_done;
	double filter_started;     /* > 0 while a filter's first frame is pending */
	double page_started;       /* > 0 while a Messages page's frame is pending */
	double page_pos;           /* where that page is, 0..1 */
	int redraw;
	int quit;
};

/* ---- services for screens and dialogs (ui.c) ------------------------------ */

/* The dashboard's connection, or NULL while a job has borrowed it (the
 * caller draws what it has and retries on UI_CHANGE_RETRY). */
struct store *ui_store(struct ui *ui);

/* A message in the status line (sanitised when drawn). */
void ui_status(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ui_error(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Makes nf (unresolved: terms as typed) the filter on screen: resolves it
 * (incident windows, --window specs in the zone), and tells every screen.
 * nf is consumed (freed) either way.  Returns RD_OK, or the error (shown in
 * the status line; the old filter stays). */
int ui_set_filter(struct ui *ui, struct rd_filter *nf);
/* A new scope keeping the other terms: an incident (NULL: all messages),
 * or windows typed in the display zone (several separated by ',').  Errors
 * go to the status line; returns RD_OK when the filter changed. */
int ui_use_incident(struct ui *ui, const char *name);
int ui_use_windows(struct ui *ui, const char *specs);
/* A copy of the current filter's terms, for building the next one (the
 * caller frees it). */
int ui_filter_terms(struct ui *ui, struct rd_filter *out);
/* The filter line as the operator would type it. */
void ui_filter_line(struct ui *ui, struct buf *out);

void ui_switch(struct ui *ui, int screen);
/* Shows the message with this key on the Detail screen. */
void ui_open_message(struct ui *ui, const char *msg_key);
/* Tells every screen (and the header's counts) that something changed. */
void ui_broadcast(struct ui *ui, unsigned what);

/* 1 when writing the store is allowed; else tells the operator why not. */
int ui_may_write(struct ui *ui, const char *what);

/* Seconds on a monotonic clock. */
double ui_clock(void);
/* Appends "NAME VALUE [EXTRA]" to $REDRIVE_UI_TIMINGS when set. */
void ui_timing(struct ui *ui, const char *name, double ms, const char *extra);

/* The tagged set changed by delta (or was recounted when absolute >= 0). */
void ui_tags_changed(struct ui *ui, int64_t delta, int64_t absolute);

/* Runs a `:` command line (without the colon). */
void ui_command(struct ui *ui, const char *line);

/* ---- screen entry points the manager and dialogs call --------------------- */

void screen_detail_show(struct ui *ui, void *state, const char *msg_key);
/* Jumps the Messages screen to an instant, or to a fraction of its span. */
int screen_messages_goto(struct ui *ui, void *state, const char *where);

/* ---- actions that span screens (actions.c) ---------------------------------- */

/* Tags every message of the filter (a job on the dashboard's connection). */
void ui_tag_all(struct ui *ui);
void ui_untag_all(struct ui *ui);
/* Recounts the tagged rows the filter hides. */
void ui_count_hidden(struct ui *ui);
/* The late-mail check. */
void ui_check_alert(struct ui *ui);

/* Times as the screens show them, in the display zone. */
void ui_time_text(struct ui *ui, int64_t t, int seconds, char *out, size_t n);
/* The element a message state is drawn in. */
enum ui_element ui_state_element(int state, int flags);
/* A count with thousands separators: 1,234,567. */
void ui_num(int64_t n, char *out, size_t len);

#endif
