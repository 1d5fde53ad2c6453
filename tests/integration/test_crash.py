#!/usr/bin/env python3
"""kill -9 at any moment loses no committed row: restart on the same state
directory and everything committed before is still there, the audit chain
intact, the stale socket replaced."""
import os
import signal
import sqlite3
import subprocess

from vakttest import VaktTestCase, main


def rows(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class Crash(VaktTestCase):
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
