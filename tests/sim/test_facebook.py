#!/usr/bin/env python3
"""The Facebook Pages (Graph API) simulator serves the recorded shapes,
pages, faults, actions and token errors as the real API does."""
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import SimTestCase, fixture, shape  # noqa: E402

PAGE = "104857600123456"
POST = PAGE + "_10158407654328553"
TOK = "EAAB-page-token"
C_ANNA = "10158407654328553_10158407835073553"   # top-level, has a Page reply
C_PAGE_REPLY = "10158407654328553_10158409984103553"
C_KUN = "10158407654328553_10158407903973553"
C_HIDDEN = "10158407654328553_10158408729028553"


class FB(SimTestCase):
    script = "sim_facebook.py"
    scenario = "facebook.json"

    def get(self, path, tok=TOK, version="v22.0", **q):
        if tok is not None:
            q["access_token"] = tok
        return self.sim.request("GET", "/%s/%s" % (version, path) if version else "/" + path, q)

    def err(self, r):
        return r.json["error"]


class Fixtures(FB):
    def test_comments_stream_first_page(self):
        rec = fixture("facebook-comments-stream-p1.json")
        r = self.get(POST + "/comments", fields="comment_count,created_time,like_count,message,permalink_url",
                     summary="1", filter="stream", limit="3")
        self.assertEqual(r.status, 200)
        got = r.json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertEqual(sorted(got["paging"]), sorted(rec["paging"]))
        self.assertShape(got["paging"]["cursors"], rec["paging"]["cursors"])
        self.assertShape(got["summary"], rec["summary"])
        self.assertEqual(got["summary"]["order"], rec["summary"]["order"])
        self.assertShape(got["data"][0], rec["data"][0])
        # replies come in the same flat list, recognisable by reply_comment_id
        self.assertTrue(any("reply_comment_id=" in c["permalink_url"] for c in got["data"]))

    def test_comments_stream_last_page(self):
        rec = fixture("facebook-comments-stream-p2.json")
        first = self.get(POST + "/comments", fields="comment_count,created_time,like_count,message,permalink_url",
                         summary="1", filter="stream", limit="5").json
        got = self.sim.get_url(first["paging"]["next"]).json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertEqual(sorted(got["paging"]), sorted(rec["paging"]))  # previous, no next
        self.assertShape(got["data"][0], rec["data"][0])

    def test_full_fields_comment(self):
        rec = fixture("facebook-comment-full-fields.json")
        keys = [k for k in rec if k != "attachment"]  # the scenario's comments carry no photo
        got = self.get(C_KUN, fields=",".join(keys)).json
        rec.pop("attachment")
        self.assertShape(got, rec)

    def test_page_own_comment_cannot_hide(self):
        rec = fixture("facebook-comment-page-own-cannot-hide.json")
        rec.pop("likes")  # finding: the nested likes edge is not simulated
        got = self.get(C_PAGE_REPLY, fields=",".join(rec)).json
        self.assertKeysCover(got, rec)
        self.assertIs(got["can_hide"], False)
        self.assertIs(got["can_remove"], True)
        self.assertIn("category", got["from"])

    def test_hidden_comment_without_can_hide(self):
        rec = fixture("facebook-comment-hidden-no-canhide.json")
        got = self.get(C_HIDDEN, fields=",".join(list(rec) + ["can_hide"])).json
        self.assertNotIn("can_hide", got)
        self.assertTrue(got["is_hidden"])
        self.assertEqual(sorted(got), sorted(k for k in rec))
        self.assertShape(got["from"], {"name": "x", "id": "1"})  # a user: no category

    def test_page_author_comment_from_shape(self):
        rec = fixture("facebook-comment-page-author-canhide.json")
        got = self.get(C_PAGE_REPLY, fields="id,from").json
        self.assertShape(got["from"], rec["from"])

    def test_create_response(self):
        rec = fixture("facebook-comment-create-response.json")
        r = self.sim.request("POST", "/v22.0/%s/comments" % C_ANNA,
                             body={"message": "Tack för frågan!", "access_token": TOK,
                                   "fields": ",".join(rec)},
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200)
        self.assertShape(r.json, rec)
        plain = self.sim.request("POST", "/v22.0/%s/comments" % C_ANNA,
                                 body={"message": "Hej", "access_token": TOK},
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}).json
        self.assertEqual(list(plain), ["id"])

    def test_feed_time_paging(self):
        rec = fixture("facebook-page-feed-timepaging.json")
        got = self.get(PAGE + "/posts", fields="id,message,created_time", limit="2").json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertEqual(sorted(got["paging"]), sorted(rec["paging"]))
        self.assertNotIn("cursors", got["paging"])
        self.assertShape(got["data"][0], rec["data"][0])
        for link in ("next", "previous"):
            self.assertIn("__paging_token=", got["paging"][link])
        self.assertRegex(got["paging"]["next"], r"&since&")  # an empty key, as recorded
        self.assertRegex(got["paging"]["previous"], r"&until&")

    def test_embedded_comments_ranked(self):
        rec = fixture("facebook-post-comments-ranked.json")
        got = self.get(POST, fields="comments.summary(true){created_time,from,message,id},id").json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertShape(got["comments"]["summary"], rec["comments"]["summary"])
        self.assertEqual(got["comments"]["summary"]["order"], "ranked")
        self.assertShape(got["comments"]["data"][0], rec["comments"]["data"][0])
        self.assertEqual(sorted(got["comments"]["paging"]), sorted(rec["comments"]["paging"]))

    def test_error_190_460(self):
        rec = fixture("facebook-error-oauth-190-460.json")
        self.sim.ctl("POST", "/config", {})
        self.sim.fault(mode="token", kind="password_changed")
        e = self.get(POST).json
        got, want = e["error"], rec["error"]
        self.assertEqual((got["code"], got["error_subcode"]), (190, 460))
        for k in ("message", "type", "code", "error_subcode", "fbtrace_id"):
            self.assertIn(k, got)
            self.assertEqual(type(got[k]), type(want[k]))

    def test_error_100_permission(self):
        rec = fixture("facebook-error-100-permission.json")
        got = self.get(POST + "/comments", tok="EAAB-noread-token").json
        self.assertShape(got, rec)
        self.assertShape(got, fixture("facebook-error-100-ppca.json"))  # the same object, other text
        self.assertEqual(got["error"]["code"], 100)
        self.assertIn("pages_read_engagement", got["error"]["message"])

    def test_batch(self):
        rec = fixture("facebook-batch-error-with-headers.json")
        r = self.sim.request("POST", "/v22.0/", body={
            "access_token": TOK,
            "batch": json.dumps([{"method": "GET", "relative_url": "2"},
                                 {"method": "GET", "relative_url": PAGE}])},
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        got = r.json
        self.assertEqual([g["code"] for g in got], [400, 200])
        for g, w in zip(got, rec):
            self.assertEqual(sorted(g), sorted(w))
            self.assertShape(g["headers"][0], w["headers"][0])
            names = {h["name"].lower() for h in g["headers"]}
            self.assertIn("x-app-usage", names)
            self.assertIn("facebook-api-version", names)
        body = json.loads(got[0]["body"])
        self.assertEqual(body["error"]["code"], 100)
        self.assertEqual(body["error"]["type"], json.loads(rec[0]["body"])["error"]["type"])
        self.assertIn("\\/", got[0]["body"])  # PHP-style escapes inside the string too

    def test_business_use_case_header(self):
        rec = fixture("facebook-header-business-use-case-usage.json")
        r = self.get(POST)
        buc = json.loads(r.header("X-Business-Use-Case-Usage"))
        self.assertEqual(list(buc), [PAGE])
        self.assertKeysCover(buc[PAGE][0], rec["{business-id}"][0])
        self.assertEqual(buc[PAGE][0]["type"], "pages")
        self.assertEqual(sorted(json.loads(r.header("X-App-Usage"))),
                         ["call_count", "total_cputime", "total_time"])

    def test_ratings(self):
        rec = fixture("facebook-rating-recommendation-norating.json")
        old = self.get(PAGE + "/ratings", version="v21.0").json
        got = old["data"][0]
        self.assertKeysCover(got, rec)
        self.assertKeysCover(old["data"][1], fixture("facebook-rating-recommendation.json"))
        new = self.get(PAGE + "/ratings", version="v22.0")
        self.assertEqual(new.status, 400)
        self.assertEqual(self.err(new)["code"], 12)


class Escapes(FB):
    def test_php_escapes(self):
        r = self.get(C_KUN, fields="message,permalink_url")
        raw = r.body.decode("ascii")  # all non-ASCII escaped
        self.assertIn("\\/", raw)
        self.assertIn("\\ud83c\\uddf8", raw.lower())  # a flag: surrogate pairs
        self.assertNotIn('":"https://', raw)
        self.assertIn("🇸🇪", r.json["message"])

    def test_graph_time_format(self):
        got = self.get(C_KUN, fields="created_time").json
        self.assertRegex(got["created_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")


class Paging(FB):
    def walk(self, first, path=None):
        seen = []
        r = first
        pages = 0
        while True:
            self.assertEqual(r.status, 200, r.body)
            body = r.json
            seen += [d["id"] for d in body["data"]]
            pages += 1
            nxt = body.get("paging", {}).get("next")
            if not nxt:
                return seen, pages
            r = self.sim.get_url(nxt)

    def all_comments(self, post, stream=True):
        st = self.sim.state()
        out = []

        def under(iid):
            for it in st["items"].values():
                if it["parent"] == iid and not it["deleted"] and it["kind"] == "comment":
                    out.append(it["id"])
                    if stream:
                        under(it["id"])
        under(post)
        return out

    def test_stream_walk_each_once(self):
        for order in ("chronological", "reverse_chronological"):
            for limit in ("1", "2", "3", "100"):
                seen, _ = self.walk(self.get(POST + "/comments", filter="stream", order=order,
                                             limit=limit, fields="id"))
                self.assertEqual(len(seen), len(set(seen)))
                self.assertEqual(sorted(seen), sorted(self.all_comments(POST)), (order, limit))

    def test_toplevel_walk(self):
        seen, _ = self.walk(self.get(POST + "/comments", limit="2", fields="id"))
        self.assertEqual(sorted(seen), sorted(self.all_comments(POST, stream=False)))
        replies, _ = self.walk(self.get(C_ANNA + "/comments", fields="id"))
        self.assertEqual(replies, [C_PAGE_REPLY])

    def test_feed_walk_each_once(self):
        seen, pages = self.walk(self.get(PAGE + "/feed", limit="1", fields="id"))
        posts = [i for i, it in self.sim.state()["items"].items() if it["kind"] == "post"]
        self.assertEqual(sorted(seen), sorted(posts))
        self.assertEqual(pages, len(posts))
        own, _ = self.walk(self.get(PAGE + "/posts", limit="2", fields="id"))
        self.assertEqual(len(own), len(posts) - 1)  # the visitor post is only in /feed

    def test_visitor_post_added_without_account_is_on_the_feed(self):
        # /_sim/items with a post that names no page: the first page's, so
        # in its /feed (not in /posts: a visitor wrote it).
        iid = self.sim.ctl("POST", "/items", {"kind": "post", "author": "u-kun",
                                              "text": "Besökarinlägg"})["ids"][0]
        self.assertTrue(iid.startswith(PAGE + "_"), iid)
        seen, _ = self.walk(self.get(PAGE + "/feed", limit="2", fields="id,message"))
        self.assertIn(iid, seen)
        own, _ = self.walk(self.get(PAGE + "/posts", limit="2", fields="id"))
        self.assertNotIn(iid, own)

    def test_bad_parameters_are_graph_errors(self):
        for q in ({"limit": "x"}, {"until": "soon"}):
            r = self.get(PAGE + "/feed", **q)
            self.assertEqual((r.status, self.err(r)["code"]), (400, 100))
        r = self.get(POST + "/comments", after="not-a-cursor")
        self.assertEqual((r.status, self.err(r)["code"]), (400, 100))

    def test_empty_page_has_no_paging(self):
        r = self.get(PAGE + "_10158407654330002/comments", fields="id").json
        self.assertEqual(r, {"data": []})

    def test_item_appears_and_disappears_between_pages(self):
        # Before page 2 is served, a new comment arrives and one not yet seen
        # is deleted; chronological paging then shows the new one at the end.
        self.sim.ctl("POST", "/triggers", {"path": "/comments$", "at": 2, "ops": [
            {"op": "add", "item": {"id": "10158407654328553_99", "kind": "comment", "parent": POST,
                                   "author": "u-kun", "text": "ny", "created": "2026-12-03T00:00:00Z"}},
            {"op": "delete", "id": "10158407654328553_10158408043788554"}]})
        seen, _ = self.walk(self.get(POST + "/comments", filter="stream", order="chronological",
                                     limit="2", fields="id"))
        self.assertIn("10158407654328553_99", seen)
        self.assertNotIn("10158407654328553_10158408043788554", seen)
        self.assertEqual(len(seen), len(set(seen)))
        gone = self.get("10158407654328553_10158408043788554")
        self.assertEqual((gone.status, self.err(gone)["code"]), (400, 100))

    def test_ids_batching(self):
        r = self.sim.request("GET", "/v22.0/comments", {"ids": "%s,%s" % (C_ANNA, C_KUN),
                                                        "access_token": TOK, "fields": "id,from"})
        self.assertEqual(sorted(r.json), sorted([C_ANNA, C_KUN]))
        self.assertIn("data", r.json[C_ANNA])
        r = self.sim.request("GET", "/v22.0/", {"ids": "%s,nope" % C_ANNA, "access_token": TOK})
        self.assertEqual(self.err(r)["code"], 803)

    def test_field_expansion_nested(self):
        got = self.get(PAGE + "/posts", fields="id,comments.filter(stream).order(reverse_chronological)"
                       ".limit(50).summary(true){id,from,parent{id},is_hidden,can_hide}").json
        post = [p for p in got["data"] if p["id"] == POST][0]
        reply = [c for c in post["comments"]["data"] if c["id"] == C_PAGE_REPLY][0]
        self.assertEqual(reply["parent"], {"id": C_ANNA})
        self.assertEqual(reply["from"]["id"], PAGE)
        top = [c for c in post["comments"]["data"] if c["id"] == C_ANNA][0]
        self.assertNotIn("parent", top)
        self.assertEqual(post["comments"]["summary"]["order"], "reverse_chronological")


class FromField(FB):
    def test_user_token_hides_users_but_not_page(self):
        got = self.get(POST + "/comments", tok="EAAB-user-token", filter="stream", fields="id,from").json
        by = {c["id"]: c for c in got["data"]}
        self.assertNotIn("from", by[C_ANNA])
        self.assertEqual(by[C_PAGE_REPLY]["from"]["id"], PAGE)
        full = self.get(POST + "/comments", filter="stream", fields="id,from").json
        self.assertTrue(all("from" in c for c in full["data"]))


class Faults(FB):
    def test_server_errors(self):
        self.sim.fault(mode="500")
        r = self.get(POST)
        self.assertEqual((r.status, self.err(r)["code"]), (500, 2))
        self.assertTrue(self.err(r)["is_transient"])
        for st in ("502", "503"):
            self.sim.fault(mode=st)
            self.assertEqual(self.get(POST).status, int(st))
        self.assertEqual(self.get(POST).status, 200)  # count 1 each

    def test_429_retry_after(self):
        self.sim.fault(mode="429", retry_after=17, count=2)
        for _ in range(2):
            r = self.get(POST)
            self.assertEqual((r.status, r.header("Retry-After")), (429, "17"))
        self.assertEqual(self.get(POST).status, 200)

    def test_throttle_codes(self):
        for code in (4, 17, 32, 613, 80001):
            for status in (400, 403):
                self.sim.fault(mode="throttle", code=code, status=status, regain_minutes=7)
                r = self.get(POST)
                self.assertEqual((r.status, self.err(r)["code"]), (status, code))
                self.assertIn("fbtrace_id", self.err(r))
                self.assertEqual(json.loads(r.header("X-App-Usage"))["call_count"], 100)
                buc = json.loads(r.header("X-Business-Use-Case-Usage"))[PAGE][0]
                self.assertEqual(buc["estimated_time_to_regain_access"], 7)

    def test_usage_levels(self):
        for pct in (80, 95, 100):
            self.sim.ctl("POST", "/config", {"usage": pct})
            r = self.get(POST)
            self.assertEqual(json.loads(r.header("X-App-Usage"))["call_count"], pct)

    def test_token_faults(self):
        self.sim.fault(mode="token", kind="expired")
        self.assertEqual(self.err(self.get(POST)).get("error_subcode"), 463)
        self.sim.fault(mode="token", kind="invalid")
        self.assertEqual(self.err(self.get(POST))["code"], 190)
        self.sim.fault(mode="token", kind="permission")
        r = self.get(POST)
        self.assertEqual((r.status, self.err(r)["code"]), (403, 200))

    def test_fault_by_path_and_skip(self):
        self.sim.fault(mode="500", path="/comments$", skip=1)
        self.assertEqual(self.get(POST).status, 200)  # other path
        self.assertEqual(self.get(POST + "/comments").status, 200)  # skipped
        self.assertEqual(self.get(POST + "/comments").status, 500)
        self.assertEqual(self.get(POST + "/comments").status, 200)

    def test_timeout_holds_connection(self):
        self.sim.fault(mode="timeout", hold_s=60)
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.sim.request("GET", "/v22.0/%s?access_token=%s" % (POST, TOK), timeout=0.5)
        self.assertEqual(self.sim.log()[-1]["fault"], "timeout")
        self.assertEqual(self.get(POST).status, 200)

    def test_truncated(self):
        self.sim.fault(mode="truncate")
        import http.client
        with self.assertRaises(http.client.IncompleteRead):
            self.get(POST)

    def test_malformed(self):
        self.sim.fault(mode="malformed")
        r = self.get(POST)
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            r.json

    def test_slow(self):
        self.sim.fault(mode="slow", delay_ms=300)
        t = time.monotonic()
        self.assertEqual(self.get(POST).status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)


class Actions(FB):
    def post(self, path, tok=TOK, method="POST", **form):
        form["access_token"] = tok
        return self.sim.request(method, "/v22.0/" + path, body=form,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})

    def test_hide_unhide(self):
        r = self.post(C_KUN, is_hidden="true")
        self.assertEqual(r.json, {"success": True})
        got = self.get(C_KUN, fields="is_hidden,can_hide").json
        self.assertEqual(got, {"is_hidden": True})
        self.assertEqual(self.post(C_KUN, is_hidden="false").json, {"success": True})
        self.assertEqual(self.get(C_KUN, fields="is_hidden").json, {"is_hidden": False})
        acts = [e["action"] for e in self.sim.log() if e["action"]]
        self.assertEqual([(a["op"], a["result"]) for a in acts], [("hide", "ok"), ("unhide", "ok")])

    def test_page_cannot_hide_own(self):
        r = self.post(C_PAGE_REPLY, is_hidden="true")
        self.assertEqual(r.status, 400)
        self.assertEqual(self.err(r)["code"], 100)
        self.assertEqual(self.sim.log()[-1]["action"]["result"], "refused")

    def test_delete_then_gone(self):
        self.assertEqual(self.post(C_KUN, method="DELETE").json, {"success": True})
        for r in (self.get(C_KUN), self.post(C_KUN, is_hidden="true"), self.post(C_KUN, method="DELETE")):
            self.assertEqual((r.status, self.err(r)["code"], self.err(r)["error_subcode"]), (400, 100, 33))
        ids = [c["id"] for c in self.get(POST + "/comments", filter="stream", fields="id").json["data"]]
        self.assertNotIn(C_KUN, ids)
        self.assertNotIn("10158407654328553_10158409984053553", ids)  # its reply went with it

    def test_write_needs_permission(self):
        r = self.post(C_KUN, tok="EAAB-readonly-token", is_hidden="true")
        self.assertEqual((r.status, self.err(r)["code"]), (403, 200))
        self.assertFalse(self.sim.state()["items"][C_KUN]["hidden"])

    def test_reply_is_one_level_deep_and_from_page(self):
        r = self.post(C_PAGE_REPLY + "/comments", message="Svar på svar")
        new = r.json["id"]
        got = self.get(new, fields="from,parent{id}").json
        self.assertEqual(got["parent"]["id"], C_ANNA)
        self.assertEqual(got["from"]["id"], PAGE)
        self.assertEqual(self.sim.log()[-2]["action"]["created"], new)

    def test_platform_side_edit_delete_hide(self):
        self.sim.ctl("POST", "/items/" + C_KUN, {"text": "redigerad"})
        self.assertEqual(self.get(C_KUN, fields="message").json["message"], "redigerad")
        self.sim.ctl("POST", "/items/" + C_KUN, {"hidden": True})
        self.assertTrue(self.get(C_KUN, fields="is_hidden").json["is_hidden"])
        self.sim.ctl("DELETE", "/items/" + C_KUN)
        self.assertEqual(self.get(C_KUN).status, 400)


class Tokens(FB):
    def test_missing(self):
        r = self.get(POST, tok=None)
        self.assertEqual((r.status, self.err(r)["code"]), (400, 104))

    def test_invalid(self):
        r = self.get(POST, tok="EAAB-wrong")
        self.assertEqual((r.status, self.err(r)["code"], self.err(r)["type"]), (400, 190, "OAuthException"))

    def test_expired(self):
        r = self.get(POST, tok="EAAB-expired-token")
        self.assertEqual((self.err(r)["code"], self.err(r)["error_subcode"]), (190, 463))

    def test_bearer_header(self):
        r = self.sim.request("GET", "/v22.0/" + POST, headers={"Authorization": "Bearer " + TOK})
        self.assertEqual(r.status, 200)
        r = self.sim.request("GET", "/v22.0/" + POST, headers={"Authorization": "Bearer nope"})
        self.assertEqual(self.err(r)["code"], 190)

    def test_log_counts_requests(self):
        self.get(POST)
        self.get(POST, tok="nope")
        log = self.sim.log()
        self.assertEqual([(e["method"], e["status"]) for e in log], [("GET", 200), ("GET", 400)])
        self.assertEqual(log[0]["query"]["access_token"], [TOK])


if __name__ == "__main__":
    unittest.main(verbosity=2)
