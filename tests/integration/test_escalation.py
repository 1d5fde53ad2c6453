#!/usr/bin/env python3
"""The escalation outbox in the running daemon, on the manual test clock:
a threat reaches on-call at once; a question warns the manager before its
deadline and escalates after the breach, step by step, repeating until
acknowledged; kill -9 while a delivery is being sent loses nothing and,
per Message-ID, doubles nothing.

Until the delivery channels (daemon/notify/, the channels branch) are
merged, vaktd delivers through tests/fake-notify/, which appends every
attempt and every accepted message to $VAKT_FAKE_NOTIFY as JSON lines and
reads how to answer from $VAKT_FAKE_NOTIFY.mode.  `Receiver` below is the
only part that knows this: with the real channels it becomes a local SMTP
or webhook receiver recording the same fields."""
import datetime as dt
import http.client
import json
import os
import re
import socket
import signal
import sqlite3
import zoneinfo

from vakttest import VaktTestCase, main, wait_for

STHLM = zoneinfo.ZoneInfo("Europe/Stockholm")
USEC = 1_000_000


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
    """What reached people (the fake notify's record)."""

    def __init__(self, path):
        self.path = path

    def set_mode(self, mode):
        with open(self.path + ".mode", "w") as f:
            f.write(mode)

    def events(self, event="sent"):
        try:
            with open(self.path) as f:
                return [e for e in map(json.loads, f) if e["event"] == event]
        except FileNotFoundError:
            return []

    def to(self, recipient):
        return [e for e in self.events() if e["recipient"] == recipient]


class Escalation(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")
        self.write("vaktd.conf.d/91-escalation.conf",
                   "[Escalation]\nFallback=larm@demo.vakt.invalid\nRepeatEvery=1h\n"
                   "BreachStep1=0min: manager\nBreachStep2=2h: escalate\n"
                   "[OnCall]\nRota=jour-a@demo.vakt.invalid jour-b@demo.vakt.invalid\n"
                   "Handover=mon 08:00\n")
        self.rx = Receiver(os.path.join(self.tmp, "sent.jsonl"))

    def manual(self, start):
        return self.vaktd("--test-clock", start + ",manual",
                          env={"VAKT_FAKE_NOTIFY": self.rx.path}).start()

    def escalations(self, d):
        return json.loads(d.ctl("escalations", "--json").stdout)["escalations"]

    def test_threat_reaches_oncall_at_once_and_repeats_until_ack(self):
        d = self.manual("2026-11-21T23:00:00+01:00")  # Saturday night
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", "9_1", us(2026, 11, 21, 22, 59),
                           "jag ska doda dig")
        oncall = json.loads(d.ctl("oncall", "--json").stdout)
        self.assertEqual("rota", oncall["source"])
        jour = oncall["oncall"]
        self.assertIn(jour, ("jour-a@demo.vakt.invalid", "jour-b@demo.vakt.invalid"))
        d.ctl("item", str(item), "--evaluate")
        # No clock moves: the verdict's commit wakes the outbox.
        sent = wait_for(lambda: self.rx.to(jour), "threat to on-call")
        self.assertEqual("threat", sent[0]["kind"])
        # What to act on: the rule and the statute it serves, the tier.
        self.assertIn("sv.threat.kill-direct: Direct death threat", sent[0]["text"])
        self.assertIn("BrB 4:5 olaga hot", sent[0]["text"])
        self.assertIn("Nivå: obvious", sent[0]["text"])
        # Work environment: the unit's manager hears of it too.
        wait_for(lambda: self.rx.to("kommunikation@demo.vakt.invalid"), "threat to manager")
        [e] = self.escalations(d)
        self.assertEqual(item, e["item"])
        # Repeats hourly until acknowledged.
        d.advance("1h")
        wait_for(lambda: len(self.rx.to(jour)) == 2, "repeat")
        self.assertEqual("repeat", self.rx.to(jour)[1]["kind"])
        out = d.ctl("ack", str(e["id"])).stdout
        self.assertIn("acknowledged", out)
        d.advance("3h")
        self.assertEqual(2, len(self.rx.to(jour)))
        self.assertEqual(1, d.ctl("ack", str(e["id"]), check=False).returncode)
        con = sqlite3.connect(db)
        self.assertEqual(1, con.execute("SELECT count(*) FROM audit_log WHERE "
                                        "action='escalation.ack'").fetchone()[0])
        con.close()
        # Every message carries its own stable key: none twice.
        keys = [(e["recipient"], e["key"]) for e in self.rx.events()]
        self.assertEqual(len(keys), len(set(keys)))

    def test_pileon_is_one_message_with_a_count_and_masked(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        jour = json.loads(d.ctl("oncall", "--json").stdout)["oncall"]
        post = insert_item(db, "stockholm-fb", "post", us(2026, 11, 21, 20, 0), "Vårt inlägg")
        items = [insert_item(db, "stockholm-fb", "c%d" % i, us(2026, 11, 21, 22, 50 + i),
                             "jag ska doda dig, pnr 19811218-9876", parent=post)
                 for i in range(4)]
        for item in items:
            d.ctl("item", str(item), "--evaluate")
        wait_for(lambda: self.rx.to(jour), "the first hit to on-call")
        [e] = self.escalations(d)
        self.assertEqual(4, e["count"])
        self.assertEqual("pileon", e["kind"])
        self.assertEqual(1, len(self.rx.to(jour)))
        # The reminder carries the count and the list.
        d.advance("1h")
        msgs = wait_for(lambda: self.rx.to(jour)[1:], "the reminder")
        self.assertEqual(4, msgs[0]["count"])
        for i in items:
            self.assertIn(str(i), msgs[0]["text"])
        # No channel ever sees the personnummer: the text is the verdict's
        # masked one (the filter's mask keeps the birth date, hides the rest).
        for m in self.rx.events("attempt"):
            self.assertNotIn("9876", m["text"] + m["subject"])
            self.assertIn("19811218-****", m["text"])

    def test_route_test_reaches_every_route(self):
        d = self.manual("2026-11-23T10:00:00+01:00")
        out = d.ctl("test-route", "stockholm-fb").stdout
        self.assertIn("test", out)
        want = {"kommunikation@demo.vakt.invalid", "jour@demo.vakt.invalid",
                "larm@demo.vakt.invalid",
                json.loads(d.ctl("oncall", "--json").stdout)["oncall"]}
        wait_for(lambda: {e["recipient"] for e in self.rx.events()} >= want, "every route")
        self.assertTrue(all(e["kind"] == "test" for e in self.rx.events()))
        self.assertEqual(1, d.ctl("test-route", "no-such-account", check=False).returncode)

    def test_question_warns_manager_then_breach_steps(self):
        d = self.manual("2026-11-20T16:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", "1_2", us(2026, 11, 20, 15, 45),
                           "När öppnar badhuset igen?")
        r = json.loads(d.ctl("clock", "start", str(item), "respond", "--json").stdout)
        manager = "kommunikation@demo.vakt.invalid"
        d.set_clock("2026-11-23T13:29:00+01:00")
        self.assertEqual([], self.rx.events())
        d.set_clock("2026-11-23T13:30:00+01:00")
        w = wait_for(lambda: self.rx.to(manager), "warning to the manager")
        self.assertEqual("warning", w[0]["kind"])
        # Due 15:45, warned 13:30: 2 h 15 min of office hours left.
        self.assertIn("Arbetstid kvar: 2h 15min", w[0]["text"])
        d.set_clock("2026-11-23T15:45:00+01:00")
        b = wait_for(lambda: [e for e in self.rx.to(manager) if e["kind"] == "breach"],
                     "breach to the manager")
        self.assertEqual(0, b[0]["level"])
        # Two hours after the breach: the unit's escalation contact.
        d.set_clock("2026-11-23T17:45:00+01:00")
        wait_for(lambda: self.rx.to("jour@demo.vakt.invalid"), "second step")
        # Answering the question stops everything about it.
        d.ctl("clock", "met", str(r["deadline"]))
        n = len(self.rx.events())
        d.advance("5h")
        self.assertEqual(n, len(self.rx.events()))
        pend = json.loads(d.ctl("escalations", "--pending", "--json").stdout)["escalations"]
        self.assertEqual([], pend)

    def test_kill_while_sending_loses_and_doubles_nothing(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        # "I take tonight": the override wins over the rota.
        d.ctl("oncall", "take", "natt@demo.vakt.invalid", "12h")
        self.assertEqual("override", json.loads(d.ctl("oncall", "--json").stdout)["source"])
        self.rx.set_mode("hang")
        item = insert_item(db, "stockholm-fb", "9_2", us(2026, 11, 21, 22, 59),
                           "jag ska doda dig")
        d.ctl("item", str(item), "--evaluate")
        wait_for(lambda: len(self.rx.events("attempt")) >= 2, "attempts in flight")
        con = sqlite3.connect(db, timeout=10)
        self.assertGreaterEqual(con.execute("SELECT count(*) FROM deliveries WHERE "
                                            "state='sending'").fetchone()[0], 2)
        con.close()
        d.signal(signal.SIGKILL)
        d.wait_exit()
        self.assertEqual([], self.rx.events())
        self.rx.set_mode("ok")
        d2 = self.manual("2026-11-21T23:05:00+01:00")
        wait_for(lambda: self.rx.to("natt@demo.vakt.invalid"), "delivered after restart")
        wait_for(lambda: self.rx.to("kommunikation@demo.vakt.invalid"), "manager after restart")
        keys = [(e["recipient"], e["key"]) for e in self.rx.events()]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertIn("sending them again", d2.log())

    def test_channel_down_for_an_hour_then_everything_once(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        jour = json.loads(d.ctl("oncall", "--json").stdout)["oncall"]
        self.rx.set_mode("retry")
        item = insert_item(db, "stockholm-fb", "9_3", us(2026, 11, 21, 22, 59),
                           "jag ska doda dig")
        d.ctl("item", str(item), "--evaluate")
        wait_for(lambda: len(self.rx.events("attempt")) >= 2, "first attempts")
        for _ in range(5):
            d.advance("10min")
        # Backing off: several attempts each, none taken.
        self.assertGreater(len(self.rx.events("attempt")), 6)
        self.assertLess(len(self.rx.events("attempt")), 30)
        self.assertEqual([], self.rx.events())
        [e] = self.escalations(d)
        self.assertTrue(all(x["state"] == "retrying" for x in e["deliveries"]))
        self.assertTrue(all(x["attempts"] >= 3 for x in e["deliveries"]))
        self.rx.set_mode("ok")
        d.advance("20min")
        wait_for(lambda: self.rx.to(jour) and self.rx.to("kommunikation@demo.vakt.invalid"),
                 "delivered once the channel is back")
        [e] = self.escalations(d)
        self.assertTrue(all(x["state"] == "sent" for x in e["deliveries"]
                            if x["round"] == 0))
        keys = [(x["recipient"], x["key"]) for x in self.rx.events()]
        self.assertEqual(len(keys), len(set(keys)))

    def test_signed_link_acknowledges_once_and_expires(self):
        keyfile = os.path.join(self.tmp, "ack.key")
        with open(keyfile, "w") as f:
            f.write("k" * 32)
        self.write("vaktd.conf.d/92-links.conf",
                   "[Escalation]\nPublicBaseUrl=https://vakt.example.se\n"
                   "AckKeyFile=%s\nAckLinkValid=2d\n" % keyfile)
        d = self.manual("2026-11-21T23:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", "9_4", us(2026, 11, 21, 22, 59),
                           "jag ska doda dig")
        d.ctl("item", str(item), "--evaluate")
        msg = wait_for(lambda: self.rx.events(), "a message")[0]
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
        con = sqlite3.connect(db)
        self.assertEqual([("link:" + msg["recipient"],)], con.execute(
            "SELECT actor FROM audit_log WHERE action='escalation.ack'").fetchall())
        con.close()
        d.advance("2d")
        self.assertEqual(410, api(d, "GET", "/v1/ack/" + token)[0])

    def test_reload_refuses_a_bad_route_and_takes_a_good_one(self):
        d = self.manual("2026-11-21T23:00:00+01:00")
        self.write("vaktd.conf.d/93-oncall.conf", "[OnCall]\nShift1=2026-11-21T20:00 "
                   "2026-11-22T08:00 webhook:missing\n")
        r = d.ctl("reload", check=False)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("93-oncall.conf:2: 'webhook:missing'", r.stderr)
        self.assertEqual("rota", json.loads(d.ctl("oncall", "--json").stdout)["source"])
        self.write("vaktd.conf.d/93-oncall.conf", "[OnCall]\nShift1=2026-11-21T20:00 "
                   "2026-11-22T08:00 helg@demo.vakt.invalid\n")
        d.ctl("reload")
        now = json.loads(d.ctl("oncall", "--json").stdout)
        self.assertEqual(("helg@demo.vakt.invalid", "shift"), (now["oncall"], now["source"]))

    def test_route_that_ends_nowhere_is_refused(self):
        self.write("vaktd.conf.d/91-escalation.conf",
                   "[Escalation]\nBreachStep1=0min: safety\n")
        d = self.vaktd("--check-config")
        d.start(wait_ready=False)
        self.assertEqual(1, d.wait_exit())
        self.assertIn("91-escalation.conf:2", d.log())
        self.assertIn("end nowhere", d.log())


if __name__ == "__main__":
    main()
