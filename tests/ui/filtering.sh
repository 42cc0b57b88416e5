#!/usr/bin/env bash
# `/` filters with the CLI's filter language: every count on Messages is the
# count `redrive messages` gives for the same terms (state, campaign,
# recipient, affected, window); a bad term is reported and the filter stays;
# :clear keeps only the incident.  REDRIVE_UI_TIMINGS records the timings.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/tmux.sh"
plan 14

ui_gen g.db 5000
export_now "$UI_NOW"
inc="AMQ再起動 (seed 000)"

# filter_to TERMS CLI-ARGS... NAME: types TERMS at `/` (replacing the line)
# and expects the CLI's count for CLI-ARGS.
filter_to() {
	local terms=$1 name=${*: -1} n
	set -- "${@:2:$#-2}"
	n=$(cli_count --db g.db "$@")
	ui_keys /
	ui_wait "/ " >/dev/null
	ui_keys C-u
	ui_type "$terms"
	ui_keys Enter
	if ui_wait_line "^ $(num "$n") messages? " >/dev/null; then ok "$name ($n)"; else not_ok "$name ($n)"; fi
}

UI_ENV=("REDRIVE_UI_TIMINGS=$T/timings")
ui_start --db g.db --incident "$inc"
ui_wait "TOTAL" >/dev/null
ui_keys 3
n=$(cli_count --db g.db --incident "$inc")
ui_check "Messages shows the incident's messages" "$(num "$n") messages"
ui_keys /
ui_check "/ starts from the filter on screen" "/ incident:\"$inc\""
ui_keys Escape
filter_to "incident:\"$inc\" state:pending" --incident "$inc" --state pending "state:pending"
filter_to "incident:\"$inc\" state:pending state:dead" --incident "$inc" --state pending --state dead \
	"repeated terms widen"
filter_to "incident:\"$inc\" campaign:秋の特別セール affected" --incident "$inc" --campaign 秋の特別セール --affected \
	"campaign and affected narrow"
filter_to "recipient:*@docomo.ne.jp" --recipient '*@docomo.ne.jp' "recipient glob over all messages"
filter_to "window:\"2018-09-13 01:15/01:50\" tz:Asia/Tokyo --state delivered" \
	--window "2018-09-13 01:15/01:50" --tz Asia/Tokyo --state delivered "a window in a zone, and --name value terms"
ui_check "the title names the typed window" "1 window (Asia/Tokyo)"

ui_keys /
ui_wait "/ " >/dev/null
ui_type " state:nope"
ui_keys Enter
ui_check "a bad term is reported" 'unknown state "nope"'
like "$(ui_screen | sed -n 39p)" 'filter: window:"2018-09-13 01:15/01:50" state:delivered' "the filter stays as it was"

filter_to "incident:\"$inc\" state:queued campaign:\"メルマガ 9月号\"" --incident "$inc" --state queued \
	--campaign "メルマガ 9月号" "a quoted name with a space"
ui_keys : ; ui_type clear; ui_keys Enter
ui_check ":clear keeps only the incident" "filter: incident:\"$inc\"  "

ui_quit
ui_expect_exit 0 "quits cleanly"
like "$(cut -d' ' -f1 "$T/timings" | sort -u | tr '\n' ' ')" 'filter_ms first_frame_ms page_ms' \
	"REDRIVE_UI_TIMINGS gets the first frame, page and filter timings"
