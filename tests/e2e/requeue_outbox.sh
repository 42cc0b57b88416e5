#!/usr/bin/env bash
# requeue --to outbox: exclusions, dry run = real run, exactly once, the
# journal, the new attempt's events, resume after kill -9.
. "$(dirname "$0")/../lib/tap.sh"
D=$TOP/tests/data/small
plan 34
export_now 2018-09-13T03:00+09:00
rd import campaigns "$D/campaigns.csv"
rd import sendlog "$D/sendlog.jsonl"
rd import events "$D/events.json"
rd incident add amq --tz Asia/Tokyo --window "2018-09-12 04:30/05:00" --window "2018-09-13 01:15/01:50"

rd requeue --incident amq --to outbox --dry-run --format json
expect_rc 0 "dry run"
is "$(jq -c . "$OUT")" '{"target":"outbox","selected":7,"excluded":{"suppressed":1,"delivered":0,"already_requeued":0},"to_send":6}' "dry run counts: lost 7, one suppressed"
rd report --incident amq --format json
is "$(jq -r .totals.affected "$OUT")" "6" "to_send equals the report's affected count"

rd requeue --incident amq --to outbox </dev/null
expect_rc 2 "without --yes and no terminal, nothing is sent"
is "$(sqlite3 redrive.db 'SELECT count(*) FROM batches')" "0" "and nothing is journaled"

rd requeue --incident amq --to bogus --yes
expect_rc 2 "an unknown target is a usage error"
rd requeue --incident amq --to "smtp://ops:hunter2-secret@127.0.0.1:2525" --yes
expect_rc 2 "a relay URL with a login is a usage error"
like "$(cat "$ERR")" "must not hold a user or password.*REDRIVE_SMTP_PASSWORD_FILE" "it says where the login goes instead"
unlike "$(cat "$OUT" "$ERR")" "hunter2" "and does not repeat the password"

rd requeue --incident amq --to outbox --yes
expect_rc 0 "requeue to the outbox"
like "$(cat "$OUT")" "batch 1 to outbox: done; sent 6, failed 0, skipped 0, unknown 0, left 0" "all six handed over"
is "$(sqlite3 redrive.db 'SELECT msg_key FROM outbox ORDER BY id' | tr '\n' ' ')" "m2 m5 m6 m7 m9 m11 " "the outbox has each lost message once, in time order"
is "$(sqlite3 redrive.db "SELECT msg_key, json_extract(payload, '$.personalizations[0].custom_args') FROM outbox_v WHERE payload IS NOT NULL")" 'm2|{"msg_key":"m2","redrive_batch":"1"}' "the payload carries msg_key and the batch for the new attempt's events"
is "$(sqlite3 redrive.db "SELECT reason FROM batch_exclusions WHERE batch_id = 1")" "suppressed" "the exclusion is journaled with its reason"
is "$(sqlite3 redrive.db "SELECT operator, filter, total, selected FROM batches")" "tester|incident:amq|6|7" "the journal: operator, selection, counts"

rd batches --format json
is "$(jq -c '.[0] | [.batch, .target, .status, .planned, .sent, .failed, .skipped, .unknown, .operator]' "$OUT")" \
   '[1,"outbox","done",0,6,0,0,0,"tester"]' "batches lists it"

rd requeue --incident amq --to outbox --dry-run --format json
is "$(jq -c . "$OUT")" '{"target":"outbox","selected":1,"excluded":{"suppressed":1,"delivered":0,"already_requeued":0},"to_send":0}' "requeued messages are no longer lost"
rd report --incident amq --format json
is "$(jq -r '[.totals.requeued, .totals.affected] | @tsv' "$OUT")" "6	0" "the report counts them requeued"

# the new attempt's events decide again; the old attempt's do not
printf '%s\n' '{"email":"b@example.jp","timestamp":1536780000,"event":"delivered","msg_key":"m2","redrive_batch":"1","sg_event_id":"n1"}' \
  '{"email":"e@example.jp","timestamp":1536780000,"event":"processed","msg_key":"m5","sg_event_id":"n2"}' > new.json
rd import events new.json
rd messages --incident amq --format json
is "$(jq -r '.[] | select(.msg_key == "m2" or .msg_key == "m5") | "\(.msg_key)=\(.state)"' "$OUT" | tr '\n' ' ')" "m2=delivered m5=requeued " "a delivered event of the new attempt decides; an old-attempt event does not"

check "the audit log cannot be rewritten" bash -c "! sqlite3 redrive.db 'DELETE FROM audit' 2>/dev/null"
check "the batch journal cannot be rewritten" bash -c "! sqlite3 redrive.db 'UPDATE batches SET total = 0' 2>/dev/null"
check "batch items cannot be deleted" bash -c "! sqlite3 redrive.db 'DELETE FROM batch_items' 2>/dev/null"

# a big batch, slowed down, killed -9 at random points and resumed each time
rm -f big.jsonl
for i in $(seq 1 3000); do printf '{"msg_key":"q%d","campaign":"大量","recipient":"r%d@example.jp","queued_at":"2018-09-12T04:40:00+09:00"}\n' "$i" "$i"; done > big.jsonl
rd import sendlog big.jsonl
rd requeue --campaign 大量 --to outbox --dry-run --format json
is "$(jq -r .to_send "$OUT")" "3000" "3000 queued messages to send"
"$REDRIVE_BIN" requeue --campaign 大量 --to outbox --rate 4000 --yes >run1.out 2>&1 &
pid=$!
sleep 0.3; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
batch=$(sqlite3 redrive.db "SELECT max(id) FROM batches")
kills=0
for round in $(seq 1 20); do
	left=$(sqlite3 redrive.db "SELECT count(*) FROM batch_items WHERE batch_id = $batch AND status = 0")
	[ "$left" -eq 0 ] && break
	"$REDRIVE_BIN" requeue --resume "$batch" --rate 4000 --yes >>run.out 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 3 + 1))"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
done
rd requeue --resume "$batch" --yes
like "$(cat "$OUT")" "done; sent 3000, failed 0, skipped 0, unknown 0, left 0" "after $kills kill -9s and resumes the batch is done"
is "$(sqlite3 redrive.db "SELECT count(*), count(DISTINCT msg_key) FROM outbox WHERE batch_id = $batch")" "3000|3000" "every message is in the outbox exactly once"
is "$(sqlite3 redrive.db "SELECT count(*) FROM messages WHERE msg_key LIKE 'q%' AND state = 7 AND requeue_batch = $batch")" "3000" "every message is marked requeued by that batch"

# a target that cannot run is refused before anything is journaled
before=$(sqlite3 redrive.db "SELECT count(*) FROM batches")
rd requeue --incident amq --to sendgrid --yes --force
expect_rc 1 "sendgrid without an API key is refused"
like "$(cat "$ERR")" "SENDGRID_API_KEY" "and the message says which setting is missing"
is "$(sqlite3 redrive.db "SELECT count(*) FROM batches")" "$before" "nothing was journaled"

# --abandon gives up a stopped batch so its messages can be planned again
for i in $(seq 1 500); do printf '{"msg_key":"z%d","campaign":"放棄","recipient":"z%d@example.jp","queued_at":"2018-09-12T04:41:00+09:00"}\n' "$i" "$i"; done > z.jsonl
rd import sendlog z.jsonl
"$REDRIVE_BIN" requeue --campaign 放棄 --to outbox --rate 200 --yes >/dev/null 2>&1 &
pid=$!
sleep 0.5; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
zb=$(sqlite3 redrive.db "SELECT max(id) FROM batches")
sent=$(sqlite3 redrive.db "SELECT count(*) FROM batch_items WHERE batch_id = $zb AND status = 2")
rd requeue --campaign 放棄 --to outbox --dry-run --format json
is "$(jq -r '[.selected, .excluded.already_requeued, .to_send] | @tsv' "$OUT")" "$((500 - sent))	$((500 - sent))	0" "messages of an unfinished batch are never planned twice"
rd requeue --abandon 1
expect_rc 1 "a finished batch cannot be abandoned"
rd requeue --abandon "$zb"
expect_rc 0 "abandon the interrupted batch"
rd requeue --campaign 放棄 --to outbox --dry-run --format json
is "$(jq -r .to_send "$OUT")" "$((500 - sent))" "its planned messages can go into a new batch"
rd requeue --campaign 放棄 --to outbox --tagged --dry-run
expect_rc 2 "--tagged is the dashboard's, not a command-line filter"
