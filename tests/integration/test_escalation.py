#!/usr/bin/env python3
"""The escalation outbox in the running daemon, over the real channels, on
the manual test clock: a real SMTP server on 127.0.0.1 (aiosmtpd,
smtpsink.py) and a local webhook receiver (webhookrx.py) that take, refuse
(451, 503), hold their answer until the test lets go (a slow server), or
are down.

A threat reaches on-call at once and repeats until acknowledged; a
question warns the manager before its deadline and escalates after the
breach, step by step; a pile-on is one message; channels refusing, slow
and down for a simulated hour deliver everything afterwards, each message
once; kill -9 while messages are being sent loses nothing and doubles
nothing beyond the message in flight, which carries the same Message-ID or
idempotency key; no channel ever sees an unmasked personnummer or a
token; one dead channel of a contact never holds up its other channel."""
import datetime as dt
import email
import hashlib
import email.policy
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import unittest
import zoneinfo

from test_notify_channels import PYTHON_SMTPD, Sink
from vakttest import PATIENCE, TEST_RULES, VAKTD, VaktTestCase, main, wait_for
from webhookrx import WebhookReceiver

STHLM = zoneinfo.ZoneInfo("Europe/Stockholm")
USEC = 1_000_000
MANAGER = "kommunikation@demo.vakt.invalid"   # stadsledning's ManagerEmail=
ESCALATE = "jour@demo.vakt.invalid"           # stadsledning's EscalateEmail=
FALLBACK = "larm@demo.vakt.invalid"
ROTA = ("jour-a@demo.vakt.invalid", "jour-b@demo.vakt.invalid")
MATRIX_TOKEN = "syt_bWF0cml4_s3cr3tAccessTok3n"
SLACK_SECRET = "T000/B000/slackS3cretPathPart"


def us(y, mo, d, h, mi):
    return int(dt.datetime(y, mo, d, h, mi, tzinfo=STHLM).timestamp()) * USEC


def insert_item(db, account, platform_id, published, text, parent=None):
    con = sqlite3.connect(db, timeout=10)
    try:
        cur = con.execute(
            "INSERT INTO items(account_id, platform_id, kind, text, published_at, "
            "first_seen_at, last_seen_at, parent_id) VALUES (?,?,?,?,?,?,?,?)",
            (account, platform_id, "comment", text, published, published, published, parent))
        item = cur.lastrowid
        con.execute("INSERT INTO item_versions(item_id, seen_at, text, platform_state) "
                    "VALUES (?,?,?,'visible')", (item, published, text))
        con.commit()
        return item
    finally:
        con.close()


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.unix_path)


def api(d, method, path):
    c = UnixHTTP(d.socket)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, json.loads(r.read())
    finally:
        c.close()


class Receiver:
    """What reached people: every message the SMTP sink kept and every
    request the webhook receiver took, as records with the fields the
    tests look at (recipient, key, kind, level, count, subject, text, raw).
    The key is the e-mail's Message-ID, the webhook's Idempotency-Key, the
    Matrix transaction id; Teams and Slack carry none."""

    HOOKS = {"/hook": "webhook:chat", "/teams": "webhook:teams", "/slack/": "webhook:slack",
             "/_matrix/": "webhook:matrix"}

    def __init__(self, tmp):
        self.maildir = os.path.join(tmp, "mail")
        os.makedirs(self.maildir)
        self.control = os.path.join(tmp, "smtp.mode")
        self.sink = None
        self.port = 0
        self.smtp_up()
        self.hooks = WebhookReceiver()

    def smtp_up(self):
        env = {"SINK_CONTROL": self.control, "SINK_PORT": str(self.port)}
        self.sink = Sink(self.maildir, env=env)
        self.port = self.sink.port

    def smtp_down(self):
        self.sink.stop()

    def stop(self):
        if self.sink.proc.poll() is None:
            self.sink.stop()
        self.hooks.stop()

    def set_mode(self, mode, smtp=True, web=True):
        """ok, refuse or hold, for the SMTP server and the webhooks."""
        if smtp:
            with open(self.control, "w") as f:
                f.write(mode)
        if web:
            self.hooks.set_mode(mode)

    def config(self, matrix_token_file, slack_url_file):
        return ("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\n"
                "From=vakt@demo.vakt.invalid\nTimeoutSec=300\n"
                "[Webhook chat]\nType=json\nUrl=%s\nTimeoutSec=300\n"
                "[Webhook teams]\nType=teams\nUrl=%s\nTimeoutSec=300\n"
                "[Webhook slack]\nType=slack\nUrlFile=%s\nTimeoutSec=300\n"
                "[Webhook matrix]\nType=matrix\nHomeserver=%s\nRoom=!vakt:demo.invalid\n"
                "AccessTokenFile=%s\nTimeoutSec=300\n"
                % (self.port, self.hooks.url("/hook"), self.hooks.url("/teams"),
                   slack_url_file, self.hooks.url(""), matrix_token_file))

    def mails(self):
        out = []
        for n in sorted(x for x in os.listdir(self.maildir) if x.endswith(".eml")):
            with open(os.path.join(self.maildir, n), "rb") as f:
                raw = f.read()
            m = email.message_from_bytes(raw, policy=email.policy.default)
            text = m.get_body(("plain",)).get_content().replace("\r\n", "\n")
            for rcpt in m["X-Envelope-To"].split(","):
                out.append({"channel": "email", "recipient": rcpt, "key": m["Message-ID"],
                            "kind": m["X-Vakt-Kind"], "level": int(m["X-Vakt-Level"]),
                            "subject": str(m["Subject"]), "text": text, "mail": m,
                            "raw": text + "\n" + str(m["Subject"]) + "\n" +
                            raw.decode("utf-8", "replace")})
        return out

    def webhooks(self):
        out = []
        for r in self.hooks.received():
            to = next(v for k, v in self.HOOKS.items() if r["path"].startswith(k))
            j = r["json"] or {}
            key = r["headers"].get("idempotency-key")
            if to == "webhook:matrix":
                key = r["path"].rsplit("/", 1)[-1]
            elif not key:  # Teams and Slack: the message itself
                key = hashlib.sha256(r["body"].encode()).hexdigest()
            out.append({"channel": "webhook", "recipient": to, "key": key,
                        "kind": j.get("kind"), "level": j.get("level"), "count": j.get("count"),
                        "subject": j.get("subject", ""), "text": j.get("text", ""),
                        "raw": r["body"], "headers": r["headers"]})
        return out

    def events(self):
        return self.mails() + self.webhooks()

    def to(self, recipient):
        return [e for e in self.events() if e["recipient"] == recipient]

    def delivered(self):
        """What the application sees: each (recipient, key) once."""
        seen = {}
        for e in self.events():
            seen.setdefault((e["recipient"], e["key"]), e)
        return seen


@unittest.skipUnless(PYTHON_SMTPD, "no python3 with aiosmtpd (scripts/install-deps.sh installs it)")
class Escalation(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.rx = Receiver(self.tmp)
        self.addCleanup(self.rx.stop)
        token = os.path.join(self.tmp, "matrix.token")
        with open(token, "w") as f:
            f.write(MATRIX_TOKEN + "\n")
        slack = os.path.join(self.tmp, "slack.url")
        with open(slack, "w") as f:
            f.write(self.rx.hooks.url("/slack/" + SLACK_SECRET) + "\n")
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")
        self.write("vaktd.conf.d/91-channels.conf", self.rx.config(token, slack))
        self.write("vaktd.conf.d/92-escalation.conf",
                   "[Escalation]\nFallback=%s\nRepeatEvery=1h\nRetryInitial=1min\n"
                   "RetryMax=10min\nThreat=oncall webhook:chat\n"
                   "BreachStep1=0min: manager\nBreachStep2=2h: escalate\n"
                   "[OnCall]\nRota=%s\nHandover=mon 08:00\n" % (FALLBACK, " ".join(ROTA)))

    def tearDown(self):
        # A held answer would keep vaktd's SMTP threads waiting at its stop.
        self.rx.set_mode("ok")
        super().tearDown()

    def manual(self, start):
        return self.vaktd("--test-clock", start + ",manual").start().settle()

    def escalations(self, d):
        return json.loads(d.ctl("escalations", "--json").stdout)["escalations"]

    def deliveries(self, d, where="1"):
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"), timeout=10)
        try:
            return con.execute("SELECT recipient, state, attempts, round, level FROM "
                               "deliveries WHERE " + where).fetchall()
        finally:
            con.close()

    def threat(self, d, pid, text="jag ska doda dig", parent=None, at=(2026, 11, 21, 22, 59)):
        item = insert_item(os.path.join(d.state_dir, "vakt.db"), "stockholm-fb", pid,
                           us(*at), text, parent)
        d.ctl("item", str(item), "--evaluate")
        return item

    def oncall(self, d):
        return json.loads(d.ctl("oncall", "--json").stdout)

    def assert_each_message_once(self):
        keys = [(e["recipient"], e["key"]) for e in self.rx.events()]
        self.assertEqual(sorted(keys), sorted(set(keys)), "a message reached someone twice")

    def test_threat_reaches_oncall_at_once_and_repeats_until_ack(self):
        d = self.manual("2026-11-21T23:00:00+01:00")  # Saturday night
        oncall = self.oncall(d)
        self.assertEqual("rota", oncall["source"])
        jour = oncall["oncall"]
        self.assertIn(jour, ROTA)
        item = self.threat(d, "9_1")
        # No clock moves: the verdict's commit wakes the outbox, and the
        # mail is at the server within seconds.
        [m] = wait_for(lambda: self.rx.to(jour), "threat by mail to on-call")
        self.assertEqual("threat", m["kind"])
        mail = m["mail"]
        self.assertEqual("vakt@demo.vakt.invalid", mail["From"])
        self.assertRegex(mail["Message-ID"], r"^<[0-9a-f]{32}@[a-z0-9.-]+>$")
        # What to act on: the rule and the statute it serves, the tier.
        self.assertIn("sv.threat.kill-direct: Direct death threat", m["text"])
        self.assertIn("BrB 4:5 olaga hot", m["text"])
        self.assertIn("Nivå: obvious", m["text"])
        self.assertIn("vaktctl ack", m["text"])
        # The chat channel of the route, with its idempotency key.
        [w] = wait_for(lambda: self.rx.to("webhook:chat"), "threat to the chat webhook")
        self.assertEqual(("threat", 0, 1), (w["kind"], w["level"], w["count"]))
        self.assertIn("BrB 4:5 olaga hot", w["text"])
        self.assertTrue(w["key"])
        # Work environment: the unit's manager hears of it too.
        wait_for(lambda: self.rx.to(MANAGER), "threat to the manager")
        [e] = self.escalations(d)
        self.assertEqual(item, e["item"])
        # Repeats hourly until acknowledged, under a new key.
        d.advance("1h")
        wait_for(lambda: len(self.rx.to(jour)) == 2, "repeat by mail")
        self.assertEqual("repeat", self.rx.to(jour)[1]["kind"])
        wait_for(lambda: len(self.rx.to("webhook:chat")) == 2, "repeat to the chat")
        self.assertNotEqual(self.rx.to(jour)[0]["key"], self.rx.to(jour)[1]["key"])
        self.assertIn("acknowledged", d.ctl("ack", str(e["id"])).stdout)
        d.advance("3h")
        # (The comment's own review deadline may warn the manager meanwhile.)
        self.assertEqual(2, len(self.rx.to(jour)))
        self.assertEqual(2, len(self.rx.to("webhook:chat")))
        self.assertEqual(1, d.ctl("ack", str(e["id"]), check=False).returncode)
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        self.assertEqual(1, con.execute("SELECT count(*) FROM audit_log WHERE "
                                        "action='escalation.ack'").fetchone()[0])
        con.close()
        self.assert_each_message_once()

    def test_pileon_is_one_message_and_masked_on_every_channel(self):
        self.write("vaktd.conf.d/93-threat.conf",
                   "[Escalation]\nThreat=oncall webhook:chat webhook:teams webhook:slack "
                   "webhook:matrix\n")
        d = self.manual("2026-11-21T23:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        jour = self.oncall(d)["oncall"]
        post = insert_item(db, "stockholm-fb", "post", us(2026, 11, 21, 20, 0), "Vårt inlägg")
        items = [self.threat(d, "c%d" % i, "jag ska doda dig, pnr 19811218-9876", post,
                             (2026, 11, 21, 22, 50 + i)) for i in range(4)]
        channels = (jour, "webhook:chat", "webhook:teams", "webhook:slack", "webhook:matrix")
        for c in channels:
            wait_for(lambda: self.rx.to(c), "the pile-on to " + c)
        [e] = self.escalations(d)
        self.assertEqual((4, "pileon"), (e["count"], e["kind"]))
        # One message per channel, not four.
        for c in channels:
            self.assertEqual(1, len(self.rx.to(c)), c)
        # The reminder carries the count and the list.
        d.advance("1h")
        [r] = wait_for(lambda: self.rx.to("webhook:chat")[1:], "the reminder")
        self.assertEqual(4, r["count"])
        [m] = wait_for(lambda: self.rx.to(jour)[1:], "the reminder by mail")
        for i in items:
            self.assertIn(str(i), m["text"])
        for c in channels:
            wait_for(lambda: len(self.rx.to(c)) == 2, "the reminder to " + c)
        # No channel ever sees the personnummer (the text is the verdict's
        # masked one: the birth date stays, the rest is hidden), nor a
        # token or a webhook's secret URL, in any body.
        for ev in self.rx.events():
            for secret in ("9876", MATRIX_TOKEN, SLACK_SECRET):
                self.assertNotIn(secret, ev["raw"], ev["recipient"])
            self.assertIn("19811218-****", ev["raw"], ev["recipient"])
        # The Matrix token travels only as the request's credential.
        [mx] = self.rx.hooks.received("/_matrix/")[:1]
        self.assertEqual("PUT", mx["method"])
        self.assertEqual("Bearer " + MATRIX_TOKEN, mx["headers"]["authorization"])
        self.assert_each_message_once()

    def test_route_test_reaches_every_route(self):
        d = self.manual("2026-11-23T10:00:00+01:00")
        self.assertIn("test", d.ctl("test-route", "stockholm-fb").stdout)
        want = {MANAGER, ESCALATE, FALLBACK, "webhook:chat", self.oncall(d)["oncall"]}
        wait_for(lambda: {e["recipient"] for e in self.rx.events()} >= want, "every route")
        self.assertEqual({"test"}, {e["kind"] for e in self.rx.events()})
        self.assertEqual(1, d.ctl("test-route", "no-such-account", check=False).returncode)

    def test_question_warns_manager_then_breach_steps(self):
        d = self.manual("2026-11-20T16:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", "1_2", us(2026, 11, 20, 15, 45),
                           "När öppnar badhuset igen?")
        r = json.loads(d.ctl("clock", "start", str(item), "respond", "--json").stdout)
        d.set_clock("2026-11-23T13:29:00+01:00")
        self.assertEqual([], self.rx.events())
        d.set_clock("2026-11-23T13:30:00+01:00")
        w = wait_for(lambda: self.rx.to(MANAGER), "warning to the manager")
        self.assertEqual("warning", w[0]["kind"])
        # Due 15:45, warned 13:30: 2 h 15 min of office hours left.
        self.assertIn("Arbetstid kvar: 2h 15min", w[0]["text"])
        d.set_clock("2026-11-23T15:45:00+01:00")
        b = wait_for(lambda: [e for e in self.rx.to(MANAGER) if e["kind"] == "breach"],
                     "breach to the manager")
        self.assertEqual(0, b[0]["level"])
        # Two hours after the breach: the unit's escalation contact.
        d.set_clock("2026-11-23T17:45:00+01:00")
        [s] = wait_for(lambda: self.rx.to(ESCALATE), "second step")
        self.assertEqual(("breach", 1), (s["kind"], s["level"]))
        # Answering the question stops everything about it.
        d.ctl("clock", "met", str(r["deadline"]))
        n = len(self.rx.events())
        d.advance("5h")
        self.assertEqual(n, len(self.rx.events()))
        pend = json.loads(d.ctl("escalations", "--pending", "--json").stdout)["escalations"]
        self.assertEqual([], pend)
        self.assert_each_message_once()

    def test_kill_while_sending_loses_nothing_and_doubles_only_the_message_in_flight(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        # "I take tonight": the override wins over the rota.
        d.ctl("oncall", "take", "natt@demo.vakt.invalid", "12h")
        self.assertEqual("override", self.oncall(d)["source"])
        # Both servers take the message, then hold the answer: vaktd is
        # killed while it waits for it.
        self.rx.set_mode("hold")
        self.threat(d, "9_2")
        wait_for(lambda: len(self.rx.mails()) >= 2 and self.rx.webhooks(), "messages in flight")
        sending = self.deliveries(d, "state='sending'")
        self.assertEqual({"natt@demo.vakt.invalid", MANAGER, "webhook:chat"},
                         {x[0] for x in sending})
        d.signal(signal.SIGKILL)
        d.wait_exit()
        self.rx.set_mode("ok")
        d2 = self.manual("2026-11-21T23:05:00+01:00")
        wait_for(lambda: all(x[1] == "sent" for x in self.deliveries(d2)), "every delivery sent")
        self.assertIn("sending them again", d2.log())
        # Nothing lost: every delivery reached its recipient.
        got = self.rx.delivered()
        for rcpt, _, _, _, _ in self.deliveries(d2):
            self.assertTrue([k for k in got if k[0] == rcpt], rcpt)
        # Doubled only what was in flight, under the same Message-ID or
        # idempotency key, so the receiver drops the repeat: after that,
        # each message once.
        events = self.rx.events()
        self.assertLessEqual(len(events) - len(got), len(sending))
        for rcpt, _, _, _, _ in sending:
            self.assertEqual(1, len({e["key"] for e in events if e["recipient"] == rcpt}))

    def finish_outage(self, d, rcpts):
        d.advance("20min")
        wait_for(lambda: {e["recipient"] for e in self.rx.events()} >= set(rcpts),
                 "delivered once the channels are back")
        wait_for(lambda: all(x[1] == "sent" for x in self.deliveries(d, "round=0")),
                 "every first message sent")
        self.assert_each_message_once()

    def test_channels_refusing_for_an_hour_then_everything_once(self):
        self.rx.set_mode("refuse")
        d = self.manual("2026-11-21T23:00:00+01:00")
        jour = self.oncall(d)["oncall"]
        self.threat(d, "9_3")
        wait_for(lambda: len(self.deliveries(d, "state='retrying'")) == 3, "refused, to retry")
        for _ in range(6):
            d.advance("10min")
            wait_for(lambda: not self.deliveries(d, "state='sending'"), "the attempts answered")
        # Backing off: several attempts each, none taken.
        self.assertEqual([], self.rx.events())
        first = self.deliveries(d, "round=0")
        self.assertTrue(all(x[1] == "retrying" and 3 <= x[2] < 30 for x in first), first)
        self.rx.set_mode("ok")
        self.finish_outage(d, {jour, MANAGER, "webhook:chat"})

    def test_channels_down_for_an_hour_then_everything_once(self):
        self.rx.smtp_down()
        self.rx.hooks.down()
        d = self.manual("2026-11-21T23:00:00+01:00")
        jour = self.oncall(d)["oncall"]
        self.threat(d, "9_4")
        wait_for(lambda: len(self.deliveries(d, "state='retrying'")) == 3, "down, to retry")
        for _ in range(6):
            d.advance("10min")
            wait_for(lambda: not self.deliveries(d, "state='sending'"), "the attempts answered")
        first = self.deliveries(d, "round=0")
        self.assertTrue(all(x[1] == "retrying" and x[2] >= 3 for x in first), first)
        # Back where they were.
        self.rx.smtp_up()
        self.rx.hooks.up()
        self.finish_outage(d, {jour, MANAGER, "webhook:chat"})

    def test_channels_slow_for_an_hour_then_everything_once(self):
        self.rx.set_mode("hold")
        d = self.manual("2026-11-21T23:00:00+01:00")
        jour = self.oncall(d)["oncall"]
        self.threat(d, "9_5")
        wait_for(lambda: len(self.rx.mails()) == 2 and self.rx.webhooks(), "messages held")
        # A simulated hour while the servers sit on their answers: vaktd
        # waits for them, it does not send the same messages again.
        for _ in range(6):
            d.advance("10min")
        first = self.deliveries(d, "round=0")
        self.assertTrue(all(x[1] == "sending" and x[2] == 1 for x in first), first)
        self.rx.set_mode("ok")
        self.finish_outage(d, {jour, MANAGER, "webhook:chat"})

    def test_one_dead_channel_of_a_contact_never_blocks_the_other(self):
        # On call is a contact reached by mail and in the chat.
        self.write("vaktd.conf.d/93-contact.conf",
                   "[Contact jour]\nEmail=jour-a@demo.vakt.invalid\nWebhook=chat\n"
                   "[Escalation]\nThreat=oncall\n[OnCall]\nRota=contact:jour\n")
        d = self.manual("2026-11-21T23:00:00+01:00")
        self.assertEqual("contact:jour", self.oncall(d)["oncall"])
        # The chat is down: the mail still arrives at once.
        self.rx.hooks.down()
        self.threat(d, "9_6")
        wait_for(lambda: self.rx.to(ROTA[0]), "the mail, while the chat is down")
        wait_for(lambda: self.deliveries(d, "recipient='webhook:chat' AND state='retrying'"),
                 "the chat waiting for its retry")
        # The mail server hangs on its answer: the chat still gets the
        # next threat at once (and the mail of it waits, nothing else).
        self.rx.hooks.up()
        d.advance("15min")  # past the retry, and the pile-on window
        wait_for(lambda: self.rx.to("webhook:chat"), "the first threat, once the chat is back")
        self.rx.set_mode("hold", web=False)
        self.threat(d, "9_7", at=(2026, 11, 21, 23, 14))
        wait_for(lambda: len(self.escalations(d)) == 2, "the second threat")
        wait_for(lambda: len(self.rx.to("webhook:chat")) == 2,
                 "the chat, while the mail server hangs")
        self.rx.set_mode("ok")
        wait_for(lambda: all(x[1] == "sent" for x in self.deliveries(d)), "everything sent")
        self.assert_each_message_once()

    def test_signed_link_acknowledges_once_and_expires(self):
        keyfile = os.path.join(self.tmp, "ack.key")
        with open(keyfile, "w") as f:
            f.write("k" * 32)
        self.write("vaktd.conf.d/93-links.conf",
                   "[Escalation]\nPublicBaseUrl=https://vakt.example.se\n"
                   "AckKeyFile=%s\nAckLinkValid=2d\n" % keyfile)
        d = self.manual("2026-11-21T23:00:00+01:00")
        self.threat(d, "9_8")
        msg = wait_for(lambda: self.rx.mails(), "a message")[0]
        token = re.search(r"https://vakt\.example\.se/v1/ack/([0-9a-f.]+)", msg["text"]).group(1)
        # Fetching (a mail scanner) shows, never acknowledges.
        st, body = api(d, "GET", "/v1/ack/" + token)
        self.assertEqual(200, st)
        self.assertIsNone(body["acknowledged_at"])
        bad = token[:-1] + ("0" if token[-1] != "0" else "1")
        self.assertEqual(403, api(d, "POST", "/v1/ack/" + bad)[0])
        st, body = api(d, "POST", "/v1/ack/" + token)
        self.assertEqual(200, st)
        self.assertEqual(msg["recipient"], body["acknowledged_by"])
        self.assertEqual(409, api(d, "POST", "/v1/ack/" + token)[0])
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        self.assertEqual([("link:" + msg["recipient"],)], con.execute(
            "SELECT actor FROM audit_log WHERE action='escalation.ack'").fetchall())
        con.close()
        d.advance("2d")
        self.assertEqual(410, api(d, "GET", "/v1/ack/" + token)[0])

    def test_reload_refuses_a_bad_route_and_takes_a_good_one(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        self.write("vaktd.conf.d/94-oncall.conf", "[OnCall]\nShift1=2026-11-21T20:00 "
                   "2026-11-22T08:00 webhook:missing\n")
        r = d.ctl("reload", check=False)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("94-oncall.conf:2: 'webhook:missing'", r.stderr)
        self.assertEqual("rota", self.oncall(d)["source"])
        self.write("vaktd.conf.d/94-oncall.conf", "[OnCall]\nShift1=2026-11-21T20:00 "
                   "2026-11-22T08:00 helg@demo.vakt.invalid\n")
        d.ctl("reload")
        now = self.oncall(d)
        self.assertEqual(("helg@demo.vakt.invalid", "shift"), (now["oncall"], now["source"]))
        # An override must name someone vakt can reach.
        r = d.ctl("oncall", "take", "contact:nobody", "1h", check=False)
        self.assertNotEqual(0, r.returncode)

    def check_config(self):
        r = subprocess.run([VAKTD, "--check-config", "--config", self.config_dir],
                           capture_output=True, text=True, timeout=PATIENCE * 3,
                           env=dict(os.environ, VAKT_RULES_DIR=TEST_RULES))
        return r.returncode, r.stdout + r.stderr

    def test_route_that_ends_nowhere_is_refused(self):
        self.write("vaktd.conf.d/92-escalation.conf",
                   "[Escalation]\nBreachStep1=0min: safety\n")
        rc, out = self.check_config()
        self.assertEqual(1, rc, out)
        self.assertIn("92-escalation.conf:2", out)
        self.assertIn("end nowhere", out)

    def test_mail_with_no_email_section_is_refused(self):
        # Without [Email], every address (the units', the fallback, the
        # rota's) ends nowhere: refused, each where it is written.
        os.remove(os.path.join(self.config_dir, "vaktd.conf.d", "91-channels.conf"))
        conf = os.path.join(self.config_dir, "vaktd.conf")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text[:text.index("[Email]")])
        self.write("vaktd.conf.d/92-escalation.conf",
                   "[Escalation]\nFallback=%s\n[OnCall]\nRota=%s\n" % (FALLBACK, ROTA[0]))
        rc, out = self.check_config()
        self.assertEqual(1, rc, out)
        self.assertRegex(out, r"vaktd\.conf:\d+: \[Unit kultur\] ManagerEmail=kultur-chef@"
                              r"demo\.vakt\.invalid: no \[Email\] section")
        self.assertIn("92-escalation.conf:2: '%s' is an e-mail address, but no [Email]"
                      % FALLBACK, out)
        self.assertIn("92-escalation.conf:4: '%s' is an e-mail address" % ROTA[0], out)
        # Given [Email], the same configuration passes.
        self.write("vaktd.conf.d/95-mail.conf",
                   "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\n"
                   "From=vakt@demo.vakt.invalid\n" % self.rx.port)
        rc, out = self.check_config()
        self.assertEqual(0, rc, out)


if __name__ == "__main__":
    main()
