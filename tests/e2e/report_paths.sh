#!/usr/bin/env bash
# The report's two paths agree: per-minute rollups (whole minutes) and the
# row-by-row count (forced here with --recipient '*', which the rollup
# cannot answer), whatever the window edges, the clock and the filters;
# and the rollup table always equals a GROUP BY over the messages.
. "$(dirname "$0")/../lib/tap.sh"
plan 22
NOW=2018-09-13T03:00+09:00
rd gen --messages 20000 --seed 11 --days 7 --now $NOW
expect_rc 0 "a generated store"

rollup_consistent() {
	local a="SELECT minute, campaign_id, state, flags, sent, rq_minute, sum(n) AS n FROM msg_rollup GROUP BY 1,2,3,4,5,6 HAVING n > 0"
	local b="SELECT t_at / 60, campaign_id, state, flags, sent_at IS NOT NULL, coalesce(requeued_at / 60, -1), count(*) FROM messages GROUP BY 1,2,3,4,5,6"
	sqlite3 redrive.db "SELECT (SELECT count(*) FROM ($a EXCEPT $b)) + (SELECT count(*) FROM ($b EXCEPT $a))"
}
is "$(rollup_consistent)" "0" "after import: the rollup equals the messages"

# both paths for a report; $@ are extra filters
same() {
	local name=$1
	shift
	"$REDRIVE_BIN" report "$@" --format json > fast.json 2>&1
	"$REDRIVE_BIN" report "$@" --recipient '*' --format json > slow.json 2>&1
	if cmp -s fast.json slow.json && jq -e '.totals' fast.json >/dev/null; then
		ok "$name"
	else
		not_ok "$name"
		diff -u slow.json fast.json | head -30 | diag
	fi
}
INC="AMQ再起動 (seed 000)"
same "incident at its own clock" --incident "$INC" --now $NOW
same "windows with edges inside minutes" --window 2018-09-12T04:30:17+09:00/2018-09-12T04:59:41+09:00 --window 2018-09-13T01:15:05+09:00/01:49:59 --now $NOW
# a clock whose grace boundary falls inside the windows: stale changes within a minute
same "the stale boundary inside a window" --incident "$INC" --now 2018-09-12T04:52:31+09:00
same "the stale boundary, affected only" --incident "$INC" --now 2018-09-12T04:52:31+09:00 --affected
same "pending only, a long grace" --incident "$INC" --now $NOW --state pending --grace 3h
same "one campaign" --incident "$INC" --now $NOW --campaign "秋の特別セール"
same "the whole store" --now $NOW

# requeue some, let new-attempt events arrive, suppress a recipient late
rd requeue --incident "$INC" --to outbox --yes --now $NOW
expect_rc 0 "requeue to the outbox"
# the hand-over keeps the rollup per chunk itself (schema v7), holding the
# trigger only inside its own transactions
is "$(rollup_consistent)" "0" "after the outbox hand-over: the rollup equals the messages"
is "$(sqlite3 redrive.db "SELECT count(*) FROM msg_rollup_hold")" "0" "no hold on the rollup outlives a transaction"
# any other writer, a plain sqlite3 included, goes through the trigger
sqlite3 redrive.db "UPDATE messages SET state = 6, flags = flags | 1 WHERE id IN (SELECT id FROM messages WHERE requeue_batch = 1 LIMIT 7)"
is "$(rollup_consistent)" "0" "a plain sqlite3 update: the rollup still equals the messages"
sqlite3 redrive.db "UPDATE messages SET state = 7, flags = flags & 8 WHERE requeue_batch = 1"
rcpt=$(sqlite3 redrive.db "SELECT recipient FROM messages WHERE requeue_batch = 1 LIMIT 1")
key=$(sqlite3 redrive.db "SELECT msg_key FROM messages WHERE requeue_batch = 1 LIMIT 1 OFFSET 1")
rcpt2=$(sqlite3 redrive.db "SELECT recipient FROM messages WHERE msg_key = '$key'")
printf '%s\n' "{\"email\":\"$rcpt\",\"timestamp\":1536775100,\"event\":\"spamreport\",\"sg_event_id\":\"late1\"}" \
  "{\"email\":\"$rcpt2\",\"timestamp\":1536775150,\"event\":\"processed\",\"msg_key\":\"$key\",\"redrive_batch\":\"1\",\"sg_event_id\":\"late2\"}" > late.json
rd import events late.json
expect_rc 0 "a late suppression and a new-attempt event"
is "$(sqlite3 redrive.db "SELECT count(*) FROM messages m JOIN recipients r ON r.id = m.recipient_id WHERE ((m.flags & 8) != 0) != r.suppressed")" "0" "every message carries its recipient's suppression"
is "$(rollup_consistent)" "0" "after requeue and events: the rollup equals the messages"
same "after the requeue" --incident "$INC" --now $NOW
rq_now=$(date -u -d "@$(( $(sqlite3 redrive.db 'SELECT max(requeued_at) FROM messages') + 600 ))" +%Y-%m-%dT%H:%M:%SZ)
same "a clock at the requeue's boundary" --incident "$INC" --now "$rq_now"
same "a clock at the requeue's boundary, affected" --incident "$INC" --now "$rq_now" --affected

# a batch handed over in several chunks (a rate cap makes them small), all in
# the same minute: the chunks' counts add up on the same rollup rows
rd requeue --incident "$INC" --state requeued --to outbox --yes --force --rate 400 --now $NOW
expect_rc 0 "a forced requeue in chunks of 400"
is "$(sqlite3 redrive.db "SELECT count(*) > 800 FROM outbox WHERE batch_id = 2")" "1" "more than two chunks handed over"
is "$(rollup_consistent)" "0" "after a hand-over in chunks: the rollup equals the messages"
