#!/usr/bin/env python3
"""vaktd fetching from the Mastodon simulator: the shared fetch tests
(fetchcase.PlatformCases) with Mastodon's mention notifications and own
statuses, error texts in the instance's language (only the status is
read), paging past one page of notifications, and the replies under the
account's posts that do not mention it (read through the post's context):
stored once with their parents, the account's answer among them meeting
the clock, a kill -9 or a failing context losing nothing, and a quiet
poll asking no context."""
import signal
import subprocess

from fetchcase import QUESTION, FetchBase, PlatformCases, real_now, rows
from vakttest import PATIENCE, VAKTCTL, main, wait_for

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
        """Statuses mentioning or answering the account, its own, and every
        reply in a thread under one of its top-level posts (the context
        reaches a reply only through live parents)."""
        me = st["authors"]["me"]
        items = st["items"]

        def in_own_thread(it):
            p = items.get(it.get("parent") or "")
            while p is not None and not p.get("deleted"):
                if not p.get("parent"):
                    return p.get("author") == "me"
                p = items.get(p["parent"])
            return False
        out = {}
        for i, it in items.items():
            if it.get("deleted"):
                continue
            par = items.get(it.get("parent") or "")
            mention = ("@" + me["username"]).lower() in it["text"].lower() or (
                par is not None and par.get("author") == "me")
            if it["author"] == "me" or mention or in_own_thread(it):
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

    # --- replies without a mention, through the thread's context ----------

    def thread(self, sim):
        """A new post of the account's with a thread under it: a direct
        reply (the simulator notifies it: it answers the account) and two
        replies deep that mention no one.  Their ids, post first."""
        post = sim.ctl("POST", "/items", {"author": "me", "text": "Ny badplats vid sjön!",
                                          "created": "now"})["ids"][0]
        r1 = sim.ctl("POST", "/items", {"author": "lisa", "parent": post, "text": "Äntligen",
                                        "created": "now"})["ids"][0]
        r2 = sim.ctl("POST", "/items", {"author": "per", "parent": r1, "text": "Håller med",
                                        "created": "now"})["ids"][0]
        r3 = sim.ctl("POST", "/items", {"author": "lisa", "parent": r2, "text": QUESTION,
                                        "created": "now"})["ids"][0]
        return post, r1, r2, r3

    def started_with_thread(self):
        """vaktd after the account's first poll, and a new thread on the
        simulator (not polled yet)."""
        sim = self.sim()
        self.account("acct", sim)
        d = self.start()
        self.first_poll(d)
        return sim, d, self.thread(sim)

    def contexts(self, sim, n):
        return [e["path"] for e in sim.log()[n:] if e["path"].endswith("/context")]

    def test_reply_deep_in_a_thread_stored_once(self):
        sim, d, (post, r1, r2, r3) = self.started_with_thread()
        self.to_present(d)
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", 4), (polls[0]["result"], polls[0]["items_new"]), polls)
        self.assertEqual({post: None, r1: post, r2: r1, r3: r2},
                         {k: v for k, v in self.stored_parents("acct").items()
                          if k in (post, r1, r2, r3)})
        self.check_stored(sim, "acct")
        # The thread is young: a quiet poll reads it again (one context,
        # nothing new) and a reply deeper still comes with it.
        n = len(sim.log())
        r4 = sim.ctl("POST", "/items", {"author": "per", "parent": r3, "text": "Vid nio",
                                        "created": "now"})["ids"][0]
        self.to_present(d)
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", 1), (polls[0]["result"], polls[0]["items_new"]), polls)
        self.assertEqual(["/api/v1/statuses/%s/context" % post], self.contexts(sim, n))
        self.assertEqual(r3, self.stored_parents("acct")[r4])
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())
        # Two days on, the thread is no longer young: a quiet poll asks
        # for no context at all (two requests).
        d.advance("2d")
        # A poll the schedule started on the move ends first.
        wait_for(lambda: not rows(self.db, "SELECT 1 FROM polls WHERE finished_at IS NULL"),
                 "no poll running", timeout=3 * PATIENCE)
        n = len(sim.log())
        versions = self.versions()
        polls = self.poll(d, "acct")
        self.assertEqual(("ok", 0, 0), (polls[0]["result"], polls[0]["items_new"],
                                        polls[0]["items_updated"]), polls)
        self.assertEqual(2, len(sim.log()) - n, sim.log()[n:])
        self.assertEqual(versions, self.versions())

    def test_own_answer_in_a_thread_meets_the_clock(self):
        sim, d, (post, r1, r2, r3) = self.started_with_thread()
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        clock = "SELECT d.state FROM deadlines d JOIN items i ON i.id=d.item_id " \
                "WHERE i.platform_id=? AND d.kind='respond'"
        self.assertEqual([("new",)], rows(self.db, "SELECT state FROM items WHERE platform_id=?",
                                          r3))
        self.assertEqual(1, len(rows(self.db, clock, r3)), "no respond clock for the question")
        ans = sim.ctl("POST", "/items", {"author": "me", "parent": r3, "text": "Klockan nio!",
                                         "created": "now"})["ids"][0]
        self.to_present(d)
        self.assertEqual("ok", self.poll(d, "acct")[0]["result"])
        self.assertEqual([(1, r3)], rows(self.db, "SELECT is_own, parent_platform_id FROM items "
                                                  "WHERE platform_id=?", ans))
        self.assertEqual([("answered",)], rows(self.db, "SELECT state FROM items "
                                                        "WHERE platform_id=?", r3))
        self.assertEqual([("met",)], rows(self.db, clock, r3))

    def test_context_failing_loses_nothing(self):
        sim, d, (post, r1, r2, r3) = self.started_with_thread()
        sim.fault(mode="500", path="/context$")
        sim.fault(mode="malformed", path="/context$")
        self.to_present(d)
        polls = self.poll(d, "acct", max_moves=20)
        self.assertEqual(("ok", 4), (polls[0]["result"], polls[0]["items_new"]), polls)
        self.assertEqual(["500", "malformed"], [e["fault"] for e in sim.log() if e.get("fault")])
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())

    def test_kill_9_while_reading_a_thread(self):
        sim, probe = self.sim(), self.sim()
        self.account("acct", sim)
        self.account("probe", probe)
        d = self.start()
        self.first_poll(d)
        self.first_poll(d, "probe")
        self.thread(sim)
        self.to_present(d)
        sim.fault(mode="slow", delay_ms=30000, path="/context$")
        p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "poll", "acct", "--json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: any(e.get("fault") == "slow" for e in sim.log()),
                     "the poll reached the thread", timeout=3 * PATIENCE)
            d.signal(signal.SIGKILL)
            d.wait_exit()
        finally:
            p.wait(timeout=PATIENCE)
        sim.ctl("DELETE", "/faults")
        d2 = self.vaktd("--test-clock", real_now(1) + ",manual").start()
        polls = self.poll(d2, "acct")
        self.assertEqual("ok", polls[0]["result"], polls)
        self.check_stored(sim, "acct")
        self.assertEqual([], self.duplicates())


if __name__ == "__main__":
    main()
