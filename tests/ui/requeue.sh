#!/usr/bin/env bash
# Requeue from the dialog to the outbox: the dialog shows the count and what
# is excluded and why; Cancel is the default (Esc, Enter and a stray y send
# nothing); y with the focus on Requeue journals the batch and sends it; the
# store has the outbox rows, the batch and its items; a second requeue of the
# same tags excludes them as already requeued.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 17

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"
rd messages --db g.db --incident "$inc" --state pending --format json
pending=$(jq length "$OUT")
supp=$(jq '[.[] | select(.flags | index("suppressed"))] | length' "$OUT")
delivered=$(cli_count --db g.db --incident "$inc" --state delivered)
send=$((pending - supp))
batches() { sqlite3 g.db "select count(*) from batches"; }

set_filter() {
	ui_keys /
	ui_wait "/ " >/dev/null
	ui_keys C-u
	ui_type "$1"
	ui_keys Enter
}

ui_start --db g.db --incident "$inc"
ui_wait "TOTAL" >/dev/null
ui_keys 3
ui_wait " messages " >/dev/null
ui_keys r
ui_check "with nothing tagged, r says what to do" "nothing is tagged"
# tag the pending and the delivered messages, then look at the pending ones
set_filter "incident:\"$inc\" state:delivered"
ui_wait "$(num "$delivered") messages" >/dev/null
ui_keys t
ui_wait_line "tagged $(num "$delivered")$" >/dev/null
set_filter "incident:\"$inc\" state:pending"
ui_wait "$(num "$pending") messages" >/dev/null
ui_keys t
ui_wait_line "tagged $(num $((pending + delivered)))" >/dev/null

ui_keys r
ui_wait "Requeue the tagged messages" >/dev/null
ui_check_line "the dialog counts the selection" "selected \(tagged\) +$(num $((pending + delivered))) "
ui_check_line "suppressed recipients are excluded" "excluded: suppressed recipients +$(num "$supp") "
ui_check_line "delivered messages are excluded" "excluded: delivered \(incl. late bounces\) +$(num "$delivered") "
ui_check_line "and it says what is left to send" "to send +$(num "$send") "
ui_keys Escape
ui_check "Esc cancels" "requeue cancelled; nothing was sent"
ui_keys r
ui_wait "Requeue $(num "$send")" >/dev/null
ui_keys Enter
ui_wait "requeue cancelled; nothing was sent" >/dev/null
ui_keys r
ui_wait "Requeue $(num "$send")" >/dev/null
ui_keys y Y
sleep 0.5
ui_keys Escape
is "$(batches)" "0" "Enter on the default button and a y on Cancel send nothing"

ui_keys r
ui_wait "Requeue $(num "$send")" >/dev/null
ui_keys Tab Enter
ui_check "Enter on Requeue asks for the deliberate key" "press y to confirm the requeue"
ui_keys y
ui_check "y on Requeue journals the batch and shows it on Batches" "batch 1 → outbox  done"
is "$(sqlite3 g.db "select count(*) from outbox where batch_id = 1")" "$send" "the outbox has a row per message to send"
is "$(sqlite3 g.db "select status, total, selected, ex_suppressed, ex_delivered from batches")" \
	"3|$send|$((pending + delivered))|$supp|$delivered" "the batch journal: done, with its counts and exclusions"
is "$(sqlite3 g.db "select count(*) from batch_items where status = 2")" "$send" "every item is sent"
is "$(cli_count --db g.db --state requeued)" "$send" "the messages are requeued"
is "$(sqlite3 g.db "select count(*) from outbox o join messages m on m.msg_key = o.msg_key where m.state = 7")" \
	"$send" "the outbox rows are those messages"

ui_keys r
ui_wait "Requeue" >/dev/null
ui_check_line "a second requeue excludes them as already requeued" \
	"excluded: already requeued +$(num "$send") "
ui_keys Tab y
ui_check "and has nothing to send" "nothing to send: every tagged message is excluded"
ui_keys Escape

ui_quit
ui_expect_exit 0 "quits cleanly"
