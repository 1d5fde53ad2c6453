#!/usr/bin/env python3
"""vaktd fetching from the X simulator (API v2): the shared fetch tests
(fetchcase.PlatformCases) with X's mentions and own posts, and a 402
(credits depleted, usage cap) that stops the account without a retry."""
from fetchcase import QUESTION, FetchBase, PlatformCases
from vakttest import main

ME = "1234000000000000001"


class X(PlatformCases, FetchBase):
    platform = "x"
    script = "sim_x.py"
    scenario = "x.json"
    external_id = ME
    token = "x-user-token"
    api_path = ""
    own_author = "me"

    def expected(self, st):
        """Mentions, replies to the account's posts and its own posts."""
        me = st["authors"]["me"]
        out = {}
        for i, it in st["items"].items():
            par = st["items"].get(it.get("parent") or "")
            if it["author"] == "me" or ("@" + me["username"]).lower() in it["text"].lower() or (
                    par is not None and par["author"] == "me"):
                out[i] = it["parent"]
        return out

    def add_question(self, sim):
        return sim.ctl("POST", "/items", {"author": "kalle", "text": "@exempelby " + QUESTION,
                                          "created": "now"})["ids"][0]

    def add_own_reply(self, sim, parent):
        return sim.ctl("POST", "/items", {"author": "me", "parent": parent,
                                          "text": "@kalle_k Klockan nio!",
                                          "created": "now"})["ids"][0]

    def add_many(self, sim, n):
        sim.ctl("POST", "/items", {"items": [
            {"author": "kalle", "text": "@exempelby m%d" % i, "created": "-%dm" % (n + 10 - i)}
            for i in range(n)]})

    def test_credits_depleted_stops_without_retry(self):
        self.check_stop({"mode": "throttle", "kind": "credits"}, "stop")

    def test_usage_cap_stops_without_retry(self):
        self.check_stop({"mode": "throttle", "kind": "usage_cap"}, "stop")


if __name__ == "__main__":
    main()
