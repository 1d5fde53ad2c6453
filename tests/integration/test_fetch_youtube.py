#!/usr/bin/env python3
"""vaktd fetching from the YouTube simulator (Data API v3): the shared
fetch tests (fetchcase.PlatformCases) with YouTube's threads and replies,
its rate-limit reasons, a spent daily quota that stops the account
until midnight Pacific time, and vaktd's own daily budget (QuotaPerDay=,
QuotaReserve=): units counted per project and kept across a restart,
polls deferred to the next Pacific day when the budget is used."""
import calendar
import datetime
import json
import time

from fetchcase import QUESTION, FetchBase, PlatformCases
from vakttest import main

CHANNEL = "UCa-vrCLQHviTOVnEKDOdetQ"
THREAD = "UgydxWWoeA7F1OdqypJ4AaABAg"


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class YouTube(PlatformCases, FetchBase):
    platform = "youtube"
    script = "sim_youtube.py"
    scenario = "youtube.json"
    external_id = CHANNEL
    token = "ya29-owner"
    api_path = ""
    own_author = CHANNEL
    faults = [
        {"mode": "503"},
        {"mode": "throttle", "reason": "rateLimitExceeded"},
        {"mode": "429", "retry_after": 90},
        {"mode": "timeout", "hold_s": 0.2},
        {"mode": "truncate"},
    ]

    def expected(self, st):
        return {i: it["parent"] for i, it in st["items"].items()
                if not it.get("deleted") and it.get("moderation", "published") == "published"}

    def add_question(self, sim):
        return sim.ctl("POST", "/items", {"author": "elin", "video": "JE8xdDp5B8Q",
                                          "text": QUESTION, "created": "now"})["ids"][0]

    def add_own_reply(self, sim, parent):
        return sim.ctl("POST", "/items", {"parent": parent, "author": CHANNEL,
                                          "text": "Klockan nio!", "created": "now"})["ids"][0]

    def add_many(self, sim, n):
        # Threads beyond a page of 100, and a thread with more replies than
        # it shows.
        sim.ctl("POST", "/items", {"items": [
            {"author": "kun", "video": "JE8xdDp5B8Q", "text": "t%d" % i,
             "created": "-%dm" % (n + 100 - i)} for i in range(n)] + [
            {"parent": THREAD, "author": "dian", "text": "r%d" % i,
             "created": "-%dm" % (60 - i)} for i in range(30)]})

    def add_edit(self, sim):
        sim.ctl("POST", "/items/" + THREAD, {"text": "Varför är skolan stängd i dag?"})
        return THREAD

    def test_spent_quota_stops_until_midnight_pacific(self):
        d, sim = self.check_stop({"mode": "throttle", "reason": "quotaExceeded"}, "stop")
        self.assertRegex(d.log(), r"\[acct\] poll \d+: error.*quotaExceeded")
        sim.ctl("DELETE", "/faults")
        # The quota comes back at midnight Pacific time (Los Angeles, with
        # its DST: 08:00 UTC in winter, 07:00 in summer), the instant the
        # account's quota view names.  The clock is set (not advanced
        # through the day) so that the schedule's polls of the other
        # account do not run on a clock racing past them.
        reset = self.quota(d)["quota"]["resets_at"]
        midnight = int(datetime.datetime.fromisoformat(reset.replace("Z", "+00:00")).timestamp())
        now = calendar.timegm(time.strptime(d.status()["now"][:19], "%Y-%m-%dT%H:%M:%S"))
        self.assertLess(midnight - now, 25 * 3600)
        self.assertIn(time.gmtime(midnight).tm_hour, (7, 8))
        d.set_clock(iso(midnight - 60))
        self.assertRegex(self.poll(d, "acct")[0]["error"], "said stop")
        d.set_clock(iso(midnight + 60))
        polls = self.poll(d, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertEqual("ok", self.health(d)["acct"]["state"])

    def test_spent_quota_defers_the_projects_other_accounts(self):
        # Google's quotaExceeded is about the project, not the channel:
        # the project's other accounts wait for midnight Pacific without
        # asking (and failing) once more each, and stay out of the red.
        sim = self.sim()
        self.account("acct", sim, extra="QuotaProject=city-yt\n")
        self.account("acct2", sim, extra="QuotaProject=city-yt\n")
        d = self.start()
        self.first_poll(d)
        self.first_poll(d, "acct2")
        sim.fault(count=100, mode="throttle", reason="quotaExceeded")
        # The manual clock stays where it is: no scheduled poll of acct2
        # may run first (a jump to the present would start both).
        self.assertEqual("error", self.poll(d, "acct")[0]["result"])
        self.assertEqual("red", self.health(d)["acct"]["state"])
        n = len(sim.log())
        polls = self.poll(d, "acct2")
        self.assertIsNone(polls[0].get("poll"), polls)
        self.assertRegex(polls[0]["error"], r"^stopped: YouTube quota budget")
        self.assertEqual(n, len(sim.log()), "the project's other account asks nothing")
        self.assertNotEqual("red", self.health(d)["acct2"]["state"])
        a = self.quota(d, "acct2")
        self.assertEqual(a["quota"]["per_day"], a["quota"]["used"], a)
        self.assertEqual(a["quota"]["resets_at"], a["quota"]["polls_deferred_until"])
        self.assertEqual(1, d.log().count("QUOTA: YouTube says project 'city-yt' has spent"))

    def test_a_quiet_channel_costs_one_unit(self):
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        used = sim.state()["config"]["quota_used"]
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        self.assertEqual(used + 1, sim.state()["config"]["quota_used"])

    def quota(self, d, name="acct"):
        accs = json.loads(d.ctl("accounts", "--json").stdout)["accounts"]
        return {a["id"]: a for a in accs}[name]

    def test_budget_defers_polls_until_the_next_pacific_day(self):
        sim = self.sim()
        budget = "QuotaProject=city-yt\nQuotaPerDay=%d\nQuotaReserve=%d\n"
        self.account("acct", sim, extra=budget % (1000, 0))
        d = self.start()
        self.first_poll(d)
        # A poll is planned to cost what the account's last one did: the
        # first (the backfill) costs more than the quiet ones after it.
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        # Every unit the simulator charged, vaktd counted (the same Pacific
        # day: the test clock starts at the real present).
        a = self.quota(d)
        used = a["quota"]["used"]
        self.assertEqual(sim.state()["config"]["quota_used"], used)
        self.assertEqual("city-yt", a["quota"]["project"])
        self.assertIsNone(a["quota"]["polls_deferred_until"])
        # Room for two more polls of one unit, 50 kept for moderation.
        self.account("acct", sim, extra=budget % (used + 2 + 50, 50))
        d.ctl("reload")
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        charged = sim.state()["config"]["quota_used"]
        polls = self.poll(d, "acct")
        self.assertIsNone(polls[0].get("poll"), polls)
        self.assertRegex(polls[0]["error"], r"^stopped: YouTube quota budget: %d of %d units used "
                                            r"today.*deferred until" % (used + 2, used + 52))
        self.assertEqual(charged, sim.state()["config"]["quota_used"], "a deferred poll asks nothing")
        self.poll(d, "acct")
        a = self.quota(d)
        self.assertEqual(used + 2, a["quota"]["used"])
        until = a["quota"]["polls_deferred_until"]
        self.assertIsNotNone(until)
        self.assertEqual(until, a["health"]["quota_deferred_until"])
        self.assertNotEqual("red", a["health"]["state"])
        self.assertIn("QUOTA", d.ctl("accounts").stdout)
        self.assertEqual(1, d.log().count("QUOTA: polls of every YouTube account of project "
                                          "'city-yt' are deferred"), d.log())
        # A restart remembers the day's units (the store, migration 12).
        clock = d.status()["now"]
        d.stop()
        d = self.vaktd("--test-clock", clock[:19] + "Z,manual").start()
        self.assertRegex(self.poll(d, "acct")[0]["error"], "quota budget")
        self.assertEqual(used + 2, self.quota(d)["quota"]["used"])
        # The next Pacific day (midnight Los Angeles, with its DST) resumes.
        reset = self.quota(d)["quota"]["resets_at"]
        d.set_clock(reset)
        polls = self.poll(d, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        a = self.quota(d)
        self.assertEqual(1, a["quota"]["used"])
        self.assertIsNone(a["quota"]["polls_deferred_until"])
        self.assertEqual("ok", a["health"]["state"])

    def test_a_poll_is_planned_at_the_cost_of_the_last_one(self):
        # The first poll reads the backfill over several requests; with
        # fewer units left than it cost, the next poll is not started (and
        # cut short mid-way), although one unit would still be there.
        sim = self.sim()
        budget = "QuotaPerDay=%d\nQuotaReserve=0\n"
        self.account("acct", sim, extra=budget % 1000)
        d = self.start()
        self.first_poll(d)
        first = self.quota(d)["quota"]["used"]
        if first < 2:
            self.skipTest("the scenario's first poll costs one unit")
        self.account("acct", sim, extra=budget % (2 * first - 1))
        d.ctl("reload")
        n = len(sim.log())
        polls = self.poll(d, "acct")
        self.assertRegex(polls[0]["error"], r"^stopped: YouTube quota budget: %d of %d"
                         % (first, 2 * first - 1))
        self.assertEqual(n, len(sim.log()), "nothing asked")
        q = self.quota(d)["quota"]
        self.assertEqual(first, q["used"])
        self.assertIsNotNone(q["polls_deferred_until"])
        # The project is the token's file when QuotaProject= is not given.
        self.assertTrue(q["project"].startswith("file:/"), q)


if __name__ == "__main__":
    main()
