#!/usr/bin/env python3
"""A start whose rules the store vouches for (proved before by this vaktd)
is READY before their engine is built: the engine is built on the reload
job's thread (docs/operations.md, "Start").  Meanwhile vaktd answers the
API, polls, and stores what it fetches; those items wait for their verdict
and are evaluated, in slices, once the engine is in.  A stop during the
build lets it finish.  VAKTD_TEST_RELOAD_HOLD names a FIFO the worker
reads a byte from before it ends, so the test holds the build open
without racing it; the manual test clock drives the polls."""
import os
import shutil
import signal
import subprocess
import tempfile

from fetchcase import FetchBase, real_now, rows
from vakttest import PATIENCE, TEST_RULES, VAKTCTL, main, wait_for


class StartBuild(FetchBase):
    def setUp(self):
        super().setUp()
        self.hold = os.path.join(self.tmp, "hold")
        os.mkfifo(self.hold)
        # A copy, so that a test can change the rule set.
        self.rules = os.path.join(self.tmp, "rules")
        shutil.copytree(TEST_RULES, self.rules)

    def release(self):
        """Let the held build end (blocks until the worker reads)."""
        with open(self.hold, "w") as f:
            f.write("x")

    def held_start(self):
        """A restart without a plan cache file (a cold one), its build held."""
        cache = tempfile.mkdtemp(prefix="cache-", dir=self.tmp)
        d = self.vaktd("--test-clock", real_now() + ",manual",
                       env={"VAKTD_TEST_RELOAD_HOLD": self.hold, "CACHE_DIRECTORY": cache,
                            "VAKT_RULES_DIR": self.rules}).start()
        self.db = os.path.join(d.state_dir, "vakt.db")
        return d

    def plain_start(self):
        d = self.vaktd("--test-clock", real_now() + ",manual",
                       env={"VAKT_RULES_DIR": self.rules}).start()
        self.db = os.path.join(d.state_dir, "vakt.db")
        return d

    def first_start(self):
        """The rules are proved (their examples run) before READY."""
        d = self.plain_start()
        self.assertNotIn("its engine is built after READY", d.log())
        self.assertTrue(d.status()["filters_ready"])
        d.stop()

    def test_items_fetched_during_the_build_wait_for_their_verdict(self):
        sim = self.sim()
        self.account("acct", sim)
        self.first_start()
        d = self.held_start()
        self.assertIn("its engine is built after READY", d.log())
        self.assertIn("rule set", d.log())
        st = d.status()
        self.assertEqual(("running", False), (st["state"], st["filters_ready"]))
        r = d.ctl("filters", "stats", "--json", check=False)
        self.assertNotEqual(0, r.returncode)
        self.assertIn("being built", r.stdout + r.stderr)
        # A poll stores everything; nothing is filtered yet, and the batch
        # is kept whole.
        polls = self.poll(d, "acct")
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertGreater(polls[0]["items_new"], 0, polls)
        items = rows(self.db, "SELECT count(*) FROM items")[0][0]
        self.assertEqual(items, rows(self.db, "SELECT count(*) FROM items_unevaluated")[0][0])
        self.assertEqual(0, rows(self.db, "SELECT count(*) FROM verdicts")[0][0])
        self.assertEqual({"running": False, "waiting": items, "evaluated": 0},
                         d.status()["verdict_backlog"])
        self.assertIn("%d item(s) without a verdict, not being evaluated" % items,
                      d.ctl("status").stdout)
        r = d.ctl("item", "1", "--evaluate", "--json", check=False)
        self.assertNotEqual(0, r.returncode)
        self.assertIn("being built", r.stdout + r.stderr)
        # The engine comes in: every item waiting gets its verdict.
        self.release()
        wait_for(lambda: d.status()["filters_ready"], "the engine built")
        wait_for(lambda: rows(self.db, "SELECT count(*) FROM items_unevaluated")[0][0] == 0,
                 "the waiting items evaluated")
        self.assertEqual(items, rows(self.db, "SELECT count(DISTINCT item_id) FROM verdicts")[0][0])
        wait_for(lambda: "item(s) stored without a verdict" in d.log(), "the backlog's note")
        self.assertRegex(d.log(), r"evaluated %d item\(s\) stored without a verdict" % items)
        self.assertEqual({"running": False, "waiting": 0, "evaluated": items},
                         d.status()["verdict_backlog"])
        self.assertNotIn("verdicts:", d.ctl("status").stdout)
        self.assertIn("filtering with rule set", d.log())
        self.assertIn("plan built and written", d.log())
        # From now on the engine answers at once.
        verdicts = rows(self.db, "SELECT count(*) FROM verdicts")[0][0]
        d.ctl("item", "1", "--evaluate", "--json")
        self.assertEqual(verdicts + 1, rows(self.db, "SELECT count(*) FROM verdicts")[0][0])
        self.assertEqual(0, d.ctl("filters", "stats", "--json").returncode)

    def crash_with_waiting_items(self):
        """Items stored without a verdict by a vaktd killed (kill -9) while
        its build was held: what a crash between storing and filtering
        leaves.  Their number."""
        sim = self.sim()
        self.account("acct", sim)
        self.first_start()
        d = self.held_start()
        polls = self.poll(d, "acct")
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        d.signal(signal.SIGKILL)
        d.wait_exit()
        waiting = rows(self.db, "SELECT count(*) FROM items_unevaluated")[0][0]
        self.assertGreater(waiting, 0)
        self.assertEqual(0, rows(self.db, "SELECT count(*) FROM verdicts")[0][0])
        return waiting

    def check_evaluated_after_ready(self, d, waiting):
        wait_for(lambda: rows(self.db, "SELECT count(*) FROM items_unevaluated")[0][0] == 0,
                 "the items a crash left evaluated")
        self.assertEqual(waiting,
                         rows(self.db, "SELECT count(DISTINCT item_id) FROM verdicts")[0][0])
        wait_for(lambda: "stored without a verdict" in d.log(), "the backlog's note")
        self.assertRegex(d.log(), r"evaluated %d item\(s\) stored without a verdict" % waiting)
        # After READY, not before it: the start does not grow with them.
        log = d.log()
        self.assertLess(log.index(" running: "), log.index("stored without a verdict"))

    def test_items_a_crash_left_are_evaluated_after_ready(self):
        waiting = self.crash_with_waiting_items()
        d = self.plain_start()  # the rules are vouched for: built after READY
        self.assertIn("its engine is built after READY", d.log())
        self.check_evaluated_after_ready(d, waiting)

    def test_items_a_crash_left_after_a_rule_change(self):
        waiting = self.crash_with_waiting_items()
        with open(os.path.join(self.rules, "10-threat.rules"), "a") as f:
            f.write("\n# a comment changes the digest\n")
        d = self.plain_start()  # a new rule set: proved before READY
        self.assertRegex(d.log(), r"rule set [0-9a-f]{16}: all [0-9]+ examples passed")
        self.assertNotIn("its engine is built after READY", d.log())
        self.check_evaluated_after_ready(d, waiting)

    def test_a_reload_during_the_build_follows_it(self):
        self.first_start()
        d = self.held_start()
        gen = d.status()["config_generation"]
        d.signal(signal.SIGHUP)
        wait_for(lambda: "another follows it" in d.log(), "the reload queued")
        self.assertEqual(gen, d.status()["config_generation"])
        self.release()  # the build
        wait_for(lambda: d.status()["filters_ready"], "the engine built")
        self.release()  # the reload's preparation
        wait_for(lambda: d.status()["config_generation"] == gen + 1, "the reload")
        self.assertTrue(d.status()["filters_ready"])

    def test_a_reload_asked_for_during_the_build_is_answered_at_a_stop(self):
        self.first_start()
        d = self.held_start()
        ctl = subprocess.Popen([VAKTCTL, "--socket", d.socket, "reload"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(lambda: "another follows it" in d.log(), "the reload queued")
            d.signal(signal.SIGTERM)
            # Answered at the stop, not left waiting for a reload that
            # will not start.
            out, _ = ctl.communicate(timeout=PATIENCE)
        finally:
            if ctl.poll() is None:
                ctl.kill()
                ctl.wait()
        self.assertNotEqual(0, ctl.returncode)
        self.assertIn("stopping", out)
        self.assertEqual(0, d.wait_exit())

    def test_stop_during_the_build_lets_it_finish(self):
        self.first_start()
        d = self.held_start()
        d.signal(signal.SIGTERM)
        self.assertEqual(0, d.wait_exit())
        log = d.log()
        self.assertIn("the rules' engine being built is let finish", log)
        # What became of the build is logged: the plan file was written.
        self.assertIn("plan built and written", log)

    def test_a_build_that_fails_after_ready_stops_vaktd_with_exit_code_1(self):
        self.first_start()
        d = self.vaktd("--test-clock", real_now() + ",manual",
                       env={"VAKTD_TEST_BUILD_FAIL": "1", "VAKT_RULES_DIR": self.rules}).start()
        # READY was sent: systemd sees the failure as the exit code, and
        # Restart=on-failure starts vaktd again.
        self.assertEqual(1, d.wait_exit())
        log = d.log()
        self.assertIn("its engine is built after READY", log)
        self.assertRegex(log, r"cannot build the engine of rule set [0-9a-f]{16}: "
                              r"Cannot allocate memory")
        self.assertIn("stopping: vaktd cannot filter", log)
        d.notify.wait_for("STOPPING=1")
        self.assertNotIn("filtering with rule set", log)
        # The next start builds the engine and filters.
        d2 = self.plain_start()
        wait_for(lambda: d2.status()["filters_ready"], "the engine built")
        self.assertIn("filtering with rule set", d2.log())


if __name__ == "__main__":
    main()
