#!/usr/bin/env python3
"""What every simulator shares: the lively demo scenario, items arriving
on schedule, the loopback-only listener, the control endpoint, and that
every recorded fixture is either checked by a simulator test or named
here as not served (with the reason)."""
import glob
import json
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import FIXTURES, HERE, SimProc  # noqa: E402
import simtest  # noqa: E402

SIMS = {"facebook": "sim_facebook.py", "instagram": "sim_instagram.py", "youtube": "sim_youtube.py",
        "x": "sim_x.py", "mastodon": "sim_mastodon.py", "linkedin": "sim_linkedin.py"}

# Recorded fixtures no simulator serves, and why (findings).
NOT_SERVED = {
    "facebook-webhook-feed-comment-add.json": "webhooks are pushed by Meta; the simulators serve polling only",
    "facebook-webhook-feed-comment-add-legacy.json": "webhook (pushed, not polled)",
    "facebook-webhook-feed-comment-hide.json": "webhook (pushed, not polled)",
    "facebook-webhook-feed-comment-remove.json": "webhook (pushed, not polled)",
    "facebook-webhook-mention-comment.json": "webhook (pushed, not polled)",
    "instagram-webhook-comments.json": "webhook (pushed, not polled)",
    "facebook-error-transient-flag.json": "a fundraiser error (code 1, subcode 1965014): nothing vakt calls "
                                          "answers it; its keys are those of the 500/code 2 fault's error",
    "mastodon-error-422-details.json": "an account-registration error with details{}; vakt registers no "
                                       "accounts (the 422 of an empty status is served, plain {error})",
}


def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()


class Lively(unittest.TestCase):
    def start(self, platform, scenario="lively.json"):
        s = SimProc(SIMS[platform], scenario).start()
        self.addCleanup(s.stop)
        return s

    def test_every_simulator_loads_it(self):
        for p in SIMS:
            s = self.start(p)
            st = s.state()
            self.assertTrue(st["items"], p)
            self.assertTrue(any(it["author"] in ("me", "org", st["accounts"][0]["id"])
                                and it["parent"] for it in st["items"].values()),
                            "%s: the account's own reply" % p)

    def test_facebook_stream_content(self):
        s = self.start("facebook")
        r = s.request("GET", "/v22.0/104857600123456_20001/comments",
                      {"filter": "stream", "access_token": "EAAB-demo-page-token", "fields": "message,from"})
        texts = [c["message"] for c in r.json["data"]]
        self.assertTrue(any("850312-2395" in t for t in texts))      # personnummer (test list)
        self.assertTrue(any("Eva Lund" in t for t in texts))         # threat against named staff
        self.assertTrue(any(c.get("from", {}).get("id") == "104857600123456" for c in r.json["data"]))
        self.assertFalse(any("simhallen" in t for t in texts))       # arrives 15 s after start

    def test_items_appear_on_schedule(self):
        sc = {"tokens": {"t": {"scopes": ["read", "write"]}},
              "authors": {"me": {"id": "1", "username": "me"}, "a": {"id": "2", "username": "a"}},
              "accounts": [{"id": "1"}],
              "items": [{"author": "a", "text": "@me now"}, {"author": "a", "text": "@me later",
                                                              "appear_after_s": 3}]}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(sc, f)
        self.addCleanup(os.unlink, f.name)
        s = self.start("mastodon", f.name)

        def texts():
            r = s.request("GET", "/api/v1/notifications", headers={"Authorization": "Bearer t"})
            return [n["status"]["content"] for n in r.json]
        self.assertEqual(len(texts()), 1)
        simtest_wait(lambda: len(texts()) == 2, "the scheduled item")


def simtest_wait(cond, what):
    import time
    deadline = time.monotonic() + simtest.PATIENCE
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %ss" % (what, simtest.PATIENCE))
        time.sleep(0.05)


class Server(unittest.TestCase):
    def test_loopback_only_and_control(self):
        s = SimProc(SIMS["mastodon"], "mastodon.json").start()
        self.addCleanup(s.stop)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.2", s.port), timeout=2).close()
        self.assertEqual(s.request("GET", "/_sim/nope").status, 404)
        self.assertEqual(s.request("POST", "/_sim/faults", body={"count": 1}).status, 400)
        self.assertEqual(s.request("POST", "/_sim/items", body={"id": "117020577157690001"}).status, 400)
        self.assertEqual(s.request("POST", "/_sim/items/nope", body={"text": "x"}).status, 404)
        self.assertEqual(s.log(), [])  # control requests are not logged

    def test_gzip_when_offered(self):
        import gzip
        s = SimProc(SIMS["x"], "x.json").start()
        self.addCleanup(s.stop)
        h = {"Authorization": "Bearer x-user-token"}
        plain = s.request("GET", "/2/users/1234000000000000001/mentions", headers=h)
        self.assertIsNone(plain.header("Content-Encoding"))
        z = s.request("GET", "/2/users/1234000000000000001/mentions", headers=dict(h, **{"Accept-Encoding": "gzip"}))
        self.assertEqual(z.header("Content-Encoding"), "gzip")
        self.assertEqual(json.loads(gzip.decompress(z.body)), plain.json)

    def test_token_dies_mid_paging(self):
        s = SimProc(SIMS["facebook"], "facebook.json").start()
        self.addCleanup(s.stop)
        q = {"access_token": "EAAB-page-token", "filter": "stream", "limit": "2", "fields": "id"}
        first = s.request("GET", "/v22.0/104857600123456_10158407654328553/comments", q).json
        s.ctl("POST", "/tokens/EAAB-page-token", {"expired": True})
        r = s.get_url(first["paging"]["next"])
        self.assertEqual((r.json["error"]["code"], r.json["error"]["error_subcode"]), (190, 463))

    def test_latency_on_api_requests_only(self):
        import time
        s = SimProc(SIMS["x"], "x.json").start()
        self.addCleanup(s.stop)
        h = {"Authorization": "Bearer x-user-token"}
        self.assertEqual(s.request("POST", "/_sim/config", body={"latency_ms": 400}).status, 200)
        t0 = time.monotonic()
        r = s.request("GET", "/2/users/1234000000000000001/mentions", headers=h)
        self.assertGreaterEqual(time.monotonic() - t0, 0.4)
        self.assertEqual(r.status, 200)
        self.assertEqual(len(s.log()), 1)
        s.request("POST", "/_sim/config", body={"latency_ms": 0})
        s.request("GET", "/2/users/1234000000000000001/mentions", headers=h)
        self.assertEqual(len(s.log()), 2)

    def test_bad_scenario_fails_at_start(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            f.write("{not json")
        self.addCleanup(os.unlink, f.name)
        with self.assertRaises(AssertionError):
            SimProc(SIMS["x"], f.name).start()


class Index(unittest.TestCase):
    """items(parent=, author=) answer what scanning every item answers,
    also after items are added and an indexed field changes."""

    def test_index_matches_a_scan(self):
        import simbase  # noqa: E402
        sc = {"authors": {"a": {"id": "1"}, "b": {"id": "2"}},
              "items": [{"id": "p1", "author": "a", "created": "-3h"},
                        {"id": "c1", "parent": "p1", "author": "b", "created": "-2h"},
                        {"id": "c2", "parent": "p1", "author": "a", "created": "-1h"},
                        {"id": "n1", "author": None, "created": "-1h"}]}
        sim = simbase.Sim(sc)

        def same():
            for k in ("a", "b", None, "x"):
                self.assertEqual(sim.items(lambda it: it["author"] == k), sim.items(author=k))
                self.assertEqual(sim.items(lambda it: it["author"] == k and it["parent"] == "p1"),
                                 sim.items(parent="p1", author=k))
            self.assertEqual(sim.items(lambda it: it["parent"] == "p1"), sim.items(parent="p1"))
        same()
        sim.add_item({"id": "c3", "parent": "p1", "author": "b", "created": "-1m"})
        same()
        sim.edit_item("c1", {"author": "a"})
        same()
        self.assertEqual(["c1", "c2"], [it["id"] for it in sim.items(parent="p1", author="a")])


class FixtureCoverage(unittest.TestCase):
    def test_every_fixture_is_checked_or_named(self):
        if FIXTURES is None:
            self.skipTest("platform fixtures not found")
        tests = "".join(read(p) for p in glob.glob(os.path.join(HERE, "test_*.py"))
                        if not p.endswith("test_common.py"))
        for path in sorted(glob.glob(os.path.join(FIXTURES, "*.json"))):
            name = os.path.basename(path)
            if name in NOT_SERVED:
                continue
            self.assertTrue(name in tests, "%s is neither checked by a simulator test nor named in NOT_SERVED" % name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
