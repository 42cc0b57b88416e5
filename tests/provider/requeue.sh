#!/usr/bin/env bash
# `redrive requeue` to SendGrid and to an SMTP relay, end to end, against
# real local servers: SendGrid's own description under Prism (every request
# must pass the provider's schema), the scripted stub (X-Message-Id, 429,
# 401, a cut after the request left), and an aiosmtpd relay.  Checks the
# exit status, the batch journal, the exact requests, that the new attempt's
# events match back, resume after a stop, unknown items resent only on the
# operator's word, each message arriving once, and the key nowhere.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/servers.sh"
D=$TOP/tests/provider/data
plan 42
export_now 2018-09-13T03:00+09:00

KEY="SG.redrive-e2e-key-$$-$RANDOM.q7W"
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/key"

# new_store NAME: a store in $T/NAME with the provider data set and the
# incident "amq" (04:30-05:00 JST): p1-p4 queued (one payload but for the
# recipient), p5 dead, p6 pending past the grace period, p8 queued without
# a payload; p7 delivered and p9 bounced are not lost.
new_store() {
	mkdir -p "$T/$1"
	cd "$T/$1" || exit 1
	rd import campaigns "$D/campaigns.jsonl"
	rd import sendlog "$D/sendlog.jsonl"
	rd import events "$D/events.json"
	rd incident add amq --tz Asia/Tokyo --window "2018-09-12 04:30/05:00"
}

# items: "msg_key status tries provider_id" per batch item, in order.
items() {
	sqlite3 redrive.db "SELECT m.msg_key, CASE i.status WHEN 0 THEN 'planned' WHEN 1 THEN 'sending'
	  WHEN 2 THEN 'sent' WHEN 3 THEN 'failed' WHEN 4 THEN 'skipped' WHEN 5 THEN 'unknown' END,
	  i.tries, coalesce(nullif(i.provider_id, ''), '-')
	  FROM batch_items i JOIN messages m ON m.id = i.msg_id WHERE i.batch_id = ${1:-1} ORDER BY i.seq" | tr '|' ' '
}

no_key_in() {
	if grep -rqF -- "$KEY" "$@" 2>/dev/null; then
		not_ok "the API key appears nowhere"
		grep -rlF -- "$KEY" "$@" | diag
	else
		ok "the API key appears nowhere"
	fi
}

export SENDGRID_API_KEY_FILE=$T/key REDRIVE_HTTP_TIMEOUT=5

# --- SendGrid's description, validating --------------------------------------
start_prism || { not_ok "Prism starts"; exit 1; }
new_store prism
SENDGRID_API_URL=http://127.0.0.1:$PRISM_PORT rd requeue --incident amq --to sendgrid --yes
expect_rc 1 "requeue to SendGrid (Prism) ends with one failed item"
is "$(grep '^batch 1 to' "$OUT")" "batch 1 to sendgrid: done; sent 6, failed 1, skipped 0, unknown 0, left 0" "six sent, the one without a payload failed"
is "$(prism_violations)" "0" "every request passed SendGrid's own schema"
is "$(grep -c 'Request received' "$PRISM_LOG")" "3" "p1-p4 shared one request; p5 and p6 one each; p8 none"
is "$(items)" "p1 sent 1 -
p2 sent 1 -
p3 sent 1 -
p4 sent 1 -
p5 sent 1 -
p6 sent 1 -
p8 failed 1 -" "the journal: each item sent once (Prism sends no X-Message-Id), p8 failed"
like "$(sqlite3 redrive.db "SELECT error FROM batch_items i JOIN messages m ON m.id = i.msg_id WHERE m.msg_key = 'p8'")" \
	"^no stored payload for this message \(msg_key p8\)" "the failed item says why"
like "$(cat "$ERR")" "1 item\(s\) failed" "stderr says an item failed"
no_key_in "$OUT" "$ERR" redrive.db "$PRISM_LOG"

# --- the stub: X-Message-Id, a 429, the requests ------------------------------
new_store stub
start_stub 0 "202 id=NEWA;429 retry-after=1;202 id=NEWB;202 id=NEWC" --key-file "$T/key"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --incident amq --to sendgrid --yes
expect_rc 1 "requeue to the stub"
is "$(grep '^batch 1 to' "$OUT")" "batch 1 to sendgrid: done; sent 6, failed 1, skipped 0, unknown 0, left 0" "a 429 is waited out, then sent"
is "$(items)" "p1 sent 1 NEWA
p2 sent 1 NEWA
p3 sent 1 NEWA
p4 sent 1 NEWA
p5 sent 2 NEWB
p6 sent 1 NEWC
p8 failed 1 -" "X-Message-Id is journaled for every message of its request; p5 took two tries"
is "$(jq -r '[.step, .auth, .headers.authorization, (.body.personalizations | map("\(.to[0].email)=\(.custom_args.msg_key)/\(.custom_args.redrive_batch)") | join(" "))] | join(" | ")' "$STUB_CAPTURE")" \
"202 id=NEWA | ok | Bearer *** | p1@example.jp=p1/1 p2@example.jp=p2/1 p3@example.jp=p3/1 p4@example.jp=p4/1
429 retry-after=1 | ok | Bearer *** | p5@example.jp=p5/1
202 id=NEWB | ok | Bearer *** | p5@example.jp=p5/1
202 id=NEWC | ok | Bearer *** | p6@example.jp=p6/1" "the requests: the key sent right, msg_key and the batch in each personalization's custom_args"
is "$(jq -c 'select(.n == 1) | .body.personalizations[0].custom_args' "$STUB_CAPTURE")" \
	'{"campaign":"予約完了のお知らせ","msg_key":"p1","redrive_batch":"1"}' "the stored custom_args are kept"
rd report --incident amq --format json
is "$(jq -r '[.totals.requeued, .totals.affected] | @tsv' "$OUT")" "6	1" "six requeued, p8 still lost"

# the new attempt's events match back: by custom args, and by X-Message-Id
printf '%s\n' \
	'{"email":"p1@example.jp","timestamp":1536782000,"event":"delivered","msg_key":"p1","redrive_batch":"1","sg_event_id":"n1","sg_message_id":"NEWA.filter0001.1.0"}' \
	'{"email":"p2@example.jp","timestamp":1536782000,"event":"delivered","sg_event_id":"n2","sg_message_id":"NEWA.filter0001.2.0"}' \
	'{"email":"p5@example.jp","timestamp":1536782000,"event":"bounce","type":"blocked","sg_event_id":"n5","sg_message_id":"NEWB.filter0002.1.0"}' > new.json
rd import events new.json
rd messages --incident amq --format json
is "$(jq -r '.[] | select(.msg_key | test("^p[1256]$")) | "\(.msg_key)=\(.state)"' "$OUT" | tr '\n' ' ')" \
	"p1=delivered p2=delivered p5=blocked p6=requeued " "events of the new attempt decide (by msg_key and by the new X-Message-Id)"
no_key_in "$OUT" "$ERR" redrive.db "$STUB_CAPTURE" "$T"/stub.*.log

# --- 401 stops the batch; --resume finishes it --------------------------------
stop_server "$STUB_PID"
new_store stop
start_stub 0 "401" --key-file "$T/key"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --incident amq --to sendgrid --yes
expect_rc 1 "a refused key stops the batch"
like "$(cat "$ERR")" "SendGrid refused the API key \(401\)" "stderr says the key was refused"
rd batches --format json
is "$(jq -c '.[0] | [.status, .planned, .sent, .failed]' "$OUT")" '["stopped",7,0,0]' "the batch is stopped with every item still planned"
is "$(jq -s 'length' "$STUB_CAPTURE")" "1" "one request, then nothing more"
stop_server "$STUB_PID"
start_stub 0 "202 id=R1;202 id=R2;202 id=R3" --key-file "$T/key"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --resume 1 --yes
expect_rc 1 "--resume finishes the batch (p8 still fails)"
is "$(grep '^batch 1 to' "$OUT" | tail -n 1)" "batch 1 to sendgrid: done; sent 6, failed 1, skipped 0, unknown 0, left 0" "resumed: everything sent once"
is "$(jq -r '.body.personalizations[].custom_args.msg_key' "$STUB_CAPTURE" | tr '\n' ' ')" "p1 p2 p3 p4 p5 p6 " "each message went once"

# --- a cut after the request left: unknown, resent only on the operator's word
stop_server "$STUB_PID"
new_store unknown
start_stub 0 "cut-after;202 id=U2;202 id=U3" --key-file "$T/key"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --incident amq --to sendgrid --yes
expect_rc 1 "a cut after the request left ends with unknown items"
is "$(grep '^batch 1 to' "$OUT")" "batch 1 to sendgrid: done; sent 2, failed 1, skipped 0, unknown 4, left 0" "p1-p4 are unknown, not retried"
like "$(cat "$ERR")" "4 are unknown .*--resend-unknown" "stderr says how to resend them"
is "$(jq -s 'length' "$STUB_CAPTURE")" "3" "the cut request was not sent again by itself"
stop_server "$STUB_PID"
start_stub 0 "202 id=U4" --key-file "$T/key"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --resume 1 --yes
is "$(jq -s 'length' "$STUB_CAPTURE")" "0" "--resume without --resend-unknown sends nothing"
SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT rd requeue --resume 1 --resend-unknown --yes
expect_rc 1 "--resend-unknown sends them (p8 still failed)"
is "$(jq -r '.body.personalizations[].custom_args.msg_key' "$STUB_CAPTURE" | tr '\n' ' ')" "p1 p2 p3 p4 " "the unknown items, on the operator's word"
is "$(items | cut -d' ' -f1,2 | tr '\n' ' ')" "p1 sent p2 sent p3 sent p4 sent p5 sent p6 sent p8 failed " "the journal ends settled"

# --- SMTP relay ---------------------------------------------------------------
new_store smtp
start_smtp 0
rd requeue --incident amq --to "smtp://127.0.0.1:$SMTP_PORT" --yes
expect_rc 1 "requeue to an SMTP relay (p8 has no payload)"
is "$(grep '^batch 1 to' "$OUT")" "batch 1 to smtp://127.0.0.1:$SMTP_PORT: done; sent 6, failed 1, skipped 0, unknown 0, left 0" "six handed to the relay"
is "$(jq -r '"\(.outcome) \(.rcpt_tos | join(","))"' "$SMTP_CAPTURE" | sort | uniq -c | awk '{print $1, $2, $3}' | tr '\n' ' ')" \
	"1 accepted p1@example.jp 1 accepted p2@example.jp 1 accepted p3@example.jp 1 accepted p4@example.jp 1 accepted p5@example.jp 1 accepted p6@example.jp " \
	"each message arrived exactly once"
"$SYS_PY" "$PROVIDER_DIR/show_mail.py" "$SMTP_CAPTURE" > mail.txt
is "$(grep -c '^Subject: ご予約ありがとうございます$' mail.txt) $(grep -c '^Subject: 秋の特別セール：本日限り$' mail.txt)" "5 1" "Japanese subjects decode exactly"
is "$(grep -c '^!!' mail.txt)" "0" "the wire format is clean (ASCII, CRLF, line lengths, encoded-words)"
is "$(grep '^Message-ID:' mail.txt | tr '\n' ' ')" "Message-ID: <redrive.1.p1@example.jp> Message-ID: <redrive.1.p2@example.jp> Message-ID: <redrive.1.p3@example.jp> Message-ID: <redrive.1.p4@example.jp> Message-ID: <redrive.1.p5@example.com> Message-ID: <redrive.1.p6@example.jp> " \
	"Message-IDs from the batch and msg_key, journaled as provider ids"
is "$(items | awk '{print $4}' | tr '\n' ' ')" "<redrive.1.p1@example.jp> <redrive.1.p2@example.jp> <redrive.1.p3@example.jp> <redrive.1.p4@example.jp> <redrive.1.p5@example.com> <redrive.1.p6@example.jp> - " "the journal holds each Message-ID"
is "$(grep -c 'X-SMTPAPI: {"unique_args":{.*"msg_key":"p[0-9]","redrive_batch":"1"}}' mail.txt)" "6" "X-SMTPAPI carries msg_key and the batch"
rd requeue --incident amq --to "smtp://127.0.0.1:$SMTP_PORT" --yes
expect_rc 1 "requeue again: only p8 is still lost, and it still has no payload"
like "$(cat "$OUT")" "already requeued" "the six sent are excluded as already requeued"
is "$(jq -s 'length' "$SMTP_CAPTURE")" "6" "and nothing was sent twice"
