#!/usr/bin/env bash
# The Campaigns table sorts: s steps through the columns (name, verdict, each
# count, biggest first), S reverses; the order is the report's (`redrive
# report`) sorted the same way, and Enter lists the campaign under the cursor.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 10

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"
rd report --db g.db --incident "$inc" --format json
cp "$OUT" report.json

# The campaign names on screen, top to bottom.
names_on_screen() {
	ui_screen | sed -nE 's/^ (.*[^ ]) +(not_executed|all_pending|partial|ok) .*/\1/p'
}
# sorted JQ-KEY: the report's campaigns in that order (ties: the report's order).
sorted() { jq -r ".campaigns | to_entries | sort_by($1) | .[].value.campaign" report.json; }

ui_start --db g.db --incident "$inc"
ui_wait "sorted by severity" >/dev/null
ui_wait "TOTAL" >/dev/null
is "$(names_on_screen)" "$(jq -r '.campaigns[].campaign' report.json)" "first in the report's order: most severe first"
ui_keys s
ui_wait "sorted by name" >/dev/null
is "$(names_on_screen)" "$(sorted '.value.campaign')" "s: by name"
ui_keys S
ui_wait "sorted by name (reversed)" >/dev/null
is "$(names_on_screen)" "$(sorted '.value.campaign' | tac)" "S: reversed"
ui_keys s
ui_wait "sorted by verdict" >/dev/null
# the report's order is most severe verdict first already
is "$(names_on_screen)" "$(jq -r '.campaigns[].campaign' report.json)" "s: by verdict, most severe first"
ui_keys s
ui_wait "sorted by affected" >/dev/null
is "$(names_on_screen)" "$(sorted '[-.value.affected, .key]')" "s: by affected, biggest first"
ui_keys S
ui_wait "sorted by affected (reversed)" >/dev/null
is "$(names_on_screen)" "$(sorted '[-.value.affected, .key]' | tac)" "S: by affected, reversed"
ui_keys s
ui_wait "sorted by sent" >/dev/null
is "$(names_on_screen)" "$(sorted '[-.value.sent, .key]')" "s: then by sent, biggest first"

# Enter on the second row lists that campaign's messages
second=$(names_on_screen | sed -n 2p)
ui_keys j Enter
ui_check "Enter lists the campaign's messages" "campaign:"
want=$(jq -r --arg c "$second" '.campaigns[] | select(.campaign == $c) | .sent + .queued' report.json)
rd messages --db g.db --incident "$inc" --campaign "$second" --format csv
n=$(($(wc -l <"$OUT") - 1))
ui_wait "$(num "$n") message" >/dev/null
like "$(ui_screen | sed -n 3p)" "^ $(num "$n") messages?" "the count is the CLI's for that campaign ($want in the report)"
ui_quit
ui_expect_exit 0 "quits cleanly"
