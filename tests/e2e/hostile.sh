#!/usr/bin/env bash
# Untrusted text from mail and webhooks never reaches the terminal raw, and
# exports cannot run formulas in a spreadsheet.
. "$(dirname "$0")/../lib/tap.sh"
plan 12
export_now 2018-09-13T03:00+09:00

esc=$'\e'
# a campaign name, subject and reason carrying terminal escapes, a bidi override and a formula
jq -nc --arg e "$esc" '{msg_key:"h1", campaign:("evil" + $e + "[2J" + $e + "]0;pwned\u0007"), recipient:"x@example.jp",
  subject:"=HYPERLINK(\"http://evil\")", queued_at:"2018-09-12T04:40:00+09:00"}' > send.jsonl
jq -nc '{msg_key:"h2", campaign:"+cmd|calc", recipient:"-y@example.jp", subject:"@SUM(A1)", queued_at:"2018-09-12T04:41:00+09:00",
  sent_at:"2018-09-12T04:41:00+09:00"}' >> send.jsonl
jq -nc --arg e "$esc" '[{email:"y@example.jp", timestamp:1536694900, event:"deferred", msg_key:"h2",
  response:("451 " + $e + "[31mred\u202e gnp.exe")}]' > ev.json
rd import sendlog send.jsonl
expect_rc 0 "hostile send log imports"
rd import events ev.json
expect_rc 0 "hostile events import"

rd messages --window 2018-09-12T04:00+09:00/06:00
expect_rc 0 "messages table"
if grep -q "$esc" "$OUT"; then not_ok "no raw ESC in the messages table"; else ok "no raw ESC in the messages table"; fi
like "$(cat "$OUT")" 'evil\\e\[2J\\e\]0;pwned' "escapes are shown visibly"
like "$(cat "$OUT")" '\\u\{202E\}' "a bidi override is shown visibly"

rd report --window 2018-09-12T04:00+09:00/06:00
if grep -q "$esc" "$OUT"; then not_ok "no raw ESC in the report"; else ok "no raw ESC in the report"; fi

rd messages --window 2018-09-12T04:00+09:00/06:00 --format json
is "$(jq -r '.[0].campaign' "$OUT")" "evil${esc}[2J${esc}]0;pwned"$'\a' "JSON keeps the exact text (escaped by JSON)"

rd export --window 2018-09-12T04:00+09:00/06:00 --out aff.csv
expect_rc 0 "export"
is "$(stat -c %a aff.csv)" "600" "export is 0600"
is "$(sed -n 2,3p aff.csv | cut -d, -f2,3)" "evil${esc}[2J${esc}]0;pwned"$'\a'",x@example.jp
'+cmd|calc,'-y@example.jp" "cells starting with + - are neutralised"
like "$(cat aff.csv)" "'=HYPERLINK|'@SUM" "= and @ too"
