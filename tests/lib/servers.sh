# shellcheck shell=bash disable=SC2034  # sourced: the variables are for the tests
# tests/lib/servers.sh — the local servers of the provider tests, sourced
# after tap.sh:
#
#   . "$(dirname "$0")/../lib/tap.sh"
#   . "$(dirname "$0")/../lib/servers.sh"
#   start_stub 0 '202;429 reset=+2'    # sets STUB_PORT, STUB_CAPTURE
#   start_prism                         # sets PRISM_PORT, PRISM_LOG
#   start_smtp 0 --fail-data 2          # sets SMTP_PORT, SMTP_CAPTURE
#
# Everything listens on 127.0.0.1 only, every wait is bounded, and every
# server is stopped by tap.sh's exit hooks (each also ends by itself when
# idle).  The Python servers run under /usr/bin/python3: Debian's
# python3-aiosmtpd is importable there only.

PROVIDER_DIR=$TOP/tests/provider
SYS_PY=/usr/bin/python3
PRISM_BIN=$PROVIDER_DIR/node_modules/.bin/prism
# The copy of SendGrid's description in the repository (tests/provider/README.md).
MAIL_SPEC=$PROVIDER_DIR/tsg_mail_v3.json
# No request of ours may go anywhere but the loopback.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
# Seconds a server lives without traffic, and at most.
: "${SERVER_IDLE:=60}" "${SERVER_LIFETIME:=600}"
_server_seq=0

# free_port: prints a TCP port free on 127.0.0.1 right now.
free_port() {
	"$SYS_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: waits until 127.0.0.1:PORT accepts connections;
# fails after SECONDS (default 30).
wait_port() {
	local port=$1 limit=${2:-30} i
	for ((i = 0; i < limit * 10; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "# nothing listens on 127.0.0.1:$port after ${limit}s" >&2
	return 1
}

# wait_file FILE [SECONDS]: waits until FILE exists (a server's ready file).
wait_file() {
	local file=$1 limit=${2:-30} i
	for ((i = 0; i < limit * 10; i++)); do
		[ -s "$file" ] && return 0
		sleep 0.1
	done
	echo "# $file did not appear after ${limit}s" >&2
	return 1
}

# _spawn LOG CMD...: runs CMD in a session of its own (so its children stop
# with it), bounded by `timeout`, stopped by the exit hooks.  Sets SPAWNED.
_spawn() {
	local log=$1
	shift
	setsid timeout "$SERVER_LIFETIME" "$@" >"$log" 2>&1 </dev/null &
	SPAWNED=$!
	on_exit "kill -TERM -- -$SPAWNED; kill -TERM $SPAWNED"
}

# stop_server PID: stops one server now (its exit hook stays harmless).
stop_server() {
	local pid=$1 i
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	return 0
}

# start_prism [PORT]: Prism (pinned in tests/provider/package-lock.json)
# serving SendGrid's mail/send description with request validation; an
# invalid request gets an error answer and a "did not pass the validation
# rules" line in PRISM_LOG.  PORT 0 or none picks a free port.
start_prism() {
	PRISM_PORT=${1:-0}
	[ "$PRISM_PORT" = 0 ] && PRISM_PORT=$(free_port)
	if [ ! -x "$PRISM_BIN" ]; then
		echo "# $PRISM_BIN is missing: run .ci/deps (npm ci in tests/provider)" >&2
		return 1
	fi
	PRISM_LOG=$T/prism.$PRISM_PORT.log
	_spawn "$PRISM_LOG" "$PRISM_BIN" mock --errors -h 127.0.0.1 -p "$PRISM_PORT" "$MAIL_SPEC"
	PRISM_PID=$SPAWNED
	wait_port "$PRISM_PORT" 90
}

# prism_violations: how many requests Prism found invalid so far.
prism_violations() {
	grep -c 'did not pass the validation rules' "$PRISM_LOG" 2>/dev/null || true
}

# start_stub PORT SCRIPT [ARGS...]: tests/provider/sendgrid_stub.py answering
# by SCRIPT ("202;429 reset=+2;500;cut-after"; see the stub's help).  ARGS
# go to the stub (--key-file F checks the Authorization header).  Sets
# STUB_PORT, STUB_CAPTURE (JSON lines, one per request), STUB_PID.
start_stub() {
	local port=$1 script=$2
	shift 2
	_server_seq=$((_server_seq + 1))
	local ready=$T/stub.$_server_seq.port
	STUB_CAPTURE=$T/stub.$_server_seq.jsonl
	_spawn "$T/stub.$_server_seq.log" "$SYS_PY" "$PROVIDER_DIR/sendgrid_stub.py" --port "$port" \
		--ready "$ready" --capture "$STUB_CAPTURE" --script "$script" \
		--idle "$SERVER_IDLE" --lifetime "$SERVER_LIFETIME" "$@"
	STUB_PID=$SPAWNED
	wait_file "$ready" 30 || return 1
	STUB_PORT=$(cat "$ready")
}

# start_smtp PORT [OPTS...]: tests/provider/smtp_sink.py (aiosmtpd) with OPTS
# (--fail-data N, --reject-data N, --cut-data N, --cut-rcpt N,
# --reject-rcpt ADDR, --auth USER --auth-password-file F, --tls ...).
# Sets SMTP_PORT, SMTP_CAPTURE (JSON lines, one per DATA), SMTP_PID.
start_smtp() {
	local port=$1
	shift
	_server_seq=$((_server_seq + 1))
	local ready=$T/smtp.$_server_seq.port
	SMTP_CAPTURE=$T/smtp.$_server_seq.jsonl
	_spawn "$T/smtp.$_server_seq.log" "$SYS_PY" "$PROVIDER_DIR/smtp_sink.py" --port "$port" \
		--ready "$ready" --capture "$SMTP_CAPTURE" \
		--idle "$SERVER_IDLE" --lifetime "$SERVER_LIFETIME" "$@"
	SMTP_PID=$SPAWNED
	wait_file "$ready" 30 || return 1
	SMTP_PORT=$(cat "$ready")
}

# make_cert DIR: a self-signed certificate for 127.0.0.1 (DIR/cert.pem,
# DIR/key.pem), for the TLS cases.
make_cert() {
	mkdir -p "$1"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}
