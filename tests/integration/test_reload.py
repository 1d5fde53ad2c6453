#!/usr/bin/env python3
"""SIGHUP and `vaktctl reload` (POST /v1/reload): a broken configuration is
refused with file:line and the daemon keeps running on the old one; a good
change is applied.  vaktctl reload reports the outcome in its exit code."""
import json
import os
import re
import shutil
import signal
import subprocess

from vakttest import PATIENCE, TEST_RULES, VAKTCTL, VaktTestCase, main, wait_for

NEW_RULE = """rule sv.spam.reload-probe
  title     A rule added while vaktd runs
  category  spam
  statute   kommentarsregler
  tier      possible
  severity  1
  actions   review
  pattern   \\bkop\\s+billiga\\s+klockor\\b
  match     kop billiga klockor har
  match     Köp billiga klockor!
  match     vill du kop billiga klockor
  nomatch   klockor
  nomatch   kop inga klockor
  nomatch   billiga klockor finns
end
"""


class Reload(VaktTestCase):
    def test_broken_config_keeps_previous(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=facebook\nUnit=kultur\n"
                   "ExternalId=9\nEnabeld=yes\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)
        after = d.status()
        self.assertEqual("running", after["state"])
        self.assertEqual(before["config_generation"], after["config_generation"])
        self.assertEqual(before["accounts"], after["accounts"])
        log = d.log()
        self.assertIn("accounts.d/new.conf:5: unknown key 'Enabeld' in [Account]; "
                      "keeping previous configuration", log)
        self.assertIsNone(d.proc.poll())

    def test_good_change_is_applied(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=youtube\nUnit=trafik\n"
                   "ExternalId=UC123\nApiBaseUrl=http://127.0.0.1:9/yt\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)
        after = d.status()
        self.assertEqual(before["config_generation"] + 1, after["config_generation"])
        self.assertEqual(before["accounts"] + 1, after["accounts"])
        self.assertIn("configuration reloaded", d.log())

    def test_reload_twice_broken_then_fixed(self):
        d = self.vaktd().start()
        path = self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=lots\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        self.assertIn("10-limits.conf:2: MaxConnections=", d.log())
        with open(path, "w") as f:
            f.write("[Api]\nMaxConnections=8\n")
        gen = d.status()["config_generation"]
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        self.assertEqual(gen + 1, d.status()["config_generation"])


class ReloadOffTheLoop(VaktTestCase):
    """A reload's long part (the files read, the rules built and their
    examples run) is prepared on a worker thread: the loop answers the API
    meanwhile, `vaktctl reload` waits for its own attempt, and a reload
    asked for during one follows it.  VAKTD_TEST_RELOAD_HOLD names a FIFO
    the worker reads a byte from before it ends, so the test holds a
    reload open without racing it."""

    def setUp(self):
        super().setUp()
        self.rules = os.path.join(self.tmp, "rules")
        shutil.copytree(TEST_RULES, self.rules)
        self.hold = os.path.join(self.tmp, "hold")
        os.mkfifo(self.hold)

    def release(self):
        """Let the held preparation end (blocks until the worker reads)."""
        with open(self.hold, "w") as f:
            f.write("x")

    def rules_reloaded(self, d):
        return [int(n) for n in re.findall(r"configuration reloaded \(generation \d+, \d+ "
                                           r"accounts, (\d+) rules", d.log())]

    def test_loop_answers_while_a_reload_is_prepared(self):
        d = self.vaktd(env={"VAKT_RULES_DIR": self.rules,
                            "VAKTD_TEST_RELOAD_HOLD": self.hold}).start()
        gen = d.status()["config_generation"]
        with open(os.path.join(self.rules, "30-probe.rules"), "w") as f:
            f.write(NEW_RULE)
        ctl = subprocess.Popen([VAKTCTL, "--socket", d.socket, "reload"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # The new rule set's examples run on the worker; the loop
            # answers meanwhile and says it is reloading.
            wait_for(lambda: d.status()["state"] == "reloading", "state reloading")
            self.assertIsNone(ctl.poll(), "vaktctl reload answered before the reload ended")
            self.assertEqual(gen, d.status()["config_generation"])
            # Asked for during the held attempt: it follows it.
            d.signal(signal.SIGHUP)
            wait_for(lambda: "another follows it" in d.log(), "the second reload queued")
            self.release()
            out, err = ctl.communicate(timeout=PATIENCE)
        finally:
            if ctl.poll() is None:
                ctl.kill()
                ctl.wait()
        self.assertEqual(0, ctl.returncode, err)
        self.assertIn("configuration reloaded: generation %d" % (gen + 1), out)
        # The second attempt runs and is held in turn.
        wait_for(lambda: d.status()["state"] == "reloading", "the second reload runs")
        self.release()
        wait_for(lambda: d.status()["config_generation"] == gen + 2
                 and d.status()["state"] == "running", "the second reload ends")
        before = int(re.search(r"running: \d+ accounts, (\d+) rules", d.log()).group(1))
        self.assertEqual([before + 1, before + 1], self.rules_reloaded(d))
        # The first attempt proved the new rules (their examples ran on the
        # worker); the second found them proved.
        reloads = d.log().split("reloading configuration", 1)[1]
        self.assertEqual(1, len(re.findall(r"rule set \w+: all \d+ examples passed", reloads)),
                         reloads)
        self.assertIn("examples passed before with this vaktd", reloads)

    def test_stop_during_a_held_reload(self):
        d = self.vaktd(env={"VAKTD_TEST_RELOAD_HOLD": self.hold}).start()
        d.signal(signal.SIGHUP)
        wait_for(lambda: d.status()["state"] == "reloading", "state reloading")
        d.signal(signal.SIGTERM)
        self.assertEqual(0, d.wait_exit())
        self.assertIn("abandoned once its rules are built", d.log())


class CtlReload(VaktTestCase):
    """`vaktctl reload`, what vaktd.service's ExecReload= runs."""

    def audit(self, d):
        import sqlite3
        db = sqlite3.connect(d.status()["database"])
        try:
            return db.execute("SELECT actor, action, detail FROM audit_log ORDER BY seq").fetchall()
        finally:
            db.close()

    def test_good_config_exits_0_and_is_running(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=youtube\nUnit=trafik\n"
                   "ExternalId=UC123\nApiBaseUrl=http://127.0.0.1:9/yt\n")
        mark = len(d.notify.messages)
        r = d.ctl("reload", check=False)
        self.assertEqual(0, r.returncode, r.stderr)
        gen = before["config_generation"] + 1
        self.assertIn("configuration reloaded: generation %d" % gen, r.stdout)
        # The reload is done when vaktctl returns: nothing to wait for.
        after = d.status()
        self.assertEqual(gen, after["config_generation"])
        self.assertEqual(before["accounts"] + 1, after["accounts"])
        self.assertEqual("running", after["state"])
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)

    def test_broken_config_exits_1_listing_every_error(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=facebook\nUnit=kultur\n"
                   "ExternalId=9\nEnabeld=yes\n")
        self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=lots\n")
        mark = len(d.notify.messages)
        r = d.ctl("reload", check=False)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("accounts.d/new.conf:5: unknown key 'Enabeld' in [Account]", r.stderr)
        self.assertIn("10-limits.conf:2: MaxConnections=", r.stderr)
        self.assertIn("invalid configuration, ignored: 2 error(s); keeping previous "
                      "configuration (generation %d)" % before["config_generation"], r.stderr)
        # Still running, on the old configuration, and it said READY=1 again.
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)
        after = d.status()
        self.assertEqual("running", after["state"])
        self.assertEqual(before["config_generation"], after["config_generation"])
        self.assertEqual(before["accounts"], after["accounts"])
        self.assertIsNone(d.proc.poll())

    def test_json_answer_carries_the_diagnostics(self):
        d = self.vaktd().start()
        self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=lots\n")
        r = d.ctl("reload", "--json", check=False)
        self.assertEqual(1, r.returncode)
        err = json.loads(r.stdout)["error"]
        self.assertEqual(422, err["status"])
        self.assertEqual("config_invalid", err["code"])
        self.assertEqual(1, len(err["diagnostics"]))
        diag = err["diagnostics"][0]
        self.assertTrue(diag["file"].endswith("vaktd.conf.d/10-limits.conf"), diag)
        self.assertEqual(2, diag["line"])
        self.assertIn("MaxConnections=", diag["message"])
        # Fixed: taken, exit 0, JSON says so.
        self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=8\n")
        r = d.ctl("reload", "--json", check=False)
        self.assertEqual(0, r.returncode, r.stderr)
        res = json.loads(r.stdout)
        self.assertTrue(res["reloaded"])
        self.assertEqual(d.status()["config_generation"], res["generation"])

    def test_reload_is_audited_with_the_caller(self):
        d = self.vaktd().start()
        d.ctl("reload")
        self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=lots\n")
        d.ctl("reload", check=False)
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        rows = [r for r in self.audit(d) if r[1].startswith("config.")]
        self.assertEqual(["config.reloaded", "config.reload_rejected", "config.reload_rejected"],
                         [r[1] for r in rows])
        self.assertTrue(rows[0][0].startswith("api"), rows)
        self.assertTrue(rows[1][0].startswith("api"), rows)
        self.assertEqual("vaktd", rows[2][0])  # SIGHUP: no caller to name
        self.assertEqual(1, json.loads(rows[1][2])["errors"])

    def test_unreachable_daemon_exits_1(self):
        d = self.vaktd()
        r = d.ctl("reload", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("cannot reach vaktd", r.stderr)


if __name__ == "__main__":
    main()
