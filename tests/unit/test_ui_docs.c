/* test_ui_docs.c — the dashboard's tables as data: the key table, the `:`
 * commands and the theme elements generate docs/keys.md and docs/themes.md,
 * and the compiled-in themes are the files in themes/.  These tests fail
 * when a doc or a theme file drifts from the code.
 *
 *   build/rel/tests/test_ui_docs            run the checks (from the top directory)
 *   build/rel/tests/test_ui_docs --write    regenerate docs/keys.md and docs/themes.md
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/ui/keys.h"
#include "../../src/ui/theme.h"
#include "redrive/buf.h"
#include "redrive/error.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const shipped_themes[] = { "default", "dark", "light", "high-contrast", "mono" };

/* The whole file, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	buf_adds(&b, "");
	return buf_take(&b);
}

static void expect_file(const char *path, const char *want, const char *how)
{
	char *got = slurp(path);
	if (!got) {
		fail_msg("%s is missing: %s", path, how);
		return;
	}
	if (strcmp(got, want) != 0) {
		/* the first line that differs */
		size_t line = 1, i = 0;
		while (got[i] && got[i] == want[i]) {
			if (got[i] == '\n')
				line++;
			i++;
		}
		free(got);
		fail_msg("%s differs from the code at line %zu: %s", path, line, how);
		return;
	}
	free(got);
}

/* ---- generated docs ------------------------------------------------------- */

static void test_keys_md(void **state)
{
	(void)state;
	struct buf md = BUF_INIT;
	assert_int_equal(ui_keys_markdown(&md), RD_OK);
	expect_file("docs/keys.md", buf_str(&md), "run build/rel/tests/test_ui_docs --write");
	buf_free(&md);
}

static void test_themes_md(void **state)
{
	(void)state;
	struct buf md = BUF_INIT;
	assert_int_equal(ui_themes_markdown(&md), RD_OK);
	expect_file("docs/themes.md", buf_str(&md), "run build/rel/tests/test_ui_docs --write");
	for (int i = 0; i < UI_EL_COUNT; i++)
		assert_non_null(strstr(buf_str(&md), ui_element_name(i)));
	buf_free(&md);
}

/* ---- themes ------------------------------------------------------------------ */

static void test_builtin_themes_are_the_files(void **state)
{
	(void)state;
	expect_file("themes/default.theme", UI_THEME_DEFAULT_TEXT,
	            "the compiled-in copy in src/ui/theme.c must equal the file");
	expect_file("themes/mono.theme", UI_THEME_MONO_TEXT,
	            "the compiled-in copy in src/ui/theme.c must equal the file");
}

/* Every shipped theme parses cleanly and names every element. */
static void test_shipped_themes(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(shipped_themes); i++) {
		char path[128];
		struct buf errors = BUF_INIT;
		struct ui_theme t;
		snprintf(path, sizeof path, "themes/%s.theme", shipped_themes[i]);
		char *text = slurp(path);
		if (!text) {
			fail_msg("%s is missing", path);
			return;
		}
		for (int e = 0; e < UI_EL_COUNT; e++)
			t.el[e] = (struct ui_style){ -2, -2, 0 };
		int bad = ui_theme_parse(&t, text, path, &errors);
		if (bad)
			fail_msg("%s: %s", path, buf_str(&errors));
		for (int e = 0; e < UI_EL_COUNT; e++)
			if (t.el[e].fg == -2)
				fail_msg("%s does not name %s", path, ui_element_name(e));
		free(text);
		buf_free(&errors);
	}
}

static void test_mono_has_no_colours(void **state)
{
	(void)state;
	struct ui_theme t;
	ui_theme_builtin(&t, 1);
	for (int e = 0; e < UI_EL_COUNT; e++) {
		assert_int_equal(t.el[e].fg, UI_COLOR_DEFAULT);
		assert_int_equal(t.el[e].bg, UI_COLOR_DEFAULT);
	}
	assert_true(t.el[UI_EL_ROW_SELECTED].attrs & UI_A_REVERSE);
}

static void test_theme_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *error;  /* NULL: the line is good */
	} cases[] = {
		{ "", NULL },
		{ "# only a comment", NULL },
		{ "title = red blue bold   # trailing comment", NULL },
		{ "title = bright-white 196 underline reverse", NULL },
		{ "title=default default", NULL },
		{ "tittle = red blue", "t:1: unknown element \"tittle\"" },
		{ "title = purple blue", "t:1: unknown colour \"purple\"" },
		{ "title = red 256", "t:1: unknown colour \"256\"" },
		{ "title = red", "t:1: title needs a foreground and a background colour" },
		{ "title red blue", "t:1: \"title\" is not \"element = foreground background" },
		{ "title = red blue sparkly", "t:1: unknown attribute \"sparkly\"" },
		{ "= red blue", "t:1: missing one element name before '='" },
		{ "bright-red = red blue", "t:1: unknown element \"bright-red\"" },
		{ "title = bright- blue", "t:1: unknown colour \"bright-\"" },
	};
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct ui_theme t;
		struct buf errors = BUF_INIT;
		ui_theme_builtin(&t, 0);
		int bad = ui_theme_parse(&t, cases[i].line, "t", &errors);
		if (!cases[i].error && bad)
			fail_msg("case %zu \"%s\": unexpected error %s", i, cases[i].line, buf_str(&errors));
		if (cases[i].error && (!bad || !strstr(buf_str(&errors), cases[i].error)))
			fail_msg("case %zu \"%s\": got \"%s\", want \"%s\"", i, cases[i].line, buf_str(&errors),
			         cases[i].error);
		buf_free(&errors);
	}
}

/* A bad line is reported with its line number and the rest still loads. */
static void test_theme_bad_line_goes_on(void **state)
{
	(void)state;
	struct ui_theme t;
	struct buf errors = BUF_INIT;
	ui_theme_builtin(&t, 0);
	int bad = ui_theme_parse(&t, "title = red blue\nnope = red blue\nalert = 9 green bold\n", "x.theme",
	                         &errors);
	assert_int_equal(bad, 1);
	assert_string_equal(buf_str(&errors), "x.theme:2: unknown element \"nope\" (docs/themes.md lists them)\n");
	assert_int_equal(t.el[UI_EL_TITLE].fg, 1);
	assert_int_equal(t.el[UI_EL_TITLE].bg, 4);
	assert_int_equal(t.el[UI_EL_ALERT].fg, 9);
	assert_int_equal(t.el[UI_EL_ALERT].bg, 2);
	assert_int_equal(t.el[UI_EL_ALERT].attrs, UI_A_BOLD);
	buf_free(&errors);
}

static void test_theme_load_unknown(void **state)
{
	(void)state;
	struct ui_theme t;
	struct buf msg = BUF_INIT;
	assert_int_equal(ui_theme_load(&t, "no-such-theme", &msg), -1);
	assert_non_null(strstr(buf_str(&msg), "no theme \"no-such-theme\""));
	assert_non_null(strstr(buf_str(&msg), "using the default theme"));
	assert_string_equal(t.name, "default");
	buf_reset(&msg);
	assert_int_equal(ui_theme_load(&t, "../etc/passwd", &msg), -1);
	assert_int_equal(ui_theme_load(&t, "bad name", &msg), -1);
	buf_free(&msg);
}

/* ---- keys ----------------------------------------------------------------------- */

/* No key means two things in one group, and a screen's own keys never hide
 * a global or movement key (dialogs are modal: they may). */
static void test_key_conflicts(void **state)
{
	(void)state;
	ui_keys_init();
	for (int a = 0; a < UI_ACT_COUNT; a++) {
		int g = ui_action_group(a);
		const char *keys = ui_action_keys(a);
		assert_true(*keys);
		for (int key = 1; key < 0x180; key++) {
			enum ui_group own[] = { (enum ui_group)g };
			if (ui_key_action(key, own, 1) != a)
				continue;
			if (g == UI_GROUP_GLOBAL || g == UI_GROUP_MOVE || g == UI_GROUP_DIALOG)
				continue;
			enum ui_group shared[] = { UI_GROUP_MOVE, UI_GROUP_GLOBAL };
			int other = ui_key_action(key, shared, 2);
			if (other != UI_ACT_NONE)
				fail_msg("key %d of \"%s\" hides \"%s\"", key, ui_action_help(a), ui_action_help(other));
		}
	}
	enum ui_group move[] = { UI_GROUP_MOVE };
	enum ui_group dlg[] = { UI_GROUP_DIALOG };
	enum ui_group global[] = { UI_GROUP_GLOBAL };
	assert_int_equal(ui_key_action('j', move, 1), UI_ACT_DOWN);
	assert_int_equal(ui_key_action('\r', move, 1), UI_ACT_OPEN);
	assert_int_equal(ui_key_action('\t', dlg, 1), UI_ACT_FIELD_NEXT);
	assert_int_equal(ui_key_action('\t', global, 1), UI_ACT_SCREEN_NEXT);
	assert_int_equal(ui_key_action('l' & 0x1f, global, 1), UI_ACT_REFRESH);
	assert_int_equal(ui_key_action('y', dlg, 1), UI_ACT_CONFIRM);
	assert_int_equal(ui_key_action('y', global, 1), UI_ACT_NONE);
	assert_true(ui_action_writes(UI_ACT_REQUEUE));
	assert_false(ui_action_writes(UI_ACT_EXPORT));
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(ui_command_find("q", 1), UI_CMD_QUIT);
	assert_int_equal(ui_command_find("inc", 3), UI_CMD_INCIDENT);
	assert_int_equal(ui_command_find("incident", 8), UI_CMD_INCIDENT);
	assert_int_equal(ui_command_find("t", 1), -2);   /* tz, theme */
	assert_int_equal(ui_command_find("tz", 2), UI_CMD_TZ);
	assert_int_equal(ui_command_find("re", 2), -2);  /* refresh, requeue */
	assert_int_equal(ui_command_find("nope", 4), -1);
	assert_int_equal(ui_command_find("", 0), -1);
}

static int write_docs(void)
{
	struct buf keys = BUF_INIT, themes = BUF_INIT;
	int rc = ui_keys_markdown(&keys) || ui_themes_markdown(&themes);
	const char *paths[] = { "docs/keys.md", "docs/themes.md" };
	const struct buf *bodies[] = { &keys, &themes };
	for (int i = 0; i < 2 && !rc; i++) {
		FILE *f = fopen(paths[i], "w");
		if (!f || fwrite(bodies[i]->p, 1, bodies[i]->len, f) != bodies[i]->len)
			rc = 1;
		if (f && fclose(f) != 0)
			rc = 1;
		if (!rc)
			printf("wrote %s\n", paths[i]);
	}
	buf_free(&keys);
	buf_free(&themes);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--write") == 0)
		return write_docs();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_md),
		cmocka_unit_test(test_themes_md),
		cmocka_unit_test(test_builtin_themes_are_the_files),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_mono_has_no_colours),
		cmocka_unit_test(test_theme_parse_errors),
		cmocka_unit_test(test_theme_bad_line_goes_on),
		cmocka_unit_test(test_theme_load_unknown),
		cmocka_unit_test(test_key_conflicts),
		cmocka_unit_test(test_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
