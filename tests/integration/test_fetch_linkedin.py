#!/usr/bin/env python3
"""vaktd fetching from the LinkedIn simulator (Community Management API;
synthetic: built from the documentation, as the connector is, no recorded
response exists): the shared fetch tests (fetchcase.PlatformCases) with
the organisation's posts, members' comments and its own nested replies,
keyed by comment URN."""
from fetchcase import QUESTION, FetchBase, PlatformCases
from vakttest import main

ORG = "urn:li:organization:2414183"
POST = "urn:li:share:6844785523593134080"


class LinkedIn(PlatformCases, FetchBase):
    platform = "linkedin"
    script = "sim_linkedin.py"
    scenario = "linkedin.json"
    external_id = ORG
    token = "li-token"
    api_path = ""
    own_author = "org"

    def pid(self, st, sim_id):
        it = st["items"][sim_id]
        if it["kind"] == "post":
            return sim_id
        post = it
        while post["kind"] != "post":
            post = st["items"][post["parent"]]
        return "urn:li:comment:(%s,%s)" % (post.get("activity", post["id"]), sim_id)

    def expected(self, st):
        return {self.pid(st, i): (self.pid(st, it["parent"]) if it["parent"] else None)
                for i, it in st["items"].items() if not it.get("deleted")}

    def add_question(self, sim):
        return sim.ctl("POST", "/items", {"kind": "comment", "parent": POST, "author": "maria",
                                          "text": QUESTION, "created": "now"})["ids"][0]

    def add_own_reply(self, sim, parent):
        return sim.ctl("POST", "/items", {"kind": "comment", "parent": parent, "author": "org",
                                          "text": "Klockan nio!", "created": "now"})["ids"][0]

    def add_many(self, sim, n):
        sim.ctl("POST", "/items", {"items": [
            {"kind": "comment", "parent": POST, "author": "jonas", "text": "c%d" % i,
             "created": "-%dm" % (n + 10 - i)} for i in range(n)]})

    def test_sunset_version_stops(self):
        # A 426 (the API version vakt asks for is sunset) needs an update of
        # vakt, not a retry.
        sim, other = self.sim(), self.sim()
        self.account("acct", sim)
        self.account("other", other)
        d = self.start()
        self.first_poll(d)
        sim.ctl("POST", "/config", {"versions": ["209901"]})
        n = len(sim.log())
        polls = self.poll(d, "acct")
        self.assertEqual("error", polls[0]["result"], polls)
        self.assertNotRetried(sim, n)
        self.assertEqual("red", self.health(d)["acct"]["state"])
        self.assertEqual("ok", self.poll(d, "other")[0]["result"])


if __name__ == "__main__":
    main()
