#!/usr/bin/env python3
"""YouTube Data API v3 simulator for vakt's tests.

Follows ../shared/PLATFORMS.md §3 and the recordings
../shared/data/platform-fixtures/youtube-*.json:

* GET /youtube/v3/commentThreads with exactly one of
  allThreadsRelatedToChannelId, videoId, id; part=snippet[,replies];
  maxResults (1-100, default 20), pageToken/nextPageToken (absent on the
  last page), order=time|relevance, textFormat=html|plainText,
  moderationStatus=published|heldForReview|likelySpam; channel-level
  threads have no videoId; `replies` holds only a subset (at most 5);
* GET /youtube/v3/comments?parentId= (and ?id=), paged the same way;
* POST /youtube/v3/comments/setModerationStatus?id=..&moderationStatus=
  heldForReview|published|rejected[&banAuthor=true] answers 204 with an
  empty body; `rejected` also hides the replies and cannot be undone;
  banAuthor without rejected is `banWithoutReject`;
* POST /youtube/v3/comments?part=snippet (reply), DELETE
  /youtube/v3/comments?id= (the author only: the channel's own comments);
* quota units per Pacific day (list 1, moderation/insert/delete 50); over
  the limit: 403 quotaExceeded; commentsDisabled on a video;
* the error shape {"error":{code,message,errors[{message,domain,reason}],
  status}}; textDisplay is HTML and `<`/`>` travel as \\u003c/\\u003e.

Items: kind "comment"; a thread's top-level comment has parent null and
`video` (optional), a reply has parent = thread id and an id
"<threadId>.<suffix>".  `moderation` is published (default),
heldForReview, likelySpam or rejected.  Authors: {id: channel id, name}.
"""
import datetime
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from simbase import Refused, Response  # noqa: E402

try:
    from zoneinfo import ZoneInfo
    PACIFIC = ZoneInfo("America/Los_Angeles")
except Exception:  # noqa: BLE001 - no tz database: a fixed offset is close enough
    PACIFIC = datetime.timezone(datetime.timedelta(hours=-8))

QUOTA_LINK = '<a href="/youtube/v3/getting-started#quota">quota</a>'


class YouTubeSim(simbase.Sim):
    platform = "youtube"

    def setup_routes(self):
        self.route("GET", r"/youtube/v3/commentThreads", self.threads)
        self.route("GET", r"/youtube/v3/comments", self.comments)
        self.route("POST", r"/youtube/v3/comments/setModerationStatus", self.moderate)
        self.route("POST", r"/youtube/v3/comments", self.insert)
        self.route("DELETE", r"/youtube/v3/comments", self.delete)

    def json(self, status, obj, headers=None):
        body = simbase.dumps(obj).replace("<", "\\u003c").replace(">", "\\u003e")
        return Response(status, body, headers)

    def new_id(self, it):
        self.seq += 1
        # 22 characters, as the real ones ("91zT3cYb5B291za3E-eR-l"); the
        # whole encoding, so that no two sequence numbers share a suffix.
        suffix = simbase.b64("reply%011d" % self.seq)
        if it.get("parent"):
            return "%s.%s" % (it["parent"], suffix)
        return "Ugy" + simbase.b64("thread%06d" % self.seq)[:19] + "AaABAg"

    def channel(self):
        return self.state["accounts"][0]["id"]

    # ---- errors -------------------------------------------------------

    def gerr(self, code, message, reason, domain="youtube.commentThread", status=None, **kw):
        e = {"message": message, "domain": domain, "reason": reason}
        e.update(kw)
        err = {"code": code, "message": message, "errors": [e]}
        if status:
            err["status"] = status
        return self.json(code, {"error": err})

    def error_token(self, req, kind):
        if kind == "permission":
            return self.gerr(403, "Request had insufficient authentication scopes.",
                             "insufficientPermissions", domain="global", status="PERMISSION_DENIED")
        return self.gerr(401, "Request had invalid authentication credentials. Expected OAuth 2 access "
                         "token, login cookie or other valid authentication credential.",
                         "authError", domain="global", status="UNAUTHENTICATED",
                         location="Authorization", locationType="header")

    def error_throttle(self, req, fault):
        reason = fault.get("reason", "rateLimitExceeded")
        if reason == "quotaExceeded":
            return self.quota_error()
        return self.gerr(int(fault.get("status", 403)), "The request cannot be completed because you "
                         "have exceeded your rate limit.", reason, domain="youtube.quota")

    def quota_error(self):
        return self.gerr(403, "The request cannot be completed because you have exceeded your %s."
                         % QUOTA_LINK, "quotaExceeded", domain="youtube.quota")

    def error_429(self, req, fault):
        return self.gerr(429, "Resource has been exhausted (e.g. check quota).", "rateLimitExceeded",
                         domain="global", status="RESOURCE_EXHAUSTED")

    def error_server(self, req, status):
        return self.gerr(status, "Backend Error", "backendError", domain="global",
                         status="UNAVAILABLE" if status == 503 else "INTERNAL")

    def not_found(self, req):
        return self.gerr(404, "Not Found", "notFound", domain="global", status="NOT_FOUND")

    def method_not_allowed(self, req):
        return self.gerr(405, "Method Not Allowed", "httpMethodNotAllowed", domain="global")

    # ---- token and quota ------------------------------------------------

    def check_token(self, req):
        tok = req.bearer() or req.arg("access_token")
        info = self.token_info(tok)
        if info is None or info.get("expired"):
            if not tok and req.arg("key"):
                if req.arg("key") not in self.state["config"].get("api_keys", []):
                    return self.gerr(400, "Bad Request", "keyInvalid", domain="usageLimits")
                req.tok = {"scopes": []}
                return None
            return self.error_token(req, "invalid")
        req.tok = info
        return None

    def charge(self, units):
        day = datetime.datetime.now(PACIFIC).date().isoformat()
        q = self.state["config"]
        if q.get("quota_day") is None:
            q["quota_day"] = day
        elif q["quota_day"] != day:
            q["quota_day"], q["quota_used"] = day, 0
        if q.get("quota_used", 0) + units > q.get("quota_limit", 10000):
            raise Refused(self.quota_error())
        q["quota_used"] = q.get("quota_used", 0) + units

    def owner(self, req):
        if "https://www.googleapis.com/auth/youtube.force-ssl" not in req.tok.get("scopes", []):
            raise Refused(self.error_token(req, "permission"))

    # ---- rendering ----------------------------------------------------

    def text_display(self, text, fmt):
        if fmt == "plainText":
            return text
        s = html.escape(text, quote=True).replace("&#x27;", "&#39;").replace("\n", "<br>")
        return re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', s)

    def comment(self, req, it, fmt):
        au = self.author(it.get("author")) or {}
        sn = {
            "authorDisplayName": au.get("name", ""),
            "authorProfileImageUrl": "https://yt3.ggpht.com/sim/%s=s48-c-k-c0x00ffffff-no-rj" % au.get("id"),
            "authorChannelUrl": "http://www.youtube.com/channel/%s" % au.get("id"),
            "authorChannelId": {"value": au.get("id")},
        }
        if it.get("parent") is None:
            sn["channelId"] = self.channel()
        if it.get("video"):
            sn["videoId"] = it["video"]
        sn["textDisplay"] = self.text_display(it["text"], fmt)
        sn["textOriginal"] = it["text"]
        if it.get("parent"):
            sn["parentId"] = it["parent"]
        sn.update({"canRate": True, "viewerRating": "none", "likeCount": int(it.get("likes", 0))})
        if it.get("moderation", "published") != "published":
            sn["moderationStatus"] = it["moderation"]
        sn["publishedAt"] = simbase.fmt_iso_s(it["created"])
        sn["updatedAt"] = simbase.fmt_iso_s(it["updated"])
        return {"kind": "youtube#comment", "etag": simbase.b64("e%s%d" % (it["id"], it["edits"]))[:27],
                "id": it["id"], "snippet": sn}

    def visible(self, it, status="published"):
        return it.get("moderation", "published") == status

    def replies_of(self, top, status="published"):
        return sorted(self.items(lambda c: c["parent"] == top["id"] and self.visible(c, status), parent=top["id"]),
                      key=lambda c: (c["created"], c["id"]))

    def thread(self, req, top, parts, fmt):
        reps = self.replies_of(top)
        sn = {"channelId": self.channel()}
        if top.get("video"):
            sn["videoId"] = top["video"]
        sn.update({"topLevelComment": self.comment(req, top, fmt), "canReply": True,
                   "totalReplyCount": len(reps), "isPublic": True})
        out = {"kind": "youtube#commentThread", "etag": simbase.b64("t%s" % top["id"])[:27], "id": top["id"]}
        if "snippet" in parts:
            out["snippet"] = sn
        if "replies" in parts and reps:
            out["replies"] = {"comments": [self.comment(req, r, fmt) for r in reps[:5]]}
        return out

    def page(self, req, pool, kind, render, desc=False, default_max=20):
        try:
            mx = int(req.arg("maxResults", default_max))
        except ValueError:
            mx = -1
        if not 1 <= mx <= 100:
            raise Refused(self.gerr(400, "Invalid value for maxResults", "invalidParameter",
                                    domain="youtube.parameter"))
        tok = req.arg("pageToken")
        start = 0
        if tok:
            key = simbase.unb64(tok)
            if key is None or not key.startswith("p:") or "|" not in key:
                raise Refused(self.gerr(400, "The request specifies an invalid page token.",
                                        "invalidPageToken", domain="youtube.parameter"))
            # Continue after the last item served, even if it has gone since.
            t, iid = key[2:].split("|", 1)
            last = (int(t), iid)
            if desc:
                start = len([it for it in pool if (it["created"], it["id"]) >= last])
            else:
                start = len([it for it in pool if (it["created"], it["id"]) <= last])
        chunk = pool[start:start + mx]
        out = {"kind": kind, "etag": simbase.b64("l%d%d" % (len(pool), start))[:27]}
        if start + mx < len(pool) and chunk:
            out["nextPageToken"] = simbase.b64("p:%d|%s" % (chunk[-1]["created"], chunk[-1]["id"]))
        out["pageInfo"] = {"totalResults": len(pool), "resultsPerPage": mx}
        out["items"] = [render(it) for it in chunk]
        return out

    # ---- handlers -----------------------------------------------------

    def parts(self, req, allowed):
        parts = [p for p in (req.arg("part") or "").split(",") if p]
        if not parts:
            raise Refused(self.gerr(400, "Required parameter: part", "required", domain="global",
                                    location="part", locationType="parameter"))
        for p in parts:
            if p not in allowed:
                raise Refused(self.gerr(400, "'%s'" % p, "unknownPart", domain="youtube.part",
                                        location="part", locationType="parameter"))
        return parts

    def threads(self, req):
        parts = self.parts(req, ("id", "snippet", "replies"))
        filters = [f for f in ("allThreadsRelatedToChannelId", "videoId", "id", "channelId") if req.arg(f)]
        if len(filters) != 1:
            return self.gerr(400, "No filter selected. Expected one of: channelId, id, videoId, "
                             "allThreadsRelatedToChannelId", "missingRequiredParameter",
                             domain="youtube.parameter")
        self.charge(1)
        status = req.arg("moderationStatus", "published")
        if status != "published":
            self.owner(req)
        f = filters[0]
        val = req.arg(f)
        if f == "videoId":
            vid = self.state["extra"].get("videos", {}).get(val)
            if vid is None:
                return self.gerr(404, "The video identified by the videoId parameter could not be found.",
                                 "videoNotFound", location="videoId", locationType="parameter")
            if vid.get("comments_disabled"):
                return self.gerr(403, "The video identified by the videoId parameter has disabled "
                                 "comments.", "commentsDisabled", location="videoId",
                                 locationType="parameter")
        if f in ("allThreadsRelatedToChannelId", "channelId") and val != self.channel():
            return self.gerr(404, "The channel could not be found.", "channelNotFound")

        def want(it):
            if it["parent"] is not None or it["kind"] != "comment":
                return False
            if f == "videoId" and it.get("video") != val:
                return False
            if f == "channelId" and it.get("video"):
                return False
            if f == "id" and it["id"] not in val.split(","):
                return False
            if self.visible(it, status):
                return True
            # A held reply shows under its thread for heldForReview.
            return status != "published" and bool(self.replies_of(it, status))
        pool = self.items(want)
        desc = req.arg("order", "time") == "time"
        pool.sort(key=lambda it: (it["created"], it["id"]), reverse=desc)
        fmt = req.arg("textFormat", "html")
        return self.json(200, self.page(req, pool, "youtube#commentThreadListResponse",
                                        lambda it: self.thread(req, it, parts, fmt), desc=desc))

    def comments(self, req):
        self.parts(req, ("id", "snippet"))
        self.charge(1)
        fmt = req.arg("textFormat", "html")
        if req.arg("parentId"):
            par = self.item(req.arg("parentId"))
            pool = self.replies_of(par) if par is not None and self.visible(par) else []
        elif req.arg("id"):
            ids = req.arg("id").split(",")
            pool = [it for it in self.items(lambda c: c["id"] in ids) if self.visible(it)]
        else:
            return self.gerr(400, "No filter selected. Expected one of: id, parentId",
                             "missingRequiredParameter", domain="youtube.parameter")
        out = self.page(req, pool, "youtube#commentListResponse", lambda it: self.comment(req, it, fmt))
        del out["pageInfo"]["totalResults"]  # recorded: comments.list has only resultsPerPage
        return self.json(200, out)

    def act(self, resp, **a):
        resp.action = a
        return resp

    def moderate(self, req):
        ids = [i for i in (req.arg("id") or "").split(",") if i]
        status = req.arg("moderationStatus")
        ban = (req.arg("banAuthor") or "false").lower() == "true"
        if status not in ("heldForReview", "published", "rejected") or not ids or len(ids) > 50:
            return self.gerr(400, "Invalid value for moderationStatus or id", "invalidParameter",
                             domain="youtube.parameter")
        self.owner(req)
        if ban and status != "rejected":
            return self.act(self.gerr(400, "The banAuthor parameter can only be used with the rejected "
                                      "moderation status.", "banWithoutReject",
                                      domain="youtube.comment"), op=status, ids=ids, result="refused")
        self.charge(50)
        its = []
        for i in ids:
            it = self.state["items"].get(i)
            if it is None or it["deleted"]:
                return self.act(self.gerr(404, "The comment could not be found.", "commentNotFound",
                                          domain="youtube.comment", location="id", locationType="parameter"),
                                op=status, ids=ids, result="gone")
            if it.get("moderation") == "rejected":
                return self.act(self.gerr(400, "The comment has been rejected; its status cannot be "
                                          "changed.", "operationNotSupported", domain="youtube.comment"),
                                op=status, ids=ids, result="refused")
            its.append(it)
        for it in its:
            it["moderation"] = status
            if ban:
                it["author_banned"] = True
        return self.act(Response(204, b"", ctype=None), op=status, ids=ids, result="ok", ban=ban)

    def insert(self, req):
        self.parts(req, ("id", "snippet"))
        self.owner(req)
        sn = (req.json or {}).get("snippet", {})
        par = self.item(sn.get("parentId") or "")
        if par is None or par["parent"] is not None:
            return self.gerr(400, "The comment's parentId is invalid.", "invalidCommentMetadata" if par else
                             "parentCommentNotFound", domain="youtube.comment")
        if not sn.get("textOriginal"):
            return self.gerr(400, "The comment text is empty.", "commentTextRequired", domain="youtube.comment")
        self.charge(50)
        new = self.add_item({"kind": "comment", "parent": par["id"], "video": par.get("video"),
                             "author": self.channel(), "text": sn["textOriginal"],
                             "created": simbase.now_ms() / 1000})
        return self.act(self.json(200, self.comment(req, new, "html")), op="reply", id=par["id"],
                        result="ok", created=new["id"])

    def delete(self, req):
        self.owner(req)
        iid = req.arg("id")
        it = self.item(iid or "")
        if it is None:
            return self.act(self.gerr(404, "The comment could not be found.", "commentNotFound",
                                      domain="youtube.comment"), op="delete", id=iid, result="gone")
        if it.get("author") != self.channel():
            return self.act(self.gerr(403, "The comment could not be deleted: only its author may.",
                                      "forbidden", domain="youtube.comment"), op="delete", id=iid,
                            result="refused")
        self.charge(50)
        it["deleted"] = True
        return self.act(Response(204, b"", ctype=None), op="delete", id=iid, result="ok")


if __name__ == "__main__":
    simbase.main(YouTubeSim)
