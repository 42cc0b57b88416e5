#!/usr/bin/env bash
# Themes: every shipped theme loads cleanly; an unknown name and a broken
# file (bad lines reported as FILE:LINE, the good lines used) say so in the
# status line and the dashboard goes on; :theme switches while it runs.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 12

ui_store small.db
UI_TERM=xterm-256color
UI_ENV=("REDRIVE_THEMES=$TOP/themes")
for theme in default dark light high-contrast mono; do
	ui_start --db small.db --incident "AMQ再起動" --theme "$theme"
	ui_wait "TOTAL" >/dev/null
	ui_wait "LATE 7" >/dev/null
	unlike "$(ui_screen | tail -n 1)" "theme|bad line" "the $theme theme loads without a complaint"
	ui_quit
done

ui_start --db small.db --incident "AMQ再起動" --theme nosuch
ui_check "an unknown theme is reported, and the default is used" \
	"no theme \"nosuch\" in ./themes, \$REDRIVE_THEMES or"
ui_check "the dashboard goes on" "TOTAL"
ui_quit

mkdir themes
printf 'title = black cyan bold\nalert = purpel red\nrow_selected = white blue\nnope = red red\n' > themes/broken.theme
ui_start --db small.db --incident "AMQ再起動" --theme broken
ui_check "a bad line is reported with its file and line" \
	'themes/broken.theme:2: unknown colour "purpel"'
ui_check "with how many more there are, and the good lines used" "(+1 more bad line; the rest was used)"
ui_keys : ; ui_type "theme light"; ui_keys Enter
ui_check ":theme switches while it runs" "theme light"
like "$(ui_screen_e)" $'\e\\[([0-9;]*;)?48;5;255' "with the light theme's own background"
ui_keys : ; ui_type "theme mono"; ui_keys Enter
ui_wait "theme mono" >/dev/null
ui_quit
ui_expect_exit 0 "quits cleanly"
