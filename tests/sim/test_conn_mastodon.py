#!/usr/bin/env python3
"""The Mastodon connector (daemon/connectors/mastodon.c) against the
simulator, through conn-poll: every mention and every own status comes out
exactly once; the cursor carries a poll forward without repeats; own
replies name their parent; replies without a mention come through the
thread's context; faults and token errors give the right outcome; only
reports and blocks are possible."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CONN_POLL, SimTestCase, conn_action, conn_run  # noqa: E402

ME = "117020565966271181"
TOKEN = "masto-token"


@unittest.skipUnless(CONN_POLL, "CONN_POLL not set (run under meson test)")
class MastodonConnector(SimTestCase):
    script = "sim_mastodon.py"
    scenario = "mastodon.json"

    def poll(self, cursor="-", backfill=0, token=TOKEN):
        return conn_run("mastodon", self.sim.base, ME, token, cursor, backfill)

    def expected(self):
        """What the simulator holds that vakt must see: statuses mentioning
        or answering the account, and the account's own statuses."""
        st = self.sim.state()
        me = st["authors"]["me"]
        out = {}
        for it in st["items"].values():
            if it.get("deleted"):
                continue
            par = st["items"].get(it.get("parent") or "")
            mention = ("@" + me["username"]).lower() in it["text"].lower() or (
                par is not None and par.get("author") == "me")
            if it["author"] == "me" or mention:
                out[it["id"]] = it
        return out

    def test_first_poll_reads_everything_once(self):
        items, summary = self.poll()
        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)), "an item came out twice")
        self.assertEqual(set(ids), set(self.expected()))
        self.assertTrue(summary["done"])
        self.assertIn("cursor", summary)
        by = {i["id"]: i for i in items}
        own_reply = by["117020577157690003"]
        self.assertTrue(own_reply["own"])
        self.assertEqual(own_reply["kind"], "reply")
        self.assertEqual(own_reply["parent"], "117020577157690002")
        self.assertFalse(by["117020577157690005"]["own"])
        self.assertEqual(by["117020577157690004"]["kind"], "mention")
        # HTML is gone, entities decoded, text as written.
        self.assertIn("<script>alert(1)</script> & mer", by["117020577157690004"]["text"])
        self.assertNotIn("<p>", by["117020577157690004"]["text"])
        self.assertIn("\U0001F600", by["117020577157690007"]["text"])
        self.assertEqual(by["117020577157690004"]["author_name"], "Lisa")

    def test_cursor_carries_forward(self):
        _, first = self.poll()
        items, again = self.poll(first["cursor"])
        self.assertEqual(items, [])
        self.assertLessEqual(again["requests"], 2, "nothing changed: one request per stream")
        new = self.sim.ctl("POST", "/items", {"items": [
            {"author": "lisa", "text": "@exempelby hur ansöker man om bygglov?", "created": "-1m"},
            {"author": "me", "text": "@lisa på stadens webbplats", "created": "-30s"}]})["ids"]
        self.sim.ctl("POST", "/items/%s" % new[1], {"parent": new[0]})
        items, third = self.poll(first["cursor"])
        self.assertEqual(sorted(i["id"] for i in items), sorted(new))
        items, _ = self.poll(third["cursor"])
        self.assertEqual(items, [])

    def test_many_pages_forward(self):
        _, first = self.poll()
        batch = [{"author": "per", "text": "@exempelby fråga %d" % i, "created": "-%ds" % (200 - i)}
                 for i in range(170)]
        ids = self.sim.ctl("POST", "/items", {"items": batch})["ids"]
        items, summary = self.poll(first["cursor"])
        got = [i["id"] for i in items]
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(set(got), set(ids))
        self.assertEqual(summary["requests"], 3 + 1, "80 + 80 + 10 mentions, then own statuses")

    def asked(self, n):
        return [e["path"] for e in self.sim.log()[n:]]

    def test_reply_without_mention_through_context(self):
        _, first = self.poll()
        n = len(self.sim.log())
        # A reply to a reply under the account's post, no mention: the
        # post's replies_count does not move (direct replies only), so an
        # old post's thread is not read: two requests, nothing new.
        deep = self.sim.ctl("POST", "/items", {"author": "lisa", "parent": "117020577157690005",
                                               "text": "håller inte med", "created": "-1m"})["ids"][0]
        items, again = self.poll(first["cursor"])
        self.assertEqual(([], 2), (items, again["requests"]))
        self.assertFalse([p for p in self.asked(n) if p.endswith("/context")])
        # A direct reply without a mention moves the count: the thread is
        # read, and both come out once, with their parents.
        direct = self.sim.ctl("POST", "/items", {"author": "per", "parent": "117020577157690001",
                                                 "text": "tack!", "created": "-30s"})["ids"][0]
        items, third = self.poll(again.get("cursor", first["cursor"]))
        got = {i["id"]: i["parent"] for i in items}
        self.assertEqual("117020577157690005", got[deep])
        self.assertIn(direct, got)
        self.assertEqual(len(items), len(got))
        self.assertIn("/api/v1/statuses/117020577157690001/context", self.asked(n))
        self.assertIn('"117020577157690001":3', third["cursor"])
        items, fourth = self.poll(third["cursor"])
        self.assertEqual(([], 2), (items, fourth["requests"]))

    def test_context_fault_loses_nothing(self):
        _, first = self.poll()
        deep = self.sim.ctl("POST", "/items", {"items": [
            {"author": "lisa", "parent": "117020577157690005", "text": "nej", "created": "-1m"},
            {"author": "per", "parent": "117020577157690001", "text": "ja", "created": "-1m"}]})["ids"]
        self.sim.fault(mode="500", path="/context$", count=10)
        items, second = self.poll(first["cursor"])
        # The mention (a direct reply counts as one) came; the thread's
        # count stays where it was, so the next poll reads it again.
        self.assertEqual([deep[1]], [i["id"] for i in items])
        self.assertIn('"117020577157690001":2', second["cursor"])
        self.sim.ctl("DELETE", "/faults")
        items, third = self.poll(second["cursor"])
        # The whole thread comes again (the store keys it: nothing twice).
        ids = [i["id"] for i in items]
        self.assertIn(deep[0], ids)
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn('"117020577157690001":3', third["cursor"])

    def test_thread_of_a_deleted_post_is_dropped(self):
        _, first = self.poll()
        self.assertIn('"117020577157690001":2', first["cursor"])
        self.sim.ctl("POST", "/items", {"author": "lisa", "parent": "117020577157690005",
                                        "text": "nej", "created": "-1m"})
        self.sim.ctl("POST", "/items", {"author": "per", "parent": "117020577157690001",
                                        "text": "ja", "created": "-1m"})
        # Deleted between the timeline and the context read: a 404.
        n = len(self.sim.log())
        self.sim.fault(mode="status", status=404, path="/context$")
        items, second = self.poll(first["cursor"])
        self.assertEqual(["/api/v1/statuses/117020577157690001/context"],
                         [p for p in self.asked(n) if p.endswith("/context")])
        self.assertEqual(["117020577157690001"], second["gone"])
        self.assertNotIn('"r"', second["cursor"])
        json.loads(second["cursor"])

    def test_backfill_horizon(self):
        # A horizon just after the mention at -45h: only the one at -43h
        # is newer (the status at -44h does not mention the account).
        created_ms = self.sim.state()["items"]["117020577157690005"]["created"]
        items, summary = self.poll(backfill=created_ms * 1000 + 1)
        self.assertEqual([i["id"] for i in items], ["117020577157690007"])
        self.assertTrue(summary["done"])

    def test_faults_are_retried_not_skipped(self):
        self.sim.fault(mode="503")
        items, summary = self.poll()
        self.assertEqual(summary["outcomes"][0], "retry")
        self.assertNotIn("cursor", summary)
        self.sim.fault(mode="truncate")
        items, summary = self.poll()
        self.assertIn(summary["outcomes"][0], ("malformed", "retry", "transfer_failed"))
        self.assertNotIn("cursor", summary)

    def test_token_errors(self):
        for tok, outcome in (("masto-expired", "token"), ("nope", "token"),
                             ("masto-readonly", "ok")):
            items, summary = self.poll(token=tok)
            self.assertEqual(summary["outcomes"][0], outcome, tok)

    def test_localised_errors_are_not_read(self):
        self.sim.ctl("POST", "/config", {"locale": "sv"})
        items, summary = self.poll(token="masto-expired")
        self.assertEqual(summary["outcomes"][0], "token")

    def test_actions(self):
        def act(a, tok=TOKEN, author="117020566092299999"):
            return conn_action(a, "mastodon", self.sim.base, ME, tok, "117020577157690005", "reply",
                               author)
        self.assertEqual(act("report"), "ok")
        self.assertEqual(act("block_author"), "ok")
        self.assertEqual(act("hide"), "not_allowed")
        self.assertEqual(act("delete"), "not_allowed")
        self.assertEqual(act("report", tok="masto-readonly"), "permission")
        self.assertEqual(act("report", author="117020566099999999"), "gone")
        reports = self.sim.state()["extra"]["reports"]
        self.assertEqual(reports[0]["status_ids"], ["117020577157690005"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
