#!/usr/bin/env bash
# Export from the dialog: the tagged set or the affected messages of the
# filter, CSV or JSONL, a default file name, mode 0600; the files are the
# ones `redrive export` writes for the same messages.  Esc and Cancel write
# nothing.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 16

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"
pending=$(cli_count --db g.db --incident "$inc" --state pending)
rd export --db g.db --incident "$inc" --state pending --out cli-pending.csv
rd export --db g.db --incident "$inc" --out cli-affected.csv
rd export --db g.db --incident "$inc" --state pending --out cli-pending.jsonl

ui_start --db g.db --incident "$inc"
ui_wait "TOTAL" >/dev/null
ui_keys 3
ui_wait " messages " >/dev/null
ui_keys e
ui_check "e opens the export dialog" "affected in the filter"
ui_keys Escape
ui_wait_gone "affected in the filter" >/dev/null
ui_keys e
ui_wait "affected in the filter" >/dev/null
ui_keys BTab Enter
ui_wait_gone "affected in the filter" >/dev/null
sleep 0.3
is "$(ls redrive-*.csv 2>/dev/null)" "" "Esc and Cancel write nothing"

ui_keys /
ui_wait "/ " >/dev/null
ui_type " state:pending"
ui_keys Enter
ui_wait "$(num "$pending") messages" >/dev/null
ui_keys t
ui_wait_line "tagged $(num "$pending")$" >/dev/null
ui_keys e
ui_check "the dialog offers the tagged set first" "(*) tagged ($(num "$pending"))"
ui_check "with a default file name" "redrive-AMQseed000-20180913-0600.csv"
ui_keys Enter
ui_check "Enter exports" "exported $(num "$pending") messages to redrive-AMQseed000-20180913-0600.csv (mode 0600)"
f=redrive-AMQseed000-20180913-0600.csv
is "$(stat -c %a "$f" 2>/dev/null)" "600" "the file is 0600"
check "the tagged CSV is the CLI's export of the same messages" cmp "$f" cli-pending.csv

# JSONL: the format field, and the file name follows it
ui_keys e
ui_wait "(*) CSV" >/dev/null
ui_keys BTab BTab BTab Space
ui_check "Space changes the format, and the file name follows" "redrive-AMQseed000-20180913-0600.jsonl"
ui_keys Tab Tab Tab Enter
ui_wait "exported $(num "$pending") messages to redrive-AMQseed000-20180913-0600.jsonl" >/dev/null
check "the JSONL file is the CLI's" cmp redrive-AMQseed000-20180913-0600.jsonl cli-pending.jsonl
check "every JSONL line is JSON" jq -e . redrive-AMQseed000-20180913-0600.jsonl

# the affected messages of the filter, to a file name typed in the dialog
ui_keys : ; ui_type clear; ui_keys Enter
ui_wait "filter: incident:\"$inc\"  " >/dev/null
ui_keys e
ui_wait "(*) tagged" >/dev/null
ui_keys BTab BTab BTab BTab Space
ui_check "the selection can be the affected messages" "(*) affected in the filter"
ui_keys Tab Tab C-u
ui_type "out/aff.csv"
ui_keys Tab Tab Enter
ui_check "a file that cannot be written is reported" "export: cannot create out/aff.csv"
mkdir out
ui_keys e
ui_wait "(*) tagged" >/dev/null
ui_keys BTab BTab BTab BTab Space Tab Tab C-u
ui_type "out/aff.csv"
ui_keys Tab Tab Enter
ui_wait "exported " >/dev/null
check "the affected CSV is the CLI's default export" cmp out/aff.csv cli-affected.csv
is "$(stat -c %a out/aff.csv 2>/dev/null)" "600" "0600 too"
is "$(sqlite3 g.db "select count(*) from audit where action = 'export' and detail like '%dashboard%'")" "3" \
	"each export is in the audit log"

ui_quit
ui_expect_exit 0 "quits cleanly"
