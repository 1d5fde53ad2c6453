#!/usr/bin/env python3
"""LinkedIn Community Management API simulator for vakt's tests.

SYNTHETIC: no recorded real response of this API exists in any public
repository we found (../shared/data/platform-fixtures/README.md).  This
simulator follows the documentation as ../shared/PLATFORMS.md §6
summarises it; the shapes marked [mem] there (error bodies, the exact
paging links) are the documented ones as remembered, not verified against
the live API.  Do not treat it as evidence of LinkedIn's behaviour.

* every call needs Authorization: Bearer, LinkedIn-Version: YYYYMM (an
  active one) and X-Restli-Protocol-Version: 2.0.0;
* GET /rest/posts?q=author&author={org urn}&count=&start=[&sortBy=] (the
  organisation's posts, newest first: id, author, commentary, createdAt,
  lastModifiedAt, publishedAt, lifecycleState, visibility; paging
  start/count/links);
* GET /rest/socialActions/{urn} and the Rest.li batch form
  /rest/socialActions?ids=List(urn,...) (commentsSummary with
  totalFirstLevelComments and aggregatedTotalComments, likesSummary);
* GET /rest/socialActions/{urn}/comments?start=&count= on a post (share,
  ugcPost or activity URN) or on a comment URN (its replies):
  {"paging":{"start","count","total","links":[]},"elements":[...]}; times
  in epoch milliseconds; `object` is the activity URN even when the share
  URN was asked for; each comment carries its own commentsSummary
  (selectedComments, totalFirstLevelComments, aggregatedTotalComments: its
  replies) and likesSummary;
* POST /rest/socialActions/{urn}/comments (201, x-restli-id header);
* DELETE /rest/socialActions/{urn}/comments/{id}?actor= (204, no body):
  the comment's author may delete it, and the organisation that authored
  the post may delete comments on it (the Comments API's "Delete a
  Comment"; config "org_deletes_on_own_posts": false refuses the latter
  with 403 to model a refusal); 404 for a comment that is not there or
  not under that target; a deleted comment's replies go with it; there is
  no hide;
* errors {"status","serviceErrorCode","code","message"}.

Items: kind "post" (id = share/ugcPost URN, `activity` = activity URN,
author = organisation key) and kind "comment" (parent = post URN or comment
id, id = numeric string).  Authors: {id: URN}.
"""
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from simbase import Refused, Response  # noqa: E402

ACTIVE_VERSIONS = ("202508", "202509", "202510", "202511", "202512", "202601", "202602", "202603",
                   "202604", "202605", "202606", "202607", "202608", "202609", "202610", "202611")


class LinkedInSim(simbase.Sim):
    platform = "linkedin"

    def setup_routes(self):
        self.route("GET", r"/rest/posts", self.list_posts)
        self.route("GET", r"/rest/socialActions", self.batch_actions)
        self.route("GET", r"/rest/socialActions/([^/]+)", self.social_action)
        self.route("GET", r"/rest/socialActions/([^/]+)/comments", self.list_comments)
        self.route("POST", r"/rest/socialActions/([^/]+)/comments", self.create)
        self.route("DELETE", r"/rest/socialActions/([^/]+)/comments/(\d+)", self.delete)

    def new_id(self, it):
        self.seq += 1
        if it.get("kind") == "post":
            return "urn:li:share:%d" % (7300000000000000000 + self.seq)
        return str(7300000000000100000 + self.seq)

    # ---- errors -------------------------------------------------------

    def lerr(self, status, code, message, service=None):
        body = {"status": status}
        if service is not None:
            body["serviceErrorCode"] = service
        body.update({"code": code, "message": message})
        return self.json(status, body)

    def error_token(self, req, kind):
        if kind == "expired":
            return self.lerr(401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65602)
        if kind == "permission":
            return self.lerr(403, "ACCESS_DENIED", "Not enough permissions to access: %s %s"
                             % (req.method, req.path.replace("/rest", "", 1)), 100)
        return self.lerr(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)

    def error_429(self, req, fault):
        return self.lerr(429, "TOO_MANY_REQUESTS", "Resource level throttle DAY limit for calls to this "
                         "resource is reached.", 101)

    def error_server(self, req, status):
        return self.lerr(status, "INTERNAL_SERVER_ERROR" if status == 500 else "SERVICE_UNAVAILABLE",
                         "Internal Server Error" if status == 500 else "Service Unavailable")

    def not_found(self, req):
        return self.lerr(404, "NOT_FOUND", "Not Found")

    def check_token(self, req):
        tok = req.bearer()
        info = self.token_info(tok)
        if info is None:
            return self.error_token(req, "invalid")
        if info.get("expired"):
            return self.error_token(req, "expired")
        ver = req.headers.get("LinkedIn-Version")
        if not ver:
            return self.lerr(400, "VERSION_MISSING", "A version must be present. Please specify a version by "
                             "adding the LinkedIn-Version header.")
        if ver not in self.state["config"].get("versions", ACTIVE_VERSIONS):
            return self.lerr(426, "NONEXISTENT_VERSION", "Requested version %s is not active" % ver)
        if req.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return self.lerr(400, "ILLEGAL_ARGUMENT", "X-Restli-Protocol-Version 2.0.0 is required")
        req.tok = info
        return None

    def need(self, req, perm):
        if not any(p in req.tok.get("permissions", []) for p in (perm, perm + "_feed")):
            raise Refused(self.error_token(req, "permission"))

    # ---- model --------------------------------------------------------

    def post_for(self, urn):
        for it in self.items(lambda i: i["kind"] == "post"):
            if urn in (it["id"], it.get("activity")):
                return it
        return None

    def post_of(self, it):
        while it is not None and it["kind"] != "post":
            it = self.state["items"].get(it["parent"])
        return it

    def comment_urn(self, it):
        post = self.post_of(it)
        return "urn:li:comment:(%s,%s)" % (post.get("activity", post["id"]), it["id"])

    def target(self, req, urn):
        post = self.post_for(urn)
        if post is not None:
            return post
        m = re.match(r"^urn:li:comment:\((.+),(\d+)\)$", urn)
        if m:
            it = self.item(m.group(2))
            if it is not None and it["kind"] == "comment":
                return it
        raise Refused(self.lerr(404, "NOT_FOUND", "Not Found"))

    def element(self, it):
        actor = (self.author(it["author"]) or {}).get("id", it["author"])
        post = self.post_of(it)
        out = {"actor": actor, "commentUrn": self.comment_urn(it),
               "created": {"actor": actor, "time": it["created"]}, "id": it["id"],
               "lastModified": {"actor": actor, "time": it["updated"]},
               "message": {"attributes": [], "text": it["text"]},
               "object": post.get("activity", post["id"])}
        par = self.state["items"].get(it["parent"])
        if par is not None and par["kind"] == "comment":
            out["parentComment"] = self.comment_urn(par)
        out["likesSummary"] = {"selectedLikes": [], "aggregatedTotalLikes": int(it.get("likes", 0)),
                               "likedByCurrentUser": False, "totalLikes": int(it.get("likes", 0))}
        # A comment's own comments (its replies), as the Comments API's
        # comment schema carries them.
        kids = self.items(lambda c: c["kind"] == "comment" and c["parent"] == it["id"], parent=it["id"])
        total, todo = 0, list(kids)
        while todo:
            cur = todo.pop()
            total += 1
            todo += self.items(lambda c, cur=cur: c["kind"] == "comment" and c["parent"] == cur["id"],
                               parent=cur["id"])
        out["commentsSummary"] = {"selectedComments": [self.comment_urn(k) for k in kids[:3]],
                                  "totalFirstLevelComments": len(kids), "aggregatedTotalComments": total}
        out["$URN"] = out["commentUrn"]
        return out

    # ---- handlers -----------------------------------------------------

    def list_comments(self, req, urn):
        self.need(req, "r_organization_social")
        tgt = self.target(req, urn)
        pool = sorted(self.items(lambda c: c["kind"] == "comment" and c["parent"] == tgt["id"], parent=tgt["id"]),
                      key=lambda c: (c["created"], c["id"]))
        try:
            start = int(req.arg("start", 0))
            count = int(req.arg("count", 10))
        except ValueError:
            return self.lerr(400, "ILLEGAL_ARGUMENT", "start and count must be integers")
        if start < 0 or not 1 <= count <= 100:
            return self.lerr(400, "ILLEGAL_ARGUMENT", "Invalid paging parameters")
        page = pool[start:start + count]
        links = []
        path = "/rest/socialActions/%s/comments" % urllib.parse.quote(urn, safe="")
        if start + count < len(pool):
            links.append({"type": "application/json", "rel": "next",
                          "href": "%s?count=%d&start=%d" % (path, count, start + count)})
        if start > 0:
            links.append({"type": "application/json", "rel": "prev",
                          "href": "%s?count=%d&start=%d" % (path, count, max(0, start - count))})
        return self.json(200, {"paging": {"start": start, "count": count, "total": len(pool), "links": links},
                               "elements": [self.element(c) for c in page]})

    def paging_links(self, path, start, count, total, extra=""):
        links = []
        if start + count < total:
            links.append({"type": "application/json", "rel": "next",
                          "href": "%s?%scount=%d&start=%d" % (path, extra, count, start + count)})
        if start > 0:
            links.append({"type": "application/json", "rel": "prev",
                          "href": "%s?%scount=%d&start=%d" % (path, extra, count, max(0, start - count))})
        return links

    def list_posts(self, req):
        self.need(req, "r_organization_social")
        if req.arg("q") != "author" or not req.arg("author"):
            return self.lerr(400, "ILLEGAL_ARGUMENT", "q=author and author are required")
        key = self.org_key(req.arg("author"))
        if key is None:
            return self.lerr(403, "ACCESS_DENIED", "Not enough permissions to access: GET /posts", 100)
        try:
            start = int(req.arg("start", 0))
            count = int(req.arg("count", 10))
        except ValueError:
            return self.lerr(400, "ILLEGAL_ARGUMENT", "start and count must be integers")
        if start < 0 or not 1 <= count <= 100:
            return self.lerr(400, "ILLEGAL_ARGUMENT", "Invalid paging parameters")
        pool = sorted(self.items(lambda i: i["kind"] == "post", author=key),
                      key=lambda i: (i["created"], i["id"]), reverse=True)
        page = pool[start:start + count]
        extra = "q=author&author=%s&" % urllib.parse.quote(req.arg("author"), safe="")
        return self.json(200, {
            "paging": {"start": start, "count": count,
                       "links": self.paging_links("/rest/posts", start, count, len(pool), extra)},
            "elements": [{"id": it["id"], "author": req.arg("author"), "commentary": it["text"],
                          "createdAt": it["created"], "publishedAt": it["created"],
                          "lastModifiedAt": it["updated"], "lifecycleState": "PUBLISHED",
                          "visibility": "PUBLIC", "isReshareDisabledByAuthor": False,
                          "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                           "thirdPartyDistributionChannels": []}}
                         for it in page]})

    def summary(self, post):
        ids = {post["id"]}
        first = [c for c in self.items(lambda c: c["kind"] == "comment" and c["parent"] == post["id"], parent=post["id"])]
        total = 0
        todo = list(ids)
        while todo:
            cur = todo.pop()
            kids = self.items(lambda c, cur=cur: c["kind"] == "comment" and c["parent"] == cur, parent=cur)
            total += len(kids)
            todo += [k["id"] for k in kids]
        return {"commentsSummary": {"totalFirstLevelComments": len(first), "aggregatedTotalComments": total},
                "likesSummary": {"totalLikes": int(post.get("likes", 0)), "likedByCurrentUser": False},
                "target": post["id"]}

    def social_action(self, req, urn):
        self.need(req, "r_organization_social")
        post = self.post_for(urllib.parse.unquote(urn))
        if post is None:
            return self.lerr(404, "NOT_FOUND", "Not Found")
        return self.json(200, self.summary(post))

    def batch_actions(self, req):
        """Rest.li 2.0 batch get: ids=List(urn1,urn2) with each urn
        URL-encoded inside the list."""
        self.need(req, "r_organization_social")
        raw = req.arg("ids") or ""
        m = re.match(r"^List\((.*)\)$", raw)
        if not m:
            return self.lerr(400, "ILLEGAL_ARGUMENT", "ids must be List(...)")
        results, errors = {}, {}
        for enc in [x for x in m.group(1).split(",") if x]:
            urn = urllib.parse.unquote(enc)
            post = self.post_for(urn)
            if post is None:
                errors[urn] = {"status": 404, "code": "NOT_FOUND", "message": "Not Found"}
            else:
                results[urn] = self.summary(post)
        return self.json(200, {"results": results, "statuses": {}, "errors": errors})

    def org_key(self, urn):
        for k, a in self.state["authors"].items():
            if a.get("id") == urn:
                return k
        return None

    def act(self, resp, **a):
        resp.action = a
        return resp

    def create(self, req, urn):
        self.need(req, "w_organization_social")
        tgt = self.target(req, urn)
        body = req.json or {}
        text = (body.get("message") or {}).get("text")
        actor = body.get("actor")
        key = self.org_key(actor)
        if not text or key is None or key != req.tok.get("org"):
            return self.act(self.lerr(403 if text and actor else 400, "ACCESS_DENIED" if text and actor
                                      else "ILLEGAL_ARGUMENT", "Invalid actor or message"),
                            op="reply", id=urn, result="refused")
        parent = tgt["id"]
        if body.get("parentComment"):
            m = re.match(r"^urn:li:comment:\((.+),(\d+)\)$", body["parentComment"])
            parent = m.group(2) if m else parent
        new = self.add_item({"kind": "comment", "parent": parent, "author": key, "text": text,
                             "created": simbase.now_ms() / 1000})
        resp = self.json(201, self.element(new))
        resp.header("x-restli-id", new["id"])
        return self.act(resp, op="reply", id=urn, result="ok", created=new["id"])

    def delete(self, req, urn, cid):
        """DELETE /rest/socialActions/{target}/comments/{id}?actor=: the
        target is the post (share, ugcPost or activity URN) or, for a
        reply, its parent comment's URN; actor the person or organisation
        deleting.  The comment's author may delete it, and the
        organisation that authored the post may delete comments on it
        (moderating its own post) — config "org_deletes_on_own_posts"
        false makes the simulator refuse the latter (403), to model a
        platform that does not allow it.  204 with no body."""
        self.need(req, "w_organization_social")
        it = self.item(cid)
        if it is None or it["kind"] != "comment":
            return self.act(self.lerr(404, "NOT_FOUND", "Not Found"), op="delete", id=cid, result="gone")
        tgt = self.target(req, urllib.parse.unquote(urn))
        if tgt["id"] != it["parent"] and tgt is not self.post_of(it):
            return self.act(self.lerr(404, "NOT_FOUND", "Not Found"), op="delete", id=cid, result="gone")
        actor = req.arg("actor")
        if not actor:
            return self.act(self.lerr(400, "ILLEGAL_ARGUMENT", "actor is required"),
                            op="delete", id=cid, result="refused")
        actor_key = self.org_key(actor)
        if actor_key is not None and actor_key != req.tok.get("org"):
            # An organisation the token's member does not administer.
            return self.act(self.lerr(403, "ACCESS_DENIED", "Not enough permissions to access: "
                                      "DELETE /socialActions/comments", 100),
                            op="delete", id=cid, result="refused")
        author_urn = (self.author(it["author"]) or {}).get("id")
        post = self.post_of(it)
        post_owner = (self.author(post["author"]) or {}).get("id") if post else None
        may = actor == author_urn or (actor == post_owner and
                                      self.state["config"].get("org_deletes_on_own_posts", True))
        if not may:
            return self.act(self.lerr(403, "ACCESS_DENIED", "Not enough permissions to delete this comment",
                                      100), op="delete", id=cid, result="refused")
        # Deleting a comment removes its replies with it.
        todo = [it]
        while todo:
            cur = todo.pop()
            cur["deleted"] = True
            todo += self.items(lambda c, cur=cur: c["parent"] == cur["id"], parent=cur["id"])
        return self.act(Response(204, b"", ctype=None), op="delete", id=cid, result="ok")

if __name__ == "__main__":
    simbase.main(LinkedInSim)
