#!/usr/bin/env bash
# Resizing: every screen lays itself out again at 80x24 (compared whole);
# below 80x24 a clear "terminal too small" screen instead of garbage, keys
# other than q wait; bigger again, the dashboard comes back where it was.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
S=$TOP/tests/data/ui
plan 12

ui_store small.db
ui_start --db small.db --incident "AMQ再起動"
ui_wait "TOTAL" >/dev/null
ui_wait "LATE 7" >/dev/null
ui_resize 80 24
ui_wait_line "^ TOTAL" >/dev/null
ui_wait "週末クーポン: batch" >/dev/null
ui_expect_screen "$S/campaigns-80x24.txt" "Campaigns at 80x24"
ui_keys 3
ui_wait "11 messages" >/dev/null
ui_expect_screen "$S/messages-80x24.txt" "Messages at 80x24"
ui_keys 5
ui_wait "window 2 of 2" >/dev/null
ui_expect_screen "$S/timeline-80x24.txt" "Timeline at 80x24: both windows fit"
ui_keys 3

ui_resize 79 24
ui_check "79 columns: terminal too small" "terminal too small"
ui_check "it says the size it needs" "redrive needs at least 80x24"
ui_check "and the size it has" "this one is 79x24"
ui_keys 1
ui_resize 80 23
ui_check "23 lines: too small too" "this one is 80x23"
ui_resize 100 30
ui_check "bigger again: back on Messages (keys waited)" "11 messages"
unlike "$(ui_screen)" "too small" "no trace of the small screen"
ui_resize 20 5
ui_check "a tiny terminal still gets a readable line" "terminal too small"
ui_quit
ui_expect_exit 0 "q quits from the too-small screen"
like "$(cat "$T/ui.rc")" '^0$' "with status 0"
