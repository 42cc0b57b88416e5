#!/usr/bin/env bash
# The store: created with the right settings, a file that is not a store is
# refused and left untouched, a newer store is refused, read-only opens.
. "$(dirname "$0")/../lib/tap.sh"
plan 20
V=$("$REDRIVE_BIN" --version | sed -n 's/.*store schema \([0-9]*\).*/\1/p')

rd init
expect_rc 0 "init creates ./redrive.db"
is "$(sqlite3 redrive.db 'PRAGMA journal_mode; PRAGMA application_id; PRAGMA user_version;' | tr '\n' ' ')" \
   "wal 1380209238 $V " "WAL, our application id, schema version $V"
is "$(sqlite3 redrive.db "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN ('msg_time','msg_state','ev_content','ev_eid','ev_msg')")" "5" "window and de-duplication indexes exist"
rd init
expect_rc 0 "init again is harmless"

export REDRIVE_DB=$T/env.db
rd init
is "$(cat "$OUT")" "store $T/env.db ready (schema version $V)" "REDRIVE_DB chooses the store"
rd init --db "$T/flag.db"
is "$(cat "$OUT")" "store $T/flag.db ready (schema version $V)" "--db overrides REDRIVE_DB"
unset REDRIVE_DB

printf 'name,kind\nnot,a store\n' > notes.csv
sum=$(sha256sum notes.csv)
rd report --db notes.csv
expect_rc 1 "a text file is refused"
like "$(cat "$ERR")" "notes.csv is not a redrive store \(it is not an SQLite database\); it was left untouched" "the message says what and what to do"
rd import sendlog "$TOP/tests/data/small/sendlog.jsonl" --db notes.csv
expect_rc 1 "import into a text file is refused"
is "$(sha256sum notes.csv)" "$sum" "the file is byte for byte unchanged"
check "no journal files were made" test ! -e notes.csv-wal -a ! -e notes.csv-journal

sqlite3 other.db 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'
sum=$(sha256sum other.db)
rd init --db other.db
expect_rc 1 "another program's SQLite database is refused"
is "$(sha256sum other.db)" "$sum" "and left unchanged"

cp redrive.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99;'
rd report --db newer.db
expect_rc 1 "a newer store is refused"
like "$(cat "$ERR")" "schema version 99, newer than this redrive understands \($V\); use a newer redrive" "and says so"

rd report --db missing.db
expect_rc 1 "no store at the path"
like "$(cat "$ERR")" "no store at missing.db: create one with .redrive init." "with what to do"
check "reading did not create it" test ! -e missing.db

mkdir adir
rd report --db adir
expect_rc 1 "a directory is refused"

chmod 0444 redrive.db
rd report --read-only --db redrive.db
expect_rc 0 "--read-only opens a read-only file"
chmod 0644 redrive.db
