/* keys.c — the key table, generated from UI_ACTION_LIST. */
#include "keys.h"

#include <curses.h>
#include <string.h>

#include "redrive/buf.h"
#include "redrive/error.h"

static const struct {
	int group;
	const char *keys;
	const char *help;
} actions[] = {
#define UI_ACTION_ROW(name, group, keys, help) { UI_GROUP_##group, keys, help },
	UI_ACTION_LIST(UI_ACTION_ROW)
#undef UI_ACTION_ROW
};

static const char *const group_titles[] = {
#define UI_GROUP_TITLE(name, title) title,
	UI_GROUP_LIST(UI_GROUP_TITLE)
#undef UI_GROUP_TITLE
};

static const struct {
	const char *name, *arg, *help;
} commands[] = {
#define UI_COMMAND_ROW(name, text, arg, help) { text, arg, help },
	UI_COMMAND_LIST(UI_COMMAND_ROW)
#undef UI_COMMAND_ROW
};

/* Named keys; one name may stand for several codes terminals send. */
static const struct {
	const char *name;
	int codes[3];
} named[] = {
	{ "Up", { KEY_UP | UI_KEY_FN } },
	{ "Down", { KEY_DOWN | UI_KEY_FN } },
	{ "Left", { KEY_LEFT | UI_KEY_FN } },
	{ "Right", { KEY_RIGHT | UI_KEY_FN } },
	{ "PgUp", { KEY_PPAGE | UI_KEY_FN } },
	{ "PgDn", { KEY_NPAGE | UI_KEY_FN } },
	{ "Home", { KEY_HOME | UI_KEY_FN } },
	{ "End", { KEY_END | UI_KEY_FN } },
	{ "Enter", { '\n', '\r', KEY_ENTER | UI_KEY_FN } },
	{ "Tab", { '\t' } },
	{ "S-Tab", { KEY_BTAB | UI_KEY_FN } },
	{ "Esc", { 27 } },
	{ "Space", { ' ' } },
	{ "Backspace", { KEY_BACKSPACE | UI_KEY_FN, 127, 8 } },
};

#define MAX_BINDINGS 128

static struct binding {
	int key;
	int action;
} bindings[MAX_BINDINGS];
static size_t nbindings;

static void bind(int key, int action)
{
	if (key && nbindings < MAX_BINDINGS)
		bindings[nbindings++] = (struct binding){ key, action };
}

static void bind_name(const char *name, size_t n, int action)
{
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strlen(named[i].name) == n && strncmp(named[i].name, name, n) == 0) {
			for (size_t k = 0; k < 3; k++)
				bind(named[i].codes[k], action);
			return;
		}
	if (n == 3 && name[0] == 'C' && name[1] == '-')
		bind(name[2] & 0x1f, action);
	else if (n == 1)
		bind((unsigned char)name[0], action);
}

void ui_keys_init(void)
{
	nbindings = 0;
	for (int a = 0; a < UI_ACT_COUNT; a++) {
		const char *p = actions[a].keys;
		while (*p) {
			size_t n = strcspn(p, " ");
			bind_name(p, n, a);
			p += n;
			while (*p == ' ')
				p++;
		}
	}
}

int ui_key_action(int key, const enum ui_group *groups, size_t ngroups)
{
	for (size_t g = 0; g < ngroups; g++)
		for (size_t i = 0; i < nbindings; i++)
			if (bindings[i].key == key && actions[bindings[i].action].group == (int)groups[g])
				return bindings[i].action;
	return UI_ACT_NONE;
}

int ui_action_writes(int action)
{
	return action == UI_ACT_REQUEUE || action == UI_ACT_RESUME;
}

const char *ui_action_keys(int action)
{
	return action >= 0 && action < UI_ACT_COUNT ? actions[action].keys : "";
}

const char *ui_action_help(int action)
{
	return action >= 0 && action < UI_ACT_COUNT ? actions[action].help : "";
}

int ui_action_group(int action)
{
	return action >= 0 && action < UI_ACT_COUNT ? actions[action].group : -1;
}

const char *ui_group_title(int group)
{
	return group >= 0 && group < UI_GROUP_COUNT ? group_titles[group] : "";
}

const char *ui_command_name(int cmd)
{
	return cmd >= 0 && cmd < UI_CMD_COUNT ? commands[cmd].name : "";
}

const char *ui_command_arg(int cmd)
{
	return cmd >= 0 && cmd < UI_CMD_COUNT ? commands[cmd].arg : "";
}

const char *ui_command_help(int cmd)
{
	return cmd >= 0 && cmd < UI_CMD_COUNT ? commands[cmd].help : "";
}

int ui_command_find(const char *word, size_t len)
{
	int found = -1;
	if (!len)
		return -1;
	for (int c = 0; c < UI_CMD_COUNT; c++) {
		if (strncmp(commands[c].name, word, len) != 0)
			continue;
		if (strlen(commands[c].name) == len)
			return c;
		found = found == -1 ? c : -2;
	}
	return found;
}

/* Markdown table cells: a '|' in a key or help text would end the cell. */
static void md_cell(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			buf_adds(out, "\\|");
		else
			buf_addc(out, *s);
	}
}

static void md_keys(struct buf *out, const char *keys)
{
	const char *p = keys;
	int first = 1;
	while (*p) {
		size_t n = strcspn(p, " ");
		buf_printf(out, "%s`%.*s`", first ? "" : " ", (int)n, p);
		first = 0;
		p += n;
		while (*p == ' ')
			p++;
	}
}

int ui_keys_markdown(struct buf *out)
{
	buf_adds(out,
	         "# Dashboard keys\n"
	         "\n"
	         "<!-- Generated from UI_ACTION_LIST and UI_COMMAND_LIST in src/ui/keys.h by\n"
	         "     `build/rel/tests/test_ui_docs --write`; tests/unit/test_ui_docs.c checks\n"
	         "     that this file is up to date.  The `?` screen shows the same list. -->\n"
	         "\n"
	         "`redrive` (no command) opens the dashboard; `redrive demo` opens it on a demo store.\n"
	         "Keys are case-sensitive.  `C-x` is Control-x.  With `--read-only`, the keys that\n"
	         "write the store (requeue, resume) are refused with a message; export is allowed\n"
	         "(it writes only the file you name).\n");
	for (int g = 0; g < UI_GROUP_COUNT; g++) {
		buf_printf(out, "\n## %s\n\n| Key | Action |\n|---|---|\n", group_titles[g]);
		for (int a = 0; a < UI_ACT_COUNT; a++) {
			if (actions[a].group != g)
				continue;
			buf_adds(out, "| ");
			md_keys(out, actions[a].keys);
			buf_adds(out, " | ");
			md_cell(out, actions[a].help);
			buf_adds(out, ui_action_writes(a) ? " (writes the store) |\n" : " |\n");
		}
	}
	buf_adds(out, "\n## Commands (`:`)\n\n"
	              "A unique prefix of a command works (`:q`, `:inc NAME`).\n\n"
	              "| Command | Does |\n|---|---|\n");
	for (int c = 0; c < UI_CMD_COUNT; c++) {
		buf_printf(out, "| `:%s%s", commands[c].name, *commands[c].arg ? " " : "");
		md_cell(out, commands[c].arg);
		buf_adds(out, "` | ");
		md_cell(out, commands[c].help);
		buf_adds(out, " |\n");
	}
	buf_adds(out, "\n## The filter language (`/`)\n\n"
	              "The same filters as the command line's FILTERS, written as terms:\n"
	              "`state:pending state:dead campaign:\"予約完了のお知らせ\" recipient:*@docomo.ne.jp\n"
	              "affected tagged`, plus `incident:NAME` or `window:\"2018-09-12 04:30/05:00\"` and\n"
	              "`tz:ZONE`.  Repeated terms widen (`state:pending state:dead`), different terms\n"
	              "narrow.  `--state pending` works too.  An empty line shows every message.\n");
	return out->p ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}
