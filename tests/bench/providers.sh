#!/usr/bin/env bash
# tests/bench/providers.sh [REDRIVE] — requeue throughput to the network
# targets against the local test servers (loopback only): SendGrid's
# mail/send (the scripted stub, always 202) and an SMTP relay (aiosmtpd),
# each at an unlimited rate and with --rate, checking that the cap holds
# within 5 %.  Prints NAME <tab> VALUE <tab> UNIT <tab> TARGET lines.
. "$(dirname "$0")/../lib/tap.sh"
. "$TOP/tests/lib/servers.sh"
R=${1:-$TOP/redrive}
SG_N=${BENCH_SENDGRID_N:-20000}
SG_RATE=${BENCH_SENDGRID_RATE:-1000}
SMTP_N=${BENCH_SMTP_N:-2000}
SMTP_RATE=${BENCH_SMTP_RATE:-50}
export REDRIVE_NOW=2026-11-01T09:00:00+09:00

# store NAME N: N queued messages of one campaign, with payloads
store() {
	awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++)
	  printf "{\"msg_key\":\"p%07d\",\"campaign\":\"bench\",\"recipient\":\"r%d@example.jp\",\"queued_at\":1793500000,\"payload\":{\"personalizations\":[{\"to\":[{\"email\":\"r%d@example.jp\"}]}],\"from\":{\"email\":\"noreply@example.jp\",\"name\":\"予約センター\"},\"subject\":\"ご予約ありがとうございます\",\"content\":[{\"type\":\"text/plain\",\"value\":\"ご予約を承りました。\"},{\"type\":\"text/html\",\"value\":\"<p>ご予約を承りました。</p>\"}]}}\n", i, i, i }' \
		> "$1.jsonl"
	"$R" import sendlog "$1.jsonl" --db "$1.db" --quiet >/dev/null
}

# timed NAME ARGS...: runs a requeue, sets SECS.
timed() {
	local a b
	a=$(date +%s%N)
	"$R" requeue "$@" --yes >/dev/null 2>"$T/err" || { echo "providers bench: requeue failed:" >&2; cat "$T/err" >&2; exit 1; }
	b=$(date +%s%N)
	SECS=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
within() { awk -v got="$1" -v cap="$2" 'BEGIN { print (got <= cap * 1.05 ? "holds" : "EXCEEDED") }'; }

start_stub 0 '' || exit 1
export SENDGRID_API_KEY=bench-not-a-real-key SENDGRID_API_URL=http://127.0.0.1:$STUB_PORT
store sg "$SG_N"
timed --db sg.db --campaign bench --to sendgrid
printf 'requeue --to sendgrid, %d messages, no cap\t%s\tmessages/s\t\n' "$SG_N" "$(rate "$SG_N" "$SECS")"
n=$((SG_RATE * 10))
store sgr "$n"
timed --db sgr.db --campaign bench --to sendgrid --rate "$SG_RATE"
got=$(rate "$n" "$SECS")
printf 'requeue --to sendgrid --rate %d, %d messages\t%s\tmessages/s (cap %s)\t<= %d\n' "$SG_RATE" "$n" "$got" \
	"$(within "$got" "$SG_RATE")" "$SG_RATE"

start_smtp 0 || exit 1
store sm "$SMTP_N"
timed --db sm.db --campaign bench --to "smtp://127.0.0.1:$SMTP_PORT"
printf 'requeue --to smtp://, %d messages, no cap\t%s\tmessages/s\t\n' "$SMTP_N" "$(rate "$SMTP_N" "$SECS")"
n=$((SMTP_RATE * 10))
store smr "$n"
timed --db smr.db --campaign bench --to "smtp://127.0.0.1:$SMTP_PORT" --rate "$SMTP_RATE"
got=$(rate "$n" "$SECS")
printf 'requeue --to smtp:// --rate %d, %d messages\t%s\tmessages/s (cap %s)\t<= %d\n' "$SMTP_RATE" "$n" "$got" \
	"$(within "$got" "$SMTP_RATE")" "$SMTP_RATE"
received=$(wc -l < "$SMTP_CAPTURE")
[ "$received" -eq $((SMTP_N + n)) ] || echo "providers bench: the relay received $received messages, wanted $((SMTP_N + n))" >&2
