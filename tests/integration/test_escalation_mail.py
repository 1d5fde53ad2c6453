#!/usr/bin/env python3
"""Escalations by e-mail end to end: the real vaktd (the shipped channels,
not the fake) and a real SMTP server on 127.0.0.1 (aiosmtpd, smtpsink.py).
A threat reaches on-call and the unit's manager as proper mail; a server
that is down for a while gets everything once it is back, each message
once (the same Message-ID is never delivered twice)."""
import json
import os
import sqlite3
import unittest

from test_escalation import insert_item, us
from test_notify_channels import PYTHON_SMTPD, Sink, closed_port
from vakttest import VaktTestCase, main, wait_for


@unittest.skipUnless(PYTHON_SMTPD, "no python3 with aiosmtpd (scripts/install-deps.sh installs it)")
class EscalationMail(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.outdir = os.path.join(self.tmp, "mail")
        os.makedirs(self.outdir)
        self.sink = None

    def start_sink(self):
        self.sink = Sink(self.outdir)
        self.addCleanup(self.sink.stop)
        return self.sink.port

    def configure(self, port):
        self.write("vaktd.conf.d/90-mail.conf",
                   "[Daemon]\nTickSec=60\n"
                   "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\nFrom=vakt@demo.vakt.invalid\n"
                   "TimeoutSec=10\n"
                   "[Escalation]\nFallback=larm@demo.vakt.invalid\nRetryInitial=1min\n"
                   "[OnCall]\nRota=jour@demo.vakt.invalid\nHandover=mon 08:00\n" % port)

    def mails_to(self, addr):
        return [m for m in self.sink.messages() if addr in m["To"]]

    def threat(self, d, pid="9_1"):
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", pid, us(2026, 11, 21, 22, 59), "jag ska doda dig")
        d.ctl("item", str(item), "--evaluate")
        return item

    def test_threat_reaches_oncall_by_mail(self):
        port = self.start_sink()
        self.configure(port)
        d = self.vaktd("--test-clock", "2026-11-21T23:00:00+01:00,manual").start()
        self.threat(d)
        [m] = wait_for(lambda: self.mails_to("jour@demo.vakt.invalid"), "mail to on-call")
        self.assertEqual("vakt@demo.vakt.invalid", m["From"])
        self.assertTrue(m["Message-ID"].startswith("<") and m["Message-ID"].endswith(">"))
        body = m.get_body(("plain",)).get_content()
        self.assertIn("olaga hot", body)
        self.assertIn("vaktctl ack", body)
        wait_for(lambda: self.mails_to("kommunikation@demo.vakt.invalid"), "mail to the manager")
        esc = json.loads(d.ctl("escalations", "--json").stdout)["escalations"]
        self.assertEqual(1, len(esc))

    def test_server_down_then_everything_once(self):
        self.configure(closed_port())
        d = self.vaktd("--test-clock", "2026-11-21T23:00:00+01:00,manual").start()
        self.threat(d)
        db = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"), timeout=10)
        self.addCleanup(db.close)

        def retrying():
            return db.execute("SELECT count(*) FROM deliveries WHERE state = 'retrying'").fetchone()[0]
        # Nothing listens: the attempts fail and wait for their retry.
        wait_for(retrying, "deliveries waiting to be retried")
        d.advance("30min")
        # The server comes up (on another port: the configuration follows
        # with a reload); everything waiting goes out, each message once.
        self.configure(self.start_sink())
        d.ctl("reload")
        d.advance("2h")
        wait_for(lambda: self.mails_to("jour@demo.vakt.invalid")
                 and self.mails_to("kommunikation@demo.vakt.invalid"), "mail after the outage")
        d.advance("3h")
        # One message to several people shares its Message-ID; to one
        # person it never arrives twice.
        got = [(m["To"], m["Message-ID"]) for m in self.sink.messages()]
        self.assertEqual(len(got), len(set(got)), "a message reached someone twice")
        self.assertEqual(0, retrying())


if __name__ == "__main__":
    main()
