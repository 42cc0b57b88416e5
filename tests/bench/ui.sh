#!/usr/bin/env bash
# tests/bench/ui.sh STORE [REDRIVE] — the dashboard's figures on a big store
# (SPEC §7): time to the first frame, a page of Messages at the top and deep
# down, applying a filter, and the peak resident memory after scrolling from
# one end to the other.  Drives the real binary in a private tmux server and
# reads the timings it writes to $REDRIVE_UI_TIMINGS.
#
# Prints one line per figure: NAME <tab> VALUE <tab> UNIT <tab> TARGET.
# "Scrolling through everything" visits every 5% of the store (:goto) and
# pages 20 times at each stop, then ends at the bottom: the rows on screen
# are the only rows in memory, so the peak must not depend on the store.
# The store is opened --read-only: nothing in it changes.
set -euo pipefail
STORE=${1:?usage: tests/bench/ui.sh STORE [REDRIVE]}
BIN=${2:-$(cd "$(dirname "$0")/../.." && pwd)/redrive}
STORE=$(cd "$(dirname "$STORE")" && pwd)/$(basename "$STORE")
W=$(mktemp -d "${TMPDIR:-/tmp}/redrive-uibench.XXXXXX")
SOCK=redrive-uibench-$$
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$W" "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"' EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC

# gone: the dashboard exited early; say why.
gone() {
	echo "ui bench: the dashboard exited:" >&2
	cat "$W/err" >&2
	exit 1
}
# wait_for TEXT [SECONDS]: until TEXT is on the screen.
wait_for() {
	local i=0 n=$(( ${2:-120} * 20 ))
	while [ $i -lt $n ]; do
		kill -0 "$pid" 2>/dev/null || gone
		tm capture-pane -p -t b 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "ui bench: timed out waiting for \"$1\"" >&2
	tm capture-pane -p -t b >&2 || true
	exit 1
}
# wait_lines NAME N: until the timings file has N lines named NAME.
wait_lines() {
	local i=0 c
	while c=$(grep -c "^$1 " "$W/timings" 2>/dev/null || true); [ "${c:-0}" -lt "$2" ] && [ $i -lt 2400 ]; do
		kill -0 "$pid" 2>/dev/null || gone
		sleep 0.05
		i=$((i + 1))
	done
}
keys() { tm send-keys -t b "$@"; }

tm new-session -d -s b -x 120 -y 40 \
	"exec env TERM=tmux-256color REDRIVE_UI_TIMINGS=$W/timings $BIN --read-only --db $STORE 2>$W/err"
tm set -t b remain-on-exit on >/dev/null 2>&1 || true
pid=$(tm display -p -t b '#{pane_pid}')
wait_lines first_frame_ms 1
wait_for "FIRST (ZONE)"
keys 3
wait_for " messages "
keys g
keys G
wait_for "at 100%"
for _ in $(seq 20); do keys PPage; done
# the same 21 stops every run: 0%, 5%, ... 100%
for p in $(seq 0 5 100); do
	keys : ; tm send-keys -t b -l "goto $p%"; keys Enter
	for _ in $(seq 20); do keys NPage; done
done
keys G
wait_for "at 100%"
n=$(grep -c '^page_ms ' "$W/timings" || true)
keys / C-u
tm send-keys -t b -l "state:delivered"
keys Enter
wait_lines filter_ms 1
wait_for "filter: state:delivered"
wait_lines page_ms $((n + 1))
rss_peak=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
rss_now=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
keys q
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done

# median NAME [awk-condition on pos]: the median of the NAME lines.
median() {
	grep "^$1 " "$W/timings" | awk -v cond="${2:-all}" '
		{ pos = -1; if ($3 ~ /^pos=/) pos = substr($3, 5) + 0 }
		cond == "all" || (cond == "top" && pos >= 0 && pos < 0.01) || (cond == "deep" && pos >= 0.25) { print $2 }' |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else printf "-" }'
}
worst() {
	grep "^$1 " "$W/timings" | awk '$3 ~ /^pos=/ { print $2 }' | sort -n | tail -n 1
}
pages=$(grep -c '^page_query_ms ' "$W/timings" || true)
printf 'ui_first_frame\t%s\tms\t< 200\n' "$(median first_frame_ms)"
printf 'ui_page_top\t%s\tms\t< 5 (query and draw, median)\n' "$(median page_ms top)"
printf 'ui_page_deep\t%s\tms\t< 5 (query and draw, median)\n' "$(median page_ms deep)"
printf 'ui_page_query_top\t%s\tms\t< 5 (median)\n' "$(median page_query_ms top)"
printf 'ui_page_query_deep\t%s\tms\t< 5 (median)\n' "$(median page_query_ms deep)"
printf 'ui_page_query_worst\t%s\tms\t(of %s pages)\n' "$(worst page_query_ms)" "$pages"
printf 'ui_filter\t%s\tms\t(first frame after / state:delivered)\n' "$(median filter_ms)"
printf 'ui_rss_peak\t%s\tMB\t< 64 (VmHWM after scrolling end to end)\n' "$rss_peak"
printf 'ui_rss_end\t%s\tMB\t(VmRSS at the end)\n' "$rss_now"
if [ -s "$W/err" ]; then
	echo "ui bench: the dashboard wrote to stderr:" >&2
	cat "$W/err" >&2
	exit 1
fi
