#!/usr/bin/env bash
# Tagging: Space tags and untags one row; t tags every message the filter
# selects (as one statement over the filter, however many rows); the tagged
# count is always on screen, tags the filter hides are pointed out, the
# `tagged` filter term shows the set, and u untags all.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 14

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"
pending=$(cli_count --db g.db --incident "$inc" --state pending)
all=$(cli_count --db g.db)

# set_filter TERMS: replaces the filter line.
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
ui_check "nothing tagged at first, and it says so" "tagged 0"
ui_keys Space
ui_check_line "Space tags the row" "tagged 1$"
like "$(ui_screen | sed -n 5p)" '^\* ' "the tagged row is marked"
ui_keys Space
ui_wait_line "tagged 2$" >/dev/null
ui_keys k Space
ui_check_line "Space on a tagged row untags it" "tagged 1$"
ui_keys u
ui_check_line "u untags everything" "tagged 0$"

set_filter "incident:\"$inc\" state:pending"
ui_wait "$(num "$pending") messages" >/dev/null
ui_keys t
ui_check_line "t tags every message the filter selects" "tagged $(num "$pending")$"
ui_check "and says how many it added" "tagged $(num "$pending") more messages matching the filter"
like "$(ui_screen | sed -n 5,38p | grep -c '^\* ')" '^34$' "every row on screen is marked"

set_filter "incident:\"$inc\" state:delivered"
ui_check "tags the filter hides are pointed out" "tagged $(num "$pending") ($(num "$pending") hidden by the filter)"
set_filter "tagged"
ui_check "the tagged term shows exactly the tagged set" "$(num "$pending") messages"
ui_check_line "and hides none of it" "tagged $(num "$pending")$"
set_filter ""
ui_wait "$(num "$all") messages" >/dev/null
unlike "$(ui_screen | sed -n 39p)" "hidden" "every tag is visible with no filter"
ui_keys u
ui_check "u untags them all" "untagged $(num "$pending") messages"

ui_quit
ui_expect_exit 0 "quits cleanly"
