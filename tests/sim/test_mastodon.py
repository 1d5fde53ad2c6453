#!/usr/bin/env python3
"""The Mastodon simulator: recorded shapes, Link paging, context, reports,
blocks, mutes, no deletion of others, localised errors, faults, tokens."""
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CommonFaults, SimTestCase, fixture  # noqa: E402

ME = "117020565966271181"
ROOT = "117020577157690001"
M_ADMIN = "117020577157690002"
OWN_REPLY = "117020577157690003"
PER = "117020566092299999"
TOK = {"Authorization": "Bearer masto-token"}


def links(h):
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', h or "")}


class M(SimTestCase):
    script = "sim_mastodon.py"
    scenario = "mastodon.json"

    def get(self, path, headers=TOK, timeout=None, **q):
        return self.sim.request("GET", "/api/v1/" + path, q, headers=headers, timeout=timeout)

    def post(self, path, headers=TOK, **form):
        h = dict(headers, **{"Content-Type": "application/x-www-form-urlencoded"})
        return self.sim.request("POST", "/api/v1/" + path, body=form, headers=h)

    def notes(self, headers=TOK, timeout=None, **q):
        q["types[]"] = "mention"
        return self.get("notifications", headers=headers, timeout=timeout, **q)

    def probe(self, timeout=None):
        return self.notes(timeout=timeout)

    def check_token_error(self, r, kind):
        self.assertEqual(r.status, 403 if kind == "permission" else 401)
        self.assertEqual(list(r.json), ["error"])

    def check_throttle(self, r):
        self.assertEqual(r.status, 429)
        self.assertEqual(r.header("X-RateLimit-Remaining"), "0")


class Fixtures(M):
    def test_notifications(self):
        rec = fixture("mastodon-notifications-mentions.json")
        got = self.notes().json
        # Values may be null or lists empty on either side; keys and types match.
        self.assertKeysCover(got[0], rec[0])
        self.assertEqual(sorted(got[0]["status"]), sorted(rec[0]["status"]))
        self.assertEqual(sorted(got[0]["account"]), sorted(rec[0]["account"]))

    def test_notification_headers(self):
        rec = fixture("mastodon-notifications-mentions.headers.json")
        r = self.notes(limit="2")
        for h in rec:
            self.assertIsNotNone(r.header(h), h)
        self.assertEqual(sorted(links(r.header("Link"))), sorted(links(rec["link"][0])))
        self.assertRegex(r.header("X-RateLimit-Reset"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

    def test_status_reply_shape(self):
        rec = fixture("mastodon-status-reply.json")
        r = self.post("statuses", status="@lisa Tack!", in_reply_to_id="117020577157690004")
        rec.pop("pinned")  # finding: `pinned` (own statuses only) is not simulated
        self.assertKeysCover(r.json, rec)
        self.assertEqual(sorted(r.json), sorted(rec))
        self.assertEqual(r.json["in_reply_to_id"], "117020577157690004")

    def test_context_empty(self):
        rec = fixture("mastodon-status-context-empty.json")
        self.assertEqual(self.get("statuses/117020577157690006/context").json, rec)

    def test_report(self):
        rec = fixture("mastodon-report-created.json")
        r = self.post("reports", account_id=PER, **{"status_ids[]": "117020577157690005"},
                      comment="hot mot personal", category="violation")
        got = r.json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertKeysCover(got["target_account"], dict(rec["target_account"], fields=[], roles=[]))
        self.assertEqual(sorted(got["target_account"]), sorted(rec["target_account"]))
        self.assertEqual(self.sim.log()[-1]["action"]["op"], "report")

    def test_errors(self):
        self.assertEqual(self.get("statuses/1").json, fixture("mastodon-error-404.json"))
        self.assertEqual(self.notes(headers={"Authorization": "Bearer nope"}).json,
                         fixture("mastodon-error-401.json"))
        r = self.post("statuses", status="")
        self.assertEqual(r.status, 422)
        self.assertShape(r.json, fixture("mastodon-error-422-localized.json"))


class Localised(M):
    def test_swedish_errors(self):
        self.sim.ctl("POST", "/config", {"locale": "sv"})
        r = self.get("statuses/1")
        self.assertEqual((r.status, r.json), (404, {"error": "Posten hittades inte"}))
        r = self.notes(headers={"Authorization": "Bearer nope"})
        self.assertEqual(r.status, 401)
        self.assertNotEqual(r.json["error"], fixture("mastodon-error-401.json")["error"])

    def test_accept_language(self):
        r = self.get("statuses/1", headers=dict(TOK, **{"Accept-Language": "sv-SE,sv;q=0.9"}))
        self.assertEqual(r.json["error"], "Posten hittades inte")


class Paging(M):
    def mention_ids(self):
        st = self.sim.state()
        return sorted(i for i, it in st["items"].items()
                      if it["author"] != "me" and ("@exempelby" in it["text"]
                                                   or st["items"].get(it["parent"] or "", {}).get("author") == "me"))

    def test_walk_next_each_once(self):
        for limit in ("1", "2", "3", "40"):
            seen, r = [], self.notes(limit=limit)
            while True:
                seen += [n["status"]["id"] for n in r.json]
                nxt = links(r.header("Link")).get("next")
                if not nxt or not r.json:
                    break
                r = self.sim.get_url(nxt, headers=TOK)
            self.assertEqual(sorted(seen), self.mention_ids(), limit)
            self.assertEqual(len(seen), len(set(seen)))

    def test_poll_forward_with_min_id(self):
        first = self.notes(limit="40")
        newest = first.json[0]["id"]
        self.assertEqual(self.notes(min_id=newest).json, [])
        self.assertNotIn("Link", dict(self.notes(min_id=newest).headers))
        self.sim.ctl("POST", "/items", {"author": "lisa", "text": "@exempelby ny", "created": "now"})
        self.sim.ctl("POST", "/items", {"author": "per", "text": "@exempelby nyare", "created": "now"})
        got = self.notes(min_id=newest, limit="1").json
        self.assertEqual([n["status"]["content"] for n in got], [
            '<p><span class="h-card" translate="no"><a href="%s/@exempelby" class="u-url mention">'
            '@<span>exempelby</span></a></span> ny</p>' % self.sim.base])
        prev = links(self.notes(min_id=newest, limit="1").header("Link"))["prev"]
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(prev).query)
        self.assertEqual(q["types[]"], ["mention"])

    def test_context_finds_own_reply(self):
        ctx = self.get("statuses/%s/context" % M_ADMIN).json
        self.assertEqual([s["id"] for s in ctx["ancestors"]], [ROOT])
        own = [s for s in ctx["descendants"] if s["account"]["id"] == ME]
        self.assertEqual([(s["id"], s["in_reply_to_id"]) for s in own], [(OWN_REPLY, M_ADMIN)])

    def test_html_content_escaped(self):
        st = self.get("statuses/117020577157690004").json
        self.assertIn("&lt;script&gt;", st["content"])
        self.assertIn("&amp;", st["content"])


class Actions(M):
    def test_no_delete_of_others(self):
        r = self.sim.request("DELETE", "/api/v1/statuses/117020577157690005", headers=TOK)
        self.assertEqual((r.status, r.json), (404, {"error": "Record not found"}))
        self.assertEqual(self.sim.log()[-1]["action"]["result"], "refused")
        self.assertFalse(self.sim.state()["items"]["117020577157690005"]["deleted"])
        r = self.sim.request("DELETE", "/api/v1/statuses/" + OWN_REPLY, headers=TOK)
        self.assertEqual(r.status, 200)

    def test_no_hide_route(self):
        r = self.sim.request("POST", "/api/v1/statuses/117020577157690005/hide", headers=TOK)
        self.assertEqual(r.status, 404)

    def test_block_mute(self):
        self.assertTrue(self.post("accounts/%s/block" % PER).json["blocking"])
        self.assertTrue(self.post("accounts/%s/mute" % PER).json["muting"])
        self.assertFalse(self.post("accounts/%s/unblock" % PER).json["blocking"])
        self.assertEqual([e["action"]["op"] for e in self.sim.log() if e["action"]], ["block", "mute", "unblock"])

    def test_write_scope_needed(self):
        r = self.post("reports", headers={"Authorization": "Bearer masto-readonly"}, account_id=PER)
        self.assertEqual(r.status, 403)

    def test_edit_shows_edited_at(self):
        self.sim.ctl("POST", "/items/117020577157690005", {"text": "@exempelby ändrat"})
        st = self.get("statuses/117020577157690005").json
        self.assertIsNotNone(st["edited_at"])


class Tokens(M):
    def test_tokens(self):
        self.assertEqual(self.notes(headers={}).status, 401)
        self.assertEqual(self.notes(headers={"Authorization": "Bearer masto-expired"}).json,
                         {"error": "The access token expired"})
        self.assertEqual(self.get("notifications", headers={}, access_token="masto-token").status, 200)

    def test_rate_window(self):
        self.sim.ctl("POST", "/config", {"rate_limit": 2, "rate": None})
        rs = [self.notes() for _ in range(3)]
        self.assertEqual([r.status for r in rs], [200, 200, 429])
        self.assertEqual(rs[2].json, {"error": "Too many requests"})


class Faults(CommonFaults, M):
    pass


if __name__ == "__main__":
    unittest.main(verbosity=2)
