#!/usr/bin/env bash
# The requeue targets against real local servers, one case file a case
# (tests/provider/cases/*.case, in the spirit of curl's tests/data): the
# server and its scripted answers, the target, the messages, and what must
# come out — each attempt's outcome, the exact requests the server got
# (secrets redacted), the exit status — and, always, that the API key shows
# nowhere: not in our output, not in the captures, not in a server's log.
#
# The targets are driven directly by tests/provider/target_driver.c (one
# attempt a request, no store); tests/provider/requeue.sh drives them through
# `redrive requeue`.  See tests/provider/README.md for the case format.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/servers.sh"

CASES=$TOP/tests/provider/cases
MESSAGES=$TOP/tests/provider/data/messages.jsonl
MATCH=${CASES_MATCH:-}   # CASES_MATCH=sg- runs the cases whose file names hold "sg-"

# section NAME FILE: the lines between <NAME> and </NAME>.
section() { awk -v s="$1" '$0 == "</" s ">" { p = 0 } p { print } $0 == "<" s ">" { p = 1 }' "$2"; }
has() { grep -qx "<$1>" "$2"; }

# The key: unique to this run, so finding it anywhere is a leak.
KEY="SG.redrive-test-key-$$-$RANDOM.x9Z"
printf '%s\n' "$KEY" > "$T/key"
chmod 600 "$T/key"

# The driver: the Makefile's build, else built here from the sources.
variant=${REDRIVE_VARIANT:-rel}
DRIVER=$TOP/build/$variant/tests/target_driver
if [ ! -x "$DRIVER" ]; then
	DRIVER=$T/target_driver
	flags="-O1 -g"
	[ "$variant" = asan ] && flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
	# shellcheck disable=SC2086
	if ! ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 $flags \
		-I"$TOP/include" "$TOP/tests/provider/target_driver.c" "$TOP"/src/util/{error,buf,utf8,hash}.c \
		"$TOP"/src/provider/*.c -ljansson -lcurl -o "$DRIVER" 2>"$T/driver.build"; then
		echo "1..1"
		not_ok "build tests/provider/target_driver.c"
		diag < "$T/driver.build"
		exit 1
	fi
fi

cases=()
for f in "$CASES"/*.case; do
	[ -n "$MATCH" ] && [[ $(basename "$f") != *$MATCH* ]] && continue
	cases+=("$f")
done

# Assertions per case: exit status, outcomes, no secret; the requests when
# the case lists them; the validator's verdict against Prism.
total=0
for f in "${cases[@]}"; do
	n=3
	has requests "$f" && n=$((n + 1))
	[ "$(section server "$f")" = prism ] && n=$((n + 1))
	total=$((total + n))
done
plan "$total"

make_cert "$T/tls"

# normalise_outcomes FILE: "outcome keys id=ID wait=N | error" per request.
normalise_outcomes() {
	jq -r '"\(.outcome) \(.keys | join(",") | gsub("\r"; "\\r") | gsub("\n"; "\\n")) id=\(.provider_id) wait=\(.retry_after | floor) | \(.error)"' "$1"
}

# match_lines GOT WANT: every line of GOT matches the regex on the same line of WANT.
match_lines() {
	local -a got want
	mapfile -t got < "$1"
	mapfile -t want < "$2"
	[ "${#got[@]}" -eq "${#want[@]}" ] || return 1
	local i
	for ((i = 0; i < ${#got[@]}; i++)); do
		[[ ${got[$i]} =~ ^${want[$i]}$ ]] || return 1
	done
}

run_case() {
	local f=$1 name server target port capture="" opts=""
	name=$(basename "$f" .case)
	name="$name: $(section info "$f" | head -n 1)"
	server=$(section server "$f")
	if has setup "$f"; then
		(cd "$T" && bash -e -c "$(section setup "$f" | sed -e "s#%KEYFILE#$T/key#g" -e "s#%T#$T#g")") \
			> "$T/setup.log" 2>&1 || { diag < "$T/setup.log"; return 1; }
	fi
	case $server in
	stub*)
		start_stub 0 "${server#stub }" --key-file "$T/key" || return 1
		port=$STUB_PORT capture=$STUB_CAPTURE ;;
	prism)
		if [ -z "${PRISM_PORT:-}" ]; then start_prism || return 1; fi
		port=$PRISM_PORT ;;
	smtp*)
		# shellcheck disable=SC2046  # the options are words
		start_smtp 0 $(printf '%s' "${server#smtp}" | sed "s#%T#$T#g") || return 1
		port=$SMTP_PORT capture=$SMTP_CAPTURE ;;
	none)
		port=$(free_port) ;;
	*)
		echo "# $f: unknown server \"$server\"" >&2
		return 1 ;;
	esac
	local violations_before=0
	[ "$server" = prism ] && violations_before=$(prism_violations)
	target=$(section target "$f" | sed "s/%PORT/$port/g")
	has options "$f" && opts=$(section options "$f")

	: > "$T/msgs.jsonl"
	local k
	for k in $(section send "$f"); do
		jq -c --arg k "$k" 'select((.id // .msg_key) == $k)' "$MESSAGES" >> "$T/msgs.jsonl"
	done

	(
		export SENDGRID_API_KEY=$KEY SENDGRID_API_URL=http://127.0.0.1:$port REDRIVE_HTTP_TIMEOUT=5
		while IFS= read -r line; do
			[ -z "$line" ] && continue
			line=${line//%PORT/$port}
			line=${line//%KEYFILE/$T/key}
			line=${line//%T/$T}
			if [[ $line == -* ]]; then unset "${line#-}"; else export "${line?}"; fi
		done < <(section env "$f")
		# shellcheck disable=SC2086
		exec "$DRIVER" "$target" "$T/msgs.jsonl" $opts
	) > "$OUT" 2> "$ERR"
	RC=$?

	local want_rc=0 want_err=""
	has exit "$f" && want_rc=$(section exit "$f")
	has stderr "$f" && want_err=$(section stderr "$f")
	if [ "$RC" -eq "$want_rc" ] && ! grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$ERR" &&
	   { [ -z "$want_err" ] || grep -qE -- "$want_err" "$ERR"; }; then
		ok "$name: exit status $want_rc${want_err:+, stderr says so}"
	else
		not_ok "$name: exit status $RC, want $want_rc${want_err:+ and stderr /$want_err/}"
		{ echo "stdout:"; head -c 3000 "$OUT"; echo "stderr:"; head -c 3000 "$ERR"; } | diag
	fi

	normalise_outcomes "$OUT" > "$T/outcomes" 2>&1
	section outcomes "$f" > "$T/outcomes.want"
	if match_lines "$T/outcomes" "$T/outcomes.want"; then
		ok "$name: outcomes"
	else
		not_ok "$name: outcomes"
		{ echo "got:"; cat "$T/outcomes"; echo "want (regexes):"; cat "$T/outcomes.want"; } | diag
	fi

	if has requests "$f"; then
		local got
		case $server in
		stub*) got=$(jq -c -S '"\(.method) \(.path) auth=\(.auth) [\(.headers.authorization)] [\(.headers["content-type"])] [\(.headers.expect)] [\(.headers["user-agent"])]", .body' "$capture") ;;
		smtp*) got=$("$SYS_PY" "$TOP/tests/provider/show_mail.py" "$capture") ;;
		*) got="(no capture for $server)" ;;
		esac
		# CASES_SHOW=DIR keeps what the server got, to write a new case from (after reading it)
		[ -n "${CASES_SHOW:-}" ] && printf '%s\n' "$got" > "$CASES_SHOW/$(basename "$f" .case).requests"
		is "$got" "$(section requests "$f")" "$name: the requests the server got"
	fi

	if [ "$server" = prism ]; then
		local want_v=0 got_v
		has violations "$f" && want_v=$(section violations "$f")
		got_v=$(( $(prism_violations) - violations_before ))
		if [ "$got_v" -eq "$want_v" ]; then
			ok "$name: Prism found $want_v invalid request(s)"
		else
			not_ok "$name: Prism found $got_v invalid request(s), want $want_v"
			grep -E 'VALIDATOR.*(error|Violation)' "$PRISM_LOG" | tail -n 20 | diag
		fi
	fi

	if grep -rqF -- "$KEY" "$OUT" "$ERR" "$T"/stub.* "$T"/smtp.* "$T"/prism.* 2>/dev/null; then
		not_ok "$name: the API key appears in output, a capture or a log"
		grep -rlF -- "$KEY" "$OUT" "$ERR" "$T"/stub.* "$T"/smtp.* "$T"/prism.* 2>/dev/null | diag
	else
		ok "$name: the API key appears nowhere"
	fi
	case $server in
	stub*) stop_server "$STUB_PID" ;;
	smtp*) stop_server "$SMTP_PID" ;;
	esac
	return 0
}

for f in "${cases[@]}"; do
	if ! run_case "$f"; then
		not_ok "$(basename "$f" .case): the server did not start"
		cat "$T"/*.log 2>/dev/null | tail -n 20 | diag
	fi
done
