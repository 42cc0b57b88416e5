#!/usr/bin/python3
"""show_mail.py CAPTURE.jsonl -- the messages smtp_sink.py captured, in a
canonical text form for the provider cases to compare, decoded by Python's
own e-mail parser (an independent reader of what we wrote):

    accepted conn=1 from=<noreply@example.jp> to=<a@example.jp>
    From: 予約センター <noreply@example.jp>
    Subject: ご予約ありがとうございます
    ...every header but Date, decoded, in order...
    text/plain: "ご予約を承りました。\\n..."
    text/html: "<p>...</p>"

and a line "!! ..." for each breach of the wire rules: a byte that is not
ASCII, a CR or LF that is not part of CRLF, a line over 998 characters, a
header line over 78 (but X-SMTPAPI), an encoded-word over 75, a Date that
does not parse, a header defect.
"""

import email
import email.header
import email.policy
import email.utils
import json
import re
import sys

WORD = re.compile(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=")


def wire_problems(raw):
    out = []
    if any(b > 0x7F for b in raw):
        out.append("a byte that is not ASCII")
    if re.search(rb"\r(?!\n)|(?<!\r)\n", raw):
        out.append("a bare CR or LF")
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in raw.split(b"\r\n"):
        if len(line) > 998:
            out.append("a line of %d characters" % len(line))
    for line in head.split(b"\r\n"):
        if len(line) > 78 and not line.startswith(b"X-SMTPAPI:"):
            out.append("a header line of %d characters: %r" % (len(line), line[:40]))
        for w in WORD.findall(line):
            if len(w) > 75:
                out.append("an encoded-word of %d characters" % len(w))
    return out


def show(rec):
    raw = rec["data"].encode("latin-1")
    print("%s conn=%s from=<%s> to=%s" % (rec["outcome"], rec.get("conn"), rec["mail_from"],
                                          ",".join("<%s>" % r for r in rec["rcpt_tos"])))
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    # Header values are decoded by the RFC 2047 decoder of email.header on the
    # unfolded raw text: the newer parser puts a space between the
    # encoded-words of a display name, which RFC 2047 6.2 says to drop.
    for name, value in email.message_from_bytes(raw, policy=email.policy.compat32).items():
        value = re.sub(r"\r?\n(?=[ \t])", "", value)
        if name.lower() == "date":
            try:
                email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                print("!! Date does not parse: %r" % value)
            continue
        print("%s: %s" % (name, str(email.header.make_header(email.header.decode_header(value)))))
    for part in msg.walk():
        if part.is_multipart():
            continue
        print("%s: %s" % (part.get_content_type(),
                          json.dumps(part.get_content(), ensure_ascii=False)))
    for p in wire_problems(raw):
        print("!! " + p)
    for part in msg.walk():
        for d in part.defects:
            print("!! defect: %s" % type(d).__name__)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if line.strip():
                show(json.loads(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
