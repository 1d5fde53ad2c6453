#!/usr/bin/env python3
"""Deadline clocks in the running daemon, on the manual test clock: a
question published on a Friday afternoon warns at 75 % and breaches on
Monday, each exactly once and at the minute it is due, in the store, the
audit log and the queue; pause and resume, the formal case, and a kill -9 in
between lose nothing.  The clock moves only when the test moves it."""
import datetime as dt
import json
import os
import signal
import sqlite3
import zoneinfo

from vakttest import VaktTestCase, main

STHLM = zoneinfo.ZoneInfo("Europe/Stockholm")
USEC = 1_000_000


def us(y, mo, d, h, mi):
    return int(dt.datetime(y, mo, d, h, mi, tzinfo=STHLM).timestamp()) * USEC


def insert_item(db, account, platform_id, published):
    con = sqlite3.connect(db, timeout=10)
    try:
        cur = con.execute(
            "INSERT INTO items(account_id, platform_id, kind, text, published_at, "
            "first_seen_at, last_seen_at) VALUES (?,?,?,?,?,?,?)",
            (account, platform_id, "comment", "När öppnar badhuset igen?", published,
             published, published))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


def audit(db, subject):
    con = sqlite3.connect(db, timeout=10)
    try:
        return [a for (a,) in con.execute(
            "SELECT action FROM audit_log WHERE subject=? ORDER BY seq", (subject,))]
    finally:
        con.close()


class Deadlines(VaktTestCase):
    def setUp(self):
        super().setUp()
        # A tick a minute: a weekend is 4,000 deadline scans, not 50,000.
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")

    def manual(self, start):
        return self.vaktd("--test-clock", start + ",manual").start()

    def test_friday_question_warns_and_breaches_once(self):
        d = self.manual("2026-11-20T16:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "stockholm-fb", "1_2", us(2026, 11, 20, 15, 45))
        r = json.loads(d.ctl("clock", "start", str(item), "respond", "--json").stdout)
        self.assertEqual("respond", r["kind"])
        # 1 business day from Friday 15:45 is Monday 15:45; 75 % of the 9
        # business hours is Monday 13:30.
        self.assertEqual("2026-11-23T15:45:00+01:00", r["due_at"])
        self.assertEqual("2026-11-23T13:30:00+01:00", r["warn_at"])
        clock = str(r["deadline"])
        q = json.loads(d.ctl("queue", "--json").stdout)["pending"]
        self.assertEqual([int(clock)], [p["deadline"] for p in q])
        self.assertEqual(1, d.status()["pending"]["respond"])
        self.assertEqual(1, d.ctl("clock", "start", str(item), "respond", check=False).returncode)
        self.assertEqual(1, d.ctl("clock", "resume", clock, check=False).returncode)
        self.assertEqual(2, d.ctl("clock", "start", str(item), check=False).returncode)

        # The weekend passes without a word; the warning comes on the
        # minute, with the tick due at 13:30.
        d.set_clock("2026-11-23T13:29:00+01:00")
        self.assertEqual(["deadline.start"], audit(db, "deadline:" + clock))
        d.set_clock("2026-11-23T13:30:00+01:00")
        self.assertEqual(["deadline.start", "deadline.warning"], audit(db, "deadline:" + clock))
        d.set_clock("2026-11-23T14:00:00+01:00")
        self.assertEqual(["deadline.start", "deadline.warning"], audit(db, "deadline:" + clock))
        # kill -9 between warning and breach: nothing is lost or repeated.
        d.signal(signal.SIGKILL)
        d.wait_exit()
        d2 = self.manual("2026-11-23T14:00:00+01:00")
        d2.set_clock("2026-11-23T15:44:00+01:00")
        self.assertEqual(["deadline.start", "deadline.warning"], audit(db, "deadline:" + clock))
        d2.set_clock("2026-11-23T15:45:00+01:00")
        self.assertEqual(["deadline.start", "deadline.warning", "deadline.breach"],
                         audit(db, "deadline:" + clock))
        d2.advance("1h")
        self.assertEqual(["deadline.start", "deadline.warning", "deadline.breach"],
                         audit(db, "deadline:" + clock))
        q = json.loads(d2.ctl("queue", "--json").stdout)["pending"]
        self.assertEqual("breached", q[0]["state"])
        self.assertEqual(-3600, q[0]["time_left_seconds"])
        self.assertIn("deadline %s (respond): breach" % clock, d2.log())
        d2.ctl("clock", "met", clock)
        self.assertEqual([], json.loads(d2.ctl("queue", "--json").stdout)["pending"])
        con = sqlite3.connect(db)
        self.assertEqual("breached", con.execute("SELECT state FROM deadlines WHERE id=?",
                                                 (int(clock),)).fetchone()[0])
        con.close()

    def test_queue_pages(self):
        d = self.manual("2026-11-23T09:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        clocks = []
        for i in range(3):
            item = insert_item(db, "trafik-x", "p%d" % i, us(2026, 11, 23, 9, i))
            r = json.loads(d.ctl("clock", "start", str(item), "respond", "--json").stdout)
            clocks.append(r["deadline"])
        seen, after = [], None
        for _ in range(3):
            args = ["queue", "--unit", "trafik", "--limit", "2"] + (["--after", after] if after else [])
            page = json.loads(d.ctl(*args, "--json").stdout)
            seen += [p["deadline"] for p in page["pending"]]
            after = page["next"]
            if after is None:
                break
        self.assertEqual(clocks, seen)
        human = d.ctl("queue", "--limit", "1").stdout
        self.assertIn("1 pending on this page; more with --after q1.", human)
        cursor = human.split("--after ")[1].split()[0]
        self.assertIn(str(clocks[1]), d.ctl("queue", "--after", cursor, "--limit", "1").stdout)
        r = d.ctl("queue", "--after", "q1.0.1.0", check=False)
        self.assertNotEqual(0, r.returncode)
        self.assertIn("400 after must be a \"next\" cursor", r.stderr)
        r = d.ctl("queue", "--limit", "1001", check=False)
        self.assertNotEqual(0, r.returncode)
        self.assertEqual(2, d.ctl("queue", "--limit", "1", "--limit", "2", check=False).returncode)

    def test_pause_and_resume_move_the_due_time(self):
        d = self.manual("2026-11-23T09:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "trafik-x", "99", us(2026, 11, 23, 9, 0))
        r = json.loads(d.ctl("clock", "start", str(item), "review_possible", "--json").stdout)
        self.assertEqual("2026-11-23T13:00:00+01:00", r["due_at"])
        clock = str(r["deadline"])
        p = json.loads(d.ctl("clock", "pause", clock, "--json").stdout)
        self.assertEqual("paused", p["state"])
        q = json.loads(d.ctl("queue", "--account", "trafik-x", "--json").stdout)["pending"]
        self.assertEqual("paused", q[0]["state"])
        self.assertEqual([], json.loads(d.ctl("queue", "--account", "kultur-ig", "--json").stdout)["pending"])
        self.assertEqual(1, len(json.loads(d.ctl("queue", "--unit", "trafik", "--json").stdout)["pending"]))
        res = json.loads(d.ctl("clock", "resume", clock, "--json").stdout)
        self.assertEqual("running", res["state"])
        self.assertEqual("2026-11-23T13:00:00+01:00", res["due_at"])
        # Paused for a business hour: the due time moves by that hour.
        d.ctl("clock", "pause", clock)
        d.advance("1h")
        res = json.loads(d.ctl("clock", "resume", clock, "--json").stdout)
        self.assertEqual("2026-11-23T14:00:00+01:00", res["due_at"])
        self.assertEqual(["deadline.start", "deadline.pause", "deadline.resume",
                          "deadline.pause", "deadline.resume"],
                         audit(db, "deadline:" + clock))
        self.assertEqual(1, d.ctl("clock", "start", "424242", "respond", check=False).returncode)

    def test_formal_case(self):
        d = self.manual("2026-11-23T09:00:00+01:00")
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "kultur-ig", "c1", us(2026, 11, 20, 10, 0))
        r = json.loads(d.ctl("case", "open", str(item), "--json").stdout)
        self.assertEqual("fl11_delay_notice", r["kind"])
        self.assertEqual("2026-12-18T10:00:00+01:00", r["due_at"])
        # A demand for a decision before six months have passed is refused.
        out = d.ctl("case", "demand", str(item), check=False)
        self.assertEqual(1, out.returncode)
        self.assertIn("409", out.stderr)
        d.ctl("case", "close", str(item))


if __name__ == "__main__":
    main()
