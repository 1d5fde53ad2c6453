#!/usr/bin/env python3
"""The X connector (daemon/connectors/x.c) against the simulator, through
conn-poll: mentions and own posts once each, the cursor keeps a quiet
account at two cheap requests, surrogate-escaped emoji decoded, 402 stops,
hiding only replies in the account's own conversations."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CONN_POLL, SimTestCase, conn_action, conn_run  # noqa: E402

ME = "1234000000000000001"
TOKEN = "x-user-token"


@unittest.skipUnless(CONN_POLL, "CONN_POLL not set (run under meson test)")
class XConnector(SimTestCase):
    script = "sim_x.py"
    scenario = "x.json"

    def poll(self, cursor="-", backfill=0, token=TOKEN):
        return conn_run("x", self.sim.base, ME, token, cursor, backfill)

    def expected(self):
        st = self.sim.state()
        me = st["authors"]["me"]
        out = set()
        for it in st["items"].values():
            par = st["items"].get(it.get("parent") or "")
            if it["author"] == "me" or ("@" + me["username"]).lower() in it["text"].lower() or (
                    par is not None and par["author"] == "me"):
                out.add(it["id"])
        return out

    def test_first_poll_reads_everything_once(self):
        items, summary = self.poll()
        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), self.expected())
        self.assertTrue(summary["done"])
        by = {i["id"]: i for i in items}
        own = by["1865000000000000103"]
        self.assertTrue(own["own"])
        self.assertEqual((own["kind"], own["parent"]), ("reply", "1865000000000000102"))
        self.assertEqual(by["1865000000000000105"]["kind"], "mention")
        self.assertEqual(by["1865000000000000104"]["author_name"], "Troll")
        self.assertIn("\U0001F928", by["1865000000000000104"]["text"])
        self.assertEqual(json.loads(summary["cursor"]),
                         {"m": "1865000000000000108", "t": "1865000000000000103"})

    def test_cursor_and_new_items(self):
        _, first = self.poll()
        items, again = self.poll(first["cursor"])
        self.assertEqual(items, [])
        self.assertEqual(again["requests"], 2)
        self.assertNotIn("cursor", again, "nothing new: the cursor stays")
        new = self.sim.ctl("POST", "/items", {"items": [
            {"author": "omar", "parent": "1865000000000000101", "text": "@exempelby en fråga till",
             "created": "-1m"}]})["ids"]
        items, third = self.poll(first["cursor"])
        self.assertEqual([i["id"] for i in items], new)

    def test_paging(self):
        _, first = self.poll()
        batch = [{"author": "kalle", "text": "@exempelby nr %d" % i, "created": "-%ds" % (300 - i)}
                 for i in range(230)]
        ids = self.sim.ctl("POST", "/items", {"items": batch})["ids"]
        items, summary = self.poll(first["cursor"])
        got = [i["id"] for i in items]
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(set(got), set(ids))
        self.assertEqual(summary["requests"], 3 + 1)

    def test_credits_stop(self):
        self.sim.ctl("POST", "/config", {"credits": 0})
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"], ["stop"])
        self.assertNotIn("cursor", summary)

    def test_errors(self):
        self.sim.fault(mode="503")
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"][0], "retry")
        self.sim.fault(mode="429", retry_after=5)
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"][0], "retry")
        for tok, outcome in (("x-expired-token", "token"), ("nope", "token")):
            _, summary = self.poll(token=tok)
            self.assertEqual(summary["outcomes"][0], outcome, tok)

    def test_hide(self):
        def act(a, tid, tok=TOKEN):
            return conn_action(a, "x", self.sim.base, ME, tok, tid, "reply", "-")
        self.assertEqual(act("hide", "1865000000000000104"), "ok")
        self.assertTrue(self.sim.state()["items"]["1865000000000000104"]["hidden"])
        self.assertEqual(act("unhide", "1865000000000000104"), "ok")
        # Someone else's conversation: not allowed there.
        self.assertEqual(act("hide", "1865000000000000107"), "not_allowed")
        self.assertEqual(act("hide", "1865000000000000104", tok="x-readonly-token"), "permission")
        self.assertEqual(act("hide", "1865000000000000104", tok="x-app-token"), "permission")
        self.assertEqual(act("delete", "1865000000000000104"), "not_allowed")
        self.assertEqual(act("hide", "1865000000000009999"), "gone")


if __name__ == "__main__":
    unittest.main(verbosity=2)
