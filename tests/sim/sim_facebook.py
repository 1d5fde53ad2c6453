#!/usr/bin/env python3
"""Facebook Pages (Graph API) simulator for vakt's tests.

Follows ../shared/PLATFORMS.md §1 and the recordings in
../shared/data/platform-fixtures/facebook-*.json:

* /{page-id}/feed, /posts, /published_posts with time-based paging
  (since/until/__paging_token, empty keys in the links, no cursors);
* /{object-id}/comments with cursor paging (before/after, no `next` on the
  last page, `{"data":[]}` without `paging` when empty), filter=toplevel|
  stream, order=chronological|reverse_chronological (summary.order "ranked"
  when neither is given), summary=true, limit;
* field expansion with modifiers and nested fields, e.g.
  fields=id,comments.filter(stream).order(reverse_chronological).limit(50)
  .summary(true){id,from,parent{id},is_hidden,can_hide};
* ?ids=a,b batching (also /comments?ids=) and POST / batch=[...];
* `from` left out for users' comments unless the token is a Page token;
* hide/unhide (POST /{id}?is_hidden=), delete (DELETE /{id}), reply
  (POST /{id}/comments, one level deep); reviews cannot be hidden or
  deleted; /{page-id}/ratings answers error 12 from v22.0;
* Graph times 2019-06-13T08:15:30+0000, PHP-style \\/ and \\uXXXX escapes,
  the error object {message,type,code,error_subcode,fbtrace_id,...},
  throttling codes 4/17/32/613/80001 and the usage headers (JSON inside a
  header string).

Scenario: see docs/hacking.md.  Items have kind "post" (parent null,
account = page id, the first page's when left out) or "comment" (parent =
post or comment id).
"""
import hashlib
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from simbase import Refused, Request, Response, fmt_graph  # noqa: E402

GRAPH_DOCS = "https://developers.facebook.com/docs/graph-api"

THROTTLE = {
    4: ("(#4) Application request limit reached", True),
    17: ("(#17) User request limit reached", True),
    32: ("(#32) Page request limit reached", True),
    613: ("(#613) Calls to this api have exceeded the rate limit.", True),
    80001: ("(#80001) There have been too many calls to this Page account. Wait a bit and try "
            "again. For more info, please refer to "
            "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", True),
}

POST_DEFAULT = ["created_time", "message", "id"]
COMMENT_DEFAULT = ["created_time", "from", "message", "id"]


# ---------------------------------------------------------------- fields= parser


def parse_fields(s):
    """'a,b.limit(2){c,d{e}}' -> [(name, {mod: arg}, subfields|None)]."""
    pos = 0

    def parse_list(end):
        nonlocal pos
        out = []
        while pos < len(s) and s[pos] != end:
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(s, pos)
            if not m:
                raise ValueError("bad fields syntax at %d" % pos)
            name = m.group(0)
            pos = m.end()
            mods = {}
            sub = None
            while pos < len(s) and s[pos] == ".":
                m = re.compile(r"\.([A-Za-z_]+)\(([^)]*)\)").match(s, pos)
                if not m:
                    raise ValueError("bad modifier at %d" % pos)
                mods[m.group(1)] = m.group(2)
                pos = m.end()
            if pos < len(s) and s[pos] == "{":
                pos += 1
                sub = parse_list("}")
                if pos >= len(s) or s[pos] != "}":
                    raise ValueError("unbalanced {")
                pos += 1
            out.append((name, mods, sub))
            if pos < len(s) and s[pos] == ",":
                pos += 1
        return out

    res = parse_list(None)
    if pos != len(s):
        raise ValueError("trailing characters in fields")
    return res


def unparse_fields(fields):
    out = []
    for name, mods, sub in fields:
        s = name + "".join(".%s(%s)" % kv for kv in mods.items())
        if sub:
            s += "{" + unparse_fields(sub) + "}"
        out.append(s)
    return ",".join(out)


# ---------------------------------------------------------------- the simulator


class FacebookSim(simbase.Sim):
    platform = "facebook"
    php_json = True

    def setup_routes(self):
        self.route("GET", r"/", self.get_root)
        self.route("POST", r"/", self.post_root)
        self.route("GET", r"/([^/]+)", self.get_object)
        self.route("POST", r"/([^/]+)", self.post_object)
        self.route("DELETE", r"/([^/]+)", self.delete_object)
        self.route("GET", r"/([^/]+)/([a-z_]+)", self.get_edge)
        self.route("POST", r"/([^/]+)/comments", self.post_comment)

    # ---- ids, pages, authors ------------------------------------------

    def norm_item(self, it):
        # A post is on a page's feed: without "account" it is the first
        # page's (the id new_id gives it says so too), as a visitor's post
        # added through /_sim/items usually is.  Left unset, the post had a
        # page's id but was in no page's /feed, so vakt never saw it.
        if it.get("kind") == "post" and not it.get("account"):
            it = dict(it, account=self.page_id())
        return super().norm_item(it)

    def new_id(self, it):
        self.seq += 1
        num = "%d%04d" % (10158500000000 + self.seq * 7919, self.seq % 10000)
        if it.get("kind") == "post":
            return "%s_%s" % (it.get("account") or self.page_id(), num)
        post = self.post_of(it.get("parent"))
        postnum = post["id"].split("_", 1)[-1] if post else "0"
        return "%s_%s" % (postnum, num)

    def page_id(self):
        return self.state["accounts"][0]["id"] if self.state["accounts"] else "0"

    def page(self, pid):
        for a in self.state["accounts"]:
            if a["id"] == pid:
                return a
        return None

    def post_of(self, iid):
        it = self.state["items"].get(iid) if iid else None
        while it is not None and it["kind"] != "post":
            it = self.state["items"].get(it["parent"])
        return it

    def account_of(self, it):
        p = self.post_of(it["id"])
        return p.get("account") if p else None

    # ---- errors -------------------------------------------------------

    def trace(self):
        return "A" + simbase.b64(hashlib.md5(b"%d" % self.seq).hexdigest())[:10]

    def graph_error(self, status, code, message, etype="OAuthException", subcode=None, **extra):
        err = {"message": message, "type": etype, "code": code}
        if subcode is not None:
            err["error_subcode"] = subcode
        err.update(extra)
        err["fbtrace_id"] = self.trace()
        resp = self.json(status, {"error": err})
        if status in (400, 401, 403) and etype == "OAuthException":
            resp.header("WWW-Authenticate", 'OAuth "Facebook Platform" "invalid_token" "%s"' % message)
        return resp

    def gone(self, req, oid):
        verb = {"GET": "get", "POST": "post", "DELETE": "delete"}.get(req.method, "get")
        return self.graph_error(
            400, 100,
            "Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation. Please read the Graph API "
            "documentation at %s" % (verb, oid, GRAPH_DOCS),
            etype="GraphMethodException", subcode=33)

    def error_token(self, req, kind):
        if kind == "missing":
            return self.graph_error(400, 104, "An access token is required to request this resource.")
        if kind == "expired":
            return self.graph_error(
                400, 190, "Error validating access token: Session has expired on Tuesday, "
                "01-Dec-26 02:00:00 PST. The current time is Thursday, 03-Dec-26 15:00:00 PST.",
                subcode=463)
        if kind == "password_changed":
            return self.graph_error(
                400, 190, "Error validating access token: The session has been invalidated because "
                "the user changed their password or Facebook has changed the session for security "
                "reasons.", subcode=460)
        if kind == "permission":
            return self.graph_error(
                403, 200, "(#200) The user hasn't authorized the application to perform this action",
                etype="OAuthException")
        if kind == "read_permission":
            return self.graph_error(
                400, 100, "(#100) Object does not exist, cannot be loaded due to missing permission "
                "or reviewable feature, or does not support this operation. This endpoint requires the "
                "'pages_read_engagement' permission or the 'Page Public Content Access' feature or the "
                "'Page Public Metadata Access' feature. Refer to "
                "https://developers.facebook.com/docs/apps/review/login-permissions#manage-pages for "
                "details.")
        return self.graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")

    def error_throttle(self, req, fault):
        code = int(fault.get("code", 4))
        msg, transient = THROTTLE.get(code, THROTTLE[4])
        resp = self.graph_error(int(fault.get("status", 400)), code, msg, is_transient=transient)
        req.usage_override = {"pct": 100, "regain": int(fault.get("regain_minutes", 10))}
        return resp

    def error_429(self, req, fault):
        msg, _ = THROTTLE[4]
        return self.graph_error(429, 4, msg, is_transient=True)

    def error_server(self, req, status):
        if status == 500:
            return self.graph_error(500, 2, "An unexpected error has occurred. Please retry your "
                                    "request later.", is_transient=True)
        return Response(status, "<!DOCTYPE html><html><body>Sorry, something went wrong.</body></html>",
                        ctype="text/html; charset=utf-8")

    def not_found(self, req):
        return self.gone(req, req.path.strip("/").split("/")[0])

    def method_not_allowed(self, req):
        return self.graph_error(400, 100, "Unsupported %s request." % req.method.lower(),
                                etype="GraphMethodException")

    # ---- token, version, headers --------------------------------------

    def token_of(self, req):
        return req.arg("access_token") or req.bearer()

    def check_token(self, req):
        m = re.match(r"^/v(\d+)\.(\d+)(/.*)?$", req.path)
        if m:
            req.version = int(m.group(1))
            req.path = m.group(3) or "/"
        elif not hasattr(req, "version"):
            req.version = int(self.cfg("default_version", 22))
        tok = self.token_of(req)
        if not tok:
            return self.error_token(req, "missing")
        info = self.token_info(tok)
        if info is None:
            return self.error_token(req, "invalid")
        if info.get("expired"):
            return self.error_token(req, "expired")
        if info.get("invalidated"):
            return self.error_token(req, "password_changed")
        req.tok = info
        return None

    def has_perm(self, req, perm):
        return perm in req.tok.get("permissions", [])

    def need_perm(self, req, perm):
        if not self.has_perm(req, perm):
            raise Refused(self.graph_error(
                403, 200, "(#200) Requires %s permission to manage the object" % perm))

    def need_read(self, req):
        if not self.has_perm(req, "pages_read_engagement"):
            raise Refused(self.error_token(req, "read_permission"))

    def common_headers(self, req, resp):
        ov = getattr(req, "usage_override", None)
        pct = ov["pct"] if ov else int(self.cfg("usage", 2))
        regain = ov["regain"] if ov else (int(self.cfg("regain_minutes", 0)) if pct >= 100 else 0)
        u = {"call_count": pct, "total_cputime": max(1, pct // 4), "total_time": max(1, pct // 2)}
        resp.header("X-App-Usage", json.dumps(u, separators=(",", ":")))
        resp.header("X-Page-Usage", json.dumps(u, separators=(",", ":")))
        buc = {self.page_id(): [dict(type="pages", estimated_time_to_regain_access=regain, **u)]}
        resp.header("X-Business-Use-Case-Usage", json.dumps(buc, separators=(",", ":")))
        resp.header("facebook-api-version", "v%d.0" % getattr(req, "version", 22))
        resp.header("x-fb-trace-id", self.trace())

    # ---- rendering ----------------------------------------------------

    def from_of(self, req, it):
        a = it.get("author")
        if a is None:
            return None
        pg = self.page(a)
        if pg is not None:
            f = {"name": pg.get("name", a), "id": a}
            for k in ("category", "category_list"):
                if pg.get(k):
                    f[k] = pg[k]
            return f
        # Users' identities need a Page token (and Advanced Access).
        if req.tok.get("type", "page") != "page" or not self.has_perm(req, "pages_read_user_content"):
            return None
        au = self.author(a)
        return {"name": au.get("name", a), "id": au.get("id", a)}

    def permalink(self, it):
        post = self.post_of(it["id"])
        page = post.get("account") if post else self.page_id()
        postnum = post["id"].split("_", 1)[-1] if post else "0"
        if it["kind"] == "post":
            return "https://www.facebook.com/%s/posts/%s/" % (page, postnum)
        cnum = it["id"].split("_", 1)[-1]
        par = self.state["items"].get(it["parent"])
        if par is not None and par["kind"] != "post":
            return "https://www.facebook.com/%s/posts/%s/?comment_id=%s&reply_comment_id=%s" % (
                page, postnum, par["id"].split("_", 1)[-1], cnum)
        return "https://www.facebook.com/%s/posts/%s/?comment_id=%s" % (page, postnum, cnum)

    def children(self, it):
        return self.items(lambda c: c["parent"] == it["id"] and c["kind"] == "comment", parent=it["id"])

    def render(self, req, it, fields):
        if fields is None:
            fields = [(f, {}, None) for f in (POST_DEFAULT if it["kind"] == "post" else COMMENT_DEFAULT)]
        out = {}
        own = it.get("author") is not None and it.get("author") == self.account_of(it)
        for name, mods, sub in fields:
            v = self.field(req, it, name, mods, sub, own)
            if v is not None:
                out[name] = v
        return out

    def field(self, req, it, name, mods, sub, own):
        post = it["kind"] == "post"
        if name == "id":
            return it["id"]
        if name == "message":
            return it["text"] if it["text"] else None
        if name == "created_time":
            return fmt_graph(it["created"])
        if name == "updated_time":
            return fmt_graph(max(it["updated"], max([c["created"] for c in self.descendants(it)] or [0])))
        if name == "from":
            f = self.from_of(req, it)
            if f is not None and sub:
                f = {k: f[k] for k, _, _ in sub if k in f}
            return f
        if name == "permalink_url":
            return self.permalink(it)
        if name == "comments":
            return self.comments_edge(req, it, mods, sub, embedded=True)
        if post:
            if name == "is_hidden":
                return it["hidden"]
            return None
        if name == "parent":
            par = self.state["items"].get(it["parent"])
            if par is None or par["kind"] == "post":
                return None
            if sub:
                return self.render(req, par, sub) if not par["deleted"] else {"id": par["id"]}
            return {"created_time": fmt_graph(par["created"]), "message": par["text"], "id": par["id"]}
        if name == "object":
            p = self.post_of(it["id"])
            return {"updated_time": fmt_graph(p["updated"]), "id": p["id"].split("_", 1)[-1]} if p else None
        if name == "comment_count":
            return len(self.children(it))
        if name == "like_count":
            return int(it.get("likes", 0))
        if name == "is_hidden":
            return it["hidden"]
        if name == "is_private":
            return False
        if name == "can_hide":
            # A Page cannot hide its own comments; a hidden comment has been
            # seen without can_hide at all (facebook-comment-hidden-no-canhide).
            if it["hidden"]:
                return None
            return not own
        if name == "can_remove":
            return True
        if name == "can_comment":
            return not own and self.state["items"].get(it["parent"], {}).get("kind") == "post"
        if name == "can_like":
            return not own
        if name == "can_reply_privately":
            return not own
        if name == "user_likes":
            return False
        if name == "attachment":
            return it.get("attachment")
        if name == "message_tags":
            return it.get("message_tags")
        return None

    def descendants(self, it):
        out = []
        for c in self.children(it):
            out.append(c)
            out.extend(self.descendants(c))
        return out

    # ---- paging -------------------------------------------------------

    @staticmethod
    def key(it):
        return (it["created"], it["id"])

    @staticmethod
    def cursor(it):
        return simbase.b64("%d:%s" % (it["created"], it["id"]))

    @staticmethod
    def uncursor(c):
        s = simbase.unb64(c) if c else None
        if not s or ":" not in s:
            return None
        t, i = s.split(":", 1)
        try:
            return (int(t), i)
        except ValueError:
            return None

    def link(self, req, path, params):
        q = []
        for k, v in params:
            q.append(k if v is None else "%s=%s" % (k, urllib.parse.quote(str(v), safe="")))
        return "%s/v%d.0/%s?%s" % (self.base_url, req.version, path.lstrip("/"), "&".join(q))

    def comments_edge(self, req, obj, mods, sub, embedded=False):
        filt = mods.get("filter")
        order = mods.get("order")
        if filt not in (None, "toplevel", "stream"):
            raise Refused(self.graph_error(400, 100, "(#100) filter must be one of the following "
                                           "values: toplevel, stream"))
        if order not in (None, "chronological", "reverse_chronological"):
            raise Refused(self.graph_error(400, 100, "(#100) order must be one of the following "
                                           "values: chronological, reverse_chronological"))
        if filt == "stream" and obj["kind"] == "post":
            pool = self.descendants(obj)
        else:
            pool = self.children(obj)
        rev = order == "reverse_chronological"
        pool.sort(key=self.key, reverse=rev)
        try:
            limit = int(mods.get("limit", 25))
        except ValueError:
            raise Refused(self.graph_error(400, 100, "(#100) Param limit must be a number"))
        after = self.uncursor(mods.get("after"))
        before = self.uncursor(mods.get("before"))
        if mods.get("after") and after is None or mods.get("before") and before is None:
            raise Refused(self.graph_error(400, 100, "(#100) The parameter after is not a valid cursor"))
        beyond = (lambda a, b: a < b) if rev else (lambda a, b: a > b)
        if after:
            rest = [it for it in pool if beyond(self.key(it), after)]
            page = rest[:limit]
            more_after = len(rest) > limit
            more_before = True
        elif before:
            rest = [it for it in pool if beyond(before, self.key(it))]
            page = rest[-limit:] if limit else []
            more_before = len(rest) > limit
            more_after = True
        else:
            page = pool[:limit]
            more_after = len(pool) > limit
            more_before = False
        out = {"data": [self.render(req, it, sub if sub else None) for it in page]}
        if page:
            params = [("access_token", self.token_of(req)), ("pretty", "0")]
            if req.arg("fields") and not embedded:
                params.append(("fields", req.arg("fields")))
            elif sub:
                params.append(("fields", unparse_fields(sub)))
            for k in ("summary", "filter", "order", "limit"):
                if k in mods and mods[k] is not None:
                    params.append((k, mods[k]))
            paging = {"cursors": {"before": self.cursor(page[0]), "after": self.cursor(page[-1])}}
            path = "%s/comments" % obj["id"]
            if more_before:
                paging["previous"] = self.link(req, path, params + [("before", paging["cursors"]["before"])])
            if more_after:
                paging["next"] = self.link(req, path, params + [("after", paging["cursors"]["after"])])
            out["paging"] = paging
        if mods.get("summary") in ("true", "1"):
            out["summary"] = {"order": order or ("chronological" if filt else "ranked"),
                              "total_count": len(pool), "can_comment": True}
        return out

    def feed_edge(self, req, page_id, edge, mods, sub):
        def want(it):
            if it["kind"] != "post" or it.get("account") != page_id:
                return False
            if edge in ("posts", "published_posts"):
                return it.get("author") == page_id
            return True
        pool = sorted(self.items(want), key=self.key, reverse=True)
        try:
            limit = int(mods.get("limit") or 25)
            int(mods.get("since") or 0), int(mods.get("until") or 0)
        except ValueError:
            raise Refused(self.graph_error(400, 100, "(#100) limit, since and until must be numbers"))
        token = self.uncursor(mods.get("__paging_token"))
        previous = mods.get("__previous") == "1"
        since = mods.get("since")
        until = mods.get("until")
        if token and previous:
            older_first = [it for it in reversed(pool) if self.key(it) > token]
            page = list(reversed(older_first[:limit]))
            more_newer = len(older_first) > limit
            more_older = True
        else:
            if token:
                rest = [it for it in pool if self.key(it) < token]
            else:
                rest = pool
                if until:
                    rest = [it for it in rest if it["created"] <= int(until) * 1000 + 999]
            if since:
                rest = [it for it in rest if it["created"] >= int(since) * 1000]
            page = rest[:limit]
            more_older = len(rest) > limit
            more_newer = True
        out = {"data": [self.render(req, it, sub) for it in page]}
        if page:
            base = [("access_token", self.token_of(req)), ("pretty", "0")]
            if req.arg("fields"):
                base.append(("fields", req.arg("fields")))
            if "limit" in mods:
                base.append(("limit", mods["limit"]))
            first, last = page[0], page[-1]
            paging = {}
            if more_newer:
                paging["previous"] = self.link(req, "%s/%s" % (page_id, edge), base + [
                    ("__previous", "1"), ("since", first["created"] // 1000), ("until", None),
                    ("__paging_token", self.cursor(first))])
            if more_older:
                paging["next"] = self.link(req, "%s/%s" % (page_id, edge), base + [
                    ("until", last["created"] // 1000), ("since", None),
                    ("__paging_token", self.cursor(last)), ("__previous", None)])
            out["paging"] = paging
        return out

    # ---- handlers -----------------------------------------------------

    def req_fields(self, req):
        f = req.arg("fields")
        if f is None or f == "":
            return None
        try:
            return parse_fields(f)
        except ValueError as e:
            raise Refused(self.graph_error(400, 100, "(#100) %s" % e))

    def lookup(self, req, oid):
        it = self.item(oid)
        if it is None:
            raise Refused(self.gone(req, oid))
        return it

    def object_json(self, req, oid):
        pg = self.page(oid)
        if pg is not None:
            fields = self.req_fields(req) or [("name", {}, None), ("id", {}, None)]
            out = {}
            for name, _, _ in fields:
                if name in pg:
                    out[name] = pg[name]
            return out
        self.need_read(req)
        return self.render(req, self.lookup(req, oid), self.req_fields(req))

    def edge_json(self, req, oid, edge):
        mods = {k: req.arg(k) for k in ("filter", "order", "limit", "summary", "after", "before",
                                        "since", "until", "__paging_token", "__previous")
                if req.arg(k) is not None}
        self.need_read(req)
        if edge in ("feed", "posts", "published_posts"):
            if self.page(oid) is None:
                raise Refused(self.gone(req, oid))
            return self.feed_edge(req, oid, edge, mods, self.req_fields(req))
        if edge == "ratings":
            if self.page(oid) is None:
                raise Refused(self.gone(req, oid))
            if req.version >= 22:
                raise Refused(self.graph_error(
                    400, 12, "(#12) Querying recommendations is deprecated for versions v22.0 and "
                    "higher"))
            data = self.state["extra"].get("ratings", [])
            return {"data": data}
        if edge == "comments":
            return self.comments_edge(req, self.lookup(req, oid), mods, self.req_fields(req))
        raise Refused(self.graph_error(400, 100, "(#100) Tried accessing nonexisting field (%s) on "
                                       "node type (Comment)" % edge))

    def ids_of(self, req):
        ids = [i for i in (req.arg("ids") or "").split(",") if i]
        missing = [i for i in ids if self.page(i) is None and self.item(i) is None]
        if missing:
            raise Refused(self.graph_error(
                404, 803, "(#803) Some of the aliases you requested do not exist: %s" % ",".join(missing)))
        return ids

    def get_root(self, req):
        if not req.arg("ids"):
            return self.graph_error(400, 100, "(#100) Missing ids parameter")
        return self.json(200, {i: self.object_json(req, i) for i in self.ids_of(req)})

    def get_object(self, req, oid):
        if req.arg("ids") and oid in ("comments", "feed", "posts", "published_posts"):
            return self.json(200, {i: self.edge_json(req, i, oid) for i in self.ids_of(req)})
        return self.json(200, self.object_json(req, oid))

    def get_edge(self, req, oid, edge):
        return self.json(200, self.edge_json(req, oid, edge))

    def post_object(self, req, oid):
        it = self.item(oid)
        if it is None:
            resp = self.gone(req, oid)
            resp.action = {"op": "hide", "id": oid, "result": "gone"}
            return resp
        val = req.arg("is_hidden")
        if val is None:
            return self.graph_error(400, 100, "(#100) Unsupported post request.", etype="GraphMethodException")
        self.need_perm(req, "pages_manage_engagement")
        hide = val.lower() in ("true", "1")
        op = "hide" if hide else "unhide"
        if it.get("kind") == "review":
            resp = self.graph_error(400, 100, "(#100) Reviews cannot be hidden through the API",
                                    etype="GraphMethodException")
            resp.action = {"op": op, "id": oid, "result": "refused", "code": 100}
            return resp
        own = it.get("author") == self.account_of(it)
        if own or (it["kind"] == "post" and it.get("author") == it.get("account")):
            resp = self.graph_error(400, 100, "(#100) The Page cannot hide its own content",
                                    etype="GraphMethodException")
            resp.action = {"op": op, "id": oid, "result": "refused", "code": 100}
            return resp
        it["hidden"] = hide
        resp = self.json(200, {"success": True})
        resp.action = {"op": op, "id": oid, "result": "ok"}
        return resp

    def delete_object(self, req, oid):
        it = self.item(oid)
        if it is None:
            resp = self.gone(req, oid)
            resp.action = {"op": "delete", "id": oid, "result": "gone"}
            return resp
        self.need_perm(req, "pages_manage_engagement")
        if it.get("kind") == "review":
            resp = self.graph_error(400, 100, "(#100) Reviews cannot be deleted through the API",
                                    etype="GraphMethodException")
            resp.action = {"op": "delete", "id": oid, "result": "refused", "code": 100}
            return resp
        it["deleted"] = True
        resp = self.json(200, {"success": True})
        resp.action = {"op": "delete", "id": oid, "result": "ok"}
        return resp

    def post_comment(self, req, oid):
        it = self.item(oid)
        if it is None:
            resp = self.gone(req, oid)
            resp.action = {"op": "reply", "id": oid, "result": "gone"}
            return resp
        self.need_perm(req, "pages_manage_engagement")
        msg = req.arg("message")
        if not msg:
            return self.graph_error(400, 100, "(#100) Missing message or attachment")
        # Replies are one level deep: a reply to a reply lands on its parent.
        parent = it
        if it["kind"] == "comment":
            par = self.state["items"].get(it["parent"])
            if par is not None and par["kind"] == "comment":
                parent = par
        new = self.add_item({"kind": "comment", "parent": parent["id"], "text": msg,
                             "author": self.account_of(parent) or self.page_id(),
                             "created": simbase.now_ms() / 1000})
        fields = self.req_fields(req)
        body = self.render(req, new, fields) if fields else {"id": new["id"]}
        resp = self.json(200, body)
        resp.action = {"op": "reply", "id": oid, "result": "ok", "created": new["id"]}
        return resp

    def post_root(self, req):
        raw = req.arg("batch")
        if raw is None:
            return self.graph_error(400, 100, "(#100) Missing batch parameter")
        try:
            batch = json.loads(raw)
        except ValueError:
            return self.graph_error(400, 100, "(#100) The parameter batch must be a JSON array")
        if not isinstance(batch, list) or len(batch) > 50:
            return self.graph_error(400, 100, "(#100) Too many requests in batch message. Maximum "
                                    "batch size is 50")
        out = []
        tok = self.token_of(req)
        for sub in batch:
            rel = "/" + sub.get("relative_url", "").lstrip("/")
            if "access_token=" not in rel:
                rel += ("&" if "?" in rel else "?") + "access_token=" + urllib.parse.quote(tok)
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            sreq = Request(sub.get("method", "GET").upper(), rel, headers,
                           (sub.get("body") or "").encode())
            resp = self.dispatch(sreq)
            self.common_headers(sreq, resp)
            out.append({"code": resp.status,
                        "headers": [{"name": k, "value": v} for k, v in resp.headers],
                        "body": resp.body.decode("utf-8")})
        return self.json(200, out)


if __name__ == "__main__":
    simbase.main(FacebookSim)
