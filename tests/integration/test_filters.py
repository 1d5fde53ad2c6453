#!/usr/bin/env python3
"""The filter engine in the running daemon: an item evaluated through the
live rules gets a verdict with personal data masked and its review clock;
per-rule statistics and moderators' feedback survive a restart; a reload
with a broken rule file (or a failing example) keeps the previous rules and
names file and line; examples run once per rule set and vaktd build, and a
failing one still stops the start; the shipped rules pass --check-config."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time

from vakttest import PATIENCE, VaktTestCase, VAKTD, TEST_RULES, SHIPPED_RULES, main, wait_for

BROKEN_RULE = """
rule sv.test.broken
  title     Broken on purpose
  category  threat
  statute   BrB 4:5
  tier      obvious
  severity  5
  actions   hide
  pattern   (unclosed
  match     a
  match     b
  match     c
  nomatch   d
  nomatch   e
  nomatch   f
end
"""

FAILING_EXAMPLE = """
rule sv.test.wrong-example
  title     A rule whose own example does not match
  category  spam
  statute   kommentarsregler
  tier      possible
  severity  1
  actions   review
  pattern   \\bkop billigt\\b
  match     köp billigt här
  match     kop billigt nu
  match     this example does not match at all
  nomatch   d
  nomatch   e
  nomatch   f
end
"""


def insert_item(db, text):
    con = sqlite3.connect(db, timeout=10)
    try:
        now = int(time.time() * 1_000_000)
        cur = con.execute(
            "INSERT INTO items(account_id, platform_id, kind, text, published_at, "
            "first_seen_at, last_seen_at) VALUES ('stockholm-fb', ?, 'comment', ?, ?, ?, ?)",
            ("p%d" % now, text, now, now, now))
        con.execute("INSERT INTO item_versions(item_id, seen_at, text, platform_state) "
                    "VALUES (?, ?, ?, 'visible')", (cur.lastrowid, now, text))
        con.commit()
        return cur.lastrowid
    finally:
        con.close()


class Filters(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.rules = os.path.join(self.tmp, "rules")
        shutil.copytree(TEST_RULES, self.rules)

    def daemon(self):
        return self.vaktd(env={"VAKT_RULES_DIR": self.rules}).start().settle()

    def reload(self, d):
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))

    def stats(self, d):
        res = json.loads(d.ctl("filters", "stats", "--json").stdout)
        return res["ruleset"], {r["rule"]: r for r in res["rules"]}

    def test_evaluate_masks_and_starts_review(self):
        d = self.daemon()
        db = os.path.join(d.state_dir, "vakt.db")
        item = insert_item(db, "Jag ska döda dig, ring 070-123 45 67")
        res = json.loads(d.ctl("item", str(item), "--evaluate", "--json").stdout)
        v = res["verdict"]
        self.assertEqual("obvious", v["tier"])
        self.assertIn("sv.threat.kill-direct", v["rules"])
        self.assertIn("070-*** ** **", v["text"])
        self.assertNotIn("123 45 67", json.dumps(res))
        self.assertEqual(["review_obvious"], [c["kind"] for c in res["deadlines"]])
        human = d.ctl("item", str(item)).stdout
        self.assertIn("text (personal data masked): Jag ska döda dig, ring 070-*** ** **", human)

        _, st = self.stats(d)
        self.assertEqual(1, st["sv.threat.kill-direct"]["hits"])
        self.assertEqual(0, st["sv.harassment.idiot"]["hits"])
        d.ctl("feedback", str(v["id"]), "sv.threat.kill-direct", "tp")
        bad = d.ctl("feedback", str(v["id"]), "sv.harassment.idiot", "fp", check=False)
        self.assertEqual(1, bad.returncode)
        self.assertEqual(2, d.ctl("feedback", str(v["id"]), "x", "maybe", check=False).returncode)

        # Restart: the counters were flushed to the store.
        d.stop()
        d2 = self.daemon()
        _, st = self.stats(d2)
        self.assertEqual(1, st["sv.threat.kill-direct"]["hits"])
        self.assertEqual(1, st["sv.threat.kill-direct"]["true_positives"])
        self.assertIsNotNone(st["sv.threat.kill-direct"]["last_hit"])
        self.assertIn("filters", d2.ctl("help").stdout)

    def test_the_api_answers_while_waiting_items_are_evaluated(self):
        # Items a crash left without a verdict: evaluated after READY in
        # slices, between which the loop answers (a pass held the loop to
        # its end when each slice made the next one active at once).  So
        # many that the pass outlasts a status request on a fast machine:
        # the first one here came after 600-700 of them.
        d = self.daemon()
        d.stop()
        db = os.path.join(d.state_dir, "vakt.db")
        con = sqlite3.connect(db, timeout=10)
        now = int(time.time() * 1_000_000)
        with con:
            for i in range(20000):
                cur = con.execute(
                    "INSERT INTO items(account_id, platform_id, kind, text, published_at, "
                    "first_seen_at, last_seen_at) VALUES ('stockholm-fb', ?, 'comment', ?, ?, "
                    "?, ?)", ("left%d" % i, "Hur dags öppnar biblioteket?", now, now, now))
                con.execute("INSERT INTO item_versions(item_id, seen_at, text, platform_state) "
                            "VALUES (?, ?, 'Hur dags öppnar biblioteket?', 'visible')",
                            (cur.lastrowid, now))
        con.close()
        d2 = self.vaktd(env={"VAKT_RULES_DIR": self.rules}).start()
        seen = []
        def done():
            b = d2.status()["verdict_backlog"]
            seen.append(b)
            return not b["running"] and b["waiting"] == 0
        wait_for(done, "the waiting items evaluated", timeout=30 * PATIENCE)
        self.assertTrue(any(b["running"] and b["waiting"] > 0 for b in seen), seen[:3])
        self.assertEqual(20000, seen[-1]["evaluated"])
        self.assertIn("evaluated 20000 item(s) stored without a verdict", d2.log())

    def test_broken_rules_keep_the_previous_set(self):
        d = self.daemon()
        before, rules = self.stats(d)
        with open(os.path.join(self.rules, "90-broken.rules"), "w") as f:
            f.write(BROKEN_RULE)
        self.reload(d)
        self.assertIn("90-broken.rules:9: pattern does not compile", d.log())
        self.assertIn("keeping previous configuration", d.log())
        self.assertEqual((before, rules.keys()), (self.stats(d)[0], self.stats(d)[1].keys()))

        with open(os.path.join(self.rules, "90-broken.rules"), "w") as f:
            f.write(FAILING_EXAMPLE)
        self.reload(d)
        self.assertIn("90-broken.rules:12: rule sv.test.wrong-example: example", d.log())
        self.assertEqual(before, self.stats(d)[0])

        os.unlink(os.path.join(self.rules, "90-broken.rules"))
        with open(os.path.join(self.rules, "10-threat.rules"), "a") as f:
            f.write("\n# a comment changes the digest\n")
        self.reload(d)
        self.assertNotEqual(before, self.stats(d)[0])

    def test_examples_run_once_per_rule_set_and_a_failing_one_stops_the_start(self):
        # The first start runs every example and records that they passed;
        # the next start with the same files and the same vaktd skips them.
        d = self.daemon()
        self.assertRegex(d.log(), r"rule set [0-9a-f]{16}: all [0-9]+ examples passed")
        d.stop()
        d = self.daemon()
        self.assertIn("examples passed before with this vaktd; not run again", d.log())
        self.assertNotRegex(d.log(), r"all [0-9]+ examples passed")
        d.stop()
        # A changed rule file is a new rule set: its failing example is
        # found at start, and vaktd does not start.
        with open(os.path.join(self.rules, "90-broken.rules"), "w") as f:
            f.write(FAILING_EXAMPLE)
        d = self.vaktd(env={"VAKT_RULES_DIR": self.rules})
        d.start(wait_ready=False)
        self.assertNotEqual(0, d.wait_exit())
        self.assertIn("90-broken.rules:12: rule sv.test.wrong-example: example", d.log())
        self.assertIn("not starting", d.log())
        d.notify.drain()
        self.assertNotIn("READY=1", d.notify.messages)

    def test_a_broken_pattern_stops_the_start(self):
        # The second start does not compile the patterns it checked
        # before (docs/filter.md, "Compile checks at start"); a changed
        # file is a new rule set, whose broken pattern stops the start
        # with the message a start that compiles everything gives.
        d = self.daemon()
        d.stop()
        d = self.daemon()
        self.assertIn("nor its patterns compiled to check them", d.log())
        d.stop()
        with open(os.path.join(self.rules, "90-broken.rules"), "w") as f:
            f.write(BROKEN_RULE)
        d = self.vaktd(env={"VAKT_RULES_DIR": self.rules})
        d.start(wait_ready=False)
        self.assertNotEqual(0, d.wait_exit())
        self.assertIn("90-broken.rules:9: pattern does not compile", d.log())
        self.assertRegex(d.log(), r"invalid rules in \S+: 1 error\(s\); not starting")
        d.notify.drain()
        self.assertNotIn("READY=1", d.notify.messages)
        # --check-config, which compiles everything at once, says the same.
        r = subprocess.run([VAKTD, "--check-config", "--config", self.config_dir],
                           capture_output=True, text=True,
                           env=dict(os.environ, VAKT_RULES_DIR=self.rules))
        self.assertNotEqual(0, r.returncode)
        self.assertIn("90-broken.rules:9: pattern does not compile", r.stdout + r.stderr)

    def test_shipped_rules_pass_check_config(self):
        env = dict(os.environ, VAKT_RULES_DIR=SHIPPED_RULES)
        r = subprocess.run([VAKTD, "--check-config", "--config", self.config_dir],
                           capture_output=True, text=True, env=env)
        self.assertEqual(0, r.returncode, r.stderr[-3000:])
        self.assertIn("configuration OK", r.stdout)


if __name__ == "__main__":
    main()
