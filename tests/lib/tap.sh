# tests/lib/tap.sh — sourced by every shell test: a private temp dir, a
# pinned environment, TAP output, and helpers to run redrive and compare.
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   plan 3
#   rd report --incident x;  expect_rc 0 "report runs";  is "$(cat "$OUT")" "..." "report text"
#
# REDRIVE_BIN (set by tests/run) picks the release or the sanitizer build.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${REDRIVE_BIN:=$TOP/redrive}"
T=$(mktemp -d "${TMPDIR:-/tmp}/redrive-test.XXXXXX")
OUT=$T/stdout
ERR=$T/stderr
RC=0
_n=0
_cleanup_hooks=()
on_exit() { _cleanup_hooks+=("$1"); }
_cleanup() {
	local h
	for h in "${_cleanup_hooks[@]}"; do eval "$h" >/dev/null 2>&1 || true; done
	rm -rf "$T"
}
trap _cleanup EXIT

export HOME=$T/home LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC REDRIVE_OPERATOR=tester
unset REDRIVE_DB REDRIVE_NOW NO_COLOR SSH_CONNECTION SSH_CLIENT SENDGRID_API_KEY SENDGRID_API_KEY_FILE
mkdir -p "$HOME"
cd "$T" || exit 1

plan() { echo "1..$1"; }
ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); echo "not ok $_n - $1"; }
diag() { sed 's/^/# /'; }

# rd ARGS...: runs redrive, stdout to $OUT, stderr to $ERR, status in $RC.
rd() {
	"$REDRIVE_BIN" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	return 0
}
# rd_in FILE ARGS...: the same with FILE on standard input.
rd_in() {
	local in=$1
	shift
	"$REDRIVE_BIN" "$@" <"$in" >"$OUT" 2>"$ERR"
	RC=$?
	return 0
}

# expect_rc N NAME: the last rd exited with N (a sanitizer report fails it too).
expect_rc() {
	if [ "$RC" -eq "$1" ] && ! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' "$ERR"; then
		ok "$2"
	else
		not_ok "$2 (exit $RC, wanted $1)"
		{ echo "stdout:"; head -c 3000 "$OUT"; echo "stderr:"; head -c 3000 "$ERR"; } | diag
	fi
}

# is GOT WANT NAME: string equality, with a diff on failure.
is() {
	if [ "$1" == "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$1") | diag
	fi
}

# like TEXT REGEX NAME: extended regex match.
like() {
	if printf '%s' "$1" | grep -qE -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		{ echo "no match for /$2/ in:"; printf '%s\n' "$1" | head -40; } | diag
	fi
}

# unlike TEXT REGEX NAME
unlike() {
	if printf '%s' "$1" | grep -qE -- "$2"; then
		not_ok "$3"
		{ echo "unexpected match for /$2/ in:"; printf '%s\n' "$1" | head -40; } | diag
	else
		ok "$3"
	fi
}

# check NAME CMD...: ok when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		head -c 3000 "$T/check.out" | diag
	fi
}

# jqv FILE FILTER: one value out of a JSON file (raw).
jqv() { jq -r "$2" "$1"; }

# The fixed clock for reproducible output.
export_now() { export REDRIVE_NOW=$1; }
