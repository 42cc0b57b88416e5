#!/usr/bin/env bash
# A running requeue shows a progress bar with its rate and ETA while the
# screens stay live; P pauses it and lets it go on; x cancels it (what was
# sent stays sent, nothing twice); R on Batches resumes it to the end.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 14

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"
rd messages --db g.db --incident "$inc" --affected --format json
send=$(jq length "$OUT")

ui_start --db g.db --incident "$inc"
ui_wait "TOTAL" >/dev/null
ui_keys 3
ui_wait " messages " >/dev/null
ui_keys /
ui_wait "/ " >/dev/null
ui_type " affected"
ui_keys Enter
ui_wait "$(num "$send") messages" >/dev/null
ui_keys t
ui_wait_line "tagged $(num "$send")$" >/dev/null
ui_keys r
ui_wait "Requeue $(num "$send")" >/dev/null
# 40 messages a second: long enough to watch and cancel
ui_keys BTab BTab
ui_keys C-u
ui_type 40
ui_keys Tab Tab Tab y
ui_check_line "the progress shows the rate and the ETA" "requeue batch 1: [0-9,]+ of $(num "$send"), [0-9]+/s, ETA"
ui_check "and says how to cancel" "(x cancels)"
ui_keys 3
ui_check "the screens stay live meanwhile" "in time order"
ui_keys P
ui_check_line "P pauses the requeue" "requeue batch 1: .* \\(paused\\)"
paused_at=$(sqlite3 g.db "select count(*) from outbox")
sleep 1
is "$(sqlite3 g.db "select count(*) from outbox")" "$paused_at" "nothing is sent while it is paused"
ui_keys P
ui_check_line "P again lets it go on" "requeue batch 1: [0-9,]+ of $(num "$send"), [0-9]+/s, ETA [^(]*\\(x cancels\\)"
ui_keys x
ui_check "x cancels the requeue" "requeue batch 1 cancelled; what was sent stays sent"
is "$(sqlite3 g.db "select status from batches where id = 1")" "4" "the batch is cancelled in the store"
sent=$(sqlite3 g.db "select count(*) from outbox")
if [ "$sent" -lt "$send" ]; then ok "it stopped before the end ($sent of $send sent)"; else not_ok "it stopped before the end ($sent of $send sent)"; fi

ui_keys 6
ui_wait "cancelled" >/dev/null
ui_keys R
ui_check_line "R resumes it" "(resuming requeue batch 1|requeue batch 1: |batch 1 → outbox  (running|done))"
ui_check "to the end" "batch 1 → outbox  done"
is "$(sqlite3 g.db "select count(*), count(distinct msg_key) from outbox")" "$send|$send" \
	"every message is in the outbox exactly once"
is "$(sqlite3 g.db "select count(*) from batch_items where batch_id = 1 and status = 2")" "$send" "every item sent"
ui_quit
ui_expect_exit 0 "quits cleanly"
