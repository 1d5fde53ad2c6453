#!/usr/bin/env python3
"""The poll schedule in the running daemon, on the test clock: a simulated
midsommar week (Mon 15 – Sun 21 June 2026; midsommarafton and midsommardagen
closed) in seconds, the floor of three polls on every business day, the
off-hours cadence on closed days, catch-up after a day of downtime, and
crisis mode through vaktctl."""
import datetime as dt
import json
import os
import sqlite3
import time
import zoneinfo

from vakttest import VaktTestCase, PATIENCE, main

STHLM = zoneinfo.ZoneInfo("Europe/Stockholm")
USEC = 1_000_000


def local(us):
    return dt.datetime.fromtimestamp(us / USEC, STHLM)


def polls(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT account_id, planned_at, started_at, result FROM polls "
                           "ORDER BY account_id, planned_at").fetchall()
    finally:
        con.close()


class Schedule(VaktTestCase):
    def run_until(self, d, iso_end, real_timeout=120):
        end = dt.datetime.fromisoformat(iso_end)
        deadline = time.monotonic() + real_timeout
        while time.monotonic() < deadline:
            now = dt.datetime.fromisoformat(d.status()["now"].replace("Z", "+00:00"))
            if now >= end:
                return
            time.sleep(0.25)  # real time, waiting for simulated time to pass
        self.fail("simulated clock did not reach %s" % iso_end)

    def test_midsommar_week(self):
        # x15000: a week in 40 s; a poll would lose its slot only if the
        # loop lagged 120 ms of real time (30 simulated minutes).
        d = self.vaktd("--test-clock", "2026-06-15T00:00:00+02:00,x15000").start()
        self.run_until(d, "2026-06-22T00:00:00+02:00")
        d.stop()
        rows = polls(os.path.join(d.state_dir, "vakt.db"))
        by_acc = {}
        for acc, planned, started, result in rows:
            by_acc.setdefault(acc, []).append((local(planned), local(started), result))

        self.assertNotIn("kultur-mastodon", by_acc, "a disabled account was polled")
        self.assertEqual({"stockholm-fb", "kultur-ig", "trafik-x"}, set(by_acc))
        business = [dt.date(2026, 6, d) for d in (15, 16, 17, 18)]
        closed = [dt.date(2026, 6, d) for d in (19, 20, 21)]
        for acc, ps in by_acc.items():
            self.assertTrue(all(r == "skipped" for _, _, r in ps), "no connector: skipped")
            per_day = {}
            for planned, started, _ in ps:
                per_day.setdefault(planned.date(), []).append(planned)
                # Started on time: never pushed into the next slot (at
                # x15000 a 20 ms fsync is five simulated minutes).
                self.assertLess(abs((started - planned).total_seconds()), 1800, (acc, planned))
            for day in business:
                n = len(per_day.get(day, []))
                self.assertGreaterEqual(n, 3, "%s polled %d times on business day %s" % (acc, n, day))
                office = [p for p in per_day[day] if 8 <= p.hour < 17]
                # Interval=30min from 08:00 to 17:00: 18 polls in office hours.
                self.assertEqual(18, len(office), (acc, day, office))
            for day in closed:
                ts = sorted(per_day.get(day, []))
                # OffHoursInterval=2h all day long on closed days.
                self.assertEqual(12, len(ts), (acc, day, ts))
                gaps = {(b - a).total_seconds() for a, b in zip(ts, ts[1:])}
                self.assertEqual({7200.0}, gaps, (acc, day))

    def test_catches_up_after_downtime(self):
        d = self.vaktd("--test-clock", "2026-06-16T09:00:00+02:00,x600").start()
        db = os.path.join(d.state_dir, "vakt.db")
        deadline = time.monotonic() + PATIENCE
        while len({r[0] for r in polls(db)}) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        d.stop()
        self.assertEqual(3, len({r[0] for r in polls(db)}))
        # A day later: every enabled account is polled at once on start,
        # not at its next grid slot.
        restart = dt.datetime(2026, 6, 17, 10, 10, tzinfo=STHLM)
        d2 = self.vaktd("--test-clock", restart.isoformat() + ",x60").start()
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            rows = polls(os.path.join(d2.state_dir, "vakt.db"))
            after = [r for r in rows if local(r[2]) >= restart]
            if {r[0] for r in after} == {"stockholm-fb", "kultur-ig", "trafik-x"}:
                break
            time.sleep(0.1)
        else:
            self.fail("no catch-up poll for every account: %r" % after)
        for acc, planned, started, _ in after:
            # Catch-up is spread over at most 30 s, well before the next
            # grid slot (10:30 + jitter).
            self.assertLess((local(planned) - restart).total_seconds(), 31, acc)

    def test_crisis_mode_via_vaktctl(self):
        d = self.vaktd("--test-clock", "2026-06-16T20:00:00+02:00,x60").start()
        r = d.ctl("crisis", "trafik-x", "on", "1h")
        self.assertIn("crisis mode until", r.stdout)
        sched = json.loads(d.ctl("schedule", "trafik-x", "--json").stdout)
        crisis = [dt.datetime.fromisoformat(p["at"]) for p in sched["polls"] if p["kind"] == "crisis"]
        # Every 5 minutes (CrisisInterval's default) for the hour.
        self.assertIn(len(crisis), (11, 12), crisis)
        self.assertEqual({300.0}, {(b - a).total_seconds() for a, b in zip(crisis, crisis[1:])})
        acc = {a["id"]: a for a in json.loads(d.ctl("accounts", "--json").stdout)["accounts"]}
        self.assertIsNotNone(acc["trafik-x"]["crisis_until"])
        self.assertIsNone(acc["kultur-ig"]["crisis_until"])
        d.ctl("crisis", "trafik-x", "off")
        self.assertEqual(2, d.ctl("crisis", "trafik-x", "sideways", check=False).returncode)
        self.assertEqual(1, d.ctl("crisis", "nobody", "on", check=False).returncode)
        self.assertEqual(1, d.ctl("crisis", "trafik-x", "on", "1 business day",
                                  check=False).returncode)
        self.assertEqual(1, d.ctl("crisis", "trafik-x", "on", "8 days", check=False).returncode)
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        actions = [a for (a,) in con.execute(
            "SELECT action FROM audit_log WHERE subject='account:trafik-x' ORDER BY seq")]
        con.close()
        self.assertEqual(["account.added", "crisis.on", "crisis.off"], actions)

    def test_accounts_flags_below_floor(self):
        d = self.vaktd("--test-clock", "2026-06-16T16:50:00+02:00,x10").start()
        out = d.ctl("accounts").stdout
        # vakt was not running on the last business day: every enabled
        # account is below the floor, the disabled one is not.
        lines = {l.split()[0]: l for l in out.splitlines()[1:] if l.strip() and not l.startswith(" ")}
        self.assertIn("BELOW-FLOOR", lines["trafik-x"])
        self.assertNotIn("BELOW-FLOOR", lines["kultur-mastodon"])
        self.assertIn("below the floor of 3 polls per business day", out)


if __name__ == "__main__":
    main()
