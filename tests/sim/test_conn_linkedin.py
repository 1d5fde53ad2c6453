#!/usr/bin/env python3
"""The LinkedIn connector (daemon/connectors/linkedin.c) against the
simulator — which is synthetic, built from the documentation, as the
connector is: posts, comments and the organisation's nested replies once
each, one batch call for a quiet account's counts, deletion only of the
organisation's own comments, no hide, a sunset API version stops."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CONN_POLL, SimTestCase, conn_action, conn_run  # noqa: E402

ORG = "urn:li:organization:2414183"
TOKEN = "li-token"
POST = "urn:li:share:6844785523593134080"
ACT = "urn:li:activity:6844785524083892224"


def curn(cid):
    return "urn:li:comment:(%s,%s)" % (ACT, cid)


@unittest.skipUnless(CONN_POLL, "CONN_POLL not set (run under meson test)")
class LinkedInConnector(SimTestCase):
    script = "sim_linkedin.py"
    scenario = "linkedin.json"

    def poll(self, cursor="-", backfill=0, token=TOKEN):
        return conn_run("linkedin", self.sim.base, ORG, token, cursor, backfill)

    def test_first_poll_reads_everything_once(self):
        items, summary = self.poll()
        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)))
        want = {POST} | {curn(i) for i in ("6844790000000000001", "6844790000000000002",
                                           "6844790000000000003", "6844790000000000004")}
        self.assertEqual(set(ids), want)
        self.assertTrue(summary["done"])
        by = {i["id"]: i for i in items}
        own = by[curn("6844790000000000002")]
        self.assertTrue(own["own"])
        self.assertEqual((own["kind"], own["parent"]), ("reply", curn("6844790000000000001")))
        top = by[curn("6844790000000000001")]
        self.assertEqual((top["kind"], top["parent"], top["own"]), ("comment", POST, False))
        self.assertEqual(by[POST]["kind"], "post")

    def test_quiet_account_costs_two_requests(self):
        _, first = self.poll()
        items, again = self.poll(first["cursor"])
        self.assertLessEqual(len(items), 1)  # the newest post, read inclusively
        self.assertEqual(again["requests"], 2)
        new = self.sim.ctl("POST", "/items", {"items": [
            {"kind": "comment", "parent": POST, "author": "jonas", "text": "Och semestern?",
             "created": "-1m"}]})["ids"]
        items, third = self.poll(again["cursor"])
        self.assertIn(curn(new[0]), [i["id"] for i in items])

    def test_errors(self):
        _, summary = self.poll(token="li-expired")
        self.assertEqual(summary["outcomes"], ["token"])
        self.sim.fault(mode="503")
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"][0], "retry")
        self.assertNotIn("cursor", summary)
        self.sim.ctl("POST", "/config", {"versions": ["202612"]})
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"], ["stop"])

    def test_actions(self):
        def act(a, cid, tok=TOKEN):
            return conn_action(a, "linkedin", self.sim.base, ORG, tok, curn(cid), "comment")
        self.assertEqual(act("hide", "6844790000000000003"), "not_allowed")
        # A member's comment on the organisation's post, and its own.
        self.assertEqual(act("delete", "6844790000000000003"), "ok")
        self.assertTrue(self.sim.state()["items"]["6844790000000000003"]["deleted"])
        self.assertEqual(act("delete", "6844790000000000002"), "ok")
        self.assertTrue(self.sim.state()["items"]["6844790000000000002"]["deleted"])
        self.assertEqual(act("delete", "6844790000000009999"), "gone")
        # Refused (403) where the platform does not let it moderate.
        self.sim.ctl("POST", "/config", {"org_deletes_on_own_posts": False})
        self.assertEqual(act("delete", "6844790000000000004"), "not_allowed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
