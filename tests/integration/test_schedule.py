#!/usr/bin/env python3
"""The poll schedule in the running daemon, on the manual test clock: a
simulated midsommar week (Mon 15 – Sun 21 June 2026; midsommarafton and
midsommardagen closed), the floor of three polls on every business day, the
off-hours cadence on closed days, catch-up after a day of downtime, and
crisis mode through vaktctl.  The clock moves only when the test says so and
every move returns when the daemon has handled it, so nothing here depends on
how fast the machine is."""
import datetime as dt
import json
import os
import sqlite3
import zoneinfo

from vakttest import VaktTestCase, main

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


# Every account enabled in the demo configuration.
ENABLED = {"stockholm-fb", "kultur-ig", "trafik-x"}


class Schedule(VaktTestCase):
    def setUp(self):
        super().setUp()
        # A week at the default 5 s tick is 120,960 deadline scans; a
        # minute is fine-grained enough for a schedule test.
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")

    def manual(self, start):
        return self.vaktd("--test-clock", start + ",manual").start()

    def test_midsommar_week(self):
        d = self.manual("2026-06-15T00:00:00+02:00")
        db = os.path.join(d.state_dir, "vakt.db")
        self.assertEqual([], polls(db), "polled before the clock moved")
        for day in range(16, 23):
            r = d.set_clock("2026-06-%02dT00:00:00+02:00" % day)
            self.assertGreater(r["fired"], 0)
        self.assertEqual("2026-06-21T22:00:00.000Z", d.status()["now"])
        d.stop()
        rows = polls(db)
        by_acc = {}
        for acc, planned, started, result in rows:
            by_acc.setdefault(acc, []).append((local(planned), local(started), result))

        self.assertNotIn("kultur-mastodon", by_acc, "a disabled account was polled")
        self.assertEqual(ENABLED, set(by_acc))
        business = [dt.date(2026, 6, d) for d in (15, 16, 17, 18)]
        closed = [dt.date(2026, 6, d) for d in (19, 20, 21)]
        for acc, ps in by_acc.items():
            self.assertTrue(all(r == "skipped" for _, _, r in ps), "no connector: skipped")
            per_day = {}
            for planned, started, _ in ps:
                per_day.setdefault(planned.date(), []).append(planned)
                # The clock stands at the planned instant when the poll
                # runs: never late, however slow the machine.
                self.assertEqual(planned, started, acc)
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
        d = self.manual("2026-06-16T09:00:00+02:00")
        db = os.path.join(d.state_dir, "vakt.db")
        # Never polled: every account is polled at once, spread over 30 s.
        d.advance("30s")
        self.assertEqual(ENABLED, {r[0] for r in polls(db)})
        d.stop()
        # A day later: every enabled account is polled at once on start,
        # not at its next grid slot.
        restart = dt.datetime(2026, 6, 17, 10, 10, tzinfo=STHLM)
        d2 = self.manual(restart.isoformat())
        before = len(polls(db))
        d2.advance("29s")
        after = [r for r in polls(db) if local(r[2]) >= restart]
        self.assertEqual(ENABLED, {r[0] for r in after}, after)
        self.assertEqual(before + 3, len(polls(db)), "one catch-up poll per account")
        for acc, planned, started, _ in after:
            # Catch-up is spread over at most 30 s, well before the next
            # grid slot (10:30 + jitter).
            self.assertLess((local(planned) - restart).total_seconds(), 30, acc)
        # And then back on the grid: the next poll is at 10:30 + jitter.
        d2.set_clock("2026-06-17T10:29:59+02:00")
        self.assertEqual(before + 3, len(polls(db)))
        d2.set_clock("2026-06-17T10:36:00+02:00")
        self.assertEqual(before + 6, len(polls(db)))

    def test_crisis_mode_via_vaktctl(self):
        d = self.manual("2026-06-16T20:00:00+02:00")
        db = os.path.join(d.state_dir, "vakt.db")
        d.advance("1min")  # the first polls, so that only crisis polls follow
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
        # The next poll shown is the poller's own, re-planned for crisis
        # mode (at once, then on the crisis grid): the poll that happens.
        next_poll = dt.datetime.fromisoformat(acc["trafik-x"]["next_poll"])
        self.assertLessEqual(next_poll, crisis[0])
        self.assertIsNone(acc["kultur-mastodon"]["next_poll"])  # disabled
        # The daemon polls on that grid (20:06, 20:11, ... on top of the
        # off-hours grid), the other accounts keep their own.
        d.set_clock("2026-06-16T20:31:00+02:00")
        switched = dt.datetime(2026, 6, 16, 20, 1, tzinfo=STHLM)
        end = dt.datetime(2026, 6, 16, 20, 31, tzinfo=STHLM)
        polled = {acc: {local(p) for a, p, _, _ in polls(db) if a == acc and switched < local(p) <= end}
                  for acc in ENABLED}
        expected = {c for c in crisis if c <= end}
        self.assertEqual(6, len(expected), expected)
        self.assertLessEqual(expected, polled["trafik-x"])
        self.assertIn(next_poll, polled["trafik-x"])
        self.assertEqual(set(), polled["kultur-ig"])
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
        d = self.manual("2026-06-16T16:50:00+02:00")
        out = d.ctl("accounts").stdout
        # vakt was not running on the last business day: every enabled
        # account is below the floor, the disabled one is not.
        lines = {l.split()[0]: l for l in out.splitlines()[1:] if l.strip() and not l.startswith(" ")}
        self.assertIn("BELOW-FLOOR", lines["trafik-x"])
        self.assertNotIn("BELOW-FLOOR", lines["kultur-mastodon"])
        self.assertIn("below the floor of 3 polls per business day", out)


if __name__ == "__main__":
    main()
