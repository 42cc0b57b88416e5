#!/usr/bin/env bash
# The requeue dialog driven in tmux for a SendGrid and an SMTP batch, against
# the local servers of the provider tests: the operator tags the lost
# messages that have a stored payload, types the target into the dialog's
# target field and confirms with y on Requeue.  SendGrid's own description
# under Prism (request validation) gets exactly the expected requests, the
# SMTP sink gets each message once with its Japanese subject intact, and the
# store shows the batch, its target and counts, the messages requeued.  The
# API key (given in the dashboard's environment, never in argv) is on no
# screen.  A target that cannot run (no key, a key file others can read, a
# target that is not one) is refused in the dialog with nothing journaled,
# and the operator can then pick a target that works.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
. "$TOP/tests/lib/servers.sh"
D=$TOP/tests/provider/data
plan 47

export_now "$UI_NOW"
KEY="SG.redrive-ui-key-$$-$RANDOM.x9Q"
# the six lost messages with a stored payload (p8 has none)
FILTER='incident:amq affected recipient:p[1-6]@example.jp'
SENDGRID_SUBJ='ご予約ありがとうございます'
SALE_SUBJ='秋の特別セール：本日限り'
SCREENS=$T/screens.txt
: >"$SCREENS"

# new_store NAME: $T/NAME.db with the provider data set and the incident
# "amq" (04:30-05:00 JST): p1-p4 queued, p5 dead, p6 pending past the grace
# period (all with a stored payload), p8 queued without a payload, p7
# delivered, p9 bounced.  The filter above picks p1-p6.
new_store() {
	local db=$T/$1.db
	"$REDRIVE_BIN" import campaigns "$D/campaigns.jsonl" --db "$db" >/dev/null 2>&1
	"$REDRIVE_BIN" import sendlog "$D/sendlog.jsonl" --db "$db" >/dev/null 2>&1
	"$REDRIVE_BIN" import events "$D/events.json" --db "$db" >/dev/null 2>&1
	"$REDRIVE_BIN" incident add amq --tz Asia/Tokyo --window "2018-09-12 04:30/05:00" \
		--db "$db" >/dev/null 2>&1
}

# flat_screen: the screen as one line, box borders and runs of blanks as one
# space (a message wrapped over lines of a dialog reads as one).
flat_screen() { ui_screen | tr '\n' ' ' | sed 's/[│ ]\{1,\}/ /g'; }

# snap: keeps the screen for the key check at the end.
snap() { { ui_screen; echo "----"; } >>"$SCREENS"; }

# tag_and_open DB: the dashboard on DB, the filter's six messages tagged,
# the requeue dialog open with its counts known.
tag_and_open() {
	ui_start --db "$1" --incident amq
	ui_wait "TOTAL" >/dev/null
	ui_keys 3
	ui_wait " messages " >/dev/null
	ui_keys /
	ui_wait "/ " >/dev/null
	ui_keys C-u
	ui_type "$FILTER"
	ui_keys Enter
	ui_wait "6 messages" >/dev/null
	ui_keys t
	ui_wait_line "tagged 6$" >/dev/null
	ui_keys r
	ui_wait "Requeue 6" >/dev/null
}

# set_target TEXT: from the dialog's default focus (Cancel), S-Tab three
# times to the target field, replace its text, Tab four times to Requeue.
set_target() {
	ui_keys BTab BTab BTab
	# C-e to the end of the field, C-u cuts everything before it
	ui_keys C-e C-u
	ui_type "$1"
	ui_wait "target   $1 " >/dev/null
	ui_keys Tab Tab Tab Tab
	ui_wait "[ Requeue 6 ]" >/dev/null
}

# retarget TEXT: after a refused confirmation the focus is back on the
# target field: replace its text, Tab four times to Requeue.
retarget() {
	ui_keys C-e C-u
	ui_type "$1"
	ui_keys Tab Tab Tab Tab
	ui_wait "[ Requeue 6 ]" >/dev/null
}

# batch_json DB: `redrive batches --format json` of DB, one line per batch.
batch_json() {
	"$REDRIVE_BIN" batches --db "$1" --format json 2>/dev/null |
		jq -c '.[] | [.batch, .target, .status, .planned, .sent, .failed, .skipped, .unknown, .operator]'
}

# requeued DB: the msg_keys that are requeued, in order.
requeued() {
	"$REDRIVE_BIN" messages --db "$1" --state requeued --format csv 2>/dev/null |
		tail -n +2 | cut -d, -f1 | tr '\n' ' '
}

# ui_pid: the dashboard's process (the child of the pane's shell).
ui_pid() { ps -o pid= --ppid "$(tm list-panes -t "$UI_SESSION" -F '#{pane_pid}')" | head -n 1 | tr -d ' '; }

nbatches() { sqlite3 "$1" "select (select count(*) from batches) || ' ' || (select count(*) from batch_items)"; }

# --- 1. SendGrid: Prism serving SendGrid's description, validating ------------
start_prism || { not_ok "Prism starts"; exit 1; }
new_store sg
UI_ENV=("SENDGRID_API_KEY=$KEY" "SENDGRID_API_URL=http://127.0.0.1:$PRISM_PORT" "REDRIVE_HTTP_TIMEOUT=20")
tag_and_open "$T/sg.db"
ui_check_line "the dialog: six to send" "to send +6 "
ui_check_line "nothing hidden by the filter on screen" "excluded: hidden by the filter +0 "
ui_check_line "the target field offers outbox by default, the targets beside it" "target +outbox +outbox, sendgrid, smtp://HOST:PORT"
snap
pid=$(ui_pid)
if [ -n "$pid" ] && tr '\0' '\n' <"/proc/$pid/environ" | grep -qxF -- "SENDGRID_API_KEY=$KEY" &&
	! tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF -- "$KEY"; then
	ok "the dashboard has the key in its environment, not in its argv"
else
	not_ok "the dashboard has the key in its environment, not in its argv"
	{ echo "pid ${pid:-?}"; tr '\0' ' ' <"/proc/$pid/cmdline"; echo; } 2>&1 | diag
fi
set_target sendgrid
ui_check_line "sendgrid typed into the target field" "target +sendgrid +outbox, sendgrid"
snap
ui_keys y
# a cold Prism can take seconds over its first answer: wait for it longer
ui_wait "batch 1 → sendgrid  done" 60 >/dev/null
ui_check "y on Requeue sends the batch to SendGrid; Batches shows it done" "batch 1 → sendgrid  done"
ui_check_line "with its counts" "sent 6  failed 0  skipped 0  unknown 0  still planned 0 of 6"
ui_check "the status line says it finished" "requeue batch 1 finished"
snap
is "$(grep -c 'Request received' "$PRISM_LOG") $(grep -c 'post /v3/mail/send .*Request received' "$PRISM_LOG")" "3 3" \
	"Prism got three requests, all POST /v3/mail/send (p1-p4 share one; p5 and p6 one each)"
is "$(grep -c 'passed the validation rules' "$PRISM_LOG")" "3" "each passed SendGrid's own schema"
is "$(prism_violations)" "0" "and none failed it"
is "$(batch_json "$T/sg.db")" '[1,"sendgrid","done",0,6,0,0,0,"tester"]' \
	"redrive batches: target sendgrid, done, 6 sent, by the operator"
is "$(sqlite3 "$T/sg.db" "select target, selected, ex_hidden, total from batches")" "sendgrid|6|0|6" \
	"the journal: the target as typed and the counts confirmed"
is "$(sqlite3 "$T/sg.db" "select count(*), sum(status = 2), sum(tries) from batch_items where batch_id = 1")" "6|6|6" \
	"every item sent, once"
is "$(requeued "$T/sg.db")" "p1 p2 p3 p4 p5 p6 " "exactly the six tagged messages are requeued"
ui_quit
ui_expect_exit 0 "the dashboard quits cleanly"
if grep -qF -- "$KEY" "$SCREENS" "$T/ui.err"; then
	not_ok "the API key is on no screen"
	grep -nF -- "$KEY" "$SCREENS" | head -5 | diag
else
	ok "the API key is on no screen"
fi
if sqlite3 "$T/sg.db" .dump | grep -qF -- "$KEY" || grep -qF -- "$KEY" "$PRISM_LOG"; then
	not_ok "nor in the store or Prism's log"
else
	ok "nor in the store or Prism's log"
fi

# --- 2. SMTP: the aiosmtpd sink ----------------------------------------------
start_smtp 0 || { not_ok "the SMTP sink starts"; exit 1; }
new_store smtp
UI_ENV=("REDRIVE_SMTP_TIMEOUT=10")
tag_and_open "$T/smtp.db"
set_target "smtp://127.0.0.1:$SMTP_PORT"
ui_check_line "the relay typed into the target field" "target +smtp://127\.0\.0\.1:$SMTP_PORT "
ui_keys y
ui_check "y on Requeue sends the batch through the relay; Batches shows it done" \
	"batch 1 → smtp://127.0.0.1:$SMTP_PORT  done"
ui_check_line "with its counts" "sent 6  failed 0  skipped 0  unknown 0  still planned 0 of 6"
is "$(jq -r '"\(.outcome) \(.rcpt_tos | join(","))"' "$SMTP_CAPTURE" | sort | uniq -c | awk '{print $1, $2, $3}' | tr '\n' ' ')" \
	"1 accepted p1@example.jp 1 accepted p2@example.jp 1 accepted p3@example.jp 1 accepted p4@example.jp 1 accepted p5@example.jp 1 accepted p6@example.jp " \
	"each tagged message arrived exactly once"
"$SYS_PY" "$PROVIDER_DIR/show_mail.py" "$SMTP_CAPTURE" >"$T/mail.txt" 2>&1
is "$(grep -c "^Subject: $SENDGRID_SUBJ\$" "$T/mail.txt") $(grep -c "^Subject: $SALE_SUBJ\$" "$T/mail.txt")" "5 1" \
	"the Japanese subjects decode exactly"
is "$(grep -c '^!!' "$T/mail.txt")" "0" "the wire format is clean"
is "$(grep -o 'redrive\.1\.p[0-9]@' "$T/mail.txt" | sort -u | tr '\n' ' ')" \
	"redrive.1.p1@ redrive.1.p2@ redrive.1.p3@ redrive.1.p4@ redrive.1.p5@ redrive.1.p6@ " \
	"Message-IDs name batch 1 and each msg_key"
is "$(batch_json "$T/smtp.db")" "[1,\"smtp://127.0.0.1:$SMTP_PORT\",\"done\",0,6,0,0,0,\"tester\"]" \
	"redrive batches: the relay as target, done, 6 sent"
is "$(requeued "$T/smtp.db")" "p1 p2 p3 p4 p5 p6 " "exactly the six tagged messages are requeued"
ui_quit
ui_expect_exit 0 "the dashboard quits cleanly"

# --- 3. sendgrid with no key: refused in the dialog, nothing journaled ---------
SMTP1_CAPTURE=$SMTP_CAPTURE
start_smtp 0 || { not_ok "a second SMTP sink starts"; exit 1; }
new_store nokey
prism_before=$(grep -c 'Request received' "$PRISM_LOG")
UI_ENV=("SENDGRID_API_URL=http://127.0.0.1:$PRISM_PORT" "REDRIVE_HTTP_TIMEOUT=5")
tag_and_open "$T/nokey.db"
set_target sendgrid
ui_keys y
ui_check "without a key, y says there is no SendGrid API key and where to put one" \
	"no SendGrid API key: set SENDGRID_API_KEY, or SENDGRID_API_KEY_FILE"
ui_check "and the dialog stays open" "Requeue the tagged messages"
snap
is "$(nbatches "$T/nokey.db")" "0 0" "nothing is journaled: no batch, no item"
is "$(sqlite3 "$T/nokey.db" "select count(*) from audit where action like 'requeue%'" 2>&1)" "0" \
	"and no requeue audit entry"
is "$(grep -c 'Request received' "$PRISM_LOG")" "$prism_before" "and nothing reached Prism"
# the focus went back to the target field: a target that is not one
retarget pigeon
ui_keys y
ui_check_line "a target that is not one is refused, naming the targets" '"pigeon" is not a target'
is "$(nbatches "$T/nokey.db")" "0 0" "still nothing journaled"
# and one that works: the operator is not stuck
retarget "smtp://127.0.0.1:$SMTP_PORT"
ui_keys y
ui_check "the same dialog then sends to the relay" "batch 1 → smtp://127.0.0.1:$SMTP_PORT  done"
is "$(batch_json "$T/nokey.db")" "[1,\"smtp://127.0.0.1:$SMTP_PORT\",\"done\",0,6,0,0,0,\"tester\"]" \
	"one batch, to the relay, 6 sent"
is "$(jq -r '.rcpt_tos[]' "$SMTP_CAPTURE" | sort | tr '\n' ' ')" \
	"p1@example.jp p2@example.jp p3@example.jp p4@example.jp p5@example.jp p6@example.jp " \
	"each message once at the relay"
is "$(jq -s length "$SMTP1_CAPTURE")" "6" "and the first sink got nothing more"
ui_quit
ui_expect_exit 0 "the dashboard quits cleanly"

# --- 4. a key file others can read: refused, the key not shown ---------------
new_store openkey
printf '%s\n' "$KEY" >"$T/key-open"
chmod 644 "$T/key-open"
UI_ENV=("SENDGRID_API_KEY_FILE=$T/key-open" "SENDGRID_API_URL=http://127.0.0.1:$PRISM_PORT" "REDRIVE_HTTP_TIMEOUT=5")
tag_and_open "$T/openkey.db"
set_target sendgrid
ui_keys y
ui_check "a key file others can read is refused, naming the file" "SendGrid API key: $T/key-open"
snap
# what the operator must read to fix it: the mode, and the chmod (as the
# command line prints it)
like "$(flat_screen)" "has mode 0644: others can read" "the refusal says why: the file's mode"
is "$(nbatches "$T/openkey.db")" "0 0" "nothing is journaled"
ui_keys Escape
ui_check "Esc then cancels" "requeue cancelled; nothing was sent"
is "$(grep -c 'Request received' "$PRISM_LOG")" "$prism_before" "nothing reached Prism from the refused dialogs"
ui_quit
ui_expect_exit 0 "the dashboard quits cleanly"
if grep -qF -- "$KEY" "$SCREENS" "$T/ui.err"; then
	not_ok "the key from the refused file is on no screen either"
	grep -nF -- "$KEY" "$SCREENS" | head -5 | diag
else
	ok "the key from the refused file is on no screen either"
fi
