/* theme.c — theme files, the compiled-in themes, and colour pairs. */
#include "theme.h"

#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "redrive/buf.h"
#include "redrive/error.h"

/* Where `make install` puts the themes, relative to the installed binary
 * (PREFIX/bin/redrive -> PREFIX/share/redrive/themes), so an installed
 * redrive finds them whatever PREFIX was.  REDRIVE_THEME_DIR (a -D define)
 * overrides it. */
#define THEME_SUBDIR "/share/redrive/themes"
#define THEME_FALLBACK_DIR "/usr/local" THEME_SUBDIR

/* A theme file larger than this is not a theme. */
#define THEME_MAX_BYTES (64u << 10)

/* The compiled-in copies of themes/default.theme and themes/mono.theme
 * (tests/unit/test_ui_docs.c fails when they differ from the files). */
const char UI_THEME_DEFAULT_TEXT[] =
	"# redrive default theme: eight colours on the terminal's own background.\n"
	"# element = foreground background [attribute...]   (see docs/themes.md)\n"
	"normal               = default default\n"
	"title                = black   cyan    bold\n"
	"tab                  = default default\n"
	"tab_active           = black   cyan    bold\n"
	"tag_count            = yellow  default bold\n"
	"tag_hidden           = red     default bold\n"
	"live                 = green   default\n"
	"paused               = yellow  default bold\n"
	"alert                = white   red     bold\n"
	"header               = default default bold underline\n"
	"header_sorted        = cyan    default bold underline\n"
	"row_selected         = black   cyan\n"
	"row_tagged           = yellow  default bold\n"
	"row_total            = default default bold\n"
	"dim                  = default default dim\n"
	"label                = cyan    default\n"
	"state_delivered      = green   default\n"
	"state_pending        = default default\n"
	"state_late           = yellow  default bold\n"
	"state_lost           = red     default bold\n"
	"state_bounced        = magenta default\n"
	"state_requeued       = cyan    default\n"
	"verdict_not_executed = red     default bold\n"
	"verdict_lost         = white   red     bold\n"
	"verdict_partial      = yellow  default bold\n"
	"verdict_ok           = green   default\n"
	"bar_sent             = blue    default bold\n"
	"bar_delivered        = green   default\n"
	"bar_bounced          = red     default\n"
	"window_mark          = black   yellow\n"
	"axis                 = default default dim\n"
	"dialog               = default default\n"
	"dialog_title         = black   cyan    bold\n"
	"input                = default default underline\n"
	"button               = default default\n"
	"button_focus         = black   cyan    bold\n"
	"danger               = white   red     bold\n"
	"progress_done        = black   green\n"
	"progress_left        = default default dim\n"
	"filter_line          = default default\n"
	"status               = default default\n"
	"status_error         = white   red     bold\n"
	"help_key             = cyan    default bold\n";

const char UI_THEME_MONO_TEXT[] =
	"# redrive mono theme: attributes only, no colours.  Used for NO_COLOR and\n"
	"# terminals without colours (vt100); the terminal's own colours stay.\n"
	"# element = foreground background [attribute...]   (see docs/themes.md)\n"
	"normal               = default default\n"
	"title                = default default reverse bold\n"
	"tab                  = default default\n"
	"tab_active           = default default reverse bold\n"
	"tag_count            = default default bold\n"
	"tag_hidden           = default default bold underline\n"
	"live                 = default default\n"
	"paused               = default default bold\n"
	"alert                = default default reverse bold\n"
	"header               = default default underline\n"
	"header_sorted        = default default bold underline\n"
	"row_selected         = default default reverse\n"
	"row_tagged           = default default bold\n"
	"row_total            = default default bold\n"
	"dim                  = default default dim\n"
	"label                = default default bold\n"
	"state_delivered      = default default\n"
	"state_pending        = default default\n"
	"state_late           = default default bold\n"
	"state_lost           = default default bold\n"
	"state_bounced        = default default underline\n"
	"state_requeued       = default default\n"
	"verdict_not_executed = default default bold\n"
	"verdict_lost         = default default reverse bold\n"
	"verdict_partial      = default default bold\n"
	"verdict_ok           = default default\n"
	"bar_sent             = default default\n"
	"bar_delivered        = default default bold\n"
	"bar_bounced          = default default underline\n"
	"window_mark          = default default reverse\n"
	"axis                 = default default dim\n"
	"dialog               = default default\n"
	"dialog_title         = default default reverse bold\n"
	"input                = default default underline\n"
	"button               = default default\n"
	"button_focus         = default default reverse bold\n"
	"danger               = default default bold underline\n"
	"progress_done        = default default reverse\n"
	"progress_left        = default default dim\n"
	"filter_line          = default default\n"
	"status               = default default\n"
	"status_error         = default default reverse bold\n"
	"help_key             = default default bold\n";

static const struct {
	const char *name, *help;
} elements[] = {
#define UI_ELEMENT_ROW(name, text, help) { text, help },
	UI_ELEMENT_LIST(UI_ELEMENT_ROW)
#undef UI_ELEMENT_ROW
};

static const char *const color_names[] = { "black", "red",     "green", "yellow",
                                           "blue",  "magenta", "cyan",  "white" };

static const struct {
	const char *name;
	unsigned bit;
} attr_names[] = {
	{ "bold", UI_A_BOLD },         { "dim", UI_A_DIM },       { "underline", UI_A_UNDERLINE },
	{ "reverse", UI_A_REVERSE },   { "standout", UI_A_STANDOUT }, { "italic", UI_A_ITALIC },
	{ "blink", UI_A_BLINK },       { "normal", 0 },
};

/* The current theme as curses attributes (UI thread only). */
static attr_t current[UI_EL_COUNT];

const char *ui_element_name(int el)
{
	return el >= 0 && el < UI_EL_COUNT ? elements[el].name : "";
}

const char *ui_element_help(int el)
{
	return el >= 0 && el < UI_EL_COUNT ? elements[el].help : "";
}

static int parse_color(const char *w, short *out)
{
	if (strcmp(w, "default") == 0) {
		*out = UI_COLOR_DEFAULT;
		return 0;
	}
	int bright = strncmp(w, "bright-", 7) == 0;
	const char *base = bright ? w + 7 : w;
	for (int i = 0; i < 8; i++)
		if (strcmp(base, color_names[i]) == 0) {
			*out = (short)(i + (bright ? 8 : 0));
			return 0;
		}
	if (bright || !*w)
		return -1;
	char *end;
	errno = 0;
	long n = strtol(w, &end, 10);
	if (*end || errno || n < 0 || n > 255)
		return -1;
	*out = (short)n;
	return 0;
}

static int find_element(const char *w)
{
	for (int i = 0; i < UI_EL_COUNT; i++)
		if (strcmp(elements[i].name, w) == 0)
			return i;
	return -1;
}

/* Splits s at blanks into up to max words, in place; returns the count
 * (max + 1 when there were more). */
static int split_words(char *s, char **w, int max)
{
	int n = 0;
	for (char *p = strtok(s, " \t\r"); p; p = strtok(NULL, " \t\r")) {
		if (n == max)
			return max + 1;
		w[n++] = p;
	}
	return n;
}

static int bad_line(struct buf *errors, const char *where, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad_line(struct buf *errors, const char *where, unsigned line, const char *fmt, ...)
{
	if (errors) {
		va_list ap;
		va_start(ap, fmt);
		buf_printf(errors, "%s:%u: ", where, line);
		buf_vprintf(errors, fmt, ap);
		buf_addc(errors, '\n');
		va_end(ap);
	}
	return 1;
}

/* One line (comment already cut); returns 1 when it is bad. */
static int parse_line(struct ui_theme *t, char *line, const char *where, unsigned lineno,
                      struct buf *errors)
{
	char *eq = strchr(line, '=');
	char *w[12];
	if (!eq) {
		char *first = strtok(line, " \t\r");
		return bad_line(errors, where, lineno,
		                "\"%s\" is not \"element = foreground background [attribute...]\"",
		                first ? first : "");
	}
	*eq = '\0';
	char *names[2];
	int nn = split_words(line, names, 1);
	if (nn != 1)
		return bad_line(errors, where, lineno, "%s one element name before '='",
		                nn ? "more than" : "missing");
	int el = find_element(names[0]);
	if (el < 0)
		return bad_line(errors, where, lineno,
		                "unknown element \"%s\" (docs/themes.md lists them)", names[0]);
	int n = split_words(eq + 1, w, 10);
	if (n < 2)
		return bad_line(errors, where, lineno, "%s needs a foreground and a background colour",
		                names[0]);
	if (n > 10)
		return bad_line(errors, where, lineno, "too many words after \"%s =\"", names[0]);
	struct ui_style st = { 0, 0, 0 };
	if (parse_color(w[0], &st.fg) || parse_color(w[1], &st.bg))
		return bad_line(errors, where, lineno,
		                "unknown colour \"%s\" (see docs/themes.md)",
		                parse_color(w[0], &st.fg) ? w[0] : w[1]);
	for (int i = 2; i < n; i++) {
		size_t k = 0;
		while (k < sizeof attr_names / sizeof attr_names[0] && strcmp(attr_names[k].name, w[i]) != 0)
			k++;
		if (k == sizeof attr_names / sizeof attr_names[0])
			return bad_line(errors, where, lineno,
			                "unknown attribute \"%s\" (see docs/themes.md)",
			                w[i]);
		st.attrs |= attr_names[k].bit;
	}
	t->el[el] = st;
	return 0;
}

int ui_theme_parse(struct ui_theme *t, const char *text, const char *where, struct buf *errors)
{
	int bad = 0;
	unsigned lineno = 0;
	const char *p = text;
	while (*p) {
		char line[512];
		size_t n = strcspn(p, "\n");
		lineno++;
		if (n >= sizeof line) {
			bad += bad_line(errors, where, lineno, "line too long");
		} else {
			memcpy(line, p, n);
			line[n] = '\0';
			line[strcspn(line, "#")] = '\0';
			if (line[strspn(line, " \t\r")] != '\0')
				bad += parse_line(t, line, where, lineno, errors);
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return bad;
}

void ui_theme_builtin(struct ui_theme *t, int mono)
{
	for (int i = 0; i < UI_EL_COUNT; i++)
		t->el[i] = (struct ui_style){ UI_COLOR_DEFAULT, UI_COLOR_DEFAULT, 0 };
	ui_theme_parse(t, UI_THEME_DEFAULT_TEXT, "default", NULL);
	if (mono)
		ui_theme_parse(t, UI_THEME_MONO_TEXT, "mono", NULL);
	snprintf(t->name, sizeof t->name, "%s", mono ? "mono" : "default");
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 48)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.') || (p[0] == '.' && p[1] == '.'))
			return 0;
	return 1;
}

/* Reads a whole (small) file; 1 when it does not exist, -1 on another error. */
static int read_file(const char *path, struct buf *out, struct buf *why)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		buf_printf(why, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char chunk[4096];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > THEME_MAX_BYTES) {
			buf_printf(why, "%s is larger than %u KiB: not a theme", path, THEME_MAX_BYTES >> 10);
			rc = -1;
			break;
		}
		buf_add(out, chunk, n);
	}
	if (!rc && ferror(f)) {
		buf_printf(why, "cannot read %s", path);
		rc = -1;
	}
	fclose(f);
	if (!rc && memchr(buf_str(out), '\0', out->len)) {
		buf_printf(why, "%s is not a text file", path);
		rc = -1;
	}
	return rc;
}

/* PREFIX/share/redrive/themes for the running binary (see THEME_SUBDIR). */
static const char *install_dir(void)
{
#ifdef REDRIVE_THEME_DIR
	return REDRIVE_THEME_DIR;
#else
	static char dir[4096 + sizeof THEME_SUBDIR];
	char exe[4096];
	if (dir[0])
		return dir;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(dir, sizeof dir, "%s", THEME_FALLBACK_DIR);
		return dir;
	}
	exe[n] = '\0';
	/* strip "/redrive" and then "/bin" */
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
	}
	snprintf(dir, sizeof dir, "%s%s", exe, THEME_SUBDIR);
	return dir;
#endif
}

/* Finds NAME.theme along the search path; 1 when nowhere. */
static int find_theme(const char *name, struct buf *text, struct buf *path, struct buf *why)
{
	const char *env = getenv("REDRIVE_THEMES");
	const char *dirs[] = { "./themes", env && *env ? env : NULL, install_dir() };
	if (strchr(name, '/')) {
		buf_adds(path, name);
		return read_file(name, text, why);
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		if (!dirs[i])
			continue;
		buf_reset(path);
		buf_reset(text);
		buf_printf(path, "%s/%s.theme", dirs[i], name);
		int rc = read_file(buf_str(path), text, why);
		if (rc <= 0)
			return rc;
	}
	return 1;
}

int ui_theme_load(struct ui_theme *t, const char *name, struct buf *message)
{
	struct buf text = BUF_INIT, path = BUF_INIT, why = BUF_INIT, errors = BUF_INIT;
	int rc, partial = 0;

	ui_theme_builtin(t, 0);
	if (!strchr(name, '/') && !valid_name(name)) {
		buf_printf(&why, "\"%s\" is not a theme name (letters, digits, - and _)", name);
		rc = -1;
	} else {
		rc = find_theme(name, &text, &path, &why);
		if (rc == 1 && (strcmp(name, "default") == 0 || strcmp(name, "mono") == 0)) {
			ui_theme_builtin(t, strcmp(name, "mono") == 0);
			rc = 0;
		} else if (rc == 1) {
			buf_printf(&why, "no theme \"%s\" in ./themes, $REDRIVE_THEMES or %s", name,
			           install_dir());
			rc = -1;
		} else if (rc == 0) {
			int bad = ui_theme_parse(t, buf_str(&text), buf_str(&path), &errors);
			snprintf(t->name, sizeof t->name, "%s", name);
			if (bad) {
				/* the first bad line, and how many more */
				const char *e = buf_str(&errors);
				buf_printf(&why, "%.*s", (int)strcspn(e, "\n"), e);
				if (bad > 1)
					buf_printf(&why, " (+%d more bad line%s; the rest was used)", bad - 1,
					           bad > 2 ? "s" : "");
				else
					buf_adds(&why, " (the rest was used)");
				partial = 1;
				rc = -1;
			}
		}
	}
	if (rc && !partial)
		ui_theme_builtin(t, 0);
	if (rc && message) {
		buf_adds(message, buf_str(&why));
		if (!partial)
			buf_adds(message, "; using the default theme (see docs/themes.md)");
	}
	buf_free(&text);
	buf_free(&path);
	buf_free(&why);
	buf_free(&errors);
	return rc;
}

/* A colour the terminal can show: 256-colour values fall back to the
 * nearest of the eight basic colours on smaller terminals. */
static short terminal_color(short c)
{
	if (c < 0 || c < COLORS)
		return c;
	if (c < 16)
		return (short)(c - 8);
	if (c < 232) {
		int i = c - 16, r = i / 36, g = i / 6 % 6, b = i % 6;
		return (short)((r >= 3 ? COLOR_RED : 0) | (g >= 3 ? COLOR_GREEN : 0) | (b >= 3 ? COLOR_BLUE : 0));
	}
	return c < 244 ? COLOR_BLACK : COLOR_WHITE;
}

static attr_t curses_attrs(unsigned a)
{
	attr_t r = A_NORMAL;
	if (a & UI_A_BOLD)
		r |= A_BOLD;
	if (a & UI_A_DIM)
		r |= A_DIM;
	if (a & UI_A_UNDERLINE)
		r |= A_UNDERLINE;
	if (a & UI_A_REVERSE)
		r |= A_REVERSE;
	if (a & UI_A_STANDOUT)
		r |= A_STANDOUT;
	if (a & UI_A_ITALIC)
		r |= A_ITALIC;
	if (a & UI_A_BLINK)
		r |= A_BLINK;
	return r;
}

void ui_theme_apply(const struct ui_theme *t, int colors)
{
	for (int i = 0; i < UI_EL_COUNT; i++) {
		const struct ui_style *st = &t->el[i];
		current[i] = curses_attrs(st->attrs);
		if (!colors || i + 1 >= COLOR_PAIRS)
			continue;
		if (init_pair((short)(i + 1), terminal_color(st->fg), terminal_color(st->bg)) == OK)
			current[i] |= COLOR_PAIR(i + 1);
	}
	if (colors)
		bkgdset(' ' | current[UI_EL_NORMAL]);
}

attr_t ui_attr(enum ui_element el)
{
	return el < UI_EL_COUNT ? current[el] : A_NORMAL;
}

int ui_themes_markdown(struct buf *out)
{
	buf_adds(out,
	         "# Dashboard themes\n"
	         "\n"
	         "<!-- Generated from UI_ELEMENT_LIST in src/ui/theme.h by\n"
	         "     `build/rel/tests/test_ui_docs --write`; tests/unit/test_ui_docs.c checks\n"
	         "     that this file is up to date. -->\n"
	         "\n"
	         "The dashboard's colours come from theme files.  Choose one with `--theme NAME`,\n"
	         "`$REDRIVE_THEME`, or `:theme NAME` while it runs.  Shipped: `default` (eight colours\n"
	         "on the terminal's own background), `dark`, `light` (256 colours with a background\n"
	         "of their own), `high-contrast`, and `mono` (attributes only).\n"
	         "\n"
	         "## Where themes are found\n"
	         "\n"
	         "`--theme NAME` looks for `NAME.theme` in `./themes`, then in `$REDRIVE_THEMES`, then in\n"
	         "the install directory (`PREFIX/share/redrive/themes`, where `make install` puts the\n"
	         "shipped ones).  A name with a `/` is a path to a file.  `default` and `mono` are\n"
	         "compiled in, so they work without any folder.\n"
	         "\n"
	         "With `NO_COLOR` set (to anything), or on a terminal without colours (`TERM=vt100`),\n"
	         "the `mono` theme is used whatever was asked for.  Backgrounds named `default` keep\n"
	         "the terminal's own background.\n"
	         "\n"
	         "## The format\n"
	         "\n"
	         "One element a line; `#` starts a comment:\n"
	         "\n"
	         "```\n"
	         "element = foreground background [attribute...]\n"
	         "row_selected = black cyan bold\n"
	         "```\n"
	         "\n"
	         "- colours: `default` (the terminal's own), `black` `red` `green` `yellow` `blue`\n"
	         "  `magenta` `cyan` `white`, `bright-black` ... `bright-white`, or a number `0`-`255`\n"
	         "  (on terminals with fewer colours, numbers are mapped to the nearest basic colour);\n"
	         "- attributes: `bold` `dim` `underline` `reverse` `standout` `italic` `blink` `normal`.\n"
	         "\n"
	         "An element the file does not name looks as in the default theme.  A bad line is\n"
	         "reported in the status line as `FILE:LINE: what is wrong`, and the other lines are\n"
	         "still used; an unknown theme name is reported and the default theme is used.\n"
	         "\n"
	         "## Elements\n"
	         "\n"
	         "| Element | Colours |\n|---|---|\n");
	for (int i = 0; i < UI_EL_COUNT; i++)
		buf_printf(out, "| `%s` | %s |\n", elements[i].name, elements[i].help);
	return out->p ? RD_OK : rd_error(RD_E_NOMEM, "out of memory");
}
