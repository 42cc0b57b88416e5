#!/usr/bin/env bash
# incident add/list/show/rm, window forms, bad windows and zones (exit 2).
. "$(dirname "$0")/../lib/tap.sh"
plan 21
rd init

rd incident add seed000 --window 2018-09-12T04:30+09:00/2018-09-12T05:00+09:00 --window "2018-09-13T01:15+09:00/01:50"
expect_rc 0 "ISO 8601 windows with offsets"
rd incident show seed000 --format json
is "$(jq -c '[.tz, .windows]' "$OUT")" '["UTC",[{"start":"2018-09-11T19:30:00Z","end":"2018-09-11T20:00:00Z"},{"start":"2018-09-12T16:15:00Z","end":"2018-09-12T16:50:00Z"}]]' "stored in UTC, display zone UTC by default"

rd incident add night --tz Asia/Tokyo --window "2018-09-12 23:40/00:20"
rd incident show night --format json
is "$(jq -c '.windows' "$OUT")" '[{"start":"2018-09-12T14:40:00Z","end":"2018-09-12T15:20:00Z"}]' "an end earlier than the start is on the next day"
rd incident show night
is "$(cat "$OUT")" "night (Asia/Tokyo), 1 window(s):
  2018-09-12 23:40 – 2018-09-13 00:20 JST (2018-09-12 14:40–15:20 UTC)" "shown in the incident's zone and in UTC"

rd incident add berlin --tz Europe/Berlin --window "2024-10-27 02:30/03:30"
rd incident show berlin --format json
is "$(jq -c '.windows' "$OUT")" '[{"start":"2024-10-27T00:30:00Z","end":"2024-10-27T02:30:00Z"}]' "a repeated hour takes its first occurrence (window spans the change)"

rd incident add gap --tz Europe/Berlin --window "2024-03-31 02:30/04:00"
expect_rc 2 "a local time skipped by daylight saving is a usage error"
like "$(cat "$ERR")" "does not exist" "and says why"

rd incident add bad --window "2018-09-12T05:00+09:00/2018-09-12T04:30+09:00"
expect_rc 2 "end before start is a usage error"
like "$(cat "$ERR")" "2018-09-12T04:30\+09:00/2018-09-12T05:00\+09:00" "the message shows the accepted forms"

rd incident add bad --window "2018-02-30T04:30+09:00/05:00"
expect_rc 2 "an impossible date is a usage error"

rd incident add bad --tz Asia/Tokio --window "2018-09-12 04:30/05:00"
expect_rc 2 "an unknown zone is a usage error"
like "$(cat "$ERR")" 'unknown time zone "Asia/Tokio"' "naming the zone"

rd incident add bad --window "2018-09-12 04:30/05:00"
expect_rc 2 "a local window without --tz is a usage error"

rd incident add seed000 --window 2018-09-12T04:30Z/05:00
expect_rc 1 "a taken name is refused"

rd incident list --format json
is "$(jq -r '.[].name' "$OUT" | tr '\n' ' ')" "berlin seed000 night " "list, newest window first"

rd incident rm night --read-only
expect_rc 2 "rm with --read-only is a usage error"
rd incident rm night
expect_rc 0 "rm"
rd incident show night
expect_rc 1 "gone after rm"

rd report --incident nope
expect_rc 1 "report on an unknown incident"
rd report --incident seed000 --window 2018-09-12T04:30Z/05:00
expect_rc 2 "--incident and --window together is a usage error"
is "$(sqlite3 redrive.db "SELECT action FROM audit WHERE action LIKE 'incident%' ORDER BY id" | tr '\n' ',')" "incident add,incident add,incident add,incident rm," "every change is in the audit log"
