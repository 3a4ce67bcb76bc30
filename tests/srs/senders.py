#!/usr/bin/python3
"""senders.py - the envelope senders of the postsrsd cross-check.

Usage: senders.py main|long|quirks

Prints one sender a line as "KIND<TAB>SENDER<TAB>REVERSED": KIND names
the group it was made for (for diagnostics), REVERSED is what reversing
its SRS address must give.  That is the sender itself, except for the
SRS addresses of another forwarder: re-forwarding one gives SRS1, and an
SRS1 address reverses to the first hop's SRS0 address (libsrs2's form,
tag in upper case), not to what was re-forwarded.

"main" is a few hundred varied senders, every one valid (local part at
most 64 octets); some are long enough that the SRS local part passes 64
octets, and the test sets those aside.  "long" is a handful whose SRS
local part is always over 64; "quirks" the few where postsrsd is known
to answer differently (see quirks_list).  The list is the same on every run: a
fixed seed, nothing taken from the environment.
"""

import random
import re
import sys

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

DOMAINS = ["example.com", "example.org", "mail.example.net", "ex.co.uk",
           "a.b.c.d.example.com", "my-domain.example", "x.io",
           "sub-1.example-2.com", "0xdeadbeef.example", "e.x"]
# A-labels of münchen, bücher, café, 中国, рф, пример, ελληνικά, 日本語,
# 한국, zürich-süd, añoñuevo.
ALABELS = ["xn--mnchen-3ya", "xn--bcher-kva", "xn--caf-dma", "xn--fiqs8s",
           "xn--p1ai", "xn--e1afmkfd", "xn--hxargifdar", "xn--wgv71a119e",
           "xn--3e0b707e", "xn--zrich-sd-65ag", "xn--aouevo-wwab"]
FIRSTS = ["alice", "bob", "carol", "dave", "eve", "mallory", "trent",
          "peggy", "victor", "walter", "olivia", "noah", "zoe", "li",
          "jose", "anna-lena", "o'brien", "x"]
LASTS = ["smith", "jones", "garcia", "mueller", "rossi", "dupont",
         "nakamura", "kowalski", "silva", "ng"]


def out(kind, sender, reversed_=None):
    """Print one sender of kind with what its SRS address reverses to."""
    print("%s\t%s\t%s" % (kind, sender, reversed_ or sender))


def srs0_user(rng, sep):
    """The local part of an SRS0 address another forwarder made."""
    user = rng.choice(FIRSTS + ["a=b", "user+tag", "x.y"])
    host = rng.choice(DOMAINS + [ALABELS[0] + ".de"])
    hash_ = "".join(rng.choice(B64) for _ in range(rng.choice([4, 4, 6])))
    stamp = "".join(rng.choice(B32) for _ in range(2))
    tag = rng.choice(["SRS0", "SRS0", "SRS0", "srs0", "Srs0"])
    return "%s%s%s=%s=%s=%s" % (tag, sep, hash_, stamp, host, user)


def main_list():
    """The varied senders (about 300)."""
    rng = random.Random(3)
    for i in range(30):
        out("plain", "%s@%s" % (rng.choice(FIRSTS), rng.choice(DOMAINS)))
    for i in range(30):
        user = "%s.%s" % (rng.choice(FIRSTS), rng.choice(LASTS))
        dom = rng.choice(DOMAINS)
        form = i % 3
        if form == 0:
            user, dom = user.upper(), dom.upper()
        elif form == 1:
            user, dom = user.title(), dom.title()
        else:
            user = "".join(c.upper() if rng.random() < 0.5 else c
                           for c in user)
            dom = "".join(c.upper() if rng.random() < 0.5 else c
                          for c in dom)
        out("case", "%s@%s" % (user, dom))
    for i in range(20):
        parts = [rng.choice(FIRSTS + LASTS) for _ in range(rng.randint(2, 4))]
        out("dots", "%s@%s" % (".".join(parts), rng.choice(DOMAINS)))
    for i in range(20):
        tags = "+".join(rng.choice(["tag", "news", "x", "2024", "a-b", "Q"])
                        for _ in range(rng.randint(1, 3)))
        out("plus", "%s+%s@%s" % (rng.choice(FIRSTS), tags,
                                  rng.choice(DOMAINS)))
    for i in range(15):
        user = rng.choice(["%d", "u%d", "%d.%d", "user%d"])
        user = user.replace("%d", str(rng.randint(0, 10 ** rng.randint(1, 9))))
        out("digits", "%s@%s%d.example" % (user, rng.choice(["mx", "", "n"]),
                                           rng.randint(0, 999)))
    for i in range(15):
        out("hyphens", "%s-%s@%s" % (rng.choice(FIRSTS), rng.choice(LASTS),
                                     rng.choice(DOMAINS)))
    for user in ["a=b", "=x", "x=", "a==b", "===", "key=value=more", "=",
                 "SRS", "SRS2=x", "SRS0x=y", "srs", "SRS0.x", "xSRS0=y",
                 "bounce=SRS0=x"]:
        out("equals", "%s@%s" % (user, rng.choice(DOMAINS)))
    for user in ["100%real", "a_b", "a!b", "#hash", "$dollar", "&amp",
                 "'quote'", "a*b", "a/b", "q?", "^caret", "`tick`",
                 "{brace}", "pipe|pipe", "~tilde", "a.b-c_d+e=f"]:
        out("atext", "%s@%s" % (user, rng.choice(DOMAINS)))
    for i in range(20):
        labels = [rng.choice(ALABELS)]
        if i % 3:
            labels.append(rng.choice(["de", "com", "example", "xn--p1ai"]))
        if i % 4 == 0:
            labels.insert(0, rng.choice(["mail", "xn--caf-dma", "sub"]))
        dom = ".".join(labels)
        if i % 5 == 0:
            dom = dom.upper()
        out("idn", "%s@%s" % (rng.choice(FIRSTS), dom))
    for i in range(15):
        labels = ["l%d" % rng.randint(0, 99) for _ in range(rng.randint(3, 8))]
        out("subdomain", "%s@%s.example.com" % (rng.choice(FIRSTS),
                                                ".".join(labels)))
    for i in range(30):
        # Lengths straddling the 64-octet SRS local part.
        dom = rng.choice(DOMAINS)
        n = rng.randint(20, 64)
        user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789.-")
                       for _ in range(n))
        user = re.sub(r"\.\.+", ".", "l" + user[1:-1] + "z")
        out("longish", "%s@%s" % (user, dom))
    for i in range(35):
        local = srs0_user(rng, rng.choice("==+-"))
        host = rng.choice(["fwd.example", "Relay.Example.ORG", "mx.other.net"])
        out("srs0", "%s@%s" % (local, host), "SRS0%s@%s" % (local[4:], host))
    for i in range(20):
        first = srs0_user(rng, rng.choice("==+-"))
        fhost = rng.choice(["first.example", "hop1.example.org"])
        hash_ = "".join(rng.choice(B64) for _ in range(4))
        tag = rng.choice(["SRS1", "SRS1", "srs1"])
        sep = rng.choice("==+-")
        local = "%s%s%s=%s=%s" % (tag, sep, hash_, fhost, first[4:])
        host = rng.choice(["fwd2.example", "mx.third.net"])
        out("srs1", "%s@%s" % (local, host), "SRS0%s@%s" % (first[4:], fhost))
    for user in ["postmaster", "Bounce+x", "a=b"]:
        out("srsdomain", "%s@srs.example.net" % user)
    out("srsdomain", "Info@SRS.Example.NET")


def long_list():
    """Senders whose SRS local part is always over 64 octets."""
    out("long", "%s@example.com" % ("a" * 64))
    out("long", "first.middle.last.%s@example.org" % ("x" * 40))
    out("long", "Someone.With.A.Long.Name@%s.example.com"
        % ".".join(["department"] * 4))
    out("long", "user@%s.example" % ("sub." * 20).rstrip("."))
    # 49 octets, 67 in the SRS1 form.
    out("long", "SRS0=AbCd=XY=%s=user@fwd.example" % ("d" * 22 + ".example"))


def quirks_list():
    """Local parts that are an SRS tag alone: libsrs2 takes them for SRS
    addresses (its separator test finds the string's NUL), we do not."""
    for user in ["SRS0", "srs0", "SRS1", "srs1"]:
        out("quirk", "%s@example.com" % user)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which == "main":
        main_list()
    elif which == "long":
        long_list()
    elif which == "quirks":
        quirks_list()
    else:
        sys.stderr.write("usage: senders.py main|long|quirks\n")
        sys.exit(2)
