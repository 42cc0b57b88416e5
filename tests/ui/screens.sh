#!/usr/bin/env bash
# Every screen renders, whole, on the hand-made seed 000 incident: Incidents,
# Campaigns, Messages, Detail, Timeline, Batches and the help; digits, Tab
# and Shift-Tab switch; q quits cleanly.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
S=$TOP/tests/data/ui
plan 19

ui_store small.db
ui_start --db small.db --incident "AMQ再起動"
ui_check "with --incident the dashboard opens on Campaigns" "TOTAL"
ui_wait "LATE 7 > 10m" >/dev/null
ui_expect_screen "$S/campaigns.txt" "Campaigns: counts and verdicts per campaign"

ui_keys 1
ui_wait_line '^> AMQ再起動 .* 6$' >/dev/null
ui_expect_screen "$S/incidents.txt" "Incidents: windows in the zone and in UTC, counts"

ui_keys 3
ui_wait "11 messages" >/dev/null
ui_expect_screen "$S/messages.txt" "Messages: the incident's messages in time order"

ui_keys Enter
ui_wait "Payload" >/dev/null
ui_expect_screen "$S/detail.txt" "Detail: fields, every event with its reason and raw JSON"
ui_keys G
ui_check "Detail scrolls to the payload's end" "noreply@example.jp"

ui_keys 5
ui_wait "window 2 of 2" >/dev/null
ui_expect_screen "$S/timeline.txt" "Timeline: per-minute bars around both windows"

ui_keys 6
ui_wait "no requeue yet" >/dev/null
ui_expect_screen "$S/batches.txt" "Batches: empty before any requeue"

ui_keys '?'
ui_wait "Everywhere" >/dev/null
ui_expect_screen "$S/help.txt" "? lists the keys"
ui_keys End
ui_check "the help scrolls to the filter language" "repeated terms widen"
ui_keys Escape
if ui_wait_gone "Everywhere"; then ok "Esc closes the help"; else not_ok "Esc closes the help"; fi

ui_keys Tab
ui_check "Tab after Batches wraps to Incidents" "FIRST (ZONE)"
ui_keys BTab
ui_check "Shift-Tab goes back to Batches" "no requeue yet"
ui_keys 2
ui_check "2 is Campaigns" "週末クーポン: batch, recurring, stopped"
ui_keys 4
ui_check "4 is Detail, still on the opened message" "Payload (what a resend sends)"

ui_quit
ui_expect_exit 0 "q quits with status 0 and nothing on stderr"

rd_in /dev/null --db small.db
expect_rc 2 "without a terminal the dashboard says so"
like "$(cat "$ERR")" "the dashboard needs a terminal; for scripts use \`redrive report\`" "and points to the commands"
ui_start --db nosuch.db
for _ in $(seq 200); do [ -f "$T/ui.rc" ] && break; sleep 0.05; done
like "$(cat "$T/ui.rc" 2>/dev/null) $(cat "$T/ui.err" 2>/dev/null)" "^1 redrive: no store at nosuch.db" \
	"a missing store is reported (status 1) before the screen is taken"
