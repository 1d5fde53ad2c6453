#!/usr/bin/env python3
"""The YouTube connector (daemon/connectors/youtube.c) against the
simulator, through conn-poll: every published thread and reply in the
window comes out once per poll, replies beyond a thread's shown subset are
fetched, the cursor keeps an unchanged channel at one request, own replies
are marked, a spent quota stops, moderation maps to setModerationStatus."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CONN_POLL, SimTestCase, conn_action, conn_run  # noqa: E402

CHANNEL = "UCa-vrCLQHviTOVnEKDOdetQ"
TOKEN = "ya29-owner"
THREAD = "UgydxWWoeA7F1OdqypJ4AaABAg"


@unittest.skipUnless(CONN_POLL, "CONN_POLL not set (run under meson test)")
class YouTubeConnector(SimTestCase):
    script = "sim_youtube.py"
    scenario = "youtube.json"

    def poll(self, cursor="-", backfill=0, token=TOKEN):
        return conn_run("youtube", self.sim.base, CHANNEL, token, cursor, backfill)

    def published(self):
        items = self.sim.state()["items"].values()
        return {it["id"] for it in items
                if not it.get("deleted") and it.get("moderation", "published") == "published"}

    def test_first_poll_reads_everything_once(self):
        items, summary = self.poll()
        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)), "an item came out twice")
        self.assertEqual(set(ids), self.published())
        self.assertTrue(summary["done"])
        self.assertIn("cursor", summary)
        by = {i["id"]: i for i in items}
        own = by["UgwSRpgkjCe6OHHe3IJ4AaABAg.91zT3cYb5B291za3E-eR-l"]
        self.assertTrue(own["own"])
        self.assertEqual((own["kind"], own["parent"]), ("reply", "UgwSRpgkjCe6OHHe3IJ4AaABAg"))
        top = by[THREAD]
        self.assertEqual(top["kind"], "comment")
        self.assertFalse(top["own"])
        # textOriginal, not the HTML textDisplay.
        self.assertEqual(top["text"], 'Varför är <b>skolan</b> stängd? Det är "konstigt" & dumt')
        self.assertIn("watch?v=D-lhorsDlUQ&lc=" + THREAD, top["permalink"])

    def test_cursor_keeps_a_quiet_channel_at_one_request(self):
        seen, first = self.poll()
        items, again = self.poll(first["cursor"])
        # At most the newest thread again (the high-water second is read
        # inclusively, so a comment in the same second is not lost).
        self.assertLessEqual(len(items), 1)
        self.assertTrue({i["id"] for i in items} <= {i["id"] for i in seen})
        self.assertEqual(again["requests"], 1)
        # A new reply on a thread that shows only part of its replies.
        new = self.sim.ctl("POST", "/items", {"items": [
            {"parent": THREAD, "author": "elin", "text": "Svara nu!", "created": "-1m"}]})["ids"]
        items, third = self.poll(again["cursor"])
        self.assertIn(new[0], [i["id"] for i in items])
        self.assertEqual(len({i["id"] for i in items}), len(items))
        items, fourth = self.poll(third["cursor"])
        self.assertLessEqual(len(items), 1)
        self.assertEqual(fourth["requests"], 1)

    def test_horizon(self):
        # Threads published before the horizon are not read.
        items, _ = self.poll(backfill=1764547200 * 1000000)  # 2025-12-01... all newer
        self.assertTrue(items)
        items, _ = self.poll(backfill=1796000000 * 1000000)  # 2026-11-29T10:13Z
        tops = {i["id"] for i in items if i["kind"] == "comment"}
        self.assertIn("UgyWeTdgc4sc1xgmbld4AaABAg", tops)
        self.assertNotIn("UgwSRpgkjCe6OHHe3IJ4AaABAg", tops)

    def test_quota_stops(self):
        self.sim.ctl("POST", "/config", {"quota_limit": 0})
        items, summary = self.poll()
        self.assertEqual(summary["outcomes"], ["stop"])
        self.assertNotIn("cursor", summary)

    def test_faults(self):
        self.sim.fault(mode="503")
        _, summary = self.poll()
        self.assertEqual(summary["outcomes"][0], "retry")
        self.assertNotIn("cursor", summary)
        for tok, outcome in (("ya29-expired", "token"), ("nope", "token")):
            _, summary = self.poll(token=tok)
            self.assertEqual(summary["outcomes"][0], outcome, tok)

    def test_actions(self):
        def act(a, tok=TOKEN, cid="UgyWeTdgc4sc1xgmbld4AaABAg"):
            return conn_action(a, "youtube", self.sim.base, CHANNEL, tok, cid, "comment", "-")
        self.assertEqual(act("hide", tok="ya29-readonly"), "permission")
        self.assertEqual(act("hide"), "ok")
        self.assertEqual(self.sim.state()["items"]["UgyWeTdgc4sc1xgmbld4AaABAg"]["moderation"],
                         "heldForReview")
        self.assertEqual(act("unhide"), "ok")
        self.assertEqual(act("delete"), "ok")
        self.assertEqual(self.sim.state()["items"]["UgyWeTdgc4sc1xgmbld4AaABAg"]["moderation"],
                         "rejected")
        self.assertEqual(act("unhide"), "not_allowed")  # rejected cannot come back
        self.assertEqual(act("report"), "not_allowed")
        self.assertEqual(act("hide", cid="UgyNoSuchComment000AaABAg"), "gone")


if __name__ == "__main__":
    unittest.main(verbosity=2)
