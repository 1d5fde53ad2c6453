"""An SMTP server on 127.0.0.1 for vakt's tests and benchmark, built on
aiosmtpd (Debian's python3-aiosmtpd, installed by scripts/install-deps.sh).

    python3 smtpsink.py OUTDIR [USER PASSWORD]

Prints the port it listens on, then keeps every accepted message as
OUTDIR/NNNNNN.eml (written whole, then renamed into place).  OUTDIR "-"
keeps nothing (the benchmark).  With USER and PASSWORD, AUTH is required
(without TLS: the test runs on the loopback only).  With SINK_TLS_CERT and
SINK_TLS_KEY in the environment (PEM files) it offers STARTTLS.

With SINK_STAMPS (a file), the arrival of every message it takes is
appended there as time.monotonic() (the benchmark's clock: CLOCK_MONOTONIC,
the same in every process).  With SINK_PORT it listens on that port (to come back where it was after
a test took it down).  With SINK_CONTROL (a file), the whole server
misbehaves as the file says, read at every message:
    ok       take it (also when the file is missing or empty)
    refuse   DATA answered 451 after the message (try again later)
    hold     keep the message, then hold the answer until the file says
             something else (a slow server, or one that took the message
             while the client died: the test decides, not a timer)

The recipient's local part chooses a misbehaviour, so one server covers
every case:
    full@...      RCPT answered 452 (mailbox full: temporary)
    unknown@...   RCPT answered 550 (no such user: permanent)
    tempfail@...  DATA answered 451 after the message (try again later)
    reject@...    DATA answered 554 after the message (policy: permanent)
    slow@...      DATA never answered (the client's timeout)
"""
import asyncio
import itertools
import os
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


STAMPS = open(os.environ["SINK_STAMPS"], "a") if os.environ.get("SINK_STAMPS") else None


def control():
    path = os.environ.get("SINK_CONTROL")
    try:
        with open(path) as f:
            return f.read().strip() or "ok"
    except (TypeError, FileNotFoundError):
        return "ok"


class Handler:
    def __init__(self, outdir):
        self.outdir = outdir
        # A sink started again on the same OUTDIR (after being down) goes on
        # numbering where the last one stopped.
        kept = [int(n[:6]) for n in os.listdir(outdir) if n.endswith(".eml")] if outdir != "-" else []
        self.seq = itertools.count(max(kept, default=0) + 1)

    def keep(self, envelope):
        if self.outdir == "-":
            return
        n = next(self.seq)
        tmp = os.path.join(self.outdir, ".%06d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(b"X-Envelope-From: %s\r\n" % envelope.mail_from.encode())
            f.write(b"X-Envelope-To: %s\r\n" % ",".join(envelope.rcpt_tos).encode())
            f.write(envelope.original_content)
        os.rename(tmp, os.path.join(self.outdir, "%06d.eml" % n))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "full":
            return "452 4.2.2 Mailbox full"
        if local == "unknown":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        locals_ = {a.split("@")[0] for a in envelope.rcpt_tos}
        if "slow" in locals_:
            await asyncio.sleep(3600)
        if "tempfail" in locals_:
            return "451 4.3.0 Try again later"
        if "reject" in locals_:
            return "554 5.7.1 Rejected by policy"
        mode = control()
        if mode == "refuse":
            return "451 4.3.0 Try again later"
        self.keep(envelope)
        if STAMPS:
            STAMPS.write("%.6f\n" % time.monotonic())
            STAMPS.flush()
        while mode == "hold":
            await asyncio.sleep(0.02)
            mode = control()
        return "250 2.0.0 OK queued"


def main():
    outdir = sys.argv[1]
    creds = (sys.argv[2].encode(), sys.argv[3].encode()) if len(sys.argv) > 3 else None

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == creds
        return AuthResult(success=ok, handled=False)

    handler = Handler(outdir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    tls = None
    if os.environ.get("SINK_TLS_CERT"):
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(os.environ["SINK_TLS_CERT"], os.environ["SINK_TLS_KEY"])

    def factory():
        kw = {}
        if creds:
            kw = dict(auth_required=True, auth_require_tls=False, authenticator=authenticator)
        if tls:
            kw["tls_context"] = tls
        return SMTP(handler, hostname="sink.test", data_size_limit=1 << 22, **kw)

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", int(os.environ.get("SINK_PORT", "0")),
                                                   backlog=1024))
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    main()
