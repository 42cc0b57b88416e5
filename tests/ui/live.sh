#!/usr/bin/env bash
# Live refresh: while another process imports events and send-log rows, the
# numbers on screen move (Messages, Campaigns, the late-mail badge), the
# cursor stays on the same message, and p pauses the refresh until pressed
# again.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 12

ui_store small.db
delivered() { jq -nc --arg k "$1" --argjson ts "$2" '[{email:"x@example.jp", timestamp:$ts, event:"delivered", msg_key:$k}]'; }

ui_start --db small.db --incident "AMQ再起動"
ui_wait "TOTAL" >/dev/null
ui_check "the late-mail badge counts pending mail past the grace period" "LATE 7 > 10m"
ui_keys : ; ui_type "refresh 0.5"; ui_keys Enter
ui_wait "live refresh every 0.5 s" >/dev/null
ui_keys 3
ui_wait "11 messages" >/dev/null
ui_keys j
# another process: m2 is delivered after all
delivered m2 1536694400 > ev1.json
rd import events ev1.json --db small.db
expect_rc 0 "another process imports an event"
ui_check_line "the row changes state by itself" "^. 09-12 04:32:05 delivered .* m2 "
ui_check "the badge follows" "LATE 6 > 10m"
ui_keys Enter
ui_check "the cursor stayed on the same message" "msg_key     m2 "
ui_keys 3
ui_wait "TIME" >/dev/null
# a new message before the cursor: the list grows, the cursor keeps m2
jq -nc '{msg_key:"m0", campaign:"秋の特別セール", recipient:"z@example.jp", queued_at:"2018-09-12T04:30:30+09:00"}' > s1.jsonl
rd import sendlog s1.jsonl --db small.db
ui_check "a new message shows up" "12 messages"
ui_keys Enter
ui_check "and the cursor is still on m2" "msg_key     m2 "
ui_keys 2
ui_check_line "Campaigns recounts too" "^ 予約完了のお知らせ +partial +1 +2 +2 "

ui_keys p
ui_check "p pauses the live refresh" "live refresh paused"
delivered m7 1536695400 > ev2.json
rd import events ev2.json --db small.db
# a negative check: two refresh periods without a change
if ui_wait_line "^ 新しいキャンペーン +ok" 2 >/dev/null 2>&1; then not_ok "paused: the screen does not move"; else ok "paused: the screen does not move"; fi
ui_keys p
ui_check_line "p again resumes it, and the new event shows" "^ 新しいキャンペーン +ok +0 +1 +1 "
ui_quit
ui_expect_exit 0 "quits cleanly"
