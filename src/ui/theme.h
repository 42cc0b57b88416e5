/* theme.h — private to src/ui: semantic colour elements and theme files.
 *
 * Screens ask for an element (row_selected, verdict_lost, bar_delivered),
 * never for a colour.  A theme file (themes/NAME.theme) has one line per
 * element:
 *
 *     element = foreground background [attribute...]    # comment
 *
 * Colours: default (the terminal's own), black red green yellow blue magenta
 * cyan white, bright-black ... bright-white, or a number 0-255.  Attributes:
 * bold dim underline reverse standout italic blink normal.  An element a file
 * does not name keeps its look from the default theme.  A bad line is
 * reported as FILE:LINE and the rest still loads.
 *
 * themes/default.theme and themes/mono.theme are compiled in (the binary
 * works without the folder); mono (attributes only) is used when NO_COLOR is
 * set or the terminal has no colours.  Files are searched in ./themes, then
 * $REDRIVE_THEMES, then the install directory (PREFIX/share/redrive/themes,
 * found from the running binary's path).
 */
#ifndef REDRIVE_UI_THEME_H
#define REDRIVE_UI_THEME_H

#include <curses.h>
#include <stddef.h>

struct buf;

/* _(ELEMENT, name in theme files, what it colours) */
#define UI_ELEMENT_LIST(_)                                                                   \
	_(NORMAL,               "normal",               "text everywhere, and the background") \
	_(TITLE,                "title",                "the top line: store, incident, clock") \
	_(TAB,                  "tab",                  "screen names in the tab line")          \
	_(TAB_ACTIVE,           "tab_active",           "the current screen's name")             \
	_(TAG_COUNT,            "tag_count",            "the tagged count")                      \
	_(TAG_HIDDEN,           "tag_hidden",           "the count of tagged rows the filter hides") \
	_(LIVE,                 "live",                 "the live-refresh indicator")            \
	_(PAUSED,               "paused",               "the indicator when live refresh is paused") \
	_(ALERT,                "alert",                "the late-mail badge (pending past the grace period)") \
	_(HEADER,               "header",               "table column headers")                  \
	_(HEADER_SORTED,        "header_sorted",        "the column the table is sorted by")     \
	_(ROW_SELECTED,         "row_selected",         "the row under the cursor")              \
	_(ROW_TAGGED,           "row_tagged",           "the tag mark of a tagged row")          \
	_(ROW_TOTAL,            "row_total",            "totals rows")                           \
	_(DIM,                  "dim",                  "secondary text: zones, hints, empty values") \
	_(LABEL,                "label",                "field names in details and dialogs")    \
	_(STATE_DELIVERED,      "state_delivered",      "delivered messages")                    \
	_(STATE_PENDING,        "state_pending",        "pending messages within the grace period") \
	_(STATE_LATE,           "state_late",           "pending messages past the grace period") \
	_(STATE_LOST,           "state_lost",           "queued and dead-lettered messages")     \
	_(STATE_BOUNCED,        "state_bounced",        "bounced, blocked and dropped messages") \
	_(STATE_REQUEUED,       "state_requeued",       "requeued messages")                     \
	_(VERDICT_NOT_EXECUTED, "verdict_not_executed", "campaigns that never ran in the windows") \
	_(VERDICT_LOST,         "verdict_lost",         "all_pending: the whole campaign was lost") \
	_(VERDICT_PARTIAL,      "verdict_partial",      "campaigns with affected messages")      \
	_(VERDICT_OK,           "verdict_ok",           "campaigns with nothing to resend")      \
	_(BAR_SENT,             "bar_sent",             "Timeline: messages sent")               \
	_(BAR_DELIVERED,        "bar_delivered",        "Timeline: delivered events")            \
	_(BAR_BOUNCED,          "bar_bounced",          "Timeline: bounced, blocked and dropped events") \
	_(WINDOW_MARK,          "window_mark",          "Timeline: the incident windows")        \
	_(AXIS,                 "axis",                 "Timeline: axis and time labels")        \
	_(DIALOG,               "dialog",               "dialog boxes and the help screen")      \
	_(DIALOG_TITLE,         "dialog_title",         "dialog titles")                         \
	_(INPUT,                "input",                "text fields and the prompt")            \
	_(BUTTON,               "button",               "buttons")                               \
	_(BUTTON_FOCUS,         "button_focus",         "the focused button or field")           \
	_(DANGER,               "danger",               "the requeue button and warnings")       \
	_(PROGRESS_DONE,        "progress_done",        "the done part of a progress bar")       \
	_(PROGRESS_LEFT,        "progress_left",        "the rest of a progress bar")            \
	_(FILTER_LINE,          "filter_line",          "the filter line above the status line") \
	_(STATUS,               "status",               "the status line")                       \
	_(STATUS_ERROR,         "status_error",         "errors in the status line")             \
	_(HELP_KEY,             "help_key",             "key names on the help screen")

enum ui_element {
#define UI_ELEMENT_ENUM(name, text, help) UI_EL_##name,
	UI_ELEMENT_LIST(UI_ELEMENT_ENUM)
#undef UI_ELEMENT_ENUM
	UI_EL_COUNT
};

/* Colour value for "the terminal's own". */
#define UI_COLOR_DEFAULT (-1)

/* Attribute bits of a theme (independent of curses). */
enum ui_attr {
	UI_A_BOLD = 1 << 0,
	UI_A_DIM = 1 << 1,
	UI_A_UNDERLINE = 1 << 2,
	UI_A_REVERSE = 1 << 3,
	UI_A_STANDOUT = 1 << 4,
	UI_A_ITALIC = 1 << 5,
	UI_A_BLINK = 1 << 6
};

struct ui_style {
	short fg, bg;      /* UI_COLOR_DEFAULT or 0..255 */
	unsigned attrs;    /* enum ui_attr bits */
};

struct ui_theme {
	char name[64];
	struct ui_style el[UI_EL_COUNT];
};

/* The compiled-in themes (identical to themes/default.theme and
 * themes/mono.theme; a unit test keeps them so). */
extern const char UI_THEME_DEFAULT_TEXT[];
extern const char UI_THEME_MONO_TEXT[];

/* Parses theme text on top of *t (which the caller filled, usually from the
 * default theme).  Every bad line is appended to errors (may be NULL) as
 * "where:LINE: what is wrong\n" and skipped; returns the number of bad lines. */
int ui_theme_parse(struct ui_theme *t, const char *text, const char *where, struct buf *errors);

/* Loads theme `name`: "default" and "mono" fall back to the compiled-in text
 * when no file is found; a name with a '/' is a file path.  On any problem
 * *t is still a usable theme (the default, plus whatever lines were good) and
 * message (may be NULL) receives one line for the status bar.  Returns 0 when
 * the theme loaded cleanly, -1 otherwise. */
int ui_theme_load(struct ui_theme *t, const char *name, struct buf *message);

/* The compiled-in default or mono theme. */
void ui_theme_builtin(struct ui_theme *t, int mono);

/* Makes the theme current on the terminal (curses must be running):
 * colour pairs when colours are on, else attributes only. */
void ui_theme_apply(const struct ui_theme *t, int colors);

/* The curses attribute of an element in the current theme. */
attr_t ui_attr(enum ui_element el);

/* Element names and descriptions, for docs/themes.md. */
const char *ui_element_name(int el);
const char *ui_element_help(int el);
int ui_themes_markdown(struct buf *out);

#endif
