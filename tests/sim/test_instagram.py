#!/usr/bin/env python3
"""The Instagram Graph API simulator: recorded shapes, paging, faults,
actions and tokens."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CommonFaults, SimTestCase, fixture  # noqa: E402

USER = "17841406338772941"
MEDIA = "17896622936197745"
C_IK = "17892250648466172"       # has the account's own reply
C_OWN = "17845747489952795"
C_LENA = "17858154961981086"
TOK = "IGQ-token"


class IG(SimTestCase):
    script = "sim_instagram.py"
    scenario = "instagram.json"

    def get(self, path, tok=TOK, timeout=None, **q):
        q["access_token"] = tok
        return self.sim.request("GET", "/v22.0/" + path, q, timeout=timeout)

    def post(self, path, method="POST", tok=TOK, **form):
        form["access_token"] = tok
        return self.sim.request(method, "/v22.0/" + path, body=form,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})

    def probe(self, timeout=None):
        return self.get(MEDIA + "/comments", timeout=timeout)

    def check_token_error(self, r, kind):
        e = r.json["error"]
        want = {"invalid": (190, None), "expired": (190, 463), "permission": (200, None)}[kind]
        self.assertEqual((e["code"], e.get("error_subcode")), want)

    def check_throttle(self, r):
        self.assertEqual(r.json["error"]["code"], 4)
        buc = json.loads(r.header("X-Business-Use-Case-Usage"))[USER][0]
        self.assertEqual(buc["type"], "instagram")


class Fixtures(IG):
    def test_comments_pages(self):
        p1 = fixture("instagram-media-comments-p1.json")
        p2 = fixture("instagram-media-comments-p2.json")
        got1 = self.get(MEDIA + "/comments", limit="2").json
        self.assertEqual(sorted(got1), sorted(p1))
        self.assertEqual(sorted(got1["paging"]), sorted(p1["paging"]))
        self.assertEqual(sorted(got1["paging"]["cursors"]), ["after"])
        self.assertShape(got1["data"][0], p1["data"][0])
        got2 = self.sim.get_url(got1["paging"]["next"]).json
        self.assertEqual(sorted(got2), sorted(p2))  # last page: no paging key at all
        self.assertShape(got2["data"][0], p2["data"][0])

    def test_media_list(self):
        rec = fixture("instagram-media-list.json")
        got = self.get(USER + "/media", limit="1",
                       fields="id,comments_count,like_count,media_type,media_url,permalink,timestamp").json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertEqual(sorted(got["paging"]), sorted(rec["paging"]))
        self.assertShape(got["data"][0], rec["data"][0])

    def test_comment_with_replies(self):
        rec = fixture("instagram-comment-with-replies.json")
        got = self.get(C_IK, fields="id,like_count,media,text,timestamp,user,username,hidden,replies").json
        # finding: user{id} is served only for the account's own comments,
        # as PLATFORMS.md says; the recording (an SDK model) has it on a
        # user's comment.
        rec.pop("user")
        self.assertShape(got, rec)
        own = self.get(C_OWN, fields="user,username").json
        self.assertEqual(own["user"], {"id": USER})

    def test_replies_edge(self):
        rec = fixture("instagram-comment-replies.json")
        got = self.get(C_IK + "/replies").json
        self.assertShape(got, rec)

    def test_missing_user(self):
        rec = fixture("instagram-comment-missing-user.json")
        got = self.get(C_LENA, fields=",".join(rec) + ",user").json
        self.assertShape(got, rec)


class Paging(IG):
    def test_walk_each_once(self):
        for limit in ("1", "2", "3", "50"):
            seen = []
            r = self.get(MEDIA + "/comments", limit=limit).json
            while True:
                seen += [c["id"] for c in r["data"]]
                if "paging" not in r:
                    break
                r = self.sim.get_url(r["paging"]["next"]).json
            tops = [i for i, it in self.sim.state()["items"].items()
                    if it["parent"] == MEDIA]
            self.assertEqual(sorted(seen), sorted(tops))
            self.assertEqual(len(seen), len(set(seen)))


class Actions(IG):
    def test_hide_unhide_delete(self):
        self.assertEqual(self.post(C_LENA, hide="true").json, {"success": True})
        self.assertTrue(self.get(C_LENA, fields="hidden").json["hidden"])
        self.assertEqual(self.post(C_LENA, hide="false").json, {"success": True})
        self.assertEqual(self.post(C_LENA, method="DELETE").json, {"success": True})
        r = self.get(C_LENA)
        self.assertEqual((r.status, r.json["error"]["code"]), (400, 100))
        ops = [(e["action"]["op"], e["action"]["result"]) for e in self.sim.log() if e["action"]]
        self.assertEqual(ops, [("hide", "ok"), ("unhide", "ok"), ("delete", "ok")])

    def test_own_comment_cannot_be_hidden(self):
        r = self.post(C_OWN, hide="true")
        self.assertEqual(r.status, 400)
        self.assertEqual(self.sim.log()[-1]["action"]["result"], "refused")

    def test_reply_lands_on_top_level(self):
        new = self.post(C_OWN + "/replies", message="Tack!").json["id"]
        got = self.get(new, fields="parent_id,username").json
        self.assertEqual(got, {"parent_id": C_IK, "username": "exempelby_kommun"})

    def test_hidden_cannot_be_replied_to(self):
        self.post(C_LENA, hide="true")
        r = self.post(C_LENA + "/replies", message="Hej")
        self.assertEqual(r.status, 400)

    def test_write_needs_permission(self):
        r = self.post(C_LENA, tok="IGQ-readonly", hide="true")
        self.assertEqual((r.status, r.json["error"]["code"]), (403, 200))


class Tokens(IG):
    def test_tokens(self):
        self.assertEqual(self.get(MEDIA + "/comments", tok="nope").json["error"]["code"], 190)
        r = self.get(MEDIA + "/comments", tok="IGQ-expired").json["error"]
        self.assertEqual((r["code"], r["error_subcode"]), (190, 463))
        r = self.sim.request("GET", "/v22.0/%s/comments" % MEDIA, headers={"Authorization": "Bearer " + TOK})
        self.assertEqual(r.status, 200)


class Faults(CommonFaults, IG):
    pass


class Ids(IG):
    def test_multiple_id_read(self):
        r = self.get("", ids=MEDIA + "," + C_IK, fields="id,timestamp")
        self.assertEqual(r.status, 200)
        self.assertEqual(sorted(r.json), sorted([MEDIA, C_IK]))
        self.assertEqual(r.json[C_IK]["id"], C_IK)
        self.sim.ctl("DELETE", "/items/" + C_LENA)
        r = self.get("", ids=MEDIA + "," + C_LENA)
        self.assertEqual((r.status, r.json["error"]["code"]), (404, 803))
        self.assertIn(C_LENA, r.json["error"]["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
