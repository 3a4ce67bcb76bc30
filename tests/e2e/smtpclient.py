#!/usr/bin/python3
# smtpclient.py - an SMTP client for the cases swaks cannot play.
#
# It can send MAIL FROM parameters (SIZE=), stop half-way through a
# session until the test says go (the test kills the milter meanwhile), or
# probe one recipient again and again (MAIL, RCPT, RSET on one connection)
# until the reply changes, timing it to the millisecond.
# It prints one line per command with the server's reply, e.g.
# "RCPT <a@example.com> 250 2.1.5 Ok", and stops at the first refusal of
# MAIL, DATA or the final dot.  Exit 0 unless the connection itself failed.

import argparse
import os
import re
import socket
import sys
import time


def reply(f):
    """Read one (possibly multi-line) reply; return "CODE TEXT"."""
    text = []
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        line = line.decode("utf-8", "replace").rstrip("\r\n")
        text.append(line[4:])
        if len(line) < 4 or line[3] != "-":
            return line[:3] + " " + " ".join(text)


def wait_go(args):
    with open(args.ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(args.ready + ".tmp", args.ready)
    deadline = time.time() + 60
    while not os.path.exists(args.go):
        if time.time() > deadline:
            raise TimeoutError("nobody said go in 60 s (%s)" % args.go)
        time.sleep(0.02)


def session(args, s):
    f = s.makefile("rb")
    out = sys.stdout

    def cmd(label, line):
        s.sendall(line.encode() + b"\r\n")
        r = reply(f)
        out.write(label + " " + r + "\n")
        out.flush()
        return r

    out.write("CONNECT " + reply(f) + "\n")
    cmd("EHLO", "EHLO " + args.helo)
    if args.probe:
        probe(args, s, f)
        return
    mail = "MAIL FROM:<%s>" % args.sender
    for opt in args.mail_opt:
        mail += " " + opt
    if not cmd("MAIL", mail).startswith("2"):
        cmd("QUIT", "QUIT")
        return
    accepted = 0
    for rcpt in args.rcpt:
        if cmd("RCPT <%s>" % rcpt, "RCPT TO:<%s>" % rcpt).startswith("2"):
            accepted += 1
    if args.pause == "rcpt":
        wait_go(args)
    if accepted == 0 or args.data is None:
        cmd("QUIT", "QUIT")
        return
    if not cmd("DATA", "DATA").startswith("3"):
        cmd("QUIT", "QUIT")
        return
    body = args.body
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    # Dot-stuffing, as every SMTP client must.
    body = body.replace(b"\r\n.", b"\r\n..")
    if body.startswith(b"."):
        body = b"." + body
    half = len(body) // 2
    s.sendall(body[:half])
    if args.pause == "body":
        wait_go(args)
    s.sendall(body[half:])
    s.sendall(b".\r\n")
    out.write("DOT " + reply(f) + "\n")
    out.flush()
    cmd("QUIT", "QUIT")


def probe(args, s, f):
    """Each round is a new message (so a new rule table in the milter).
    With --ready/--go, one round is done first, then the session waits
    for the go file, which holds the time (ms) to count from."""

    def round_trip():
        r = ""
        for line in ("MAIL FROM:<%s>" % args.sender,
                     "RCPT TO:<%s>" % args.rcpt[0], "RSET"):
            s.sendall(line.encode() + b"\r\n")
            got = reply(f)
            if line.startswith("RCPT"):
                r = got
        return r

    since = args.since
    if args.ready:
        sys.stdout.write("BEFORE " + round_trip() + "\n")
        sys.stdout.flush()
        wait_go(args)
        with open(args.go) as g:
            since = int(g.read().strip() or 0)
    while True:
        last = round_trip()
        ms = int(time.time() * 1000) - since
        if re.search(args.probe, last):
            sys.stdout.write("PROBE %d ms: %s\n" % (ms, last))
            return
        if ms > args.limit:
            sys.stdout.write("PROBE timeout after %d ms, last: %s\n"
                             % (ms, last))
            return
        time.sleep(0.02)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--server", default="127.0.0.1")
    p.add_argument("--source", default=None, help="local address to bind")
    p.add_argument("--helo", default="client.e2e.test")
    p.add_argument("--from", dest="sender", default="sender@example.org")
    p.add_argument("--mail-opt", action="append", default=[])
    p.add_argument("--rcpt", action="append", default=[])
    p.add_argument("--data", default=None, help="message file (CRLF)")
    p.add_argument("--pause", choices=["rcpt", "body"], default=None)
    p.add_argument("--ready", help="file created when paused")
    p.add_argument("--go", help="file whose creation resumes the session")
    p.add_argument("--probe", metavar="ERE",
                   help="repeat MAIL/RCPT/RSET until RCPT's reply matches")
    p.add_argument("--since", type=int, default=0,
                   help="probe: time (ms since the epoch) to count from, "
                   "unless --go gives it")
    p.add_argument("--limit", type=int, default=1000,
                   help="probe: give up after this many ms since --since")
    args = p.parse_args()
    if args.probe and not args.rcpt:
        p.error("--probe needs --rcpt")
    if (args.pause or args.ready or args.go) and not (args.ready and args.go):
        p.error("--pause needs --ready and --go, and they go together")
    args.body = None
    if args.data is not None:
        with open(args.data, "rb") as d:
            args.body = d.read()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(120)
    if args.source:
        s.bind((args.source, 0))
    s.connect((args.server, args.port))
    try:
        session(args, s)
    except ConnectionError as e:
        sys.stdout.write("CLOSED " + str(e) + "\n")
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
