#!/usr/bin/env bash
# Moving through 5,000 messages: rows, pages, both ends and back, :goto; the
# rows are the CLI's (`redrive messages`) in the same order, and Enter opens
# the message under the cursor.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 14

ui_gen g.db 5000
export_now "$UI_NOW"
rd messages --db g.db --format csv
mapfile -t K < <(tail -n +2 "$OUT" | cut -d, -f1)
is "${#K[@]}" 5000 "the CLI lists the 5,000 messages"

# opened KEY NAME: Enter shows KEY on Detail; back to Messages after.
opened() {
	ui_keys Enter
	if ui_wait "msg_key     $1 "; then ok "$2"; else not_ok "$2"; fi
	ui_keys 3
	ui_wait "TIME" >/dev/null
}

ui_start --db g.db
ui_wait "FIRST (ZONE)" >/dev/null
ui_keys 3
ui_check "Messages counts every message" "5,000 messages"
first=$(ui_screen | sed -n 5p)
like "$first" "^. .* ${K[0]} " "the first row is the CLI's first message"
opened "${K[0]}" "Enter opens the message under the cursor"
ui_keys j j j
opened "${K[3]}" "j moves down a row"
ui_keys NPage
opened "${K[37]}" "PgDn moves a page (34 rows) and keeps the cursor's place"
ui_keys G
ui_wait "at 100%" >/dev/null
opened "${K[4999]}" "G goes to the last message"
like "$(ui_screen | sed -n 38p)" "${K[4999]}" "the last message is on the last row"
ui_keys k k
ui_keys PPage
opened "${K[4963]}" "k and PgUp move back from the end"
ui_keys g
opened "${K[0]}" "g goes back to the first message"
for _ in $(seq 40); do ui_keys j; done
opened "${K[40]}" "j past the bottom scrolls the list"
for _ in $(seq 40); do ui_keys k; done
opened "${K[0]}" "k past the top scrolls back"
ui_keys : ; ui_type "goto 50%"; ui_keys Enter
if ui_wait_line ' at (49|50|51)%' >/dev/null; then ok ":goto 50% jumps to the middle"; else not_ok ":goto 50% jumps to the middle"; fi

ui_quit
ui_expect_exit 0 "quits cleanly"
