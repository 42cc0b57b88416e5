#!/usr/bin/python3
"""smtp_sink.py -- a real SMTP server (aiosmtpd) on 127.0.0.1 that captures
every message, with scripted failures.  Run it with /usr/bin/python3: Debian's
python3-aiosmtpd is importable there only.  Exits after --idle seconds
without a connection or command, or --lifetime seconds in all.

    smtp_sink.py --port 0 --ready PORTFILE --capture messages.jsonl \\
                 [--fail-data 2] [--reject-data 3] [--cut-data 4] [--cut-rcpt 5] \\
                 [--reject-rcpt bad@example.jp] [--auth USER --auth-password-file F]

Each message that reaches the end of DATA is one JSON line:
  {"n": 1, "conn": 1, "outcome": "accepted" | "451" | "554" | "cut",
   "mail_from": "...", "rcpt_tos": [...], "data": "<the raw message, bytes as latin-1>"}
"conn" numbers the connections in order (so reuse shows).  Only "accepted"
messages were taken; the others were refused or cut after the
data arrived (the client cannot know which: that is the point of "cut").

Failures, by the number of the DATA (or RCPT) command in the whole run:
  --fail-data N    answer 451 4.3.0 to the Nth message's data (transient)
  --reject-data N  answer 554 5.6.0 to the Nth message's data (permanent)
  --cut-data N     read the Nth message's data, then close without a reply
  --cut-rcpt N     close the connection at the Nth RCPT, before any data
  --reject-rcpt A  answer 550 5.1.1 to RCPT TO:<A> (repeatable)
Each option may be given several times.

TLS: --tls implicit (smtps://) or --tls starttls (offered on smtp://), with
--tls-cert and --tls-key.  --auth USER --auth-password-file F requires a
login (AUTH PLAIN/LOGIN, allowed without TLS: this is the loopback).
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

state = {"data": 0, "rcpt": 0, "conns": 0, "last": time.monotonic()}


def touch():
    state["last"] = time.monotonic()


class Handler:
    def __init__(self, args):
        self.args = args

    def write(self, rec):
        with open(self.args.capture, "a", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        touch()
        state["rcpt"] += 1
        if state["rcpt"] in self.args.cut_rcpt:
            server.transport.close()
            return "421 4.3.0 closing"  # never seen: the connection is gone
        if address in self.args.reject_rcpt:
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        touch()
        state["data"] += 1
        n = state["data"]
        raw = envelope.original_content or b""
        rec = {"n": n, "conn": getattr(server, "conn_no", 0), "mail_from": envelope.mail_from,
               "rcpt_tos": list(envelope.rcpt_tos), "data": raw.decode("latin-1")}
        if n in self.args.cut_data:
            rec["outcome"] = "cut"
            self.write(rec)
            server.transport.abort()
            return "451 4.3.0 never seen"
        if n in self.args.fail_data:
            rec["outcome"] = "451"
            self.write(rec)
            return "451 4.3.0 try again later"
        if n in self.args.reject_data:
            rec["outcome"] = "554"
            self.write(rec)
            return "554 5.6.0 message refused by policy"
        rec["outcome"] = "accepted"
        self.write(rec)
        return "250 2.0.0 OK queued as sink-%d" % n


class Auth:
    def __init__(self, user, password):
        self.user, self.password = user, password

    def __call__(self, server, session, envelope, mechanism, auth_data):
        touch()
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == self.user and
              auth_data.password.decode() == self.password)
        return AuthResult(success=ok, handled=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready")
    ap.add_argument("--capture", required=True)
    for opt in ("fail-data", "reject-data", "cut-data", "cut-rcpt"):
        ap.add_argument("--" + opt, type=int, action="append", default=[])
    ap.add_argument("--reject-rcpt", action="append", default=[])
    ap.add_argument("--auth")
    ap.add_argument("--auth-password-file")
    ap.add_argument("--tls", choices=("implicit", "starttls"))
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--lifetime", type=float, default=300.0)
    args = ap.parse_args()
    open(args.capture, "a").close()

    kw = {}
    if args.auth:
        with open(args.auth_password_file, encoding="utf-8") as f:
            kw = {"authenticator": Auth(args.auth, f.read().strip()),
                  "auth_required": True, "auth_require_tls": False}
    handler = Handler(args)
    ctx = None
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls == "starttls":
            kw["tls_context"] = ctx

    class Session(SMTP):
        def connection_made(self, transport):
            state["conns"] += 1
            self.conn_no = state["conns"]
            touch()
            super().connection_made(transport)

        async def smtp_EHLO(self, arg):  # noqa: N802 (aiosmtpd's names)
            touch()
            return await super().smtp_EHLO(arg)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: Session(handler, hostname="sink.test", **kw), host="127.0.0.1", port=args.port,
        ssl=ctx if args.tls == "implicit" else None))
    port = server.sockets[0].getsockname()[1]
    if args.ready:
        with open(args.ready + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.ready + ".tmp", args.ready)

    async def watch():
        start = time.monotonic()
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            if now - start > args.lifetime or (now - state["last"] > args.idle and
                                               now - start > args.idle):
                return

    loop.run_until_complete(watch())
    server.close()
    loop.run_until_complete(server.wait_closed())
    return 0


if __name__ == "__main__":
    sys.exit(main())
