#!/usr/bin/env python3
"""vaktd fetching from the YouTube simulator (Data API v3): the shared
fetch tests (fetchcase.PlatformCases) with YouTube's threads and replies,
its rate-limit reasons, and a spent daily quota that stops the account
until midnight Pacific time."""
import calendar
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
        # The quota comes back at midnight Pacific time (08:00 UTC: PST is
        # assumed, an hour late in summer, never early).  The clock is set
        # (not advanced through the day) so that the schedule's polls of
        # the other account do not run on a clock racing past them.
        now = calendar.timegm(time.strptime(d.status()["now"][:19], "%Y-%m-%dT%H:%M:%S"))
        midnight = (int(now) - 8 * 3600) // 86400 * 86400 + 86400 + 8 * 3600
        d.set_clock(iso(midnight - 60))
        self.assertRegex(self.poll(d, "acct")[0]["error"], "said stop")
        d.set_clock(iso(midnight + 60))
        polls = self.poll(d, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.assertEqual("ok", self.health(d)["acct"]["state"])

    def test_a_quiet_channel_costs_one_unit(self):
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        used = sim.state()["config"]["quota_used"]
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        self.assertEqual(used + 1, sim.state()["config"]["quota_used"])


if __name__ == "__main__":
    main()
