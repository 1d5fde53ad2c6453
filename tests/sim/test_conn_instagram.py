#!/usr/bin/env python3
"""The Instagram connector's whole poll against the Instagram simulator
(see test_conn_facebook.py): everything once, with the right kinds,
parents, authors, own flags and states; the cursor; gone media; faults;
hide, unhide and delete."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import PATIENCE, SimTestCase  # noqa: E402
from test_conn_facebook import Poll  # noqa: E402

USER = "17841406338772941"
TOK = "IGQ-token"
BACKFILL = "2026-11-01T00:00:00Z"
MEDIA = "17896622936197745"
C_IK = "17892250648466172"
C_OWN = "17845747489952795"


class ConnInstagram(SimTestCase):
    script = "sim_instagram.py"
    scenario = "instagram.json"

    def run_tool(self, *args, env=None):
        tool = os.environ.get("CONN_POLL")
        if not tool:
            raise unittest.SkipTest("CONN_POLL not set (run through meson test)")
        p = subprocess.run([tool, "instagram", self.sim.base + "/v22.0", USER] + list(args),
                           capture_output=True, text=True, timeout=PATIENCE * 12,
                           env=dict(os.environ, **(env or {})))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def poll(self, cursor=None, token=TOK, **kw):
        return Poll(self.run_tool(token, BACKFILL, cursor or "-", **kw))

    def action(self, name, iid, kind="comment", token=TOK):
        return Poll(self.run_tool(token, "--action", name, iid, kind)).requests[-1]

    def expected(self):
        st = self.sim.state()
        items = {i: it for i, it in st["items"].items() if not it["deleted"]}
        exp = {}
        for iid, it in items.items():
            if it["kind"] == "media":
                exp[iid] = {"kind": "post", "parent": None, "author": USER, "own": True,
                            "state": "visible", "text": it["text"]}
                continue
            par = items.get(it["parent"])
            au = st["authors"].get(it["author"], {})
            exp[iid] = {"kind": "reply" if par and par["kind"] == "comment" else "comment",
                        "parent": it["parent"], "author": au.get("id"),
                        "author_name": au.get("username"), "own": it["author"] == USER,
                        "state": "hidden" if it["hidden"] else "visible", "text": it["text"]}
        return exp

    def check_exact(self, poll, exp):
        ids = poll.ids()
        self.assertEqual(len(ids), len(set(ids)), "an item came out twice in one poll")
        self.assertEqual(sorted(ids), sorted(exp))
        got = poll.by_id()
        for iid, e in exp.items():
            self.assertEqual({k: got[iid][k] for k in e}, e, iid)

    def test_first_poll_everything_once(self):
        p = self.poll()
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        self.assertTrue(p.by_id()[C_OWN]["own"])
        self.assertEqual(p.by_id()[C_OWN]["kind"], "reply")
        self.assertEqual(len(p.requests), 1)  # media, comments and replies in one request
        for r in self.sim.log():
            self.assertNotIn("access_token", r["query"])

    def test_paging_to_the_end(self):
        items = [{"kind": "comment", "parent": MEDIA, "author": "u-lena",
                  "created": "2026-12-01T%02d:%02d:00Z" % (10 + n // 60, n % 60), "text": "k%d" % n}
                 for n in range(120)]
        items += [{"kind": "media", "account": USER, "author": USER, "media_type": "IMAGE",
                   "created": "2026-11-%02dT08:00:00Z" % d, "text": "bild %d" % d} for d in range(2, 28)]
        self.sim.ctl("POST", "/items", {"items": items})
        p = self.poll()
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        self.assertGreaterEqual(len([r for r in p.requests if "/media?" in r["url"]]), 2)
        self.assertGreaterEqual(len([r for r in p.requests if "/comments?" in r["url"]]), 2)

    def test_cursor_carries_the_next_polls(self):
        first = self.poll()
        again = self.poll(first.cursor)
        self.assertTrue(again.end["done"])
        self.assertLessEqual(len(again.requests), 2, [r["url"] for r in again.requests])
        new = self.sim.ctl("POST", "/items", {"items": [
            {"kind": "comment", "parent": "17895731045244887", "author": "u-bin", "created": "now",
             "text": "ny kommentar \U0001F6B2"},
            {"kind": "comment", "parent": C_IK, "author": USER, "created": "now", "text": "Tack!"},
            {"kind": "media", "account": USER, "author": USER, "created": "now", "text": "Ny bild"},
        ]})["ids"]
        third = self.poll(again.cursor)
        self.assertTrue(third.end["done"])
        got = third.by_id()
        for iid in new:
            self.assertIn(iid, got)
        self.assertEqual(got[new[0]]["text"], "ny kommentar \U0001F6B2")
        self.assertEqual((got[new[1]]["kind"], got[new[1]]["own"]), ("reply", True))
        seen = set(first.ids()) | set(again.ids()) | set(third.ids())
        self.assertEqual(set(self.expected()), seen)
        # media deleted on the platform come out gone, once
        self.sim.ctl("DELETE", "/items/" + MEDIA)
        fourth = self.poll(third.cursor)
        self.assertTrue(fourth.end["done"])
        self.assertIn(MEDIA, fourth.gone)
        self.assertNotIn(MEDIA, fourth.cursor)
        self.assertNotIn(MEDIA, self.poll(fourth.cursor).gone)

    def test_faults_are_survived(self):
        for mode in ("500", "503", "malformed", "truncate", "429", "throttle"):
            self.sim.fault(mode=mode, path="/media")
        p = self.poll(env={"CONN_POLL_ATTEMPTS": "20"})
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        self.sim.fault(mode="throttle", code=80002, path="/media")
        p = self.poll(env={"CONN_POLL_ATTEMPTS": "1"})
        self.assertEqual(p.requests[-1]["outcome"], "retry")
        self.assertEqual(p.requests[-1]["usage"], 100)

    def test_token_and_permission(self):
        p = self.poll(token="IGQ-expired")
        self.assertEqual((p.requests[-1]["outcome"], p.cursor), ("token", None))
        self.sim.ctl("POST", "/tokens/IGQ-none", {"account": USER, "permissions": []})
        p = self.poll(token="IGQ-none")
        self.assertEqual((p.requests[-1]["outcome"], p.cursor), ("permission", None))

    def test_actions(self):
        c = "17858154961981086"
        self.assertEqual(self.action("hide", c)["outcome"], "ok")
        self.assertTrue(self.sim.state()["items"][c]["hidden"])
        self.assertEqual(self.action("unhide", c)["outcome"], "ok")
        self.assertFalse(self.sim.state()["items"][c]["hidden"])
        self.assertEqual(self.action("hide", C_OWN, kind="reply")["outcome"], "not_allowed")
        self.assertEqual(self.action("hide", c, token="IGQ-readonly")["outcome"], "permission")
        self.assertEqual(self.action("delete", c)["outcome"], "ok")
        self.assertEqual(self.action("delete", c)["outcome"], "gone")
        self.assertEqual(self.action("delete", MEDIA, kind="post")["outcome"], "not_allowed")


if __name__ == "__main__":
    unittest.main(verbosity=2)
