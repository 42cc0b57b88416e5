#!/usr/bin/env bash
# --read-only: the store is opened read-only and every action that writes
# it (requeue, resume) is refused with a message; reading, tagging (tags are
# private to the dashboard) and exporting to a file still work; the store
# file is byte for byte the same afterwards.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 10

ui_store small.db
sum_before=$(sha256sum small.db | cut -d' ' -f1)
audit_before=$(sqlite3 small.db "select count(*) from audit")

ui_start --read-only --db small.db --incident "AMQ再起動"
ui_check "the title says read-only" "small.db (read-only)"
ui_wait "TOTAL" >/dev/null
ui_keys 3
ui_wait "11 messages" >/dev/null
ui_keys t
ui_check_line "tagging works (the tags are not in the store)" "tagged 11$"
ui_keys r
ui_check "r is refused" "read-only: requeue writes the store; open the dashboard without --read-only"
unlike "$(ui_screen)" "Requeue the tagged messages" "no requeue dialog"
ui_keys : ; ui_type requeue; ui_keys Enter
ui_check ":requeue is refused too" "read-only: requeue writes the store"
ui_keys e
ui_wait "file " >/dev/null
ui_keys Enter
ui_check "export works: it writes only the file" "exported 11 messages to redrive-AMQ-20180913-0600.csv (mode 0600)"
is "$(tail -n +2 redrive-AMQ-20180913-0600.csv | wc -l)" "11" "with every tagged message"
ui_quit
ui_expect_exit 0 "quits cleanly"
is "$(sha256sum small.db | cut -d' ' -f1)" "$sum_before" "the store file is unchanged"
is "$(sqlite3 small.db "select count(*) from audit")" "$audit_before" "and nothing was added to its audit log"
