/* keys.h — private to src/ui: the dashboard's actions and commands as data.
 *
 * One list of (action, where it applies, default keys, help text) generates
 * the key table, the `?` screen and docs/keys.md, so they cannot drift; the
 * `:` commands are a second list used the same way.  Key names: a printable
 * character stands for itself; Up Down Left Right PgUp PgDn Home End Enter
 * Tab S-Tab Esc Space Backspace, and C-x for Control-x.
 */
#ifndef REDRIVE_UI_KEYS_H
#define REDRIVE_UI_KEYS_H

#include <stddef.h>

struct buf;

/* _(GROUP, title): where a key applies; dialogs and screens look up their
 * own group first, then MOVE, then GLOBAL. */
#define UI_GROUP_LIST(_)                                  \
	_(GLOBAL,    "Everywhere")                        \
	_(MOVE,      "Moving in lists and text")          \
	_(INCIDENTS, "Incidents (1)")                     \
	_(CAMPAIGNS, "Campaigns (2)")                     \
	_(MESSAGES,  "Messages (3)")                      \
	_(TIMELINE,  "Timeline (5)")                      \
	_(BATCHES,   "Batches (6)")                       \
	_(DIALOG,    "Dialogs and prompts")

enum ui_group {
#define UI_GROUP_ENUM(name, title) UI_GROUP_##name,
	UI_GROUP_LIST(UI_GROUP_ENUM)
#undef UI_GROUP_ENUM
	UI_GROUP_COUNT
};

/* _(ACTION, GROUP, keys, help).  "writes" actions change the store and are
 * disabled with --read-only (see ui_action_writes). */
#define UI_ACTION_LIST(_)                                                                        \
	_(SCREEN_1,      GLOBAL,    "1",            "Incidents: pick the incident, or type windows")    \
	_(SCREEN_2,      GLOBAL,    "2",            "Campaigns: per-campaign counts and verdicts")      \
	_(SCREEN_3,      GLOBAL,    "3",            "Messages: every message of the filter")            \
	_(SCREEN_4,      GLOBAL,    "4",            "Detail: the opened message, its events and payload") \
	_(SCREEN_5,      GLOBAL,    "5",            "Timeline: sent, delivered, bounced per minute")    \
	_(SCREEN_6,      GLOBAL,    "6",            "Batches: requeue progress and history")            \
	_(SCREEN_NEXT,   GLOBAL,    "Tab",          "next screen")                                      \
	_(SCREEN_PREV,   GLOBAL,    "S-Tab",        "previous screen")                                  \
	_(FILTER,        GLOBAL,    "/",            "filter: state:S campaign:NAME recipient:GLOB affected tagged window:W incident:NAME") \
	_(COMMAND,       GLOBAL,    ":",            "command (see below)")                              \
	_(HELP,          GLOBAL,    "?",            "this help")                                        \
	_(TAG_ALL,       GLOBAL,    "t",            "tag every message the filter selects")             \
	_(UNTAG_ALL,     GLOBAL,    "u",            "untag everything")                                 \
	_(EXPORT,        GLOBAL,    "e",            "export the tagged or affected messages to a file") \
	_(REQUEUE,       GLOBAL,    "r",            "requeue the tagged messages (asks first)")         \
	_(CANCEL_JOB,    GLOBAL,    "x",            "cancel the running job (tag all, export, requeue)") \
	_(PAUSE_JOB,     GLOBAL,    "P",            "pause the running requeue, or let it go on")       \
	_(PAUSE,         GLOBAL,    "p",            "pause or resume the live refresh")                 \
	_(REFRESH,       GLOBAL,    "C-l",          "read the store again now and redraw")              \
	_(QUIT,          GLOBAL,    "q",            "quit")                                             \
	_(UP,            MOVE,      "Up k",         "up one row")                                       \
	_(DOWN,          MOVE,      "Down j",       "down one row")                                     \
	_(PAGE_UP,       MOVE,      "PgUp C-b",     "up one page")                                      \
	_(PAGE_DOWN,     MOVE,      "PgDn C-f",     "down one page")                                    \
	_(HOME,          MOVE,      "Home g",       "first row")                                        \
	_(END,           MOVE,      "End G",        "last row")                                         \
	_(LEFT,          MOVE,      "Left h",       "scroll left / earlier (Campaigns columns, Timeline minutes)") \
	_(RIGHT,         MOVE,      "Right l",      "scroll right / later")                             \
	_(OPEN,          MOVE,      "Enter",        "open: use the incident, list the campaign's messages, show the message") \
	_(WINDOWS,       INCIDENTS, "w",            "type windows in the display zone instead of an incident") \
	_(SORT,          CAMPAIGNS, "s",            "sort by the next column")                          \
	_(SORT_REVERSE,  CAMPAIGNS, "S",            "reverse the sort")                                 \
	_(TAG,           MESSAGES,  "Space",        "tag or untag the message and move down")           \
	_(NEXT_WINDOW,   TIMELINE,  "n",            "next window")                                      \
	_(PREV_WINDOW,   TIMELINE,  "N",            "previous window")                                  \
	_(RESUME,        BATCHES,   "R",            "resume the selected batch (a cancelled or interrupted one)") \
	_(FIELD_NEXT,    DIALOG,    "Tab Down",     "next field or button")                             \
	_(FIELD_PREV,    DIALOG,    "S-Tab Up",     "previous field or button")                         \
	_(TOGGLE,        DIALOG,    "Space",        "change a choice (selection, format, force)")       \
	_(ACCEPT,        DIALOG,    "Enter",        "press the focused button (Cancel is the default)") \
	_(CONFIRM,       DIALOG,    "y Y",          "confirm a requeue (with the focus on its Requeue button)") \
	_(CLOSE,         DIALOG,    "Esc",          "close the dialog or prompt")

enum ui_action {
	UI_ACT_NONE = -1,
#define UI_ACTION_ENUM(name, group, keys, help) UI_ACT_##name,
	UI_ACTION_LIST(UI_ACTION_ENUM)
#undef UI_ACTION_ENUM
	UI_ACT_COUNT
};

/* _(COMMAND, name, argument, help) for the `:` prompt; a unique prefix of
 * a name works (":q", ":inc NAME"). */
#define UI_COMMAND_LIST(_)                                                                       \
	_(INCIDENT, "incident", "NAME",     "use that incident: its windows, and its zone for times") \
	_(WINDOW,   "window",   "W [W...]", "windows instead of an incident, e.g. \"2018-09-12 04:30/05:00\" (in the zone)") \
	_(TZ,       "tz",       "ZONE",     "show times in ZONE (IANA name); local windows are read in it") \
	_(THEME,    "theme",    "NAME",     "colours: default, dark, light, high-contrast, mono, or a file") \
	_(FILTER,   "filter",   "TERMS",    "set the filter, as with /")                       \
	_(CLEAR,    "clear",    "",         "drop every filter term except the incident or windows") \
	_(GRACE,    "grace",    "DUR",      "how long pending mail may wait before it is late (10m)") \
	_(REFRESH,  "refresh",  "SECONDS",  "live refresh interval; 0 stops it")              \
	_(GOTO,     "goto",     "TIME|N%",  "Messages: jump to a time (in the zone) or a position") \
	_(EXPORT,   "export",   "",         "open the export dialog")                          \
	_(REQUEUE,  "requeue",  "",         "open the requeue dialog")                         \
	_(HELP,     "help",     "",         "the list of keys")                                \
	_(QUIT,     "quit",     "",         "leave the dashboard")

enum ui_command {
#define UI_COMMAND_ENUM(name, text, arg, help) UI_CMD_##name,
	UI_COMMAND_LIST(UI_COMMAND_ENUM)
#undef UI_COMMAND_ENUM
	UI_CMD_COUNT
};

/* A key as get_wch reports it: a character, or a curses key code with
 * UI_KEY_FN set (KEY_UP | UI_KEY_FN).  Unicode ends below bit 21. */
#define UI_KEY_FN (1 << 24)

/* Builds the key table from UI_ACTION_LIST; call once before ui_key_action. */
void ui_keys_init(void);

/* The action key means in the first of groups that binds it (the caller
 * lists its own group first), or UI_ACT_NONE. */
int ui_key_action(int key, const enum ui_group *groups, size_t ngroups);

/* 1 for actions that write the store (refused with --read-only). */
int ui_action_writes(int action);

/* Texts for the help screen and docs/keys.md. */
const char *ui_action_keys(int action);
const char *ui_action_help(int action);
int ui_action_group(int action);
const char *ui_group_title(int group);
const char *ui_command_name(int cmd);
const char *ui_command_arg(int cmd);
const char *ui_command_help(int cmd);

/* The command a word names (exactly, or as a unique prefix); -1 if none,
 * -2 if the prefix is ambiguous. */
int ui_command_find(const char *word, size_t len);

/* docs/keys.md, generated from the lists above. */
int ui_keys_markdown(struct buf *out);

#endif
