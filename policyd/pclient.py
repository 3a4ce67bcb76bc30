#!/usr/bin/python3
"""pclient.py - a policy delegation client for route-policyd's tests.

  pclient.py ask SOCKET RCPT...   one connection, one request per
                                  recipient; prints each action
  pclient.py crowd SOCKET N       N connections at once, next to hostile
                                  ones; prints what was seen

SOCKET is unix:PATH or inet:PORT@HOST.  Exit 0, or 1 when a connection
cannot be made (the error name is printed).
"""
import errno
import socket
import sys
import time


def connect(spec, timeout=10):
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = spec[5:]
    else:
        port, host = spec[5:].split("@", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    s.settimeout(timeout)
    s.connect(addr)
    return s


def request(rcpt, **attrs):
    lines = ["request=smtpd_access_policy", "protocol_state=RCPT",
             "protocol_name=ESMTP", "client_address=192.0.2.7",
             "client_name=mx.example.org", "queue_id=",
             "sender=alice@example.org", "recipient=" + rcpt]
    lines += ["%s=%s" % kv for kv in attrs.items()]
    return ("\n".join(lines) + "\n\n").encode()


def read_reply(s):
    buf = b""
    while not buf.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            return buf.decode() + "<EOF>"
        buf += chunk
    return buf.decode()


def ask(spec, rcpts):
    s = connect(spec)
    for r in rcpts:
        s.sendall(request(r))
        reply = read_reply(s)
        print(reply.rstrip("\n").removeprefix("action="))
    s.close()


def read_all(s):
    """What s receives until the server closes it, as a bytes repr, with
    "<TIMEOUT>" when it does not close within the socket's timeout."""
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        return repr(out) + "<TIMEOUT>"
    except ConnectionResetError:
        pass
    return repr(out)


def crowd(spec, n):
    """Open n connections (and the hostile ones) before any request is
    sent, then send one request on each and read every reply."""
    hostile = {}
    for name, data in (("slow", b"protocol_state=RCPT\nrecipient=nob"),
                       ("junk", b"\x00\x01\x02 no equals sign\n\n"),
                       ("long", b"recipient=" + b"x" * 100000 + b"\n\n")):
        hostile[name] = connect(spec)
        try:
            hostile[name].sendall(data)
        except OSError:
            pass  # closed by the server while we were still sending
    mute = connect(spec)  # sends requests, never reads the replies
    mute.setblocking(False)
    try:
        for _ in range(50000):
            mute.send(request("info@example.com"))
    except BlockingIOError:
        pass
    hostile["mute"] = mute
    conns = [connect(spec) for _ in range(n)]
    t0 = time.monotonic()
    for i, s in enumerate(conns):
        s.sendall(request("nobody%d@example.com" % i if i % 2
                          else "info@example.com"))
    answers = {}
    slowest = 0.0
    for i, s in enumerate(conns):
        reply = read_reply(s)
        slowest = max(slowest, time.monotonic() - t0)
        answers[reply] = answers.get(reply, 0) + 1
        s.close()
    for reply, count in sorted(answers.items()):
        print("%d x %r" % (count, reply))
    print("all answered in %s" % ("under 1 s" if slowest < 1 else
                                  "%.3f s" % slowest))
    for name in ("junk", "long"):
        print("%s: %s" % (name, read_all(hostile[name])))
    for s in hostile.values():
        s.close()


def main():
    cmd, spec = sys.argv[1], sys.argv[2]
    try:
        if cmd == "ask":
            ask(spec, sys.argv[3:])
        elif cmd == "crowd":
            crowd(spec, int(sys.argv[3]))
        else:
            sys.exit("pclient.py: unknown command " + cmd)
    except OSError as e:
        print("connect: %s" % errno.errorcode.get(e.errno, e))
        sys.exit(1)


main()
