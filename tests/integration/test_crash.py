#!/usr/bin/env python3
"""kill -9 at any moment loses no committed row: restart on the same state
directory and everything committed before is still there, the audit chain
intact, the stale socket replaced; a weekend with a kill -9 in it loses and
repeats no poll.  Every daemon runs on the manual test clock, so nothing
happens behind the test's back."""
import os
import signal
import sqlite3
import subprocess

from vakttest import VaktTestCase, main

START = "2026-11-20T16:00:00+01:00"  # a Friday afternoon
ENABLED = {"stockholm-fb", "kultur-ig", "trafik-x"}


def rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class Crash(VaktTestCase):
    def vaktd(self, *args, **kw):
        if not args:
            args = ("--test-clock", START + ",manual")
        return super().vaktd(*args, **kw)

    def test_kill9_over_a_weekend_loses_and_repeats_no_poll(self):
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")
        d = self.vaktd().start()
        db = os.path.join(d.state_dir, "vakt.db")
        d.set_clock("2026-11-21T12:00:00+01:00")
        before = rows(db, "SELECT * FROM polls ORDER BY id")
        self.assertEqual(ENABLED, {r[1] for r in rows(db, "SELECT id, account_id FROM polls")})
        d.signal(signal.SIGKILL)
        d.wait_exit()
        # Back on Sunday morning: every poll of Friday and Saturday is
        # there, each account is caught up once, then the grid resumes.
        d2 = self.vaktd("--test-clock", "2026-11-22T10:00:00+01:00,manual").start()
        self.assertEqual(before, rows(db, "SELECT * FROM polls ORDER BY id"))
        d2.advance("30s")
        caught_up = rows(db, "SELECT account_id FROM polls WHERE id > %d" % before[-1][0])
        self.assertEqual(sorted(ENABLED), sorted(a for (a,) in caught_up))
        d2.set_clock("2026-11-23T00:00:00+01:00")
        dup = rows(db, "SELECT account_id, planned_at, COUNT(*) FROM polls "
                       "GROUP BY account_id, planned_at HAVING COUNT(*) > 1")
        self.assertEqual([], dup)
        # From noon to midnight on Sunday the 2-hour off-hours grid:
        # 12:00, 14:00, ..., 22:00 (+ jitter) for each account.
        noon = 1795345200 * 1_000_000  # 2026-11-22T12:00:00+01:00
        sunday = rows(db, "SELECT account_id, COUNT(*) FROM polls WHERE planned_at >= %d "
                          "GROUP BY account_id" % noon)
        self.assertEqual({(a, 6) for a in ENABLED}, set(sunday))

    def test_kill9_then_restart_keeps_every_committed_row(self):
        d = self.vaktd().start()
        db = os.path.join(d.state_dir, "vakt.db")
        # Commit more work through a reload (audit entries, account rows).
        self.write("accounts.d/extra.conf", "[Account]\nPlatform=linkedin\nUnit=kultur\n"
                   "ExternalId=urn:li:organization:1\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        audit_before = d.status()["audit_entries"]
        accounts_before = rows(db, "SELECT id, platform, unit FROM accounts ORDER BY id")
        log_before = rows(db, "SELECT seq, hash FROM audit_log ORDER BY seq")
        self.assertEqual(len(log_before), audit_before)

        d.signal(signal.SIGKILL)
        d.wait_exit()
        self.assertTrue(os.path.exists(d.socket), "expected a stale socket after SIGKILL")

        d2 = self.vaktd().start()
        self.assertEqual(accounts_before,
                         rows(db, "SELECT id, platform, unit FROM accounts ORDER BY id"))
        after = rows(db, "SELECT seq, hash FROM audit_log ORDER BY seq")
        self.assertEqual(log_before, after[:len(log_before)])
        self.assertGreater(len(after), len(log_before))  # daemon.started
        r = subprocess.run(["curl", "-s", "--unix-socket", d2.socket,
                            "http://localhost/v1/audit/verify"], capture_output=True, text=True)
        if r.returncode == 0:
            self.assertIn('"intact":true', r.stdout)

    def test_second_daemon_on_the_same_state_is_refused(self):
        d = self.vaktd().start()
        other = self.vaktd()
        other.socket = d.socket + ".2"
        other.start(wait_ready=False)
        self.assertEqual(1, other.wait_exit())
        self.assertIn("another vaktd uses this state directory", other.log())
        # The first one still serves, on its own socket.
        self.assertEqual("running", d.status()["state"])
        # And a second daemon never steals a live socket.
        third = self.vaktd()
        third.state_dir = d.state_dir + "-3"
        third.start(wait_ready=False)
        self.assertEqual(1, third.wait_exit())
        self.assertIn("is in use by a running process", third.log())
        self.assertEqual("running", d.status()["state"])

    def test_newer_database_is_refused(self):
        d = self.vaktd().start()
        db = os.path.join(d.state_dir, "vakt.db")
        d.stop()
        con = sqlite3.connect(db)
        con.execute("PRAGMA user_version=99")
        con.commit()
        con.close()
        d2 = self.vaktd().start(wait_ready=False)
        self.assertEqual(1, d2.wait_exit())
        self.assertIn("schema version 99 is newer than this vaktd understands", d2.log())


if __name__ == "__main__":
    main()
