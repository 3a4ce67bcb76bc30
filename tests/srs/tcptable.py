#!/usr/bin/python3
"""tcptable.py - a Postfix tcp_table(5) client for the postsrsd cross-check.

Usage: tcptable.py PORT [FILE]

Sends each line of FILE (default: standard input) as "get KEY" over one
connection to 127.0.0.1:PORT, the way Postfix asks postsrsd, and prints
one line per request: the reply's code and its text, %XX-decoded
("200 SRS0=...@srs.example.net", "500 Already rewritten").  The key is
%XX-encoded as Postfix encodes it: every byte that is not a printable
ASCII character, and '%'.  Exits 1 when the server closes early.
"""

import re
import socket
import sys


def encode(key):
    """The tcp_table form of key (bytes): %XX for '%' and non-graph bytes."""
    out = bytearray()
    for b in key:
        if b == 0x25 or b <= 0x20 or b >= 0x7F:
            out += b"%%%02X" % b
        else:
            out.append(b)
    return bytes(out)


def decode(text):
    """The bytes a %XX-encoded reply text stands for."""
    return re.sub(rb"%([0-9A-Fa-f]{2})",
                  lambda m: bytes([int(m.group(1), 16)]), text)


def main():
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: tcptable.py PORT [FILE]\n")
        return 2
    port = int(sys.argv[1])
    src = open(sys.argv[2], "rb") if len(sys.argv) == 3 else sys.stdin.buffer
    keys = [line.rstrip(b"\r\n") for line in src]
    out = sys.stdout.buffer
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        replies = s.makefile("rb")
        for key in keys:
            s.sendall(b"get " + encode(key) + b"\n")
            line = replies.readline()
            if not line.endswith(b"\n"):
                sys.stderr.write("tcptable.py: connection closed after %r\n"
                                 % key)
                return 1
            code, _, text = line.rstrip(b"\r\n").partition(b" ")
            out.write(code + b" " + decode(text) + b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
