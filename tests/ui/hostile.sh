#!/usr/bin/env bash
# Untrusted text never reaches the terminal raw: campaign, subject, reason,
# raw event and incident names carrying terminal escapes (clear screen, set
# title, colours), a bell and a bidi override are shown as visible escapes on
# every screen; the pane is never retitled or cleared by them.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 13

esc=$'\e'
jq -nc --arg e "$esc" '{msg_key:"h1", campaign:("evil" + $e + "[2J" + $e + "]0;pwned\u0007キャンペーン"),
  recipient:"x@example.jp", subject:("件名" + $e + "]2;retitled\u0007" + $e + "[5m"), queued_at:"2018-09-12T04:40:00+09:00"}' > send.jsonl
jq -nc --arg e "$esc" '{msg_key:"h2", campaign:"+cmd|calc", recipient:"y@example.jp", subject:"@SUM(A1)",
  queued_at:"2018-09-12T04:41:00+09:00", sent_at:"2018-09-12T04:41:00+09:00",
  payload:{personalizations:[{to:[{email:"y@example.jp"}]}], subject:($e + "[2J payload")}}' >> send.jsonl
jq -nc --arg e "$esc" '[{email:"y@example.jp", timestamp:1536694900, event:"deferred", msg_key:"h2",
  response:("451 " + $e + "[31mred\u202e gnp.exe" + $e + "[?1049h")}]' > ev.json
rd import sendlog send.jsonl --db h.db
rd import events ev.json --db h.db
rd incident add "障害${esc}]0;pwned"$'\a' --tz Asia/Tokyo --window "2018-09-12 04:30/05:00" --db h.db
expect_rc 0 "a hostile incident name is stored"

# no_raw NAME: neither the text nor the escape-capture of the screen has a
# raw sequence of the data, and the pane kept its title.
no_raw() {
	local e
	e=$(ui_screen_e)
	if printf '%s' "$e" | grep -qF -e "$esc[2J" -e "$esc]0;" -e "$esc]2;" -e "$esc[5m" -e "$esc[?1049h" -e $'\a' -e $'\u202e'; then
		not_ok "$1: no raw escape reaches the terminal"
		printf '%s' "$e" | cat -v | head -40 | diag
	else
		ok "$1: no raw escape reaches the terminal"
	fi
}

ui_start --db h.db --window "2018-09-12T04:00+09:00/06:00"
ui_wait "TOTAL" >/dev/null
no_raw "Campaigns"
ui_check "the escapes are shown as text" 'evil\e[2J\e]0;pwned\x07キャンペーン'
ui_keys 3
ui_wait "2 messages" >/dev/null
no_raw "Messages"
ui_check "the reason column shows the escape as text" '451 \e[31mred…'
ui_keys j Enter
ui_wait "Payload" >/dev/null
no_raw "Detail of the hostile event"
ui_check "the reason is shown escaped" 'reason: 451 \e[31mred\u{202E} gnp.exe\e[?1049h'
ui_check "the payload too (as JSON writes it)" '"subject": "\u001B[2J payload"'
ui_keys 3 k Enter
ui_wait 'subject     件名' >/dev/null
no_raw "Detail of the hostile subject"
ui_keys 1
ui_wait "FIRST (ZONE)" >/dev/null
no_raw "Incidents"
ui_check "the incident name is shown escaped" '障害\e]0;pwned\x07'
ui_keys : ; ui_type "incident 障害"; ui_keys Escape
is "$(tm display -p -t "$UI_SESSION" '#{pane_title}')" "$(hostname)" "the pane title was never changed"
ui_quit
ui_expect_exit 0 "quits cleanly"
