"""mtclient - the MTA side of the milter protocol (version 6), for tests.

Small on purpose: it speaks enough of the protocol to drive route-milter
the way Postfix does and, unlike miltertest, it keeps the text of every
reply (miltertest keeps only the reply's command byte outside end of
message, so it cannot check "550 5.7.1 <text>" at RCPT).
"""

import socket
import struct

# Protocol steps and actions offered, as Postfix 3.7 offers them.
OFFER_ACTIONS = 0x1FF
OFFER_STEPS = 0x1FFFFF

SMFIP_NOCONNECT = 0x01
SMFIP_NOHELO = 0x02
SMFIP_NOMAIL = 0x04
SMFIP_NORCPT = 0x08
SMFIP_NOBODY = 0x10
SMFIP_NOHDRS = 0x20
SMFIP_NOEOH = 0x40
SMFIP_NR_HDR = 0x80
SMFIP_NR_CONN = 0x1000
SMFIP_NR_HELO = 0x2000
SMFIP_NR_MAIL = 0x4000
SMFIP_NR_RCPT = 0x8000
SMFIP_NR_EOH = 0x40000
SMFIP_NR_BODY = 0x80000

SMFIF_ADDRCPT = 0x04
SMFIF_DELRCPT = 0x08

FINAL = set(b"cartdy")  # replies that end a command


class Reply:
    """One final reply: kind is 'continue', 'reject', 'tempfail',
    'discard', 'accept' or 'reply' (with code, xcode and text)."""

    KINDS = {ord("c"): "continue", ord("a"): "accept", ord("r"): "reject",
             ord("t"): "tempfail", ord("d"): "discard", ord("y"): "reply"}

    def __init__(self, cmd, data, edits):
        self.kind = self.KINDS[cmd]
        self.code = self.xcode = self.text = None
        if cmd == ord("y"):
            words = data.rstrip(b"\0").decode().split(" ", 2)
            self.code, self.xcode, self.text = (words + ["", "", ""])[:3]
        self.edits = edits  # [('+', '<a@b>'), ('-', '<c@d>')]

    def smtp(self):
        """The reply as the SMTP client would see it, e.g. '550 5.7.1 x'."""
        if self.kind == "reply":
            return "%s %s %s" % (self.code, self.xcode, self.text)
        return self.kind

    def __repr__(self):
        return "<Reply %s %r>" % (self.smtp(), self.edits)


class Milter:
    """One connection to a milter; each method sends one command."""

    def __init__(self, spec, timeout=10):
        if spec.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(spec[5:])
        else:
            port, host = spec[5:].split("@")
            self.sock = socket.create_connection((host, int(port)))
        self.sock.settimeout(timeout)
        self.actions = self.steps = 0

    def send(self, cmd, data=b""):
        self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("milter closed the connection")
            buf += chunk
        return buf

    def recv(self):
        (n,) = struct.unpack(">I", self.recv_exact(4))
        data = self.recv_exact(n)
        return data[0], data[1:]

    def reply(self):
        """Read replies up to the final one; collect recipient edits."""
        edits = []
        while True:
            cmd, data = self.recv()
            if cmd in FINAL:
                return Reply(cmd, data, edits)
            if cmd in (ord("+"), ord("-")):
                edits.append((chr(cmd), data.rstrip(b"\0").decode()))
            elif cmd != ord("p"):  # progress: keep waiting
                raise ValueError("unexpected milter reply %r" % chr(cmd))

    def negotiate(self, actions=OFFER_ACTIONS, steps=OFFER_STEPS):
        self.send(b"O", struct.pack(">III", 6, actions, steps))
        cmd, data = self.recv()
        if cmd != ord("O"):
            raise ValueError("negotiation refused: %r" % chr(cmd))
        _, self.actions, self.steps = struct.unpack(">III", data[:12])

    def macro(self, stage, **macros):
        body = b"".join(k.encode() + b"\0" + v.encode() + b"\0"
                        for k, v in macros.items())
        self.send(b"D", stage + body)

    def _cmd(self, cmd, data, skip_flag, noreply_flag):
        if self.steps & skip_flag:
            return None
        self.send(cmd, data)
        if self.steps & noreply_flag:
            return None
        return self.reply()

    def connect(self, host="client.example", addr="192.0.2.1"):
        data = (host.encode() + b"\0" + b"4" + struct.pack(">H", 25) +
                addr.encode() + b"\0")
        return self._cmd(b"C", data, SMFIP_NOCONNECT, SMFIP_NR_CONN)

    def helo(self, name="client.example"):
        return self._cmd(b"H", name.encode() + b"\0", SMFIP_NOHELO,
                         SMFIP_NR_HELO)

    def mail(self, sender, *params):
        data = b"".join(a.encode() + b"\0" for a in (sender,) + params)
        return self._cmd(b"M", data, SMFIP_NOMAIL, SMFIP_NR_MAIL)

    def rcpt(self, rcpt):
        return self._cmd(b"R", rcpt.encode() + b"\0", SMFIP_NORCPT,
                         SMFIP_NR_RCPT)

    def header(self, name, value):
        return self._cmd(b"L", name.encode() + b"\0" + value.encode() +
                         b"\0", SMFIP_NOHDRS, SMFIP_NR_HDR)

    def eoh(self):
        return self._cmd(b"N", b"", SMFIP_NOEOH, SMFIP_NR_EOH)

    def body(self, data):
        return self._cmd(b"B", data, SMFIP_NOBODY, SMFIP_NR_BODY)

    def eom(self):
        self.send(b"E")
        return self.reply()

    def abort(self):
        self.send(b"A")

    def quit(self):
        self.send(b"Q")
        self.sock.close()
