#!/usr/bin/env python3
"""vaktd fetching from the platform simulators (tests/sim/), on the manual
test clock: `vaktctl poll` and `vaktctl items`, everything the simulator
holds stored exactly once, faults (500, 429 with Retry-After, a dropped
connection) survived and isolated to their account, kill -9 in the middle
of a poll, the account's own replies meeting the clock, a broken token
turning the account red.

Retries wait on the daemon's clock timers, so a test that injects a fault
moves the manual clock until the poll has ended; nothing waits for wall
time except for conditions, with a generous bound.

The tests that need a platform's connector skip when this build has none
for it (vaktctl poll says so)."""
import json
import os
import signal
import subprocess
import time
import unittest

from fetchcase import SCENARIOS, FetchBase, real_now, rows
from test_escalation import Receiver
from test_notify_channels import PYTHON_SMTPD
from vakttest import PATIENCE, VAKTCTL, main, wait_for

PAGE = FetchBase.external_id
TOKEN = FetchBase.token


class WithoutConnector(FetchBase):
    """What works whatever connectors this build has."""

    def test_poll_of_an_account_without_token_says_why(self):
        d = self.start()
        r = d.ctl("poll", "stockholm-fb", check=False)
        self.assertEqual(1, r.returncode)
        self.assertRegex(r.stdout, r"stockholm-fb: not polled: .*(no token|no connector)")
        r = d.ctl("poll", "no-such-account", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("no account", r.stderr)
        r = d.ctl("poll", check=False)
        self.assertEqual(2, r.returncode)
        # Nothing was started, so nothing was audited.
        self.assertEqual([], rows(self.db, "SELECT 1 FROM audit_log WHERE action='poll.requested'"))

    def test_items_empty_and_bad_options(self):
        d = self.start()
        self.assertEqual({"items": [], "next": None},
                         json.loads(d.ctl("items", "--json").stdout))
        r = d.ctl("items", "--since", "yesterday", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("ISO 8601", r.stderr)
        r = d.ctl("items", "--limit", "0", check=False)
        self.assertEqual(1, r.returncode)
        self.assertEqual(2, d.ctl("items", "--bogus", "1", check=False).returncode)
        r = d.ctl("items", "--since", "2026-12-01T00:00:00+01:00", "--account", "kultur-ig")
        self.assertIn("0 item(s)", r.stdout)

    def test_status_and_accounts_show_health(self):
        d = self.start()
        self.assertEqual(0, d.status()["accounts_red"])
        acc = json.loads(d.ctl("accounts", "--json").stdout)["accounts"]
        self.assertEqual({"unknown"}, {a["health"]["state"] for a in acc})
        self.assertIn("HEALTH", d.ctl("accounts").stdout)


class Facebook(FetchBase):
    def test_everything_stored_exactly_once(self):
        sim = self.sim()
        self.account("fb", sim)
        d = self.start()
        polls = self.poll(d, "fb")
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        want = self.sim_ids(sim)
        self.assertEqual(want, self.stored("fb"))
        self.assertEqual(len(want), polls[0]["items_new"])
        # Again: nothing new, nothing twice, no new versions.
        versions = rows(self.db, "SELECT count(*) FROM item_versions")[0][0]
        polls = self.poll(d, "fb")
        self.assertEqual(("ok", 0, 0), (polls[0]["result"], polls[0]["items_new"],
                                        polls[0]["items_updated"]))
        self.assertEqual(versions, rows(self.db, "SELECT count(*) FROM item_versions")[0][0])
        items = json.loads(d.ctl("items", "--account", "fb", "--json").stdout)["items"]
        self.assertEqual(want, {i["platform_id"] for i in items})
        # Every item went through the filters.
        self.assertEqual([], rows(self.db, "SELECT item_id FROM items_unevaluated"))
        acc = {a["id"]: a for a in json.loads(d.ctl("accounts", "--json").stdout)["accounts"]}
        self.assertEqual(("ok", "ok", 0), (acc["fb"]["health"]["state"], acc["fb"]["health"]["token"],
                                           acc["fb"]["health"]["consecutive_failures"]))
        self.assertIsNotNone(acc["fb"]["health"]["last_ok_poll"])
        audit = rows(self.db, "SELECT actor, subject FROM audit_log WHERE action='poll.requested'")
        self.assertEqual(2, len(audit))
        self.assertTrue(all(a[0].startswith("api:") and a[1] == "fb" for a in audit), audit)

    def test_new_items_and_edits_on_the_next_poll(self):
        sim = self.sim()
        self.account("fb", sim)
        d = self.start()
        self.need_connector(self.poll(d, "fb"))
        post = "104857600123456_10158407654329999"
        sim.ctl("POST", "/items", {"id": "10158407654329999_42", "kind": "comment",
                                   "parent": post, "author": "u-anna",
                                   "text": "Varför svarar ingen?", "created": "now"})
        sim.ctl("POST", "/items/10158407654329999_10158410332078553",
                {"text": "Redigerad fråga: när öppnar ni?"})
        self.to_present(d)
        polls = self.poll(d, "fb")
        self.assertEqual("ok", polls[0]["result"])
        self.assertEqual(1, polls[0]["items_new"])
        self.assertEqual(1, polls[0]["items_updated"])
        self.assertIn("10158407654329999_42", {i["platform_id"] for i in polls[0]["items"]})

    def test_visitor_post_added_later_is_stored(self):
        # A visitor writes on the page after the first poll: /feed brings
        # it (PLATFORMS.md §1.2), with its comment, on the next poll.
        sim = self.sim()
        self.account("fb", sim)
        d = self.start()
        self.need_connector(self.poll(d, "fb"))
        self.to_present(d)
        post = sim.ctl("POST", "/items", {"kind": "post", "author": "u-kun",
                                          "text": "Varför är biblioteket stängt?",
                                          "created": real_now()})["ids"][0]
        reply = sim.ctl("POST", "/items", {"kind": "comment", "parent": post,
                                           "author": "u-sara", "text": "Undrar också",
                                           "created": real_now()})["ids"][0]
        self.to_present(d)
        polls = self.poll(d, "fb")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertEqual(2, polls[0]["items_new"], polls)
        self.assertEqual(self.sim_ids(sim), self.stored("fb"))
        self.assertEqual(post, self.stored_parents("fb")[reply])

    def test_faults_survived_and_isolated(self):
        bad, good = self.sim(), self.sim()
        self.account("fb-bad", bad)
        self.account("fb-good", good)
        d = self.start()
        self.need_connector(self.poll(d, "fb-good"))
        # `poll --all` must start both polls: none of the schedule's may
        # hold an account (its entry would be "a poll of this account is
        # running", without a result).
        wait_for(lambda: not rows(self.db, "SELECT 1 FROM polls WHERE finished_at IS NULL"),
                 "no poll running", timeout=3 * PATIENCE)
        bad.fault(mode="500", count=2)
        bad.fault(mode="429", retry_after=90, count=1)
        bad.fault(mode="timeout", hold_s=0.2, count=1)  # the connection drops unanswered
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "--all", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # The good account ends while the bad one waits for its retries
            # (the manual clock stands still).
            def good_done():
                res = [r[0] for r in rows(self.db, "SELECT result FROM polls WHERE "
                                                   "account_id='fb-good'")]
                return res if res.count("ok") >= 2 else None
            res = wait_for(good_done, "fb-good's second poll ended", timeout=3 * PATIENCE)
            self.assertEqual([], [r for r in res if r not in ("ok", None)])
            # fb-bad's poll waits for its retry on the clock meanwhile.
            self.assertIn(None, [r[0] for r in rows(self.db, "SELECT result FROM polls "
                                                             "WHERE account_id='fb-bad'")])
            for _ in range(40):
                if p.poll() is not None:
                    break
                try:
                    p.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    d.advance("1m")
            out, _ = p.communicate(timeout=PATIENCE)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        polls = {x["account"]: x for x in json.loads(out)["polls"]}
        self.assertEqual("ok", polls["fb-bad"].get("result"), polls["fb-bad"])
        self.assertEqual(self.sim_ids(bad), self.stored("fb-bad"))
        self.assertEqual(self.sim_ids(good), self.stored("fb-good"))
        # Retry-After was honoured: no request within 90 s of the 429.
        log = [e for e in bad.log() if not e.get("path", "").startswith("/_sim")]
        self.assertTrue(any(e.get("fault") == "429" for e in log), log)

    def test_kill_9_mid_poll_loses_and_duplicates_nothing(self):
        sim, probe = self.sim(), self.sim()
        self.account("fb", sim)
        self.account("probe", probe)
        d = self.start()
        self.need_connector(self.poll(d, "probe"))
        # The second request of the poll hangs; by then earlier pages are
        # stored (or not: either way the restart must end with each item
        # once).
        sim.fault(mode="slow", delay_ms=30000, skip=1, count=1)
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "fb", "--json"],
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
        polls = self.poll(d2, "fb")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertEqual(self.sim_ids(sim), self.stored("fb"))
        dup = rows(self.db, "SELECT item_id, count(*) FROM item_versions GROUP BY item_id "
                            "HAVING count(*) > 1")
        self.assertEqual([], dup)

    def test_sigterm_mid_poll_stops_within_the_bound(self):
        sim, probe = self.sim(), self.sim()
        self.account("fb", sim)
        self.account("probe", probe)
        d = self.start()
        self.need_connector(self.poll(d, "probe"))
        sim.fault(mode="timeout", hold_s=60, count=1)  # the first request hangs
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "fb", "--json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: any(e.get("fault") == "timeout" for e in sim.log()),
                     "the poll's request hangs", timeout=3 * PATIENCE)
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            self.assertEqual(0, d.wait_exit(timeout=3 * PATIENCE))
            # vaktd gives transfers 3 s; a slow machine may add a little.
            self.assertLess(time.monotonic() - t0, 3 + PATIENCE)
        finally:
            p.wait(timeout=PATIENCE)
        self.assertIn("letting 1 transfer(s) finish", d.log())
        # (the schedule's catch-up poll may have run before: the last one)
        self.assertEqual([("partial", "vaktd stopped during the poll")],
                         rows(self.db, "SELECT result, error FROM polls WHERE account_id='fb' "
                                       "ORDER BY id DESC LIMIT 1"))

    def test_own_reply_meets_the_clock(self):
        sim = self.sim()
        self.account("fb", sim)
        d = self.start()
        self.need_connector(self.poll(d, "fb"))
        # Anna's comment was answered by the page (scenario): answered, and
        # its respond clock (if the rules started one) met, never open.
        anna = "10158407654328553_10158407835073553"
        reply = "10158407654328553_10158409984103553"
        self.assertEqual([(1,)], rows(self.db, "SELECT is_own FROM items WHERE platform_id=?",
                                      reply))
        self.assertEqual([("answered",)], rows(self.db, "SELECT state FROM items "
                                                        "WHERE platform_id=?", anna))
        self.assertEqual([], rows(self.db, "SELECT d.id FROM deadlines d JOIN items i ON "
                                           "i.id=d.item_id WHERE i.platform_id=? AND "
                                           "d.kind='respond' AND d.stopped_at IS NULL", anna))
        # A new own reply to an open question meets its clock.
        kun = "10158407654328553_10158407903973553"
        sim.ctl("POST", "/items", {"id": "10158407654328553_77", "kind": "comment",
                                   "parent": kun, "author": PAGE,
                                   "text": "Tack, vi svarar i DM.",
                                   "created": "now"})
        self.to_present(d)
        self.poll(d, "fb")
        self.assertEqual([("answered",)], rows(self.db, "SELECT state FROM items "
                                                        "WHERE platform_id=?", kun))

    def test_broken_token_turns_the_account_red(self):
        sim, other = self.sim(), self.sim()
        self.account("fb", sim)
        self.account("fb-other", other)
        d = self.start()
        self.need_connector(self.poll(d, "fb"))
        sim.ctl("POST", "/tokens/" + TOKEN, {"expired": True})
        n_requests = len(sim.log())
        polls = self.poll(d, "fb", max_moves=0)
        self.assertEqual("error", polls[0]["result"])
        # Not retried: one request for the poll.
        self.assertEqual(1, len(sim.log()) - n_requests)
        acc = {a["id"]: a for a in json.loads(d.ctl("accounts", "--json").stdout)["accounts"]}
        self.assertEqual("red", acc["fb"]["health"]["state"])
        self.assertEqual("invalid", acc["fb"]["health"]["token"])
        self.assertEqual(1, d.status()["accounts_red"])
        self.assertIn("account is red", d.log())
        self.assertEqual(1, len(rows(self.db, "SELECT 1 FROM audit_log WHERE action='account.red' "
                                              "AND subject='fb'")))
        # Every other account keeps going.
        self.assertEqual("ok", self.poll(d, "fb-other")[0]["result"])


def graph_time(ago_s):
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(time.time() - ago_s))


def rating(story, text, ago_s):
    """A Page recommendation with a review text, as Graph gives it before v22."""
    t = graph_time(ago_s)
    return {"created_time": t, "has_rating": False, "has_review": True,
            "recommendation_type": "negative", "review_text": text,
            "open_graph_story": {"id": story, "type": "sellers.rates", "start_time": t,
                                 "data": {"is_hidden": False, "recommendation_type": "negative",
                                          "seller": {"id": PAGE, "title": "Exempelby kommun",
                                                     "type": "seller"}}}}


@unittest.skipUnless(PYTHON_SMTPD, "no python3 with aiosmtpd (scripts/install-deps.sh installs it)")
class FacebookReviews(FetchBase):
    """Reviews cannot be removed one by one: when harmful ones repeat, the
    Page's owner (the unit's manager, route Health=) is told once, in
    Swedish, to turn reviews off."""
    api_path = "/v21.0"  # ratings are still readable before v22

    def setUp(self):
        super().setUp()
        self.rx = Receiver(self.tmp)
        self.addCleanup(self.rx.stop)
        self.write("vaktd.conf.d/91-email.conf",
                   "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\n"
                   "From=vakt@demo.vakt.invalid\nTimeoutSec=300\n" % self.rx.port)

    def scenario(self, ratings):
        with open(os.path.join(SCENARIOS, "facebook.json"), encoding="utf-8") as f:
            sc = json.load(f)
        sc.setdefault("extra", {})["ratings"] = ratings
        path = os.path.join(self.tmp, "reviews.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(sc, f, ensure_ascii=False)
        return path

    def reviews_told(self):
        return [m for m in self.rx.mails() if "recensioner" in m["subject"]]

    def reviews_told_to(self, n):
        """The messages about reviews once n recipients have one, else None."""
        mails = self.reviews_told()
        return mails if len({m["recipient"] for m in mails}) >= n else None

    def test_repeated_harmful_reviews_tell_the_owner_to_turn_them_off(self):
        sim = self.sim(scenario=self.scenario([
            rating("9001", "Personalen är dålig, din idiot", 3 * 3600),
            rating("9002", "Bra bibliotek!", 2 * 3600),
            rating("9003", "DIN PUCKO", 2 * 3600),
            rating("9004", "din idiot, svara någon gång", 3600),
        ]))
        self.account("fb", sim)
        d = self.start()
        polls = self.poll(d, "fb")
        self.need_connector(polls)
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertEqual(4, rows(self.db, "SELECT count(*) FROM items WHERE kind='review'")[0][0])
        # one message per recipient, each delivered on its own: wait for both
        mails = wait_for(lambda: self.reviews_told_to(2), "the owner told about the reviews")
        self.assertEqual({"kultur-chef@demo.vakt.invalid", "kommunikation@demo.vakt.invalid"},
                         {m["recipient"] for m in mails})
        m = mails[0]
        self.assertEqual("health", m["kind"])
        self.assertIn("Kränkande recensioner upprepas: fb", m["subject"])
        self.assertIn("stänger av recensioner i sidans inställningar", m["text"])
        self.assertIn("Orsak: upprepade recensioner med hot, brott, trakasserier eller hat",
                      m["text"])
        [e] = [e for e in json.loads(d.ctl("escalations", "--json").stdout)["escalations"]
               if e.get("reason") == "reviews"]
        self.assertEqual("fb", e["account"])
        self.assertIn("harmful reviews within the review abuse window", d.log())
        # Polled again: the same reviews, nothing told twice.
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "fb")[0]["result"])
        time.sleep(1)  # give a wrong second message the chance to arrive
        self.assertEqual(len(mails), len(self.reviews_told()))
        self.assertEqual(1, rows(self.db, "SELECT count(*) FROM escalations "
                                          "WHERE reason='reviews'")[0][0])


if __name__ == "__main__":
    main()
