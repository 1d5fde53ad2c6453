#!/usr/bin/env python3
"""vaktd fetching from the Mastodon simulator: the shared fetch tests
(fetchcase.PlatformCases) with Mastodon's mention notifications and own
statuses, error texts in the instance's language (only the status is
read), and paging past one page of notifications."""
from fetchcase import QUESTION, FetchBase, PlatformCases
from vakttest import main

ME = "117020565966271181"


class Mastodon(PlatformCases, FetchBase):
    platform = "mastodon"
    script = "sim_mastodon.py"
    scenario = "mastodon.json"
    external_id = ME
    token = "masto-token"
    api_path = ""
    own_author = "me"

    def sim(self, script=None, scenario=None):
        s = super().sim(script, scenario)
        # Error texts in Swedish: the connector must not read them.
        s.ctl("POST", "/config", {"locale": "sv"})
        return s

    def expected(self, st):
        """Statuses mentioning or answering the account, and its own."""
        me = st["authors"]["me"]
        out = {}
        for i, it in st["items"].items():
            if it.get("deleted"):
                continue
            par = st["items"].get(it.get("parent") or "")
            mention = ("@" + me["username"]).lower() in it["text"].lower() or (
                par is not None and par.get("author") == "me")
            if it["author"] == "me" or mention:
                out[i] = it["parent"]
        return out

    def add_question(self, sim):
        return sim.ctl("POST", "/items", {"author": "lisa", "text": "@exempelby " + QUESTION,
                                          "created": "now"})["ids"][0]

    def add_own_reply(self, sim, parent):
        return sim.ctl("POST", "/items", {"author": "me", "parent": parent,
                                          "text": "@lisa Klockan nio!",
                                          "created": "now"})["ids"][0]

    def add_many(self, sim, n):
        sim.ctl("POST", "/items", {"items": [
            {"author": "per", "text": "@exempelby nummer %d" % i, "created": "-%dm" % (n + 10 - i)}
            for i in range(n)]})

    def test_more_than_a_page_of_mentions(self):
        sim = self.sim()
        sim.ctl("POST", "/items", {"items": [
            {"author": "per", "text": "@exempelby nummer %d" % n, "created": "-%dm" % (200 - n)}
            for n in range(170)]})
        self.account("acct", sim)
        d = self.start()
        first = self.first_poll(d)
        want = self.check_stored(sim, "acct")
        self.assertEqual(len(want), first["items_new"])
        more = sim.ctl("POST", "/items", {"items": [
            {"author": "lisa", "text": "@exempelby sen %d" % n, "created": "now"}
            for n in range(90)]})["ids"]
        self.to_present(d)
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", len(more)), (polls[0]["result"], polls[0]["items_new"]), polls)
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())


if __name__ == "__main__":
    main()
