#!/usr/bin/env python3
"""The Facebook connector's whole poll against the Facebook simulator:
everything the simulator holds comes out exactly once, with the right
kinds, parents, authors, own flags and states; the cursor carries the next
poll to what is new only (new posts, new comments on known posts, deleted
posts); faults give the right outcomes and are survived.

conn-poll (tests/sim/conn-poll.c, path in $CONN_POLL) performs the
connector's requests one at a time and prints JSON lines."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import PATIENCE, SimTestCase  # noqa: E402

PAGE = "104857600123456"
TOK = "EAAB-page-token"
BACKFILL = "2026-11-01T00:00:00Z"
POST1 = PAGE + "_10158407654328553"


class Poll:
    def __init__(self, lines):
        self.requests, self.items, self.gone, self.cursor, self.end = [], [], [], None, None
        for line in lines:
            o = json.loads(line)
            if "request" in o:
                self.requests.append(o["request"])
            elif "item" in o:
                self.items.append(o["item"])
            elif "gone" in o:
                self.gone.append(o["gone"])
            elif "cursor" in o:
                self.cursor = o["cursor"]
            elif "end" in o:
                self.end = o["end"]

    def ids(self):
        return [i["id"] for i in self.items]

    def by_id(self):
        return {i["id"]: i for i in self.items}


class ConnFacebook(SimTestCase):
    script = "sim_facebook.py"
    scenario = "facebook.json"

    def run_tool(self, *args, env=None):
        tool = os.environ.get("CONN_POLL")
        if not tool:
            raise unittest.SkipTest("CONN_POLL not set (run through meson test)")
        p = subprocess.run([tool, "facebook", self.sim.base + "/v22.0", PAGE] + list(args),
                           capture_output=True, text=True, timeout=PATIENCE * 12,
                           env=dict(os.environ, **(env or {})))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def poll(self, cursor=None, token=TOK, backfill=BACKFILL, **kw):
        return Poll(self.run_tool(token, backfill, cursor or "-", **kw))

    def action(self, name, iid, kind="comment", token=TOK):
        return Poll(self.run_tool(token, "--action", name, iid, kind)).requests[-1]

    def expected(self, token_sees_users=True):
        st = self.sim.state()
        items = {i: it for i, it in st["items"].items() if not it["deleted"]}
        exp = {}
        for iid, it in items.items():
            par = items.get(it["parent"]) if it["parent"] else None
            kind = "post" if it["kind"] == "post" else ("reply" if par and par["kind"] != "post" else "comment")
            a = it.get("author")
            if a == PAGE:
                author = PAGE
            elif a is None or not token_sees_users:
                author = None
            else:
                author = st["authors"].get(a, {"id": a})["id"]
            exp[iid] = {"kind": kind, "parent": it["parent"], "author": author, "own": a == PAGE,
                        "state": "hidden" if it["hidden"] else "visible", "text": it["text"]}
        return exp

    def check_exact(self, poll, exp):
        ids = poll.ids()
        self.assertEqual(len(ids), len(set(ids)), "an item came out twice in one poll")
        self.assertEqual(sorted(set(ids)), sorted(exp))
        got = poll.by_id()
        for iid, e in exp.items():
            g = got[iid]
            self.assertEqual({k: g[k] for k in e}, e, iid)

    # ---- tests -----------------------------------------------------------

    def test_first_poll_everything_once(self):
        p = self.poll()
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        self.assertIsNotNone(p.cursor)
        # the ratings question is answered with error 12 on v22: said once
        self.assertEqual([r["outcome"] for r in p.requests if "/ratings" in r["url"]], ["not_allowed"])
        self.assertTrue(all(r["outcome"] in ("ok", "not_allowed") for r in p.requests))
        # few requests: ratings, one feed page, nothing else for this page
        self.assertLessEqual(len(p.requests), 3, [r["url"] for r in p.requests])
        for r in self.sim.log():
            self.assertNotIn("access_token", r["query"])  # the token went in a header

    def test_user_token_withholds_authors(self):
        p = self.poll(token="EAAB-user-token")
        self.check_exact(p, self.expected(token_sees_users=False))
        own = [i for i in p.items if i["own"]]
        self.assertTrue(own and all(i["author"] == PAGE for i in own))
        self.assertTrue(any(i["author"] is None for i in p.items))

    def test_small_pages_paging_to_the_end(self):
        # many comments on the first post: embedded first page, then
        # /comments pages by cursor; many posts: feed pages by time
        items = [{"kind": "comment", "parent": POST1, "author": "u-anna",
                  "created": "2026-12-01T%02d:%02d:00Z" % (10 + n // 60, n % 60), "text": "k%d" % n}
                 for n in range(130)]
        items += [{"kind": "post", "account": PAGE, "author": PAGE, "created": "2026-11-%02dT08:00:00Z" % d,
                   "text": "post %d" % d} for d in range(2, 29)]
        self.sim.ctl("POST", "/items", {"items": items})
        p = self.poll()
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        feeds = [r for r in p.requests if "/feed?" in r["url"]]
        comments = [r for r in p.requests if "/comments?" in r["url"]]
        self.assertGreaterEqual(len(feeds), 2)
        self.assertGreaterEqual(len(comments), 1)

    def test_cursor_carries_the_next_polls(self):
        first = self.poll()
        again = self.poll(first.cursor)
        self.assertTrue(again.end["done"])
        # nothing new: the feed (empty or the overlap) and one ?ids= request
        self.assertLessEqual(len(again.requests), 2, [r["url"] for r in again.requests])
        self.assertFalse(any("/ratings" in r["url"] for r in again.requests))
        self.assertEqual(len(again.ids()), len(set(again.ids())))

        # new things: a comment on the oldest post, a reply, a new post, a
        # visitor post; one comment deleted, one hidden by someone else
        new = self.sim.ctl("POST", "/items", {"items": [
            {"kind": "comment", "parent": POST1, "author": "u-sara", "created": "now", "text": "ny \U0001F600"},
            {"kind": "comment", "parent": "10158407654328553_10158407835073553", "author": "u-omar",
             "created": "now", "text": "svar"},
            {"kind": "post", "account": PAGE, "author": PAGE, "created": "now", "text": "Nytt inlägg"},
            {"kind": "post", "account": PAGE, "author": "u-kun", "created": "now", "text": "Fråga"},
        ]})["ids"]
        third = self.poll(again.cursor)
        self.assertTrue(third.end["done"])
        got = third.by_id()
        for iid in new:
            self.assertIn(iid, got)
        self.assertEqual(got[new[0]]["text"], "ny \U0001F600")
        self.assertEqual(got[new[1]]["kind"], "reply")
        self.assertEqual(got[new[1]]["parent"], "10158407654328553_10158407835073553")
        self.assertEqual(got[new[3]]["author"], "2711636948859886")
        self.assertFalse(got[new[3]]["own"])
        # across the polls, everything the simulator holds came out
        seen = set(first.ids()) | set(again.ids()) | set(third.ids())
        self.assertEqual(sorted(seen), sorted(self.expected()))

    def test_deleted_post_is_gone(self):
        first = self.poll()
        self.sim.ctl("DELETE", "/items/" + POST1)
        p = self.poll(first.cursor)
        self.assertTrue(p.end["done"])
        self.assertIn(POST1, p.gone)
        self.assertIsNotNone(p.cursor)
        self.assertNotIn(POST1, p.cursor)
        later = self.poll(p.cursor)
        self.assertNotIn(POST1, later.gone)

    def test_faults_are_survived(self):
        # every fault once, on the feed: the poll still brings everything
        for mode in ("500", "502", "503", "malformed", "truncate", "429", "throttle"):
            self.sim.fault(mode=mode, path="/feed")
        p = self.poll(env={"CONN_POLL_ATTEMPTS": "20"})
        self.assertTrue(p.end["done"])
        self.check_exact(p, self.expected())
        outcomes = [r["outcome"] for r in p.requests]
        self.assertIn("malformed", outcomes)
        self.assertIn("transfer_failed", outcomes)
        self.assertGreaterEqual(outcomes.count("retry"), 5)
        throttled = [r for r in p.requests if r["outcome"] == "retry" and r.get("retry_after_ms")]
        self.assertTrue(throttled, p.requests)
        self.assertEqual(throttled[-1]["usage"], 100)
        self.assertEqual(throttled[-1]["retry_after_ms"], 600000)

    def test_throttle_codes(self):
        for code in (4, 17, 32, 613, 80001):
            self.sim.fault(mode="throttle", code=code, path="/feed")
            p = self.poll(env={"CONN_POLL_ATTEMPTS": "1"})
            self.assertEqual(p.requests[-1]["outcome"], "retry", code)
            self.assertIn("Graph error %d" % code, p.requests[-1]["message"])
            self.assertIsNone(p.cursor)

    def test_token_and_permission_errors(self):
        p = self.poll(token="EAAB-expired-token")
        self.assertEqual(p.requests[-1]["outcome"], "token")
        self.assertTrue(p.end["done"])
        self.assertIsNone(p.cursor)
        self.assertEqual(p.items, [])
        p = self.poll(token="EAAB-noread-token")
        self.assertEqual(p.requests[-1]["outcome"], "permission")
        self.assertIsNone(p.cursor)
        for kind, want in (("invalid", "token"), ("password_changed", "token"), ("permission", "permission")):
            self.sim.fault(mode="token", kind=kind, path="/feed")
            p = self.poll()
            self.assertEqual(p.requests[-1]["outcome"], want, kind)
            self.assertIsNone(p.cursor)

    def test_token_expires_mid_poll(self):
        items = [{"kind": "comment", "parent": POST1, "author": "u-anna",
                  "created": "2026-12-01T10:%02d:00Z" % n, "text": "k%d" % n} for n in range(40)]
        self.sim.ctl("POST", "/items", {"items": items})
        self.sim.fault(mode="token", kind="expired", path="/comments")
        p = self.poll()
        self.assertEqual(p.requests[-1]["outcome"], "token")
        self.assertIsNone(p.cursor)

    def test_actions(self):
        c = "10158407654328553_10158407903973553"
        self.assertEqual(self.action("hide", c)["outcome"], "ok")
        self.assertTrue(self.sim.state()["items"][c]["hidden"])
        self.assertEqual(self.action("unhide", c)["outcome"], "ok")
        self.assertFalse(self.sim.state()["items"][c]["hidden"])
        # the page's own reply cannot be hidden: refused, not gone
        own = "10158407654328553_10158409984103553"
        self.assertEqual(self.action("hide", own)["outcome"], "not_allowed")
        self.assertEqual(self.action("delete", c)["outcome"], "ok")
        self.assertTrue(self.sim.state()["items"][c]["deleted"])
        self.assertEqual(self.action("delete", c)["outcome"], "gone")
        self.assertEqual(self.action("hide", c)["outcome"], "gone")
        self.assertEqual(self.action("hide", "x", kind="review")["outcome"], "not_allowed")
        self.assertEqual(self.action("hide", C_KUN_REPLY, token="EAAB-readonly-token")["outcome"],
                         "permission")


C_KUN_REPLY = "10158407654328553_10158409984053553"

if __name__ == "__main__":
    unittest.main(verbosity=2)
