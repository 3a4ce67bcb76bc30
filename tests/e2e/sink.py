#!/usr/bin/python3
# sink.py - the SMTP server at the end of the end-to-end tests' Postfix.
#
# "serve" keeps every message it is given byte-exact (CRLF and all, as it
# came off the wire after dot-unstuffing) in DIR/NNNN.eml, and its envelope
# in DIR/NNNN.json ({"mail_from", "rcpt_tos"}); both are written to a
# temporary name and renamed, so a test that sees the JSON can read both.
# A recipient whose local part starts with "nosuchuser" is refused with
# 550 5.1.1, so that a test can make Postfix send a real bounce.
# "show", "summary" and "body" let shell scripts read what arrived without
# parsing JSON.
# Run it with /usr/bin/python3: other pythons may lack aiosmtpd.

import asyncio
import json
import os
import signal
import sys


class Keeper:
    """aiosmtpd handler that stores each message as it is received."""

    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    def _put(self, name, data):
        path = os.path.join(self.outdir, name)
        tmp = os.path.join(self.outdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address.lower().startswith("nosuchuser"):
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = "%04d" % self.count
        self._put(base + ".eml", envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
        }
        # The JSON goes last: its presence says the message is complete.
        self._put(base + ".json", json.dumps(meta).encode() + b"\n")
        return "250 2.0.0 Ok: kept as " + base


def serve(port, outdir, pidfile):
    from aiosmtpd.smtp import SMTP

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    keeper = Keeper(outdir)

    def factory():
        # hostname set so aiosmtpd never asks the resolver for our name;
        # no size limit so that only the system under test refuses mail.
        return SMTP(keeper, hostname="sink.e2e.test", data_size_limit=None,
                    enable_SMTPUTF8=True, decode_data=False)

    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=port))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


def envelopes(outdir):
    """Yield (name, meta) for every complete message, in arrival order."""
    for name in sorted(os.listdir(outdir)):
        if name.endswith(".json") and not name.startswith("."):
            with open(os.path.join(outdir, name)) as f:
                yield name[:-5], json.load(f)


def show(outdir):
    # One line per message: "FROM RCPT RCPT..." with the recipients sorted,
    # since Postfix does not promise an order; "<>" for the null sender.
    for _, meta in envelopes(outdir):
        sender = meta["mail_from"] or "<>"
        print(" ".join([sender] + sorted(meta["rcpt_tos"])))


def subject_of(path):
    with open(path, "rb") as f:
        head = f.read(65536).split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"subject:"):
            return line[8:].strip().decode("utf-8", "replace")
    return ""


def summary(outdir):
    # For people (the demo): subject, sender and recipients per message.
    for base, meta in envelopes(outdir):
        subject = subject_of(os.path.join(outdir, base + ".eml"))
        print("  #%s  %-38s from %s" % (base, '"' + subject + '"',
                                       meta["mail_from"] or "<>"))
        print("         %-38s to   %s" % ("", ", ".join(meta["rcpt_tos"])))


def body(path):
    # The message minus the Received: headers our Postfix put on top, so it
    # can be compared byte for byte with what the client sent.
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\r\n")
    i = 0
    while i < len(lines) and lines[i].lower().startswith(b"received:"):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    sys.stdout.buffer.write(b"\r\n".join(lines[i:]))


def main(argv):
    if len(argv) == 5 and argv[1] == "serve":
        serve(int(argv[2]), argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "show":
        show(argv[2])
    elif len(argv) == 3 and argv[1] == "summary":
        summary(argv[2])
    elif len(argv) == 3 and argv[1] == "body":
        body(argv[2])
    else:
        sys.stderr.write("usage: sink.py serve PORT DIR PIDFILE | "
                         "show DIR | summary DIR | body FILE.eml\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
