#!/usr/bin/env bash
# Terminals: the dashboard draws on xterm-256color, screen, tmux-256color,
# linux and vt100; without colours (vt100, or NO_COLOR) it uses attributes
# only; with colours it keeps the terminal's own background; 256-colour
# themes fall back to eight colours where that is all there is.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 13

ui_store small.db
fg='\[([0-9;]*;)?(3[0-7]|9[0-7]|38;5;[0-9]+)(;[0-9;]*)?m'
bg256='\[([0-9;]*;)?48;5;[0-9]+(;[0-9;]*)?m'

for term in xterm-256color screen tmux-256color linux vt100; do
	UI_TERM=$term
	ui_start --db small.db --incident "AMQ再起動"
	if ui_wait "TOTAL" && ui_wait "LATE 7"; then ok "TERM=$term draws the dashboard"; else not_ok "TERM=$term draws the dashboard"; fi
	case $term in
	vt100)
		unlike "$(ui_screen_e)" "$fg" "TERM=vt100 has no colours: attributes only"
		like "$(ui_screen_e)" $'\e\\[[0-9;]*7[0-9;]*m' "and the cursor row is in reverse video" ;;
	xterm-256color)
		like "$(ui_screen_e)" "$fg" "TERM=xterm-256color has colours"
		like "$(ui_screen_e | sed -n 6p)" $'^\e\\[39m\e\\[49m 会員登録' "a plain row keeps the terminal's own background" ;;
	esac
	ui_quit
done
UI_TERM=xterm-256color
UI_ENV=(NO_COLOR=1)
ui_start --db small.db --incident "AMQ再起動"
ui_wait "TOTAL" >/dev/null
unlike "$(ui_screen_e)" "$fg" "NO_COLOR: no colours"
ui_quit
UI_ENV=("REDRIVE_THEMES=$TOP/themes")
ui_start --db small.db --incident "AMQ再起動" --theme dark
ui_wait "TOTAL" >/dev/null
like "$(ui_screen_e)" "$bg256" "the dark theme uses 256 colours on xterm-256color"
ui_quit
UI_TERM=screen
ui_start --db small.db --incident "AMQ再起動" --theme dark
ui_wait "TOTAL" >/dev/null
unlike "$(ui_screen_e)" "$bg256" "and falls back to eight colours on screen"
ui_quit
ui_expect_exit 0 "quits cleanly"
