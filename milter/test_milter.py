#!/usr/bin/python3
"""test_milter.py - the real route-milter binary, driven over its socket.

A scratch store is filled with milter-ctl, route-milter runs in the
foreground on a unix socket, and mtclient.py plays the MTA the way Postfix
does: every assertion is about a reply or a recipient edit the MTA gets,
or a line in the milter's log.  miltertest (OpenDKIM's client) cross-checks
the recipient edits with test_milter.lua.  Prints TAP.
"""

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
from mtclient import Milter, SMFIF_ADDRCPT, OFFER_ACTIONS  # noqa: E402

BUILD = os.environ.get("top_builddir", os.path.join(HERE, ".."))
MILTER = os.path.join(BUILD, "milter", "route-milter")
CTL = os.path.join(BUILD, "ctl", "milter-ctl")

n_tests = 0
failed = 0
daemons = []  # every Daemon started, checked for a clean exit at the end

# In a sanitizer build (configure --enable-sanitizers) a report must end
# the process with a status we see, and leaks must be looked for at exit;
# a caller's own settings win.
os.environ.setdefault("ASAN_OPTIONS", "exitcode=23:detect_leaks=1")
os.environ.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
SANITIZER_ERRORS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                    "runtime error:")


def check(desc, cond, *diag):
    """One TAP test point; diag lines are shown when it fails."""
    global n_tests, failed
    n_tests += 1
    if cond:
        print("ok %d - %s" % (n_tests, desc))
    else:
        failed += 1
        print("not ok %d - %s" % (n_tests, desc))
        for d in diag:
            for line in str(d).splitlines():
                print("#   " + line)
    sys.stdout.flush()
    return cond


def check_eq(desc, want, got):
    return check(desc, want == got, "expected: %r" % (want,),
                 "got:      %r" % (got,))


def postfix_text(text):
    """The reply text as Postfix sends it on: '%%' -> '%' (milter8.c)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            i += 1
            if i < len(text):
                out.append(text[i])
        else:
            out.append(text[i])
        i += 1
    return "".join(out)


def smtp(reply):
    """'550 5.7.1 text' as the SMTP client sees it, or the reply kind."""
    if reply is None:
        return None
    if reply.kind == "reply":
        return "%s %s %s" % (reply.code, reply.xcode,
                             postfix_text(reply.text))
    return reply.kind


class Daemon:
    """One route-milter process in the foreground, logging to a file."""

    def __init__(self, tmp, name, conf_text):
        self.name = name
        self.conf = os.path.join(tmp, name + ".conf")
        self.log = os.path.join(tmp, name + ".log")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.proc = None
        self.ended = None

    def start(self, sock_path):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([MILTER, "-f", "-c", self.conf],
                                     stdout=logf, stderr=logf)
        logf.close()
        daemons.append(self)
        for _ in range(100):
            if self.proc.poll() is not None:
                return False
            if os.path.exists(sock_path) and self.log_has("started on"):
                return True
            time.sleep(0.05)
        return False

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def log_has(self, s):
        return s in self.log_text()

    def wait_log(self, s, secs=3.0):
        end = time.time() + secs
        while time.time() < end:
            if self.log_has(s):
                return True
            time.sleep(0.05)
        return False

    def sanitizer_report(self):
        """The first sanitizer report in the log (at most 60 lines)."""
        lines = self.log_text().splitlines()
        for i, line in enumerate(lines):
            if any(e in line for e in SANITIZER_ERRORS):
                return lines[i:i + 60]
        return []

    def stop(self):
        """SIGTERM; returns (exit status, seconds) or (None, None).
        self.ended says how the process ended, for a person."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None and self.ended is None:
                self.ended = ("died by itself with status %r"
                              % self.proc.returncode)
            return (self.proc.returncode if self.proc else None, 0)
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.ended = "killed: still running 15 s after SIGTERM"
            return (None, None)
        self.ended = "exit status %r after SIGTERM" % rc
        return (rc, time.time() - t0)


def conf(tmp, store, sock, extra=""):
    return ('store = "sqlite:%s";\n'
            'store_poll_ms = 100;\n'
            'milter = { socket = "unix:%s"; socket_mode = "0660"; };\n'
            'limits = { message_size = "4K"; received_headers = 3; };\n'
            '%s' % (store, sock, extra))


def ctl(conf_path, *args):
    r = subprocess.run([CTL, "-c", conf_path] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("milter-ctl %s: %s" % (" ".join(args), r.stderr))


def session(sock, actions=OFFER_ACTIONS):
    m = Milter("unix:" + sock)
    m.negotiate(actions=actions)
    m.connect()
    m.helo()
    return m


def message(m, rcpts, headers=(("Subject", "test"),), body=b"hi\r\n",
            qid=None, sender="<sender@example.org>"):
    """A whole transaction; returns (rcpt replies, final reply)."""
    r = m.mail(sender)
    if r.kind != "continue":
        return [], r
    replies = [m.rcpt(a) for a in rcpts]
    for name, value in headers:
        m.header(name, value)
    r = m.eoh()
    if r is not None and r.kind != "continue":
        return replies, r
    r = m.body(body)
    if r is not None and r.kind != "continue":
        return replies, r
    if qid is not None:
        m.macro(b"E", i=qid)
    return replies, m.eom()


def test_rules(tmp, d, sock):
    m = session(sock)
    check("negotiation asks for ADDRCPT, DELRCPT and CHGFROM",
          m.actions & 0x4C == 0x4C, "actions 0x%x" % m.actions)

    # RCPT time: each recipient gets its own answer.
    m.mail("<sender@example.org>")
    check_eq("reject rule: 550 5.7.1 with the rule's text",
             "550 5.7.1 <bad@example.com>: Recipient address rejected: "
             "Go away:\t100% sure", smtp(m.rcpt("<bad@example.com>")))
    check_eq("reject rule without text: 550 5.7.1 default text",
             "550 5.7.1 <bad2@example.com>: Recipient address rejected: "
             "Access denied", smtp(m.rcpt("<bad2@example.com>")))
    r = m.rcpt("<nobody@example.com>")
    check_eq("unknown address in a routed domain: 550 5.1.1, Postfix's words",
             "550 5.1.1 <nobody@example.com>: Recipient address rejected: "
             "User unknown", smtp(r))
    check_eq("domain with unknown=pass: accepted", "continue",
             smtp(m.rcpt("<nobody@pass.example>")))
    check_eq("domain that is not routed: accepted", "continue",
             smtp(m.rcpt("<someone@other.org>")))
    r = m.rcpt("<<broken@example.com>")
    check("malformed address: 553 5.1.3 with the reason",
          r.kind == "reply" and (r.code, r.xcode) == ("553", "5.1.3") and
          len(r.text) > 10, smtp(r))
    m.abort()

    # End of message: forwards become their destinations.
    _, r = message(m, ["<info@example.com>"], qid="FWD1")
    check_eq("forward: original deleted, each destination added",
             sorted([("-", "<info@example.com>"), ("+", "<me@example.net>"),
                     ("+", "<you@example.org>")]), sorted(r.edits))
    check_eq("forward: message accepted", "continue", r.kind)

    _, r = message(m, ["<info@example.com>", "<sales@example.com>",
                       "<Me@Example.NET>", "<someone@other.org>"])
    check_eq("destinations added once, none that is already a recipient",
             sorted([("-", "<info@example.com>"),
                     ("-", "<sales@example.com>"),
                     ("+", "<you@example.org>")]), sorted(r.edits))

    _, r = message(m, ["info@example.com"])
    check("without angle brackets (local submission): deleted as given",
          ("-", "info@example.com") in r.edits and
          ("+", "<me@example.net>") in r.edits, r.edits)

    _, r = message(m, ["<spam@example.com>", "<someone@other.org>"])
    check_eq("drop: recipient deleted, the other one stays",
             [("-", "<spam@example.com>")], r.edits)
    check_eq("drop with a recipient left: message accepted", "continue",
             r.kind)

    _, r = message(m, ["<spam@example.com>", "<spam2@example.com>"])
    check_eq("nothing left: message discarded (the MTA says 250)",
             ("discard", []), (r.kind, r.edits))

    # Sizes.
    r = m.mail("<sender@example.org>", "SIZE=5000")
    check_eq("SIZE= above the limit: 552 5.3.4 at MAIL",
             "552 5.3.4 Message size exceeds fixed maximum message size",
             smtp(r))
    m.abort()
    r = m.mail("<sender@example.org>", "SIZE=1000")
    check_eq("SIZE= within the limit: accepted", "continue", smtp(r))
    m.rcpt("<info@example.com>")
    m.header("Subject", "big")
    m.eoh()
    r1 = m.body(b"x" * 3000)
    r2 = m.body(b"x" * 3000)
    check_eq("body: accepted up to the limit, 552 5.3.4 once past it",
             ("continue",
              "552 5.3.4 Message size exceeds fixed maximum message size"),
             (smtp(r1), smtp(r2)))
    m.abort()

    # Loop protection.
    hops = [("Received", "from hop%d" % i) for i in range(4)]
    _, r = message(m, ["<info@example.com>"], headers=hops)
    check("4 Received headers, limit 3: 554 5.4.6",
          r.kind == "reply" and (r.code, r.xcode) == ("554", "5.4.6"),
          smtp(r))
    _, r = message(m, ["<info@example.com>"], headers=hops[:3])
    check_eq("3 Received headers, limit 3: accepted", "continue", r.kind)
    m.quit()

    # An MTA that cannot edit recipients: defer, never lose or misroute.
    m = session(sock, actions=OFFER_ACTIONS & ~0x08)
    _, r = message(m, ["<info@example.com>"])
    check("recipient edit refused by the MTA: 451 4.3.0 at end of message",
          r.kind == "reply" and (r.code, r.xcode) == ("451", "4.3.0"),
          smtp(r))
    _, r = message(m, ["<someone@other.org>"])
    check_eq("... a message that needs no edit still passes", "continue",
             r.kind)
    m.quit()

    check("log: summary line starts with the queue id",
          d.wait_log("route-milter: FWD1: client=client.example["),
          d.log_text()[-2000:])
    check("log: summary has the forward and its destinations",
          "to=<info@example.com> forward <me@example.net>,<you@example.org>"
          in d.log_text(), d.log_text()[-2000:])
    check("log: a message refused before a queue id is NOQUEUE",
          "NOQUEUE: client=" in d.log_text() and
          "result=rejected 552 5.3.4" in d.log_text(), d.log_text()[-2000:])
    check("log: the edit failure says what failed",
          "smfi_delrcpt <info@example.com> failed" in d.log_text(),
          d.log_text()[-2000:])


def test_changes(tmp, d, sock):
    # A change made with milter-ctl applies within a second, no restart.
    m = session(sock)
    m.mail("<sender@example.org>")
    r = m.rcpt("<new@example.com>")
    check("before the change: new@example.com is unknown (550 5.1.1)",
          r.kind == "reply" and r.code == "550", smtp(r))
    m.abort()
    ctl(d.conf, "rule", "add", "new@example.com", "drop")
    t0 = time.time()
    while True:
        _, r = message(m, ["<new@example.com>"])
        if r.kind == "discard" or time.time() - t0 > 2:
            break
        time.sleep(0.05)
    check("rule added by milter-ctl applies within 1 s",
          r.kind == "discard" and time.time() - t0 <= 1.0,
          "after %.2f s: %s" % (time.time() - t0, smtp(r)))

    # A message in flight keeps the table it started with.
    m.mail("<sender@example.org>")
    ctl(d.conf, "rule", "remove", "new@example.com")
    time.sleep(0.5)
    r = m.rcpt("<new@example.com>")
    m.eoh()
    r = m.eom()
    check_eq("message started before a change finishes with its table",
             "discard", r.kind)
    m.mail("<sender@example.org>")
    r = m.rcpt("<new@example.com>")
    check("the next message sees the change",
          r.kind == "reply" and r.code == "550", smtp(r))
    m.abort()
    m.quit()

    # SIGHUP: a broken file changes nothing, a good one applies.
    with open(d.conf) as f:
        good = f.read()
    with open(d.conf, "a") as f:
        f.write("limits = { bogus = 1; };\n")
    d.proc.send_signal(signal.SIGHUP)
    check("SIGHUP with a broken file: error logged",
          d.wait_log("the running configuration stays"), d.log_text()[-800:])
    with open(d.conf, "w") as f:
        f.write(good.replace("received_headers = 3", "received_headers = 5"))
    for _ in range(20):
        d.proc.send_signal(signal.SIGHUP)
    check("SIGHUP with a good file: reloaded",
          d.wait_log("configuration reloaded from"), d.log_text()[-800:])
    time.sleep(0.3)
    check("still running after 21 SIGHUPs (libmilter never sees them)",
          d.proc.poll() is None)
    m = session(sock)
    hops = [("Received", "from hop%d" % i) for i in range(4)]
    _, r = message(m, ["<info@example.com>"], headers=hops)
    check_eq("reloaded limit applies: 4 Received headers now accepted",
             "continue", r.kind)
    m.quit()


def test_spellings(tmp, d, sock):
    # A malformed address in a domain we do not route passes untouched.
    m = session(sock)
    m.mail("<sender@example.org>")
    long_local = "reply+" + "A" * 80
    check_eq("malformed address in another domain: accepted", "continue",
             smtp(m.rcpt("<%s@example.org>" % long_local)))
    r = m.rcpt("<%s@Example.COM.>" % long_local)
    check("malformed address in a routed domain: 553 5.1.3",
          r.kind == "reply" and (r.code, r.xcode) == ("553", "5.1.3"),
          smtp(r))
    m.abort()
    # Postfix deletes by the address as first received, without a source
    # route: the normalised mailbox is deleted as well.
    _, r = message(m, ["<@relay.example:info@example.com>"])
    check_eq("source route: both spellings deleted, destinations added",
             sorted([("-", "<@relay.example:info@example.com>"),
                     ("-", "<info@example.com>"), ("+", "<me@example.net>"),
                     ("+", "<you@example.org>")]), sorted(r.edits))
    _, r = message(m, ["<info@Example.COM.>"])
    check_eq("domain case and trailing dot: both spellings deleted",
             sorted([("-", "<info@Example.COM.>"),
                     ("-", "<info@example.com>"), ("+", "<me@example.net>"),
                     ("+", "<you@example.org>")]), sorted(r.edits))
    m.quit()


def test_replace(tmp, d, sock):
    # A store file replaced under its path (a restore) is followed.
    new_db = os.path.join(tmp, "new.db")
    new_conf = os.path.join(tmp, "new.conf")
    with open(d.conf) as f:
        text = f.read()
    with open(new_conf, "w") as f:
        f.write(text.replace(os.path.join(tmp, "routes.db"), new_db))
    ctl(new_conf, "domain", "add", "example.com")
    ctl(new_conf, "dest", "add", "you@example.org")
    ctl(new_conf, "dest", "verify", "you@example.org")
    ctl(new_conf, "rule", "add", "info@example.com", "forward",
        "you@example.org")
    db = os.path.join(tmp, "routes.db")
    os.rename(new_db, db)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    want = sorted([("-", "<info@example.com>"), ("+", "<you@example.org>")])
    m = session(sock)
    t0 = time.time()
    while True:
        _, r = message(m, ["<info@example.com>"])
        if sorted(r.edits) == want or time.time() - t0 > 3:
            break
        time.sleep(0.05)
    check("replaced store file followed within 1 s",
          sorted(r.edits) == want and time.time() - t0 <= 1.0,
          "after %.2f s: %r" % (time.time() - t0, r.edits))
    check("log: the replacement was noticed",
          d.log_has("was replaced; reopening it"), d.log_text()[-800:])
    m.quit()


def test_no_store(tmp):
    # No rule table at all: defer with 451 4.3.0; recover by itself.
    sock = os.path.join(tmp, "nostore.sock")
    store_dir = os.path.join(tmp, "later")
    d = Daemon(tmp, "nostore",
               conf(tmp, os.path.join(store_dir, "routes.db"), sock))
    if not check("starts even though the store cannot be opened",
                 d.start(sock), d.log_text() if os.path.exists(d.log)
                 else ""):
        return
    m = session(sock)
    r = m.mail("<sender@example.org>")
    check("no rule table: 451 4.3.0 at MAIL",
          r.kind == "reply" and (r.code, r.xcode) == ("451", "4.3.0"),
          smtp(r))
    check("no rule table: logged with the store's reason",
          d.log_has("error: store:"), d.log_text())
    m.abort()
    os.mkdir(store_dir)
    ok = False
    for _ in range(40):
        r = m.mail("<sender@example.org>")
        m.abort()
        if r.kind == "continue":
            ok = True
            break
        time.sleep(0.05)
    check("store appears: messages accepted again without a restart", ok,
          smtp(r), d.log_text())
    m.quit()
    d.stop()


def test_case_sensitive(tmp):
    # routing.case_sensitive: "bob" and "Bob" are two mailboxes, so a
    # forward adding bob@ must neither drop nor merge a Bob@ recipient.
    sock = os.path.join(tmp, "cs.sock")
    d = Daemon(tmp, "cs", conf(tmp, os.path.join(tmp, "cs.db"), sock,
                               "routing = { case_sensitive = true; };\n"))
    ctl(d.conf, "domain", "add", "example.com")
    ctl(d.conf, "dest", "add", "bob@example.net")
    ctl(d.conf, "dest", "verify", "bob@example.net")
    ctl(d.conf, "rule", "add", "info@example.com", "forward",
        "bob@example.net")
    if not check("case-sensitive route-milter starts", d.start(sock),
                 d.log_text() if os.path.exists(d.log) else ""):
        return
    m = session(sock)
    replies, r = message(m, ["<info@example.com>", "<Bob@example.net>"])
    check_eq("case-sensitive: both recipients accepted at RCPT",
             ["continue", "continue"], [smtp(x) for x in replies])
    check_eq("case-sensitive: bob@ added, Bob@ kept as it was",
             sorted([("-", "<info@example.com>"),
                     ("+", "<bob@example.net>")]), sorted(r.edits))
    m.quit()
    d.stop()


def check_clean_exit(d):
    """Stop D if it runs; it must have exited 0 with no sanitizer report.
    LeakSanitizer only reports when the process exits normally and is not
    being ptraced."""
    rc, _ = d.stop()
    report = d.sanitizer_report()
    check("route-milter (%s) exited cleanly (no sanitizer report)" % d.name,
          rc == 0 and not report, d.ended,
          *(report or ["(no sanitizer report in %s)" % d.log]))


def test_miltertest(tmp, sock):
    if shutil.which("miltertest") is None:
        print("ok %d - miltertest cross-check # SKIP miltertest not "
              "installed" % (n_tests + 1))
        return
    lua = os.path.join(HERE, "test_milter.lua")
    r = subprocess.run(["miltertest", "-s", lua, "-D", "sock=unix:" + sock],
                       capture_output=True, text=True, timeout=60)
    lines = [ln for ln in r.stdout.splitlines()
             if ln.startswith(("ok ", "not ok "))]
    check("miltertest ran its script", r.returncode == 0 and lines,
          r.stdout, r.stderr)
    for ln in lines:
        good = ln.startswith("ok ")
        check("miltertest: " + ln[3 if good else 7:], good)


def main():
    if not os.access(MILTER, os.X_OK) or not os.access(CTL, os.X_OK):
        print("1..0 # SKIP route-milter or milter-ctl not built")
        return 0
    tmp = tempfile.mkdtemp(prefix="route-milter-test.")
    d = None
    try:
        sock = os.path.join(tmp, "milter.sock")
        d = Daemon(tmp, "main", conf(tmp, os.path.join(tmp, "routes.db"),
                                     sock))
        ctl(d.conf, "domain", "add", "example.com")
        ctl(d.conf, "domain", "add", "pass.example", "--unknown", "pass")
        for a in ("me@example.net", "you@example.org"):
            ctl(d.conf, "dest", "add", a)
            ctl(d.conf, "dest", "verify", a)
        ctl(d.conf, "rule", "add", "info@example.com", "forward",
            "me@example.net", "you@example.org")
        ctl(d.conf, "rule", "add", "sales@example.com", "forward",
            "me@example.net")
        ctl(d.conf, "rule", "add", "spam@example.com", "drop")
        ctl(d.conf, "rule", "add", "spam2@example.com", "drop")
        ctl(d.conf, "rule", "add", "bad@example.com", "reject",
            "Go away:\t100% sure")
        ctl(d.conf, "rule", "add", "bad2@example.com", "reject")
        # A stale socket, as a crash leaves it: must be replaced.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(sock)
        stale.close()
        if not check("route-milter starts (over a stale socket file)",
                     d.start(sock), d.log_text()):
            return 1
        mode = stat.S_IMODE(os.stat(sock).st_mode)
        check_eq("socket has the configured mode 0660", "0o660", oct(mode))
        test_rules(tmp, d, sock)
        test_changes(tmp, d, sock)
        test_spellings(tmp, d, sock)
        test_miltertest(tmp, sock)
        test_replace(tmp, d, sock)
        rc, secs = d.stop()
        check("SIGTERM: exits 0 within 2 s",
              rc == 0 and secs is not None and secs < 2.0,
              "exit %r after %r s" % (rc, secs))
        d = None
        test_no_store(tmp)
        test_case_sensitive(tmp)
    except Exception as e:  # report, never hang the suite
        check("no exception in the test itself", False, repr(e))
        if d is not None:
            print("# milter log:")
            for line in d.log_text().splitlines()[-30:]:
                print("#   " + line)
    finally:
        for dd in daemons:
            check_clean_exit(dd)
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n_tests)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
