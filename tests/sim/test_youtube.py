#!/usr/bin/env python3
"""The YouTube Data API v3 simulator: recorded shapes, paging, quota,
moderation, faults and tokens."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simtest import CommonFaults, SimTestCase, fixture  # noqa: E402

CH = "UCa-vrCLQHviTOVnEKDOdetQ"
T_MANY = "UgydxWWoeA7F1OdqypJ4AaABAg"   # 6 replies
T_ANSWERED = "UgwSRpgkjCe6OHHe3IJ4AaABAg"
OWNER = {"Authorization": "Bearer ya29-owner"}


class YT(SimTestCase):
    script = "sim_youtube.py"
    scenario = "youtube.json"

    def get(self, what, headers=OWNER, timeout=None, **q):
        return self.sim.request("GET", "/youtube/v3/" + what, q, headers=headers, timeout=timeout)

    def threads(self, **q):
        q.setdefault("part", "snippet,replies")
        q.setdefault("allThreadsRelatedToChannelId", CH)
        return self.get("commentThreads", **q)

    def moderate(self, ids, status, headers=OWNER, **q):
        q.update(id=ids, moderationStatus=status)
        return self.sim.request("POST", "/youtube/v3/comments/setModerationStatus", q, headers=headers)

    def probe(self, timeout=None):
        return self.threads(timeout=timeout)

    def reason(self, r):
        return r.json["error"]["errors"][0]["reason"]

    def check_token_error(self, r, kind):
        want = {"invalid": (401, "authError"), "expired": (401, "authError"),
                "permission": (403, "insufficientPermissions")}[kind]
        self.assertEqual((r.status, self.reason(r)), want)

    def check_throttle(self, r):
        self.assertEqual((r.status, self.reason(r)), (403, "rateLimitExceeded"))


class Fixtures(YT):
    def test_allthreads(self):
        rec = fixture("youtube-commentthreads-allthreads.json")
        got = self.threads(part="snippet", maxResults="20").json
        self.assertEqual(sorted(got), sorted(rec))
        self.assertShape(got["pageInfo"], rec["pageInfo"])
        self.assertShape(got["items"][0], rec["items"][0])
        # channel-level threads have no videoId, as recorded in items[1]
        chan = [t for t in got["items"] if "videoId" not in t["snippet"]]
        self.assertTrue(chan)
        self.assertShape(chan[0], rec["items"][1])

    def test_thread_with_replies(self):
        rec = fixture("youtube-commentthread-with-replies.json")
        got = self.threads(part="snippet,replies", allThreadsRelatedToChannelId=None, videoId="D-lhorsDlUQ",
                           textFormat="html").json["items"][0]
        # finding: the recording (a model fixture, fetched by id) has no
        # snippet.channelId on the thread; a channel-wide listing has it.
        self.assertKeysCover(got, rec)
        self.assertEqual(len(got["replies"]["comments"]), 5)  # a subset of 6
        self.assertEqual(got["snippet"]["totalReplyCount"], 6)

    def test_comments_by_parent(self):
        rec = fixture("youtube-comments-by-parent.json")
        r = self.get("comments", part="snippet", parentId=T_ANSWERED, maxResults="2")
        got = r.json
        self.assertEqual(sorted(got), sorted(rec))  # last page: no nextPageToken
        self.assertEqual(sorted(got["pageInfo"]), ["resultsPerPage"])
        self.assertShape(got["items"][0], rec["items"][0])

    def test_reply_by_owner(self):
        rec = fixture("youtube-comment-reply-by-channel-owner.json")
        r = self.sim.request("POST", "/youtube/v3/comments", {"part": "snippet"}, headers=OWNER,
                             body={"snippet": {"parentId": T_ANSWERED, "textOriginal": "Tack!"}})
        self.assertEqual(r.status, 200)
        self.assertShape(r.json, rec)
        self.assertEqual(r.json["snippet"]["authorChannelId"]["value"], CH)

    def test_errors(self):
        for name, resp in (("youtube-error-keyinvalid.json",
                            self.get("commentThreads", headers={}, part="snippet",
                                     allThreadsRelatedToChannelId=CH, key="bad")),
                           ("youtube-error-permission-denied.json",
                            self.moderate(T_MANY, "heldForReview",
                                          headers={"Authorization": "Bearer ya29-readonly"}))):
            rec = fixture(name)
            self.assertEqual(sorted(resp.json["error"]) if "status" in rec["error"] else
                             sorted(k for k in resp.json["error"] if k != "status"), sorted(rec["error"]), name)
            self.assertKeysCover(resp.json["error"]["errors"][0], rec["error"]["errors"][0])

    def test_html_text_display(self):
        got = self.threads(part="snippet", allThreadsRelatedToChannelId=None, videoId="D-lhorsDlUQ")
        self.assertIn("\\u003cb\\u003e", got.body.decode())
        c = got.json["items"][0]["snippet"]["topLevelComment"]["snippet"]
        self.assertEqual(c["textOriginal"], 'Varför är <b>skolan</b> stängd? Det är "konstigt" & dumt')
        self.assertIn("&lt;b&gt;", c["textDisplay"])
        self.assertIn("&quot;", c["textDisplay"])
        plain = self.threads(part="snippet", allThreadsRelatedToChannelId=None, videoId="D-lhorsDlUQ",
                             textFormat="plainText").json["items"][0]
        self.assertEqual(plain["snippet"]["topLevelComment"]["snippet"]["textDisplay"], c["textOriginal"])


class Paging(YT):
    def test_threads_walk_each_once(self):
        tops = [i for i, it in self.sim.state()["items"].items()
                if it["parent"] is None and it.get("moderation", "published") == "published"]
        for mx in ("1", "2", "3", "100"):
            for order in ("time", "relevance"):
                seen, tok = [], None
                while True:
                    q = {"maxResults": mx, "order": order}
                    if tok:
                        q["pageToken"] = tok
                    body = self.threads(**q).json
                    seen += [t["id"] for t in body["items"]]
                    tok = body.get("nextPageToken")
                    if not tok:
                        break
                self.assertEqual(sorted(seen), sorted(tops), (mx, order))
                self.assertEqual(len(seen), len(set(seen)))

    def test_replies_walk(self):
        seen, tok = [], None
        while True:
            q = {"part": "snippet", "parentId": T_MANY, "maxResults": "4"}
            if tok:
                q["pageToken"] = tok
            body = self.get("comments", **q).json
            seen += [c["id"] for c in body["items"]]
            tok = body.get("nextPageToken")
            if not tok:
                break
        self.assertEqual(seen, ["%s.r%d" % (T_MANY, i) for i in range(1, 7)])

    def test_new_reply_ids_are_unique(self):
        ids = self.sim.ctl("POST", "/items", {"items": [
            {"parent": T_MANY, "author": "dian", "text": "r%d" % i} for i in range(300)]})["ids"]
        self.assertEqual(300, len(set(ids)))
        self.assertTrue(all(i.startswith(T_MANY + ".") and len(i.split(".")[1]) == 22
                            for i in ids), ids[:3])

    def test_exactly_one_filter(self):
        r = self.get("commentThreads", part="snippet")
        self.assertEqual((r.status, self.reason(r)), (400, "missingRequiredParameter"))
        r = self.threads(videoId="D-lhorsDlUQ")
        self.assertEqual(r.status, 400)

    def test_comments_disabled(self):
        r = self.threads(allThreadsRelatedToChannelId=None, videoId="closedVid001")
        self.assertEqual((r.status, self.reason(r)), (403, "commentsDisabled"))


class Moderation(YT):
    def test_hold_and_publish(self):
        r = self.moderate(T_ANSWERED, "heldForReview")
        self.assertEqual((r.status, r.body), (204, b""))
        ids = [t["id"] for t in self.threads().json["items"]]
        self.assertNotIn(T_ANSWERED, ids)
        held = [t["id"] for t in self.threads(moderationStatus="heldForReview").json["items"]]
        self.assertIn(T_ANSWERED, held)
        self.assertEqual(self.moderate(T_ANSWERED, "published").status, 204)
        self.assertIn(T_ANSWERED, [t["id"] for t in self.threads().json["items"]])

    def test_reject_is_final_and_hides_replies(self):
        self.assertEqual(self.moderate(T_MANY, "rejected", banAuthor="true").status, 204)
        self.assertNotIn(T_MANY, [t["id"] for t in self.threads().json["items"]])
        r = self.get("comments", part="snippet", parentId=T_MANY)
        self.assertEqual(r.json["items"], [])
        r = self.moderate(T_MANY, "published")
        self.assertEqual((r.status, self.reason(r)), (400, "operationNotSupported"))
        acts = [e["action"]["result"] for e in self.sim.log() if e["action"]]
        self.assertEqual(acts, ["ok", "refused"])

    def test_ban_without_reject(self):
        r = self.moderate(T_MANY, "heldForReview", banAuthor="true")
        self.assertEqual((r.status, self.reason(r)), (400, "banWithoutReject"))

    def test_only_author_deletes(self):
        r = self.sim.request("DELETE", "/youtube/v3/comments", {"id": T_MANY}, headers=OWNER)
        self.assertEqual((r.status, self.reason(r)), (403, "forbidden"))
        own = T_ANSWERED + ".91zT3cYb5B291za3E-eR-l"
        r = self.sim.request("DELETE", "/youtube/v3/comments", {"id": own}, headers=OWNER)
        self.assertEqual(r.status, 204)
        r = self.moderate(own, "heldForReview")
        self.assertEqual((r.status, self.reason(r)), (404, "commentNotFound"))

    def test_quota(self):
        self.sim.ctl("POST", "/config", {"quota_limit": 102, "quota_used": 0})
        self.assertEqual(self.moderate(T_MANY, "heldForReview").status, 204)
        self.assertEqual(self.moderate(T_MANY, "published").status, 204)
        self.assertEqual(self.threads().status, 200)
        self.assertEqual(self.threads().status, 200)
        r = self.threads()
        self.assertEqual((r.status, self.reason(r)), (403, "quotaExceeded"))
        self.assertEqual(r.json["error"]["errors"][0]["domain"], "youtube.quota")
        self.assertEqual(self.sim.state()["config"]["quota_used"], 102)


class Tokens(YT):
    def test_tokens(self):
        for h in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer ya29-expired"}):
            r = self.threads(headers=h)
            self.assertEqual((r.status, self.reason(r)), (401, "authError"))
        r = self.sim.request("GET", "/youtube/v3/commentThreads",
                             {"part": "snippet", "allThreadsRelatedToChannelId": CH, "access_token": "ya29-owner"})
        self.assertEqual(r.status, 200)
        r = self.get("commentThreads", headers={}, part="snippet", allThreadsRelatedToChannelId=CH,
                     key="AIza-sim-key")
        self.assertEqual(r.status, 200)


class Faults(CommonFaults, YT):
    def test_backend_error_shape(self):
        self.sim.fault(mode="503")
        r = self.probe()
        self.assertEqual((r.status, self.reason(r)), (503, "backendError"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
