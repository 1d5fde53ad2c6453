#!/usr/bin/env python3
"""The LinkedIn Community Management API simulator (synthetic: no
recordings exist, so shapes are checked against the documented ones in
PLATFORMS.md §6), paging, actions, headers, faults, tokens."""
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CommonFaults, SimTestCase  # noqa: E402

POST = "urn:li:share:6844785523593134080"
ACTIVITY = "urn:li:activity:6844785524083892224"
ORG = "urn:li:organization:2414183"
C_MARIA = "6844790000000000001"
C_ORG = "6844790000000000002"
C_JONAS = "6844790000000000003"
HDR = {"Authorization": "Bearer li-token", "LinkedIn-Version": "202511", "X-Restli-Protocol-Version": "2.0.0"}


def enc(urn):
    return urllib.parse.quote(urn, safe="")


class LI(SimTestCase):
    script = "sim_linkedin.py"
    scenario = "linkedin.json"

    def comments(self, urn=POST, headers=HDR, timeout=None, **q):
        return self.sim.request("GET", "/rest/socialActions/%s/comments" % enc(urn), q, headers=headers,
                                timeout=timeout)

    def probe(self, timeout=None):
        return self.comments(timeout=timeout)

    def check_token_error(self, r, kind):
        want = {"invalid": (401, "INVALID_ACCESS_TOKEN"), "expired": (401, "EXPIRED_ACCESS_TOKEN"),
                "permission": (403, "ACCESS_DENIED")}[kind]
        self.assertEqual((r.status, r.json["code"]), want)
        self.assertEqual(r.json["status"], r.status)

    def check_throttle(self, r):
        self.assertEqual((r.status, r.json["code"]), (429, "TOO_MANY_REQUESTS"))


class DocumentedShape(LI):
    def test_comments_shape(self):
        got = self.comments().json
        self.assertEqual(sorted(got), ["elements", "paging"])
        self.assertEqual(sorted(got["paging"]), ["count", "links", "start", "total"])
        el = got["elements"][0]
        for k in ("commentUrn", "id", "actor", "created", "lastModified", "message", "object"):
            self.assertIn(k, el)
        self.assertIsInstance(el["created"]["time"], int)  # epoch ms
        self.assertGreater(el["created"]["time"], 10 ** 12)
        self.assertEqual(el["object"], ACTIVITY)  # not the share URN that was asked for
        self.assertEqual(el["commentUrn"], "urn:li:comment:(%s,%s)" % (ACTIVITY, C_MARIA))

    def test_replies_by_comment_urn(self):
        urn = "urn:li:comment:(%s,%s)" % (ACTIVITY, C_MARIA)
        got = self.comments(urn).json["elements"]
        self.assertEqual([(e["id"], e["actor"], e["parentComment"]) for e in got], [(C_ORG, ORG, urn)])

    def test_activity_urn_works_too(self):
        self.assertEqual(self.comments(ACTIVITY).json["paging"]["total"], 3)


class Paging(LI):
    def test_walk_each_once(self):
        for count in (1, 2, 3, 10):
            seen, start = [], 0
            while True:
                body = self.comments(start=str(start), count=str(count)).json
                seen += [e["id"] for e in body["elements"]]
                nxt = [l for l in body["paging"]["links"] if l["rel"] == "next"]
                if not nxt:
                    break
                start = int(urllib.parse.parse_qs(urllib.parse.urlsplit(nxt[0]["href"]).query)["start"][0])
            self.assertEqual(seen, [C_MARIA, C_JONAS, "6844790000000000004"], count)


class Headers(LI):
    def test_version_headers(self):
        h = dict(HDR)
        del h["LinkedIn-Version"]
        r = self.comments(headers=h)
        self.assertEqual((r.status, r.json["code"]), (400, "VERSION_MISSING"))
        r = self.comments(headers=dict(HDR, **{"LinkedIn-Version": "202001"}))
        self.assertEqual((r.status, r.json["code"]), (426, "NONEXISTENT_VERSION"))
        h = dict(HDR)
        del h["X-Restli-Protocol-Version"]
        self.assertEqual(self.comments(headers=h).status, 400)


class Actions(LI):
    def post(self, urn, body):
        return self.sim.request("POST", "/rest/socialActions/%s/comments" % enc(urn), body=body, headers=HDR)

    def delete(self, cid, actor=ORG):
        return self.sim.request("DELETE", "/rest/socialActions/%s/comments/%s" % (enc(POST), cid),
                                {"actor": actor}, headers=HDR)

    def test_reply_as_org(self):
        r = self.post(POST, {"actor": ORG, "object": ACTIVITY, "message": {"text": "Tack!"},
                             "parentComment": "urn:li:comment:(%s,%s)" % (ACTIVITY, C_JONAS)})
        self.assertEqual(r.status, 201)
        self.assertEqual(r.header("x-restli-id"), r.json["id"])
        self.assertEqual(r.json["parentComment"], "urn:li:comment:(%s,%s)" % (ACTIVITY, C_JONAS))

    def test_delete_on_the_organisations_post(self):
        # The organisation deletes a member's comment on its own post and
        # its own comment; a person who is neither the author nor the
        # post's organisation, and an organisation the token's member does
        # not administer, are refused; a deleted comment is gone (404).
        r = self.delete(C_JONAS, actor="urn:li:person:aB3dE5fG7h")
        self.assertEqual((r.status, r.json["code"]), (403, "ACCESS_DENIED"))
        r = self.delete(C_JONAS, actor="urn:li:organization:99")
        self.assertEqual(r.status, 403)
        self.assertEqual(self.delete(C_JONAS).status, 204)
        self.assertEqual(self.delete(C_ORG).status, 204)
        self.assertEqual(self.delete(C_ORG).status, 404)
        self.assertEqual([e["action"]["result"] for e in self.sim.log() if e["action"]],
                         ["refused", "refused", "ok", "ok", "gone"])
        st = self.sim.state()["items"]
        self.assertTrue(st[C_JONAS]["deleted"] and st[C_ORG]["deleted"])

    def test_delete_refused_when_configured(self):
        # A platform that does not let the organisation moderate: 403.
        self.sim.ctl("POST", "/config", {"org_deletes_on_own_posts": False})
        r = self.delete(C_JONAS)
        self.assertEqual((r.status, r.json["code"]), (403, "ACCESS_DENIED"))
        self.assertEqual(self.delete(C_ORG).status, 204)  # its own comment still

    def test_delete_needs_the_comments_target(self):
        other = self.sim.ctl("POST", "/items", {"kind": "post", "author": "org", "text": "x",
                                                "activity": "urn:li:activity:1"})["ids"][0]
        r = self.sim.request("DELETE", "/rest/socialActions/%s/comments/%s" % (enc(other), C_JONAS),
                             {"actor": ORG}, headers=HDR)
        self.assertEqual(r.status, 404)
        self.assertFalse(self.sim.state()["items"][C_JONAS].get("deleted"))

    def test_no_hide(self):
        r = self.sim.request("POST", "/rest/socialActions/%s/comments/%s/hide" % (enc(POST), C_JONAS),
                             headers=HDR)
        self.assertEqual(r.status, 404)

    def test_write_needs_permission(self):
        h = dict(HDR, Authorization="Bearer li-readonly")
        r = self.sim.request("DELETE", "/rest/socialActions/%s/comments/%s" % (enc(POST), C_ORG),
                             {"actor": ORG}, headers=h)
        self.assertEqual((r.status, r.json["code"]), (403, "ACCESS_DENIED"))


class Tokens(LI):
    def test_tokens(self):
        for tok, code in (("nope", "INVALID_ACCESS_TOKEN"), ("li-expired", "EXPIRED_ACCESS_TOKEN")):
            r = self.comments(headers=dict(HDR, Authorization="Bearer " + tok))
            self.assertEqual((r.status, r.json["code"]), (401, code))
        h = dict(HDR)
        del h["Authorization"]
        self.assertEqual(self.comments(headers=h).status, 401)


class Faults(CommonFaults, LI):
    pass


if __name__ == "__main__":
    unittest.main(verbosity=2)
