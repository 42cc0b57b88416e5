#!/usr/bin/env bash
# Wide characters line up: Japanese campaign and incident names take two
# columns a character, a name cut to its column ends in "…" without
# splitting a character, and every column after them starts at the same
# display position on every row, at 120 and at 80 columns.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 9

ui_store small.db

# starts LINES REGEX: on the screen lines matching LINES, the display column
# where REGEX first matches (wide characters count two), or with ENDS=1 the
# column just after the match.
starts() {
	local line before
	while IFS= read -r line; do
		[[ $line =~ $1 ]] || continue
		[[ $line =~ $2 ]] || continue
		before=${line%%"${BASH_REMATCH[0]}"*}
		[ "${ENDS:-0}" = 1 ] && before=$before${BASH_REMATCH[0]}
		printf '%s' "$before" | wc -L
	done < <(ui_screen)
}
# aligned NAME LINES REGEX MIN: on the lines matching LINES, REGEX starts at
# the same column every time, on at least MIN lines.
aligned() {
	local cols n
	cols=$(starts "$2" "$3" | sort -u)
	n=$(starts "$2" "$3" | wc -l)
	if [ "$n" -ge "$4" ] && [ "$(printf '%s\n' "$cols" | wc -l)" = 1 ]; then
		ok "$1 (column $cols on $n rows)"
	else
		not_ok "$1"
		{ echo "columns: $(echo $cols) on $n rows"; ui_screen; } | diag
	fi
}

ui_start --db small.db --incident "AMQ再起動"
ui_wait "TOTAL" >/dev/null
aligned "Campaigns: the verdict column after Japanese names" '(not_executed|all_pending|partial|ok) |^ TOTAL' '(not_executed|all_pending|partial|ok) +[0-9]' 5
widths=$(ui_screen | grep -E '(not_executed|all_pending|partial|ok) |^ TOTAL' | while IFS= read -r l; do printf '%s' "$l" | wc -L; done | sort -u)
is "$widths" "$(ui_screen | sed -n 4p | sed 's/ *$//' | tr -d '\n' | wc -L)" "Campaigns: every row ends where the header ends"
ui_keys 3
ui_wait "11 messages" >/dev/null
aligned "Messages: the recipient column after Japanese campaigns" '^  [0-9]{2}-[0-9]{2} ' '[A-Za-z]@example\.jp' 11
ENDS=1 aligned "Messages: the last-event column after the recipients" '^  [0-9]{2}-[0-9]{2} .*@example\.jp +[a-z]' '@example\.jp +' 6
ui_keys 1
ui_wait_line '^> AMQ再起動 .* 6$' >/dev/null
aligned "Incidents: the zone column after a Japanese name" '^(  INCIDENT|> AMQ)' '(ZONE|Asia/Tokyo) ' 2
ui_resize 80 24
ui_keys 3
ui_wait "11 messages" >/dev/null
aligned "at 80 columns too" '^  [0-9]{2}-[0-9]{2} ' '[A-Za-z]@example\.jp' 11
like "$(ui_screen)" '会員登録, ありが…  k@' "a name too long for its column ends in … and a pad"
ui_keys 2
ui_wait_line "^ TOTAL" >/dev/null
aligned "Campaigns at 80 columns" '(not_executed|all_pending|partial|ok) |^ TOTAL' '(not_executed|all_pending|partial|ok) +[0-9]' 5
ui_quit
ui_expect_exit 0 "quits cleanly"
