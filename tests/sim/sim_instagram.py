#!/usr/bin/env python3
"""Instagram Graph API (professional accounts) simulator for vakt's tests.

Follows ../shared/PLATFORMS.md §2 and the recordings
../shared/data/platform-fixtures/instagram-*.json:

* GET /{ig-user-id}/media: newest first, cursor paging (before/after,
  `next` while more);
* GET /{ig-media-id}/comments: top-level comments only, newest first,
  cursors with only `after`; the last page has no `paging` key at all;
  default fields timestamp,text,id; `user{id}` only on the account's own
  comments, `username` on all; `replies{...}` as a field;
* GET /{ig-comment-id}/replies (no paging key on the last page);
* GET /?ids=a,b with fields= (Graph's multiple-id read);
* POST /{ig-comment-id}/replies?message= (a reply to a reply lands on the
  top-level comment; hidden comments cannot be replied to),
  POST /{ig-comment-id}?hide=true|false (not on the account's own
  comments), DELETE /{ig-comment-id};
* the Graph error object and token errors of the Facebook simulator,
  throttling codes 4 and 80002, X-Business-Use-Case-Usage entries with
  "type":"instagram".  Times look like 2020-06-01T10:56:52+0000.

Items: kind "media" (account = ig user id, text = caption, extras
media_type, permalink), kind "comment" (parent = media or comment id).
Authors have id and username.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from simbase import Refused, fmt_graph  # noqa: E402
from sim_facebook import FacebookSim  # noqa: E402

MEDIA_DEFAULT = ["id"]
COMMENT_DEFAULT = ["timestamp", "text", "id"]


class InstagramSim(FacebookSim):
    platform = "instagram"
    php_json = True

    def setup_routes(self):
        self.route("GET", r"/", self.ig_get_root)
        self.route("GET", r"/([^/]+)", self.ig_get_object)
        self.route("POST", r"/([^/]+)", self.ig_post_object)
        self.route("DELETE", r"/([^/]+)", self.ig_delete)
        self.route("GET", r"/([^/]+)/media", self.ig_media)
        self.route("GET", r"/([^/]+)/comments", self.ig_comments)
        self.route("GET", r"/([^/]+)/replies", self.ig_replies)
        self.route("POST", r"/([^/]+)/replies", self.ig_reply)

    def new_id(self, it):
        self.seq += 1
        return "1790%013d" % (5000000000 + self.seq * 7919)

    def media_of(self, it):
        while it is not None and it["kind"] != "media":
            it = self.state["items"].get(it["parent"])
        return it

    def account_of(self, it):
        m = self.media_of(it)
        return m.get("account") if m else None

    def error_throttle(self, req, fault):
        code = int(fault.get("code", 4))
        msg = {4: "(#4) Application request limit reached",
               80002: "(#80002) There have been too many calls to this Instagram account. Wait a "
                      "bit and try again. For more info, please refer to "
                      "https://developers.facebook.com/docs/graph-api/overview/rate-limiting."}.get(
                          code, "(#%d) Request limit reached" % code)
        resp = self.graph_error(int(fault.get("status", 400)), code, msg, is_transient=True)
        req.usage_override = {"pct": 100, "regain": int(fault.get("regain_minutes", 10))}
        return resp

    def common_headers(self, req, resp):
        super().common_headers(req, resp)
        resp.headers = [(k, v.replace('"type":"pages"', '"type":"instagram"')) for k, v in resp.headers]

    def need_read(self, req):
        if not self.has_perm(req, "instagram_basic"):
            raise Refused(self.graph_error(
                400, 10, "(#10) Application does not have permission for this action"))

    def need_write(self, req):
        if not self.has_perm(req, "instagram_manage_comments"):
            raise Refused(self.graph_error(
                403, 200, "(#200) Requires instagram_manage_comments permission to manage the object"))

    # ---- rendering ----------------------------------------------------

    def render(self, req, it, fields):
        if fields is None:
            fields = [(f, {}, None) for f in (MEDIA_DEFAULT if it["kind"] == "media" else COMMENT_DEFAULT)]
        out = {}
        for name, mods, sub in fields:
            v = self.ig_field(req, it, name, mods, sub)
            if v is not None:
                out[name] = v
        return out

    def ig_field(self, req, it, name, mods, sub):
        acct = self.account_of(it)
        if name == "id":
            return it["id"]
        if name == "timestamp":
            return fmt_graph(it["created"])
        if it["kind"] == "media":
            if name == "caption":
                return it["text"] or None
            if name == "comments_count":
                return len(self.descendants(it))
            if name == "like_count":
                return int(it.get("likes", 0))
            if name in ("media_type", "media_url", "permalink"):
                return it.get(name)
            if name == "comments":
                return self.comment_list(req, it, dict(mods), sub)
            return None
        au = self.author(it.get("author")) or {}
        if name == "text":
            return it["text"]
        if name == "username":
            return au.get("username")
        if name == "from":
            return {"id": au.get("id"), "username": au.get("username")}
        if name == "user":
            # Only the app user's (the account's) own comments carry user{id}.
            return {"id": au.get("id")} if it.get("author") == acct else None
        if name == "like_count":
            return int(it.get("likes", 0))
        if name == "hidden":
            return it["hidden"]
        if name == "media":
            m = self.media_of(it)
            return {"id": m["id"]} if m else None
        if name == "parent_id":
            par = self.state["items"].get(it["parent"])
            return par["id"] if par is not None and par["kind"] == "comment" else None
        if name == "replies":
            return self.reply_list(req, it, sub)
        return None

    def top_comments(self, media):
        return self.items(lambda c: c["parent"] == media["id"] and c["kind"] == "comment", parent=media["id"])

    def comment_list(self, req, media, mods, sub):
        pool = sorted(self.top_comments(media), key=self.key, reverse=True)  # newest first
        limit = int(mods.get("limit") or 25)
        after = self.uncursor(mods.get("after"))
        if mods.get("after") and after is None:
            raise Refused(self.graph_error(400, 100, "(#100) The parameter after is not a valid cursor"))
        rest = [it for it in pool if self.key(it) < after] if after else pool
        page = rest[:limit]
        out = {"data": [self.render(req, it, sub) for it in page]}
        if len(rest) > limit:
            params = [("access_token", self.token_of(req)), ("pretty", "0")]
            if sub:
                from sim_facebook import unparse_fields
                params.append(("fields", unparse_fields(sub)))
            params.append(("limit", limit))
            after_c = self.cursor(page[-1])
            out["paging"] = {"cursors": {"after": after_c},
                             "next": self.link(req, "%s/comments" % media["id"],
                                               params + [("after", after_c)])}
        return out

    def reply_list(self, req, comment, sub):
        pool = sorted(self.items(lambda c: c["parent"] == comment["id"], parent=comment["id"]), key=self.key)
        return {"data": [self.render(req, it, sub) for it in pool]}

    # ---- handlers -----------------------------------------------------

    def lookup_kind(self, req, oid, kind):
        it = self.item(oid)
        if it is None or it["kind"] != kind:
            raise Refused(self.gone(req, oid))
        return it

    def ig_get_object(self, req, oid):
        self.need_read(req)
        for a in self.state["accounts"]:
            if a["id"] == oid:
                fields = self.req_fields(req) or [("id", {}, None)]
                return self.json(200, {n: a[n] for n, _, _ in fields if n in a})
        return self.json(200, self.render(req, self.lookup(req, oid), self.req_fields(req)))

    def ig_get_root(self, req):
        # Graph's multiple-id read (GET /?ids=a,b&fields=...) works on any
        # node, IG media and comments included; a missing id fails the
        # whole request with code 803, as on Facebook.
        self.need_read(req)
        if not req.arg("ids"):
            return self.graph_error(400, 100, "(#100) Missing ids parameter")
        ids = [i for i in req.arg("ids").split(",") if i]
        missing = [i for i in ids if self.item(i) is None]
        if missing:
            return self.graph_error(
                404, 803, "(#803) Some of the aliases you requested do not exist: %s" % ",".join(missing))
        fields = self.req_fields(req)
        return self.json(200, {i: self.render(req, self.item(i), fields) for i in ids})

    def ig_media(self, req, uid):
        self.need_read(req)
        if self.page(uid) is None:
            raise Refused(self.gone(req, uid))
        pool = sorted(self.items(lambda m: m["kind"] == "media" and m.get("account") == uid),
                      key=self.key, reverse=True)
        limit = int(req.arg("limit") or 25)
        after = self.uncursor(req.arg("after"))
        rest = [it for it in pool if self.key(it) < after] if after else pool
        page = rest[:limit]
        out = {"data": [self.render(req, it, self.req_fields(req)) for it in page]}
        if page:
            params = [("access_token", self.token_of(req)), ("pretty", "0")]
            if req.arg("fields"):
                params.append(("fields", req.arg("fields")))
            params.append(("limit", limit))
            out["paging"] = {"cursors": {"before": self.cursor(page[0]), "after": self.cursor(page[-1])}}
            if len(rest) > limit:
                out["paging"]["next"] = self.link(req, "%s/media" % uid,
                                                  params + [("after", self.cursor(page[-1]))])
        return self.json(200, out)

    def ig_comments(self, req, mid):
        self.need_read(req)
        media = self.lookup_kind(req, mid, "media")
        mods = {k: req.arg(k) for k in ("limit", "after") if req.arg(k)}
        return self.json(200, self.comment_list(req, media, mods, self.req_fields(req)))

    def ig_replies(self, req, cid):
        self.need_read(req)
        c = self.lookup_kind(req, cid, "comment")
        return self.json(200, self.reply_list(req, c, self.req_fields(req)))

    def act(self, resp, op, oid, result, **kw):
        resp.action = dict(op=op, id=oid, result=result, **kw)
        return resp

    def ig_reply(self, req, cid):
        it = self.item(cid)
        if it is None or it["kind"] != "comment":
            return self.act(self.gone(req, cid), "reply", cid, "gone")
        self.need_write(req)
        par = self.state["items"].get(it["parent"])
        top = it if par is None or par["kind"] == "media" else par
        if top["hidden"]:
            return self.act(self.graph_error(400, 100, "(#100) Cannot reply to a hidden comment",
                                             etype="GraphMethodException"), "reply", cid, "refused", code=100)
        msg = req.arg("message")
        if not msg:
            return self.graph_error(400, 100, "(#100) The parameter message is required")
        new = self.add_item({"kind": "comment", "parent": top["id"], "text": msg,
                             "author": self.account_of(top), "created": simbase.now_ms() / 1000})
        return self.act(self.json(200, {"id": new["id"]}), "reply", cid, "ok", created=new["id"])

    def ig_post_object(self, req, cid):
        val = req.arg("hide")
        it = self.item(cid)
        if it is None:
            return self.act(self.gone(req, cid), "hide", cid, "gone")
        if val is None:
            return self.method_not_allowed(req)
        self.need_write(req)
        op = "hide" if val.lower() in ("true", "1") else "unhide"
        if it["kind"] != "comment" or it.get("author") == self.account_of(it):
            return self.act(self.graph_error(400, 100, "(#100) The account's own comments cannot be hidden",
                                             etype="GraphMethodException"), op, cid, "refused", code=100)
        it["hidden"] = op == "hide"
        return self.act(self.json(200, {"success": True}), op, cid, "ok")

    def ig_delete(self, req, cid):
        it = self.item(cid)
        if it is None or it["kind"] != "comment":
            return self.act(self.gone(req, cid), "delete", cid, "gone")
        self.need_write(req)
        it["deleted"] = True
        for r in self.items(lambda c: c["parent"] == cid, parent=cid):
            r["deleted"] = True
        return self.act(self.json(200, {"success": True}), "delete", cid, "ok")


if __name__ == "__main__":
    simbase.main(InstagramSim)
