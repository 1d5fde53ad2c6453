"""Shared machinery of the fetch tests (test_fetch*.py): the real vaktd
polling the platform simulators (tests/sim/) on the manual test clock.

FetchBase starts simulators, writes accounts and polls them with
`vaktctl poll --json`.  PlatformCases holds the tests every platform must
pass inside vaktd (issue 10): everything the simulator holds stored exactly
once with its parent, again after a second poll, new items (and edits where
the platform shows them) on the next one; faults on one account survived,
retried and isolated from a healthy second account; kill -9 in the middle
of a poll losing and duplicating nothing; the account's own reply meeting
the respond clock; a broken token turning only that account red.  A
platform's test file subclasses it with the platform's ids and what its
simulator holds that vakt must see.

Retries wait on the daemon's clock timers, so a test that injects a fault
moves the manual clock until the poll has ended; nothing waits for wall
time except for conditions, with a generous bound."""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

from vakttest import PATIENCE, VAKTCTL, VaktTestCase, wait_for

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
from simbase import parse_time  # noqa: E402
from simtest import SCENARIOS, SimProc  # noqa: E402

# A question the test rules (tests/unit/data/filter/good) start a respond
# clock for (sv.question.opening-hours).
QUESTION = "När öppnar simhallen på lördag?"


def real_now(ahead=0):
    """The real present (plus ahead seconds) as ISO 8601: the manual clock
    starts there and is moved there, because the simulators date what they
    make ("created": "now") by the real clock and the connectors page by
    time up to the poll's start."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ahead))


def rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


class FetchBase(VaktTestCase):
    # What a platform's subclass sets (PlatformCases): its simulator, the
    # account's ExternalId=, its token and the path under the simulator's
    # address that ApiBaseUrl= names.
    platform = "facebook"
    script = "sim_facebook.py"
    scenario = "facebook.json"
    external_id = "104857600123456"
    token = "EAAB-page-token"
    api_path = "/v22.0"

    def setUp(self):
        super().setUp()
        # The schedule's own polls stay out of the way: a minute tick, and
        # the demo accounts have no token (their polls are skipped).
        self.write("vaktd.conf.d/90-tick.conf", "[Daemon]\nTickSec=60\n")
        self.sims = []

    def tearDown(self):
        super().tearDown()
        for s in self.sims:
            s.stop()

    def sim(self, script=None, scenario=None):
        s = SimProc(script or self.script, self.recent(scenario or self.scenario))
        self.sims.append(s)
        return s.start()

    def recent(self, scenario):
        """The scenario with its items' dates (ISO 8601; relative ones stay)
        moved so that the newest is an hour old: a first poll reads back to
        the backfill horizon (14 days) and YouTube and LinkedIn re-read a
        week, so recorded dates would age out of the test."""
        path = scenario if os.path.isabs(scenario) else os.path.join(SCENARIOS, scenario)
        with open(path, encoding="utf-8") as f:
            sc = json.load(f)
        dated = [(it, k) for it in sc.get("items", []) for k in ("created", "updated")
                 if isinstance(it.get(k), str) and re.match(r"^\d{4}-", it[k])]
        if not dated:
            return path
        newest = max(parse_time(it[k], 0) for it, k in dated)
        shift = int(time.time() * 1000) - 3600 * 1000 - newest
        for it, k in dated:
            t = (parse_time(it[k], 0) + shift) // 1000
            it[k] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        out = os.path.join(self.tmp, "recent-" + os.path.basename(path))
        with open(out, "w", encoding="utf-8") as f:
            json.dump(sc, f, ensure_ascii=False)
        return out

    def account(self, name, sim, token=None, api_path=None, extra=""):
        tok = os.path.join(self.tmp, name + ".token")
        with open(tok, "w") as f:
            f.write((token or self.token) + "\n")
        os.chmod(tok, 0o600)
        path = self.api_path if api_path is None else api_path
        self.write("accounts.d/%s.conf" % name,
                   "[Account]\nPlatform=%s\nUnit=kultur\nExternalId=%s\n"
                   "ApiBaseUrl=%s%s\nTokenFile=%s\n%s"
                   % (self.platform, self.external_id, sim.base, path, tok, extra))

    def start(self):
        d = self.vaktd("--test-clock", real_now() + ",manual").start()
        self.db = os.path.join(d.state_dir, "vakt.db")
        return d

    def to_present(self, d):
        """Move the manual clock past what the simulator just made."""
        # The clocks have whole seconds and what was just made is dated this
        # second at the latest: once the real clock is in a later second,
        # real_now(1) is past all of it (a fixed 1.1 s sleep waited longer).
        second = int(time.time())
        wait_for(lambda: int(time.time()) > second, "the next second", timeout=PATIENCE)
        clock = d.status()["now"][:19] + "Z"  # the manual clock may be ahead already
        if clock < real_now(1):
            d.set_clock(real_now(1))

    def poll(self, d, account, advance="1m", max_moves=0):
        """vaktctl poll ACCOUNT --json: the poll objects.  With max_moves,
        the manual clock moves while the poll waits for a retry timer.  A
        poll the schedule started meanwhile (the account is busy) is waited
        for, and the request repeated."""
        deadline = time.monotonic() + 30 * PATIENCE
        while True:
            polls = self.poll_once(d, account, advance, max_moves, deadline)
            if not any("is running" in (p.get("error") or "") for p in polls):
                return polls
            if time.monotonic() > deadline:
                raise AssertionError("%s stays busy" % account)
            time.sleep(0.2)

    def poll_process(self, d, account):
        return subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", account, "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def poll_once(self, d, account, advance, max_moves, deadline):
        p = self.poll_process(d, account)
        try:
            moves = 0
            while p.poll() is None:
                if time.monotonic() > deadline:
                    raise AssertionError("vaktctl poll %s did not end" % account)
                try:
                    p.wait(timeout=0.3)
                except subprocess.TimeoutExpired:
                    if moves < max_moves:
                        d.advance(advance)
                        moves += 1
            out, err = p.communicate()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        res = json.loads(out) if out.strip() else {"polls": [], "stderr": err}
        return res["polls"]

    def need_connector(self, polls):
        for p in polls:
            if "no connector" in (p.get("error") or ""):
                self.skipTest("this build has no connector for the platform")

    def stored(self, account):
        return {r[0] for r in rows(self.db, "SELECT platform_id FROM items WHERE account_id=?",
                                   account)}

    def stored_parents(self, account):
        return dict(rows(self.db, "SELECT platform_id, parent_platform_id FROM items "
                                  "WHERE account_id=?", account))

    def sim_ids(self, sim):
        st = sim.state()
        return {i for i, it in st["items"].items() if not it.get("deleted")}

    def versions(self):
        return rows(self.db, "SELECT count(*) FROM item_versions")[0][0]

    def duplicates(self):
        """Items stored twice, or with a version more than once (a kill -9
        test edits nothing, so every item has one version)."""
        return (rows(self.db, "SELECT account_id, platform_id, count(*) FROM items "
                              "GROUP BY account_id, platform_id HAVING count(*) > 1") +
                rows(self.db, "SELECT item_id, count(*) FROM item_versions GROUP BY item_id "
                              "HAVING count(*) > 1"))

    def asked_since(self, sim, n):
        """The API requests the simulator had after its nth."""
        return [(e["method"], e["path"], json.dumps(e["query"], sort_keys=True))
                for e in sim.log()[n:]]

    def assertNotRetried(self, sim, n):
        """Since the simulator's nth request: something asked, nothing
        asked twice (the poll's first requests may go out at once)."""
        asked = self.asked_since(sim, n)
        self.assertTrue(asked)
        self.assertEqual(len(asked), len(set(asked)), asked)

    def health(self, d):
        return {a["id"]: a["health"]
                for a in json.loads(d.ctl("accounts", "--json").stdout)["accounts"]}


class PlatformCases:
    """The tests every connector passes inside vaktd.  Mixed into a
    FetchBase subclass that sets platform, script, scenario, external_id,
    token, api_path and defines:

      expected(st)      {platform id vakt must store: its parent's platform
                        id or None}, from the simulator's state
      add_question(sim) a user's question (QUESTION) as a new item: its
                        simulator id
      add_own_reply(sim, parent) the account's own reply to it: its
                        simulator id
      pid(st, sim_id)   the platform id vakt stores for a simulator item
                        (default: the same)
      add_edit(sim)     optional: edit an item the platform shows edits of;
                        its platform id (None: the platform shows none)
      add_many(sim, n)  n items more than one page of the platform holds
      own_author        the simulator's author key of the account itself
    """

    # The faults the bad account meets in one poll, in order (at most
    # vaktd's five retries).  A platform adds its own throttling.
    faults = [
        {"mode": "500"},
        {"mode": "429", "retry_after": 90},
        {"mode": "timeout", "hold_s": 0.2},  # the connection drops unanswered
        {"mode": "truncate"},
        {"mode": "malformed"},
    ]
    # Requests of a first poll answered before the one the kill -9 test
    # holds open (its earlier pages are stored, or not: either way the
    # restart must end with each item once).
    kill_skip = 1

    def pid(self, st, sim_id):
        return sim_id

    def add_edit(self, sim):
        return None

    def first_poll(self, d, name="acct"):
        polls = self.poll(d, name)
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        return polls[0]

    def check_stored(self, sim, name):
        st = sim.state()
        want = self.expected(st)
        self.assertEqual(set(want), self.stored(name))
        self.assertEqual(want, self.stored_parents(name))
        # The account's own items, and only those, are marked own.
        own = {self.pid(st, i) for i, it in st["items"].items()
               if it.get("author") == self.own_author and self.pid(st, i) in want}
        self.assertEqual(own, {r[0] for r in rows(self.db, "SELECT platform_id FROM items "
                                                           "WHERE account_id=? AND is_own=1",
                                                  name)})
        return want

    # --- (1) everything exactly once, new items and edits -----------------

    def test_everything_stored_exactly_once(self):
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        first = self.first_poll(d)
        want = self.check_stored(sim, "acct")
        self.assertEqual(len(want), first["items_new"])
        # Again: nothing new, nothing twice, no new versions.
        versions = self.versions()
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", 0, 0), (polls[0]["result"], polls[0]["items_new"],
                                        polls[0]["items_updated"]), polls)
        self.assertEqual(versions, self.versions())
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())
        items = json.loads(d.ctl("items", "--account", "acct", "--limit", "1000",
                                 "--json").stdout)["items"]
        self.assertEqual(set(want), {i["platform_id"] for i in items})
        # Every item went through the filters.
        self.assertEqual([], rows(self.db, "SELECT item_id FROM items_unevaluated"))
        h = self.health(d)["acct"]
        self.assertEqual(("ok", "ok", 0), (h["state"], h["token"], h["consecutive_failures"]))
        self.assertIsNotNone(h["last_ok_poll"])

    def test_new_items_and_edits_on_the_next_poll(self):
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        versions = self.versions()
        q = self.add_question(sim)
        edited = self.add_edit(sim)
        self.to_present(d)
        polls = self.poll(d, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        st = sim.state()
        self.assertEqual(1, polls[0]["items_new"], polls)
        self.assertIn(self.pid(st, q), {i["platform_id"] for i in polls[0]["items"]})
        self.check_stored(sim, "acct")
        if edited is None:
            self.assertEqual(0, polls[0]["items_updated"], polls)
            self.assertEqual(versions + 1, self.versions())
        else:
            self.assertEqual(1, polls[0]["items_updated"], polls)
            self.assertEqual(versions + 2, self.versions())
            self.assertEqual([(2,)], rows(self.db, "SELECT count(*) FROM item_versions v JOIN "
                                                   "items i ON i.id=v.item_id WHERE "
                                                   "i.platform_id=?", edited))
        self.assertEqual([], rows(self.db, "SELECT account_id, platform_id FROM items GROUP BY "
                                           "account_id, platform_id HAVING count(*) > 1"))

    # --- (2) faults survived and isolated --------------------------------

    def test_faults_survived_and_isolated(self):
        bad, good = self.sim(), self.sim()
        self.account("bad", bad)
        self.account("good", good)
        d = self.start()
        self.first_poll(d, "good")
        # No poll of the schedule's holds an account (the clock has not
        # moved, but a slow machine must not make this test a race).
        wait_for(lambda: not rows(self.db, "SELECT 1 FROM polls WHERE finished_at IS NULL"),
                 "no poll running", timeout=3 * PATIENCE)
        for f in self.faults:
            bad.fault(**f)
        p = self.poll_process(d, "bad")
        try:
            # The bad account waits for its retries on the manual clock,
            # which stands still: the good one polls meanwhile.
            wait_for(lambda: any(e.get("fault") for e in bad.log()),
                     "the bad account met its first fault", timeout=3 * PATIENCE)
            self.assertEqual("ok", self.poll(d, "good")[0]["result"])
            self.assertIsNone(p.poll(), "the bad account's poll ended without its retries")
            for _ in range(60):
                if p.poll() is not None:
                    break
                try:
                    p.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    d.advance("1m")
            out, err = p.communicate(timeout=PATIENCE)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        polls = json.loads(out)["polls"]
        self.assertEqual("ok", polls[0]["result"], (polls, err))
        self.check_stored(bad, "bad")
        self.check_stored(good, "good")
        self.assertEqual([], self.duplicates())
        # Every fault was met and retried.
        served = [e["fault"] for e in bad.log() if e.get("fault")]
        self.assertEqual([f["mode"] for f in self.faults], served)
        waits = [float(w) for w in re.findall(r"\[bad\] poll \d+: .*; retrying in ([\d.]+) s",
                                              d.log())]
        # A connection dropped unanswered may be asked again by libcurl
        # itself (a reused connection that died): not a retry of vaktd's.
        dropped = sum(f["mode"] == "timeout" for f in self.faults)
        self.assertIn(len(waits), range(len(self.faults) - dropped, len(self.faults) + 1),
                      d.log())
        # Retry-After was honoured (the wait is the platform's, not the
        # backoff's).
        for f in self.faults:
            if f.get("retry_after"):
                self.assertTrue(any(w >= f["retry_after"] for w in waits), waits)
        h = self.health(d)
        self.assertEqual(("ok", "ok"), (h["bad"]["state"], h["good"]["state"]))

    # --- (3) kill -9 in the middle of a poll -----------------------------

    def test_kill_9_mid_poll_loses_and_duplicates_nothing(self):
        sim, probe = self.sim(), self.sim()
        self.account("acct", sim)
        self.account("probe", probe)
        d = self.start()
        self.first_poll(d, "probe")
        sim.fault(mode="slow", delay_ms=30000, skip=self.kill_skip, count=1)
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "acct", "--json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: any(e.get("fault") == "slow" for e in sim.log()),
                     "the poll reached the slow page", timeout=3 * PATIENCE)
            d.signal(signal.SIGKILL)
            d.wait_exit()
        finally:
            p.wait(timeout=PATIENCE)
        sim.ctl("DELETE", "/faults")
        d2 = self.vaktd("--test-clock", real_now() + ",manual").start()
        polls = self.poll(d2, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())
        # And a poll after that brings nothing again.
        polls = self.poll(d2, "acct")
        self.assertEqual(("ok", 0, 0), (polls[0]["result"], polls[0]["items_new"],
                                        polls[0]["items_updated"]), polls)
        self.assertEqual([], self.duplicates())

    # --- paging: faults and a kill between pages ---------------------------

    def test_pages_exactly_once_through_faults(self):
        sim = self.sim()
        self.add_many(sim, 230)
        self.account("acct", sim)
        d = self.start()
        # Faults between pages: the pages before are stored, the failed one
        # asked again, nothing twice.
        sim.fault(mode="503", skip=1)
        sim.fault(mode="truncate", skip=2)
        sim.fault(mode="malformed", skip=3)
        polls = self.poll(d, "acct", max_moves=40)
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        want = self.check_stored(sim, "acct")
        self.assertGreater(len(want), 230)
        self.assertEqual([], self.duplicates())
        self.assertEqual(["503", "truncate", "malformed"],
                         [e["fault"] for e in sim.log() if e.get("fault")])
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", 0, 0), (polls[0]["result"], polls[0]["items_new"],
                                        polls[0]["items_updated"]), polls)

    def test_kill_9_between_pages(self):
        sim, probe = self.sim(), self.sim()
        self.add_many(sim, 230)
        self.account("acct", sim)
        self.account("probe", probe)
        d = self.start()
        self.first_poll(d, "probe")
        sim.fault(mode="slow", delay_ms=30000, skip=2, count=1)
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "acct", "--json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: any(e.get("fault") == "slow" for e in sim.log()),
                     "the poll reached the slow page", timeout=3 * PATIENCE)
            d.signal(signal.SIGKILL)
            d.wait_exit()
        finally:
            p.wait(timeout=PATIENCE)
        sim.ctl("DELETE", "/faults")
        d2 = self.vaktd("--test-clock", real_now() + ",manual").start()
        polls = self.poll(d2, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())

    # --- (4) the account's own reply meets the clock ---------------------

    def test_own_reply_meets_the_clock(self):
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        # A question: stored open, with a running respond clock.
        q = self.add_question(sim)
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        qpid = self.pid(sim.state(), q)
        self.assertEqual([("new", 0)], rows(self.db, "SELECT state, is_own FROM items "
                                                     "WHERE platform_id=?", qpid))
        clock = "SELECT d.id FROM deadlines d JOIN items i ON i.id=d.item_id " \
                "WHERE i.platform_id=? AND d.kind='respond' AND d.stopped_at IS NULL"
        self.assertEqual(1, len(rows(self.db, clock, qpid)), "no respond clock started")
        # The account answers it on the platform: the next poll meets the clock.
        r = self.add_own_reply(sim, q)
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        rpid = self.pid(sim.state(), r)
        self.assertEqual([(1, qpid)], rows(self.db, "SELECT is_own, parent_platform_id FROM "
                                                    "items WHERE platform_id=?", rpid))
        self.assertEqual([("answered",)], rows(self.db, "SELECT state FROM items "
                                                        "WHERE platform_id=?", qpid))
        self.assertEqual([], rows(self.db, clock, qpid))
        self.assertEqual([("met",)], rows(self.db, "SELECT d.state FROM deadlines d JOIN "
                                                   "items i ON i.id=d.item_id WHERE "
                                                   "i.platform_id=? AND d.kind='respond'", qpid))

    def test_question_and_own_reply_in_one_poll(self):
        # Both new in one poll: whichever is stored first (X and Mastodon
        # read the account's own posts in a stream of their own), the
        # question ends answered and its clock met, never open.
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        q = self.add_question(sim)
        self.add_own_reply(sim, q)
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        qpid = self.pid(sim.state(), q)
        self.assertEqual([("answered",)], rows(self.db, "SELECT state FROM items "
                                                        "WHERE platform_id=?", qpid))
        self.assertEqual([], rows(self.db, "SELECT d.state FROM deadlines d JOIN items i ON "
                                           "i.id=d.item_id WHERE i.platform_id=? AND "
                                           "d.kind='respond' AND d.state != 'met'", qpid))

    # --- (5) a broken token turns only that account red ------------------

    def test_broken_token_turns_the_account_red(self):
        sim, other = self.sim(), self.sim()
        self.account("acct", sim)
        self.account("other", other)
        d = self.start()
        self.first_poll(d)
        sim.ctl("POST", "/tokens/" + self.token, {"expired": True})
        n_requests = len(sim.log())
        polls = self.poll(d, "acct")
        self.assertEqual("error", polls[0]["result"], polls)
        self.assertNotRetried(sim, n_requests)
        h = self.health(d)
        self.assertEqual(("red", "invalid"), (h["acct"]["state"], h["acct"]["token"]))
        self.assertEqual(1, d.status()["accounts_red"])
        self.assertEqual(1, len(rows(self.db, "SELECT 1 FROM audit_log WHERE "
                                              "action='account.red' AND subject='acct'")))
        # Every other account keeps going.
        self.assertEqual("ok", self.poll(d, "other")[0]["result"])
        self.assertEqual("ok", self.health(d)["other"]["state"])

    def test_token_dies_between_pages_then_heals(self):
        # The token is refused in the middle of a paged poll: the poll ends
        # (partial or error, never retried), the account turns red, the old
        # cursor stays; with the token good again the next poll fetches
        # the span again and stores each item once.
        sim = self.sim()
        self.add_many(sim, 230)
        self.account("acct", sim)
        d = self.start()
        sim.fault(mode="token", kind="expired", skip=2)
        polls = self.poll(d, "acct")
        self.need_connector(polls)
        self.assertIn(polls[0]["result"], ("partial", "error"), polls)
        self.assertEqual("red", self.health(d)["acct"]["state"])
        polls = self.poll(d, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())
        self.assertEqual("ok", self.health(d)["acct"]["state"])

    # --- a platform that says stop ---------------------------------------

    def check_stop(self, fault, why):
        """The platform says stop (X's 402, YouTube's spent quota): not
        retried, the account red with the reason, its polls refused until
        the platform's time has come; a second account goes on."""
        sim, other = self.sim(), self.sim()
        self.account("acct", sim)
        self.account("other", other)
        d = self.start()
        self.first_poll(d)
        sim.fault(count=100, **fault)
        self.to_present(d)
        n_requests = len(sim.log())
        polls = self.poll(d, "acct")
        self.assertEqual("error", polls[0]["result"], polls)
        self.assertNotRetried(sim, n_requests)
        n_stop = len(sim.log())
        h = self.health(d)["acct"]
        self.assertEqual("red", h["state"], h)
        self.assertRegex(h["reason"], why)
        # The alert: said, audited (and escalated from there).
        self.assertIn("account is red", d.log())
        self.assertEqual(1, len(rows(self.db, "SELECT 1 FROM audit_log WHERE "
                                              "action='account.red' AND subject='acct'")))
        again = self.poll(d, "acct")
        self.assertRegex(again[0]["error"], "said stop")
        self.assertEqual(n_stop, len(sim.log()), "a stopped account is not polled")
        self.assertEqual("ok", self.poll(d, "other")[0]["result"])
        return d, sim
