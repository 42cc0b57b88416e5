#!/usr/bin/env bash
# The `:` commands: :incident, :window (typed in the zone), :tz, :grace,
# :goto, :help, unknown and ambiguous commands, :q; and on Incidents, w types
# windows and Enter on "all messages" drops the incident.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 14

ui_store small.db
cmd() { ui_keys :; ui_wait_line "^ :" >/dev/null; ui_type "$1"; ui_keys Enter; }

ui_start --db small.db
ui_check "without --incident the dashboard opens on Incidents" "FIRST (ZONE)"
cmd "incident AMQ再起動"
ui_check ":incident uses the incident" "incident AMQ再起動 (Asia/Tokyo)"
ui_check "and shows its campaigns" "TOTAL"
cmd "tz UTC"
ui_check ":tz shows times in another zone" "2018-09-12 21:00 UTC"
cmd "tz Asia/Tokio"
ui_check_line "an unknown zone is refused" "Asia/Tokio"
cmd "grace 1d"
ui_check ":grace changes the grace period (and the late badge)" "grace period 1d"
ui_wait_gone "LATE 7" >/dev/null
cmd "window 2018-09-13 01:15/01:50"
ui_check ":window types a window in the zone" "1 window (UTC)"
cmd "nope"
ui_check "an unknown command is reported" 'unknown command "nope"'
cmd "t"
ui_check "an ambiguous one too" 'ambiguous command "t"'
cmd "help"
ui_check ":help shows the keys" "Everywhere"
ui_keys Escape
ui_keys 1
ui_wait "FIRST (ZONE)" >/dev/null
ui_keys j Enter
ui_check "Enter on \"all messages\" drops the incident" "all messages (UTC)"
ui_keys 1
ui_wait "FIRST (ZONE)" >/dev/null
ui_keys w
ui_wait "windows in UTC" >/dev/null
ui_type "2018-09-11 19:30/20:00, 2018-09-12 16:15/16:50"
ui_keys Enter
ui_check "w types windows, several at once" "2 windows (UTC)"
ui_check "and shows what they hold" "9     3    5"
cmd "q"
ui_quit
ui_expect_exit 0 ":q quits"
