# tests/lib/tmux.sh — sourced after tap.sh by the dashboard tests: the real
# binary ($REDRIVE_BIN) in a private tmux server, a pinned terminal, bounded
# waits (never a blind sleep) and screen captures.
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   . "$TOP/tests/lib/tmux.sh"          # (tap.sh has moved into $T)
#   ui_store small.db                    # the hand-made incident of tests/data/small
#   ui_start --db small.db --incident "AMQ再起動"
#   ui_wait "2 Campaigns" || ...
#   ui_keys 3; ui_wait "TIME"
#   is "$(ui_screen)" "$(cat expected)" "the Messages screen"
#   ui_quit; ui_expect_exit 0 "quits cleanly"
#
# Settings (before ui_start): UI_COLS, UI_LINES (120x40), UI_TERM
# (tmux-256color), UI_ENV (extra VAR=value words for the dashboard).

UI_SOCK=redrive-test-$$
UI_COLS=${UI_COLS:-120}
UI_LINES=${UI_LINES:-40}
UI_TERM=${UI_TERM:-tmux-256color}
UI_ENV=()
# The sanitizer build is several times slower: waits scale with it.
if [ "${REDRIVE_VARIANT:-rel}" = asan ]; then UI_TIMEOUT=${UI_TIMEOUT:-40}; else UI_TIMEOUT=${UI_TIMEOUT:-15}; fi
# The dashboard's clock, so that screens are the same on every run.
UI_NOW=${UI_NOW:-2018-09-13T06:00+09:00}

UI_SESSION=ui0
UI_STARTS=0
tm() { tmux -L "$UI_SOCK" -f /dev/null "$@"; }
on_exit "tmux -L $UI_SOCK -f /dev/null kill-server"
# tmux leaves its socket behind: remove it too
on_exit "rm -f ${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$UI_SOCK"

# ui_store FILE: a store with the hand-made seed 000 incident (13 messages,
# 5 campaigns with Japanese names, incident "AMQ再起動" in Asia/Tokyo).
ui_store() {
	local db=$1 d=$TOP/tests/data/small
	"$REDRIVE_BIN" import campaigns "$d/campaigns.csv" --db "$db" >/dev/null 2>&1
	"$REDRIVE_BIN" import sendlog "$d/sendlog.jsonl" --db "$db" >/dev/null 2>&1
	cp "$d/events.json" "$T/small-events.json"
	"$REDRIVE_BIN" import events "$T/small-events.json" --db "$db" >/dev/null 2>&1
	"$REDRIVE_BIN" incident add "AMQ再起動" --tz Asia/Tokyo --db "$db" \
		--window "2018-09-12 04:30/05:00" --window "2018-09-13 01:15/01:50" >/dev/null 2>&1
}

# ui_gen FILE N: a generated store of N messages ending at $UI_NOW, with the
# incidents of the source documents (same seed, same data).
ui_gen() {
	"$REDRIVE_BIN" gen --messages "$2" --seed 7 --days 3 --now "$UI_NOW" --db "$1" >"$T/gen.out" 2>&1
}

# ui_start ARGS...: runs the dashboard with ARGS in a fresh session.
ui_start() {
	local run=$T/ui-run.sh a
	rm -f "$T/ui.rc" "$T/ui.err"
	{
		echo '#!/bin/sh'
		printf 'cd %q || exit 99\n' "$T"
		for a in HOME LANG LC_ALL TZ PATH REDRIVE_OPERATOR ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS TMPDIR; do
			[ -n "${!a:-}" ] && printf 'export %s=%q\n' "$a" "${!a}"
		done
		printf 'export TERM=%q REDRIVE_NOW=%q\n' "$UI_TERM" "$UI_NOW"
		for a in "${UI_ENV[@]}"; do printf 'export %q\n' "$a"; done
		printf '%q' "$REDRIVE_BIN"
		for a in "$@"; do printf ' %q' "$a"; done
		printf ' 2>%q\n' "$T/ui.err"
		printf 'echo $? >%q.tmp && mv %q.tmp %q\n' "$T/ui.rc" "$T/ui.rc" "$T/ui.rc"
	} >"$run"
	chmod +x "$run"
	# a new session before the old one goes: the server never stops in between
	local old=$UI_SESSION
	UI_STARTS=$((UI_STARTS + 1))
	UI_SESSION=ui$UI_STARTS
	tm new-session -d -s "$UI_SESSION" -x "$UI_COLS" -y "$UI_LINES" "$run"
	tm set -t "$UI_SESSION" remain-on-exit on >/dev/null 2>&1
	tm kill-session -t "$old" 2>/dev/null
}

ui_keys() { tm send-keys -t "$UI_SESSION" "$@"; }
# ui_type TEXT: types TEXT literally (no key names).
ui_type() { tm send-keys -t "$UI_SESSION" -l -- "$1"; }
ui_screen() { tm capture-pane -p -t "$UI_SESSION"; }
# With the escape sequences for attributes and colours (capture-pane -e).
ui_screen_e() { tm capture-pane -p -e -t "$UI_SESSION"; }
ui_resize() { tm resize-window -t "$UI_SESSION" -x "$1" -y "$2"; }

# ui_wait TEXT [SECONDS]: waits until TEXT (fixed string) is on the screen;
# on a timeout prints the screen as a diagnostic and returns 1.
ui_wait() {
	local text=$1 limit=${2:-$UI_TIMEOUT} i=0 n
	n=$((limit * 20))
	while [ $i -lt $n ]; do
		if ui_screen 2>/dev/null | grep -qF -- "$text"; then return 0; fi
		[ -f "$T/ui.rc" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	# on stderr: a caller may silence stdout, a timeout must still show in the log
	{ echo "waited for: $text"; ui_screen; echo "stderr:"; head -c 2000 "$T/ui.err" 2>/dev/null; } | diag >&2
	return 1
}

# ui_wait_gone TEXT [SECONDS]: waits until TEXT is no longer on the screen.
ui_wait_gone() {
	local text=$1 limit=${2:-$UI_TIMEOUT} i=0 n
	n=$((limit * 20))
	while [ $i -lt $n ]; do
		if ! ui_screen 2>/dev/null | grep -qF -- "$text"; then return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	{ echo "still on the screen: $text"; ui_screen; } | diag >&2
	return 1
}

# ui_wait_line REGEX [SECONDS]: waits for a screen line matching REGEX
# (extended); prints that line.
ui_wait_line() {
	local re=$1 limit=${2:-$UI_TIMEOUT} i=0 n line
	n=$((limit * 20))
	while [ $i -lt $n ]; do
		line=$(ui_screen 2>/dev/null | grep -E -m1 -- "$re") && { printf '%s\n' "$line"; return 0; }
		sleep 0.05
		i=$((i + 1))
	done
	{ echo "no line matching /$re/"; ui_screen; } | diag >&2
	return 1
}

# ui_check NAME TEXT: a TAP line for "TEXT appears" (waiting for it).
ui_check() {
	if ui_wait "$2"; then ok "$1"; else not_ok "$1"; fi
}

# ui_quit: q, then waits for the dashboard to exit (status in $RC, stderr in $ERR).
ui_quit() {
	local i=0 n=$((UI_TIMEOUT * 20))
	ui_keys q
	while [ ! -f "$T/ui.rc" ] && [ $i -lt $n ]; do
		sleep 0.05
		i=$((i + 1))
	done
	RC=$(cat "$T/ui.rc" 2>/dev/null || echo timeout)
	cp "$T/ui.err" "$ERR" 2>/dev/null || : >"$ERR"
	: >"$OUT"
}

# ui_expect_exit N NAME: the dashboard exited with N, and said nothing on
# stderr (a sanitizer report fails it too).
ui_expect_exit() {
	if [ "$RC" = "$1" ] && [ ! -s "$ERR" ]; then
		ok "$2"
	else
		not_ok "$2 (exit $RC, wanted $1)"
		head -c 3000 "$ERR" | diag
	fi
}

# ui_expect_screen FILE NAME: the whole screen equals FILE (trailing blanks
# ignored), with a diff on failure.  UI_UPDATE_SCREENS=1 rewrites FILE from
# the screen instead (review the diff before committing it).
ui_expect_screen() {
	local got=$T/screen.got
	ui_screen | sed 's/[[:space:]]*$//' >"$got"
	if [ "${UI_UPDATE_SCREENS:-}" = 1 ]; then
		cp "$got" "$1"
	fi
	if diff -u <(sed 's/[[:space:]]*$//' "$1") "$got" >"$T/screen.diff"; then
		ok "$2"
	else
		not_ok "$2"
		diag <"$T/screen.diff"
	fi
}

# col_of LINE TEXT: the display column (0-based, wide characters count 2)
# where TEXT starts in LINE, or -1.
col_of() {
	local line=$1 text=$2 before
	case $line in *"$text"*) ;; *) echo -1; return ;; esac
	before=${line%%"$text"*}
	printf '%s' "$before" | wc -L
}

# num N: N with thousands separators, as the dashboard shows counts (1,234).
num() { printf '%s' "$1" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta'; }

# cli_count ARGS...: how many messages `redrive messages ARGS` lists.
cli_count() {
	"$REDRIVE_BIN" messages --format csv "$@" 2>/dev/null | tail -n +2 | wc -l
}

# ui_check_line NAME REGEX: a TAP line for "a screen line matches REGEX".
ui_check_line() {
	if ui_wait_line "$2" >/dev/null; then ok "$1"; else not_ok "$1"; fi
}
