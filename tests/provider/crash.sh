#!/usr/bin/env bash
# Crash: `redrive requeue` of a batch of thousands, killed -9 at 20+ random
# points and resumed each time, against the SMTP sink and the SendGrid stub on
# 127.0.0.1.  At the receiving server: no message arrived twice, none is
# missing but items journaled `unknown` (those arrived at most once), and what
# the journal says was sent is exactly what arrived.
#
# CRASH_SEED=S replays the random pauses of a run (printed as a diagnostic);
# CRASH_MESSAGES=N and CRASH_KILLS=K change the size (defaults: 3000 messages,
# kills at 25 distinct points per target; about 20 s in either build).
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/servers.sh"
plan 31
export_now 2018-09-13T03:00+09:00

: "${CRASH_MESSAGES:=3000}" "${CRASH_KILLS:=25}" "${CRASH_SEED:=$(($$ * 7919 + $(date +%s) % 100000))}"
N=$CRASH_MESSAGES
RANDOM=$CRASH_SEED
echo "# CRASH_SEED=$CRASH_SEED CRASH_MESSAGES=$N CRASH_KILLS=$CRASH_KILLS (${REDRIVE_VARIANT:-rel})"

KEY="SG.redrive-crash-key-$$-$RANDOM.x9Q"
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/key"

# new_store NAME: a store in $T/NAME with N queued messages c1..cN in the
# incident "crash", each with a stored SendGrid payload; four consecutive
# messages share a payload but for the recipient (one SendGrid request).
new_store() {
	mkdir -p "$T/$1"
	cd "$T/$1" || exit 1
	local i g
	for ((i = 1; i <= N; i++)); do
		g=$(((i - 1) / 4))
		printf '{"msg_key":"c%d","campaign":"障害再送","recipient":"c%d@example.jp","queued_at":"2018-09-12T04:40:00+09:00","payload":{"personalizations":[{"to":[{"email":"c%d@example.jp"}]}],"from":{"email":"noreply@example.jp","name":"予約センター"},"subject":"ご予約ありがとうございます %d","content":[{"type":"text/plain","value":"ご予約を承りました。%d"}]}}\n' \
			"$i" "$i" "$i" "$g" "$g"
	done > sendlog.jsonl
	rd import sendlog sendlog.jsonl
	rd incident add crash --tz Asia/Tokyo --window "2018-09-12 04:30/05:00"
}

# count STATUS...: the batch's items in those states (0 planned, 1 sending,
# 2 sent, 3 failed, 4 skipped, 5 unknown: include/redrive/store_requeue.h).
count() {
	local in
	in=$(IFS=,; echo "$*")
	sqlite3 redrive.db "SELECT count(*) FROM batch_items WHERE batch_id = 1 AND status IN ($in)"
}

# rand_sleep: a random pause of 0.050-0.400 s (from the seeded $RANDOM).
rand_sleep() {
	SLEPT=$(printf '0.%03d' $((50 + RANDOM % 351)))
	sleep "$SLEPT"
}

# crash_run TARGET: starts `requeue --incident crash --to TARGET` (again
# while nothing is journaled), then `requeue --resume 1`, each killed -9
# after a random pause, until CRASH_KILLS kills have left the unfinished
# batch at as many distinct points (at most twice that many runs).  Each run
# gets a rate that spreads the kills over the batch: the rest of it over the
# points still wanted, plus three.  Sets KILLS (kills that hit a live run of
# the unfinished batch), POINTS (the distinct numbers of items handled they
# left), INFLIGHT (kills that left items `sending`), REFUSED (runs refused as
# "being run by") and runs.log (every run's output).
crash_run() {
	local target=$1 k pid st rate left handled sending
	local -A seen=()
	KILLS=0 POINTS=0 INFLIGHT=0
	: > runs.log
	for ((k = 1; k <= 2 * CRASH_KILLS && POINTS < CRASH_KILLS; k++)); do
		if [ "$(sqlite3 redrive.db 'SELECT count(*) FROM batches')" = 0 ]; then
			left=$N
			set -- requeue --incident crash --to "$target"
		else
			left=$(count 0 1)
			[ "$left" -eq 0 ] && break
			set -- requeue --resume 1
		fi
		rate=$((left * 1000 / ((CRASH_KILLS - POINTS + 3) * 225) + 20))
		"$REDRIVE_BIN" "$@" --rate "$rate" --yes >>runs.log 2>&1 &
		pid=$!
		rand_sleep
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		st=$?
		if [ "$(sqlite3 redrive.db 'SELECT count(*) FROM batches')" = 0 ]; then
			echo "# run $k ($2) killed after ${SLEPT}s (exit $st) before its batch was journaled"
			continue
		fi
		handled=$(count 2 3 4 5)
		sending=$(count 1)
		if [ "$st" -eq 137 ] && [ "$handled" -lt "$N" ]; then
			KILLS=$((KILLS + 1))
			[ -z "${seen[$handled]:-}" ] && POINTS=$((POINTS + 1))
			seen[$handled]=1
			[ "$sending" -gt 0 ] && INFLIGHT=$((INFLIGHT + 1))
		fi
		echo "# run $k ($2) killed after ${SLEPT}s at --rate $rate: exit $st, handled $handled of $N, sending $sending"
	done
	REFUSED=$(grep -c 'being run by' runs.log)
}

# journal: "msg_key status provider_id" per item of batch 1, sorted by msg_key.
journal() {
	sqlite3 -separator ' ' redrive.db "SELECT m.msg_key, i.status, coalesce(nullif(i.provider_id, ''), '-')
	  FROM batch_items i JOIN messages m ON m.id = i.msg_id WHERE i.batch_id = 1" | LC_ALL=C sort > journal.txt
}

# verify LABEL ARRIVED: the checks at the receiving server.  ARRIVED holds
# "msg_key id" per message the server took (id: what the journal must hold
# as the provider id of a sent item).
verify() {
	local label=$1 arrived=$2 unknown
	journal
	awk '{print $1}' "$arrived" | LC_ALL=C sort > arrived.keys
	is "$(LC_ALL=C uniq -d arrived.keys | head -20)" "" "$label: no message arrived twice"
	is "$(LC_ALL=C comm -13 <(awk '{print $1}' journal.txt | LC_ALL=C sort -u) <(LC_ALL=C sort -u arrived.keys) | head -20)" "" \
		"$label: nothing arrived that is not in the batch"
	# every item sent arrived exactly once, under the provider id journaled
	is "$(awk 'NR == FNR { n[$1]++; id[$1] = $2; next }
		$2 == 2 && (n[$1] != 1 || id[$1] != $3) { print $1, "sent, arrived " n[$1] + 0 " time(s) as " id[$1] ", journaled " $3 }' \
		"$arrived" journal.txt | head -20)" "" "$label: every item journaled sent arrived exactly once, as journaled"
	is "$(awk 'NR == FNR { n[$1]++; next } $2 != 5 && !n[$1] { print $1, "status", $2, "never arrived" }' \
		"$arrived" journal.txt | head -20)" "" "$label: every message of the batch arrived but items journaled unknown"
	unknown=$(awk '$2 == 5' journal.txt | wc -l)
	echo "# $label: $unknown unknown item(s), $(awk 'NR == FNR { n[$1]++; next } $2 == 5 && n[$1]' "$arrived" journal.txt | wc -l) of them arrived (once)"
	is "$(sqlite3 redrive.db "SELECT status, total, (SELECT count(*) FROM batch_items WHERE batch_id = 1 AND status IN (2, 3, 4, 5))
	  FROM batches WHERE id = 1") $(count 0 1) $(count 3 4)" "3|$N|$N 0 0" \
		"$label: the batch is done: sent + unknown + failed + skipped = $N, none planned or sending, none failed or skipped"
	is "$(sqlite3 redrive.db "SELECT count(*) FROM messages m JOIN state_names s ON s.code = m.state
	  JOIN batch_items i ON i.msg_id = m.id AND i.batch_id = 1
	  WHERE i.status = 2 AND s.name = 'requeued' AND m.requeue_batch = 1")" "$(count 2)" \
		"$label: every message sent is requeued by the batch"
}

# --- SMTP ---------------------------------------------------------------------
new_store smtp
rd requeue --incident crash --to outbox --dry-run --format json
is "$(jq -c '[.selected, .to_send]' "$OUT")" "[$N,$N]" "smtp: $N queued messages to send again"
start_smtp 0 || { not_ok "the SMTP sink starts"; exit 1; }
TARGET=smtp://127.0.0.1:$SMTP_PORT
t0=$(date +%s)
crash_run "$TARGET"
ok_kills=$([ "$KILLS" -ge 20 ] && [ "$POINTS" -ge 20 ] && echo yes)
is "${ok_kills:-no}" yes "smtp: $KILLS kill -9s hit a live run of the unfinished batch, at $POINTS distinct points (want 20+)"
like "$INFLIGHT" '^[1-9]' "smtp: $INFLIGHT kill(s) caught a message on its way (left an item sending)"
is "$REFUSED" 0 "smtp: no resume was refused (a killed run holds no claim)"
rd requeue --resume 1 --rate 100000 --yes
unknown=$(count 5)
expect_rc $((unknown > 0)) "smtp: the last resume finishes the batch ($unknown unknown)"
like "$(grep '^batch 1 to' "$OUT" | tail -n 1)" "done; sent $(count 2), failed 0, skipped 0, unknown $unknown, left 0$" \
	"smtp: it reports the batch done"
echo "# smtp: $(($(date +%s) - t0))s for the kills and the resumes"
# what the sink took: msg_key and Message-ID of each accepted message
jq -r 'select(.outcome == "accepted") | .data | capture("\r\nMessage-ID: (?<id><redrive\\.1\\.(?<key>[^@>]+)@[^>]*>)\r\n") | "\(.key) \(.id)"' \
	"$SMTP_CAPTURE" > arrived.txt
is "$(jq -r 'select(.outcome != "accepted") | .outcome' "$SMTP_CAPTURE" | wc -l) $(jq -s 'length' "$SMTP_CAPTURE")" \
	"0 $(wc -l < arrived.txt)" "smtp: every message the sink took has a Message-ID of batch 1"
verify smtp arrived.txt
is "$(grep -cE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' runs.log)" 0 "smtp: no run reported a sanitizer error"
rd requeue --incident crash --to "$TARGET" --dry-run --format json
is "$(jq -c '[.selected, .excluded.already_requeued, .to_send]' "$OUT")" "[$unknown,$unknown,0]" \
	"smtp: a new requeue of the incident would send nothing again (the unknown ones wait to be settled)"
stop_server "$SMTP_PID"

# --- SendGrid (the stub) --------------------------------------------------------
cd "$T" || exit 1
new_store sendgrid
rd requeue --incident crash --to sendgrid --dry-run --format json
is "$(jq -c '[.selected, .to_send]' "$OUT")" "[$N,$N]" "sendgrid: $N queued messages to send again"
export SENDGRID_API_KEY_FILE=$T/key REDRIVE_HTTP_TIMEOUT=5
# each answer takes 5 ms, as a provider's would: a kill often finds a request
# on its way (with instant answers the runs spend most time pacing)
for ((i = 1; i <= N; i++)); do echo "slow=0.005 202"; done > stub.script
start_stub 0 "" --script-file stub.script --key-file "$T/key" || { not_ok "the SendGrid stub starts"; exit 1; }
export SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT
t0=$(date +%s)
crash_run sendgrid
ok_kills=$([ "$KILLS" -ge 20 ] && [ "$POINTS" -ge 20 ] && echo yes)
is "${ok_kills:-no}" yes "sendgrid: $KILLS kill -9s hit a live run of the unfinished batch, at $POINTS distinct points (want 20+)"
like "$INFLIGHT" '^[1-9]' "sendgrid: $INFLIGHT kill(s) caught a request on its way (left items sending)"
is "$REFUSED" 0 "sendgrid: no resume was refused (a killed run holds no claim)"
rd requeue --resume 1 --rate 100000 --yes
unknown=$(count 5)
expect_rc $((unknown > 0)) "sendgrid: the last resume finishes the batch ($unknown unknown)"
like "$(grep '^batch 1 to' "$OUT" | tail -n 1)" "done; sent $(count 2), failed 0, skipped 0, unknown $unknown, left 0$" \
	"sendgrid: it reports the batch done"
echo "# sendgrid: $(($(date +%s) - t0))s for the kills and the resumes"
# what the stub took: msg_key and the X-Message-Id it answered, per
# personalization of each whole request (a body cut by the kill is text, not
# JSON: SendGrid would refuse it, so it did not arrive)
jq -r 'select(.body | type == "object") | .n as $n | .body.personalizations[] | "\(.custom_args.msg_key) stub-\($n)"' \
	"$STUB_CAPTURE" > arrived.txt
is "$(jq -r 'select(.body | type == "object") | [.auth, .path, (.body.personalizations | map(.custom_args.redrive_batch) | unique | join(","))] | join(" ")' \
	"$STUB_CAPTURE" | sort -u)" "ok /v3/mail/send 1" "sendgrid: every whole request carried the key and batch 1"
echo "# sendgrid: $(jq -s 'length' "$STUB_CAPTURE") request(s), $(jq -s 'map(select(.body | type != "object")) | length' "$STUB_CAPTURE") cut short by a kill"
verify sendgrid arrived.txt
is "$(grep -cE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' runs.log)" 0 "sendgrid: no run reported a sanitizer error"
rd requeue --incident crash --to sendgrid --dry-run --format json
is "$(jq -c '[.selected, .excluded.already_requeued, .to_send]' "$OUT")" "[$unknown,$unknown,0]" \
	"sendgrid: a new requeue of the incident would send nothing again (the unknown ones wait to be settled)"
if grep -rqF -- "$KEY" "$T"/sendgrid "$STUB_CAPTURE" "$T"/stub.*.log 2>/dev/null; then
	not_ok "sendgrid: the API key appears nowhere"
else
	ok "sendgrid: the API key appears nowhere"
fi
