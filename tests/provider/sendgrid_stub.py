#!/usr/bin/python3
"""sendgrid_stub.py -- a scripted stand-in for POST /v3/mail/send, for what
SendGrid's own OpenAPI description cannot express (429 with rate-limit
headers, X-Message-Id, 5xx, slow answers, cut connections).  Standard
library only; listens on 127.0.0.1 only; exits after --idle seconds without
a request or --lifetime seconds in all.

    sendgrid_stub.py --port 0 --ready PORTFILE --capture requests.jsonl \\
                     --script '202;429 reset=+2;500;cut-after'

Every request is appended to the capture file as one JSON line:
  {"n": 1, "step": "202", "method": "POST", "path": "/v3/mail/send",
   "headers": {... lower-case names, Authorization as "Bearer ***" ...},
   "auth": "ok" | "wrong" | "missing" | "unchecked",
   "body": <the JSON body, or its text when it is not JSON, or null when unread>}

The script is a list of steps separated by ';' or new lines (--script-file),
one per request, in order; when it runs out every request gets a 202.
A step is a status or a keyword, then options:
  202 [id=MSGID]                 accepted; X-Message-Id MSGID (default stub-N)
  429 [reset=+S|reset=EPOCH] [retry-after=S]
                                 rate limited, with X-RateLimit-Limit/-Remaining/-Reset
  4xx|5xx [body=JSON]            that status, with body JSON (default a SendGrid
                                 style {"errors":[{"message":...}]})
  slow=S [status ...]            read the request, wait S seconds, then answer
  cut-before                     close after the request head: no 100 Continue,
                                 the body is never read
  cut-after                      read the whole request, close without an answer
"""

import argparse
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time

lock = threading.Lock()
state = {"n": 0, "last": time.monotonic()}


def parse_step(text):
    words = text.split()
    step = {"text": text.strip(), "kind": "status", "status": 202, "opts": {}}
    rest = []
    for w in words:
        if w.startswith("body="):
            # the body is the rest of the step, spaces included
            step["opts"]["body"] = text[text.index("body=") + 5:].strip()
            break
        rest.append(w)
    for w in rest:
        if w in ("cut-before", "cut-after"):
            step["kind"] = w
        elif w.isdigit():
            step["status"] = int(w)
        elif "=" in w:
            k, v = w.split("=", 1)
            step["opts"][k] = v
        else:
            raise SystemExit("sendgrid_stub: bad script step %r" % text)
    return step


def load_script(args):
    text = args.script or ""
    if args.script_file:
        with open(args.script_file, encoding="utf-8") as f:
            text += "\n" + f.read()
    steps = []
    for line in text.replace(";", "\n").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            steps.append(parse_step(line))
    return steps


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sendgrid-stub"
    sys_version = ""

    def log_message(self, fmt, *a):  # quiet: the capture file is the record
        pass

    def take_step(self):
        with lock:
            state["n"] += 1
            state["last"] = time.monotonic()
            n = state["n"]
            steps = self.server.steps
            step = steps[n - 1] if n <= len(steps) else parse_step("202")
        return n, step

    def record(self, n, step, body):
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            if k == "authorization":
                v = "Bearer ***" if v.startswith("Bearer ") and len(v) > 7 else "***"
            headers[k] = v
        auth = self.headers.get("Authorization")
        if auth is None:
            verdict = "missing"
        elif self.server.key_sha256 is None:
            verdict = "unchecked"
        else:
            got = hashlib.sha256(auth.encode("utf-8", "replace")).hexdigest()
            verdict = "ok" if got == self.server.key_sha256 else "wrong"
        if body is not None:
            try:
                body = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = body.decode("utf-8", "replace")
        rec = {"n": n, "step": step["text"], "method": self.command, "path": self.path,
               "headers": headers, "auth": verdict, "body": body}
        with lock:
            with open(self.server.capture, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")

    def cut(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # Called by parse_request before the body is read when the client sent
    # "Expect: 100-continue": the step decides.
    def handle_expect_100(self):
        self.pending = self.take_step()
        if self.pending[1]["kind"] == "cut-before":
            self.record(self.pending[0], self.pending[1], None)
            self.cut()
            return False
        return super().handle_expect_100()

    def do_POST(self):
        n, step = getattr(self, "pending", None) or self.take_step()
        self.pending = None
        if step["kind"] == "cut-before":
            self.record(n, step, None)
            self.cut()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        self.record(n, step, body)
        if step["kind"] == "cut-after":
            self.cut()
            return
        opts = step["opts"]
        if "slow" in opts:
            time.sleep(min(float(opts["slow"]), self.server.lifetime))
        status = step["status"]
        if self.path != "/v3/mail/send":
            status = 404
        out_headers = []
        body_out = b""
        if status == 202:
            out_headers.append(("X-Message-Id", opts.get("id", "stub-%d" % n)))
        elif status == 429:
            now = int(time.time())
            reset = opts.get("reset")
            if reset is not None:
                reset = now + int(reset[1:]) if reset.startswith("+") else int(reset)
                out_headers += [("X-RateLimit-Limit", "600"), ("X-RateLimit-Remaining", "0"),
                                ("X-RateLimit-Reset", str(reset))]
            if "retry-after" in opts:
                out_headers.append(("Retry-After", opts["retry-after"]))
        if status >= 400:
            body_out = opts.get("body", json.dumps(
                {"errors": [{"field": None, "message": "stub answered %d" % status}]})).encode()
            out_headers.append(("Content-Type", "application/json"))
        self.send_response(status)
        for k, v in out_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body_out)))
        self.end_headers()
        self.wfile.write(body_out)
        with lock:
            state["last"] = time.monotonic()

    def do_GET(self):
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready", help="file to write the port to once listening")
    ap.add_argument("--capture", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--script-file")
    ap.add_argument("--key-file", help="the API key we expect (checked, never written)")
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.steps = load_script(args)
    srv.capture = args.capture
    srv.lifetime = args.lifetime
    srv.key_sha256 = None
    if args.key_file:
        with open(args.key_file, encoding="utf-8") as f:
            srv.key_sha256 = hashlib.sha256(("Bearer " + f.read().strip()).encode()).hexdigest()
    open(args.capture, "a").close()
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    if args.ready:
        tmp = args.ready + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.ready)
    start = time.monotonic()
    while True:
        time.sleep(0.1)
        now = time.monotonic()
        with lock:
            idle = now - state["last"]
        if now - start > args.lifetime or (idle > args.idle and now - start > args.idle):
            break
    srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
