#!/usr/bin/env bash
# Hand-made seed 000 incident: exact counts, verdicts, states, flags, and the
# same result whatever order the inputs arrive in.
. "$(dirname "$0")/../lib/tap.sh"
D=$TOP/tests/data/small
plan 22
export_now 2018-09-13T03:00+09:00

rd import campaigns "$D/campaigns.csv"
expect_rc 0 "campaigns CSV with BOM, CRLF and a quoted comma imports"
is "$(cat "$OUT")" "stored 4, duplicates 0, rejected 0" "campaign summary"

rd import sendlog "$D/sendlog.jsonl"
expect_rc 0 "send log imports"
is "$(cat "$OUT")" "stored 13, duplicates 0, rejected 0" "send-log summary"

cp "$D/events.json" ev.json
rd import events ev.json
expect_rc 3 "events with one bad record exit 3"
is "$(cat "$OUT")" "stored 11, duplicates 2, rejected 1" "events: duplicates by id and by content"
like "$(cat "$ERR")" 'ev.json:8: rejected: timestamp must be an integer' "the reject is reported with its line"
is "$(jq -r '[.line, .reason] | @tsv' ev.json.rejects.jsonl)" $'8\ttimestamp must be an integer (Unix seconds)' "rejects file has line and reason"
is "$(stat -c %a ev.json.rejects.jsonl)" "600" "rejects file is private"

rd import events ev.json
is "$(cat "$OUT")" "stored 0, duplicates 13, rejected 1" "re-import stores nothing twice"

rd incident add "AMQ再起動" --tz Asia/Tokyo --window "2018-09-12 04:30/05:00" --window "2018-09-13 01:15/01:50"
expect_rc 0 "incident with two JST windows"

rd report --incident "AMQ再起動" --format json
expect_rc 0 "report json"
cp "$OUT" report.json
is "$(jq -r '.campaigns[] | [.campaign, .sent, .delivered, .pending, .deferred, .bounced, .dead, .queued, .affected, .verdict] | @tsv' report.json)" \
"週末クーポン	0	0	0	0	0	0	1	1	not_executed
会員登録, ありがとう	2	0	2	1	0	0	0	1	all_pending
新しいキャンペーン	1	0	1	0	0	0	0	1	all_pending
予約完了のお知らせ	2	1	1	0	0	1	0	2	partial
秋の特別セール	4	2	1	0	1	0	0	1	partial" "per-campaign counts and verdicts"
is "$(jq -c '.totals' report.json)" '{"sent":9,"delivered":3,"pending":5,"deferred":1,"bounced":1,"blocked":0,"dropped":0,"dead":1,"queued":1,"requeued":0,"affected":6}' "totals"
is "$(jq -c '.windows' report.json)" '[{"start":"2018-09-11T19:30:00Z","end":"2018-09-11T20:00:00Z"},{"start":"2018-09-12T16:15:00Z","end":"2018-09-12T16:50:00Z"}]' "windows in UTC"

rd messages --incident "AMQ再起動" --format json
jq -r '.[] | [.msg_key, .state, (.flags | join(","))] | @tsv' "$OUT" > states.tsv
is "$(cat states.tsv)" "m1	delivered	late_bounce
m2	pending	stale
m3	delivered	
m4	bounced	suppressed
m5	queued	
m6	dead	
m7	pending	stale
m8	delivered	
m9	pending	stale
m11	pending	deferred,stale
m12	pending	stale,suppressed" "states and flags (late bounce, bare bounce, provider-id match, unsubscribe)"

rd messages --incident "AMQ再起動" --affected --format csv
is "$(cut -d, -f1 "$OUT" | tr '\n' ' ')" "msg_key m2 m5 m6 m7 m9 m11 " "affected = queued, dead, stale pending; never suppressed"

rd report --incident "AMQ再起動" --grace 1d --format json
is "$(jq -r '.totals.affected' "$OUT")" "2" "a longer grace leaves only queued and dead"

# the same inputs in the other order: events first, then the send log
mkdir other && cd other
rd import events "$D/events.json"
rd import campaigns "$D/campaigns.csv"
rd import sendlog "$D/sendlog.jsonl"
expect_rc 0 "send log after events"
like "$(cat "$ERR")" 'earlier event\(s\) found their messages' "orphans are matched when their messages arrive"
rd incident add "AMQ再起動" --tz Asia/Tokyo --window "2018-09-12 04:30/05:00" --window "2018-09-13 01:15/01:50"
rd messages --incident "AMQ再起動" --format json
is "$(jq -r '.[] | [.msg_key, .state, (.flags | join(","))] | @tsv' "$OUT")" "$(cat ../states.tsv)" "events before the send log give the same states"
rd report --incident "AMQ再起動" --format json
is "$(jq -c . "$OUT")" "$(jq -c . ../report.json)" "and the same report"
