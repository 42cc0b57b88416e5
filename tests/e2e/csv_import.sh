#!/usr/bin/env bash
# Send log as CSV (RFC 4180: quotes, multi-line fields, BOM), standard
# input, format detection, re-import updates instead of duplicating.
. "$(dirname "$0")/../lib/tap.sh"
plan 16

printf '\xef\xbb\xbfmsg_key,campaign,recipient,subject,queued_at,sent_at,attempts,payload\r\n' > send.csv
printf 'c1,"秋の特別セール","a@example.jp","件名に ""引用"" と\r\n改行",2018-09-12T04:30:00+09:00,,0,"{""personalizations"":[{""to"":[{""email"":""a@example.jp""}]}]}"\r\n' >> send.csv
printf 'c2,秋の特別セール,b@example.jp,plain,1536694200,1536694260,1,\r\n' >> send.csv
printf 'c3,秋の特別セール,b@example.jp,bad payload,1536694200,,0,"{not json"\r\n' >> send.csv
printf 'c4,秋の特別セール,c@example.jp,too few fields\r\n' >> send.csv
printf 'c5,秋の特別セール,d@example.jp,"unterminated,1536694200\n' >> send.csv

rd import sendlog send.csv
expect_rc 3 "CSV with bad rows exits 3"
is "$(cat "$OUT")" "stored 2, duplicates 0, rejected 3" "good rows stored, bad rows rejected"
like "$(jq -r '"\(.line) \(.reason)"' send.csv.rejects.jsonl | tr '\n' '|')" \
  '^5 payload must be a JSON object \([^|]*\)\|6 the row has 4 fields, the header has 8\|7 unterminated quoted field starting at line 7' \
  "each reject names its line and reason"

rd messages --format json
is "$(jq -r '.[] | select(.msg_key == "c1") | .recipient' "$OUT")" "a@example.jp" "the multi-line row is one message"
is "$(sqlite3 redrive.db "SELECT subject FROM messages_v WHERE msg_key = 'c1'")" $'件名に "引用" と\r\n改行' "quotes and the CRLF line break survive"
is "$(sqlite3 redrive.db "SELECT json_extract(b.payload, '$.personalizations[0].to[0].email') FROM messages m JOIN message_bodies b ON b.msg_id = m.id WHERE m.msg_key = 'c1'")" "a@example.jp" "payload JSON in a CSV cell"

rd import sendlog send.csv --rejects "$T/r.jsonl"
is "$(cat "$OUT")" "stored 0, duplicates 2, rejected 3" "re-import: nothing new"
check "--rejects chooses the rejects file" test -s "$T/r.jsonl"

printf 'msg_key,campaign,recipient,queued_at,sent_at\nc2,秋の特別セール,b@example.jp,1536694200,1536694290\n' > update.csv
rd import sendlog update.csv
is "$(cat "$OUT")" "stored 1, duplicates 0, rejected 0" "a changed row is an update"
is "$(sqlite3 redrive.db "SELECT count(*), max(sent_at) FROM messages WHERE msg_key = 'c2'")" "1|1536694290" "updated in place, not duplicated"

printf 'msg_key,campaign,recipient,queued_at\nc9,stdin campaign,e@example.jp,1536694200\n' | { "$REDRIVE_BIN" import sendlog - >"$OUT" 2>"$ERR"; RC=$?; }
RC=$?
is "$(cat "$OUT")" "stored 1, duplicates 0, rejected 0" "CSV on standard input is recognised"
printf '{"msg_key":"c10","campaign":"stdin campaign","recipient":"f@example.jp","queued_at":1536694200}\n' > one.txt
rd_in one.txt import sendlog -
is "$(cat "$OUT")" "stored 1, duplicates 0, rejected 0" "JSON Lines on standard input is recognised"
is "$(sqlite3 redrive.db "SELECT kind || '/' || status FROM campaigns WHERE name = 'stdin campaign'")" "transactional/running" "an unknown campaign is created"

printf 'name,kind,schedule,status\n秋の特別セール,batch,once,stopped\nbadkind,weekly,once,running\n' > camp.csv
rd import campaigns camp.csv
expect_rc 3 "a campaign with a bad kind is rejected"
is "$(sqlite3 redrive.db "SELECT kind || '/' || schedule || '/' || status FROM campaigns WHERE name = '秋の特別セール'")" "batch/once/stopped" "an existing campaign is updated"
rd import events send.csv --format csv
expect_rc 2 "events are never CSV"
