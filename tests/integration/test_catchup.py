#!/usr/bin/env python3
"""The deadline catch-up in slices (daemon/escalate/catchup.h): a store
whose clocks all fell due while no vaktd ran is caught up a slice at a
time, and the API answers between slices.  On the manual test clock the
slice after a full one waits for the next advance, so the test sees the
catch-up in progress without racing it: progress is observed, never wall
time."""
import json
import os
import sqlite3

from vakttest import VaktTestCase, main

USEC = 1_000_000
HOUR = 3600 * USEC
CLOCKS = 2000          # overdue respond clocks, each past its warning and due instant
SLICE = 25             # CATCHUP_SLICE_DEFAULT
STEP = 2               # CATCHUP_STEP: a slice past its CPU budget ends after its step
START = "2026-11-02T09:00:00+01:00"
NOW = 1793606400 * USEC  # START as epoch seconds


def backlog(db):
    """CLOCKS items on stockholm-fb with a respond clock each, all long
    overdue, written as a store of an earlier run would hold them."""
    con = sqlite3.connect(db, timeout=10)
    try:
        with con:
            for i in range(CLOCKS):
                pub = NOW - 30 * 24 * HOUR - i * 60 * USEC
                cur = con.execute(
                    "INSERT INTO items(account_id, platform_id, kind, text, published_at, "
                    "first_seen_at, last_seen_at) VALUES (?,?,?,?,?,?,?)",
                    ("stockholm-fb", "backlog_%d" % i, "comment", "Svar?", pub, pub, pub))
                con.execute(
                    "INSERT INTO deadlines(item_id, kind, duration, warn_pct, started_at, "
                    "created_at, due_at, warn_at) VALUES (?,?,?,?,?,?,?,?)",
                    (cur.lastrowid, "respond", "24 hours", 75, pub, pub, pub + 24 * HOUR,
                     pub + 18 * HOUR))
    finally:
        con.close()


def count(db, sql):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


class CatchUp(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")

    def test_api_answers_while_overdue_clocks_are_caught_up(self):
        first = self.vaktd("--test-clock", START + ",manual").start()
        db = os.path.join(first.state_dir, "vakt.db")
        self.assertEqual(NOW, self.epoch(first.status()["now"]))
        first.stop()
        backlog(db)

        d = self.vaktd("--test-clock", START + ",manual").start()
        # READY came after the first slice: the rest waits for the loop.
        cu = d.status()["deadline_catchup"]
        self.assertTrue(cu["running"], cu)
        self.assertEqual(SLICE, cu["slice"])
        self.assertEqual(1, cu["slices"])
        # A slice takes SLICE transitions, or fewer (whole steps) once it
        # has spent its CPU budget, as on a slow machine.
        took = cu["transitions"]
        self.assertTrue(took == SLICE or (STEP <= took < SLICE and took % STEP == 0), cu)
        # Every clock is past its due instant: its warning is recorded,
        # not sent (the breach says what is true), so a slice escalates
        # the breaches of the clocks it finished (a clock cut between its
        # warning and its breach by the end of a step is finished later).
        finished = count(db, "SELECT count(*) FROM deadlines WHERE state='breached'")
        self.assertTrue(took // 2 - took // STEP <= finished <= took // 2, cu)
        self.assertEqual(finished, cu["escalations"])
        self.assertEqual(CLOCKS - finished, cu["clocks_due_at_start"])
        self.assertIn("deadline catch-up: %d clock(s)" % (CLOCKS - finished), d.log())

        # The API answers while the catch-up is in progress: the queue,
        # a clock, the status again; and nothing moved meanwhile.
        queue = json.loads(d.ctl("queue", "--json").stdout)
        self.assertTrue(queue, queue)
        again = d.status()["deadline_catchup"]
        self.assertTrue(again["running"])
        self.assertEqual(1, again["slices"])
        self.assertEqual(finished, count(db, "SELECT count(*) FROM deadlines "
                                             "WHERE state='breached'"))

        # The next advance runs the remaining slices, each a transaction of
        # its own, to the end.
        d.advance("1s")
        done = d.status()["deadline_catchup"]
        self.assertFalse(done["running"], done)
        self.assertEqual(1, done["runs"])
        self.assertEqual(2 * CLOCKS, done["transitions"])
        self.assertEqual(CLOCKS, done["escalations"])
        # 160 full slices and the one that found the rest empty, or more
        # slices where the CPU budget ended some early.
        self.assertTrue(2 * CLOCKS // SLICE + 1 <= done["slices"] <= 2 * CLOCKS // STEP + 1, done)
        self.assertIn("finished_at", done)
        self.assertEqual(CLOCKS, count(db, "SELECT count(*) FROM deadlines "
                                           "WHERE state='breached' AND warned_at IS NOT NULL"))
        self.assertEqual(CLOCKS, count(db, "SELECT count(*) FROM escalations "
                                           "WHERE cause='deadline' AND kind='breach'"))
        self.assertEqual(0, count(db, "SELECT count(*) FROM escalations WHERE kind='warning'"))
        self.assertEqual(CLOCKS, count(db, "SELECT count(*) FROM audit_log "
                                           "WHERE action='deadline.warning'"))
        self.assertEqual(CLOCKS, count(db, "SELECT count(*) FROM audit_log "
                                           "WHERE action='deadline.breach'"))
        self.assertIn("deadline catch-up done: %d transitions" % (2 * CLOCKS), d.log())

        # Nothing is reported twice: a later tick finds nothing.
        d.advance("2m")
        later = d.status()["deadline_catchup"]
        self.assertEqual(1, later["runs"])
        self.assertEqual(CLOCKS, count(db, "SELECT count(*) FROM audit_log "
                                           "WHERE action='deadline.breach'"))

    @staticmethod
    def epoch(iso):
        import datetime as dt
        t = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return int(t.timestamp()) * USEC


if __name__ == "__main__":
    main()
