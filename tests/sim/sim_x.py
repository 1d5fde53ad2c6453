#!/usr/bin/env python3
"""X (Twitter) API v2 simulator for vakt's tests.

Follows ../shared/PLATFORMS.md §4 and the recordings
../shared/data/platform-fixtures/x-*.json:

* GET /2/users/:id/mentions (max_results 5-100, since_id, until_id,
  pagination_token), GET /2/tweets/search/recent (query with
  conversation_id:, from:, -from: and words; last 7 days; max_results
  10-100; next_token or pagination_token), GET /2/users/:id/tweets (owned
  reads), GET /2/tweets?ids= (missing ids as errors[] inside a 200);
* newest first; meta{result_count,newest_id,oldest_id,next_token?} with
  next_token absent on the last page and `data` absent when empty; the key
  order of meta differs between mentions and search, as recorded;
* tweet.fields (created_at, author_id, conversation_id,
  in_reply_to_user_id, referenced_tweets, public_metrics),
  expansions=author_id -> includes.users; ids are 64-bit strings;
  non-BMP characters travel as \\uD83E\\uDD28 surrogate escapes;
* PUT /2/tweets/:id/hidden {"hidden":bool}: only replies in conversations
  the token's user started, user context only; no delete of others' posts;
* x-rate-limit-limit/-remaining/-reset (epoch seconds) on every answer and
  429 when a window is used up; 402 CreditsDepleted when reads have used up
  the credits (config "credits", one per post returned); problem-JSON
  errors {title,detail,type,status}.

Items: kind "tweet"; `parent` is the tweet replied to (null for a root);
`conversation` defaults to the root's id.  Authors: {id, name, username}.
Tokens: {"user": author key or null (app-only), "scopes": [...]}.
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402
from simbase import Refused, Response  # noqa: E402

PROBLEMS = "https://api.twitter.com/2/problems/"
TWEPOCH = 1288834974657
WINDOW = 900
LIMITS = {"mentions": 450, "search": 450, "tweets": 900, "lookup": 900, "hide": 50}


def surrogates(s):
    def esc(m):
        c = ord(m.group(0)) - 0x10000
        return "\\u%04X\\u%04X" % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF))
    return re.sub("[\U00010000-\U0010FFFF]", esc, s)


class XSim(simbase.Sim):
    platform = "x"

    def setup_routes(self):
        self.route("GET", r"/2/users/(\d+)/mentions", self.mentions)
        self.route("GET", r"/2/users/(\d+)/tweets", self.user_tweets)
        self.route("GET", r"/2/tweets/search/recent", self.search)
        self.route("GET", r"/2/tweets", self.lookup_ids)
        self.route("PUT", r"/2/tweets/(\d+)/hidden", self.hide)
        self.route("DELETE", r"/2/tweets/(\d+)", self.delete)

    def json(self, status, obj, headers=None):
        return Response(status, surrogates(simbase.dumps(obj)), headers)

    def new_id(self, it):
        self.seq += 1
        ms = simbase.parse_time(it.get("created"), self.start_ms)
        return str(((ms - TWEPOCH) << 22) + self.seq)

    def norm_item(self, it):
        it = super().norm_item(it)
        it["kind"] = "tweet"
        return it

    # ---- errors and limits ---------------------------------------------

    def problem(self, status, title, detail, ptype="about:blank", **kw):
        body = {"title": title, "detail": detail, "type": ptype if ptype == "about:blank" else PROBLEMS + ptype,
                "status": status}
        body.update(kw)
        return self.json(status, body)

    def error_token(self, req, kind):
        if kind == "permission":
            return self.problem(403, "Forbidden", "You are not permitted to perform this action.",
                                "client-forbidden", reason="client-not-enrolled")
        return self.problem(401, "Unauthorized", "Unauthorized")

    def error_429(self, req, fault):
        req.exhausted = True
        return self.problem(429, "Too Many Requests", "Too Many Requests")

    def error_throttle(self, req, fault):
        kind = fault.get("kind", "rate")
        if kind == "credits":
            return self.credits_error()
        if kind == "usage_cap":
            return self.problem(402, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap",
                                "usage-capped", period="Monthly", scope="Product")
        return self.error_429(req, fault)

    def credits_error(self):
        return self.problem(402, "CreditsDepleted", "Your enrolled account does not have any credits "
                            "to fulfill this request.", "credits")

    def error_server(self, req, status):
        if status == 503:
            return self.problem(503, "Service Unavailable", "Service Unavailable")
        return super().error_server(req, status)

    def not_found(self, req):
        return self.problem(404, "Not Found Error", "Sorry, that page does not exist.",
                            "resource-not-found")

    def endpoint(self, req):
        p = req.path
        if p.endswith("/mentions"):
            return "mentions"
        if p.endswith("/search/recent"):
            return "search"
        if p.endswith("/hidden"):
            return "hide"
        if re.match(r"^/2/users/\d+/tweets$", p):
            return "tweets"
        return "lookup"

    def window(self, ep):
        rl = self.state["config"].setdefault("rate", {})
        w = rl.get(ep)
        now = int(time.time())
        if w is None or now >= w["reset"]:
            lim = self.state["config"].get("limits", {}).get(ep, LIMITS[ep])
            w = rl[ep] = {"limit": lim, "remaining": lim, "reset": now + WINDOW}
        return w

    def common_headers(self, req, resp):
        w = self.window(self.endpoint(req))
        resp.header("x-rate-limit-limit", w["limit"])
        resp.header("x-rate-limit-remaining", 0 if getattr(req, "exhausted", False) else w["remaining"])
        resp.header("x-rate-limit-reset", w["reset"])

    def check_token(self, req):
        info = self.token_info(req.bearer())
        if info is None or info.get("expired"):
            return self.error_token(req, "invalid")
        req.tok = info
        w = self.window(self.endpoint(req))
        if w["remaining"] <= 0:
            req.exhausted = True
            return self.problem(429, "Too Many Requests", "Too Many Requests")
        w["remaining"] -= 1
        return None

    def charge(self, n):
        c = self.state["config"]
        if "credits" not in c:
            return
        if c["credits"] <= 0:
            raise Refused(self.credits_error())
        c["credits"] = max(0, c["credits"] - n)

    # ---- rendering ----------------------------------------------------

    def user(self, key):
        a = self.author(key) or {}
        return {"id": a.get("id"), "name": a.get("name"), "username": a.get("username")}

    def root_of(self, it):
        if it.get("conversation"):
            return it["conversation"]
        seen = it
        while seen.get("parent") and seen["parent"] in self.state["items"]:
            seen = self.state["items"][seen["parent"]]
        return seen["id"] if not seen.get("parent") else seen["parent"]

    def tweet(self, req, it):
        fields = set((req.arg("tweet.fields") or "").split(","))
        out = {"edit_history_tweet_ids": it.get("edit_history", [it["id"]]), "id": it["id"], "text": it["text"]}
        if "created_at" in fields:
            out["created_at"] = simbase.fmt_iso_ms(it["created"])
        if "author_id" in fields:
            out["author_id"] = self.user(it["author"])["id"]
        if "conversation_id" in fields:
            out["conversation_id"] = self.root_of(it)
        par = self.state["items"].get(it.get("parent") or "")
        if "in_reply_to_user_id" in fields and it.get("parent"):
            if par is not None:
                out["in_reply_to_user_id"] = self.user(par["author"])["id"]
        if "referenced_tweets" in fields and it.get("parent"):
            out["referenced_tweets"] = [{"type": "replied_to", "id": it["parent"]}]
        if "public_metrics" in fields:
            out["public_metrics"] = {"retweet_count": 0, "reply_count": len(self.items(
                lambda c: c.get("parent") == it["id"])), "like_count": int(it.get("likes", 0)),
                "quote_count": 0}
        return out

    def listing(self, req, pool, lo, hi, default, meta_order, token_param):
        pool = sorted(pool, key=lambda it: int(it["id"]), reverse=True)
        try:
            mx = int(req.arg("max_results", default))
        except ValueError:
            mx = -1
        if not lo <= mx <= hi:
            raise Refused(self.json(400, {
                "errors": [{"parameters": {"max_results": [req.arg("max_results")]},
                            "message": "The `max_results` query parameter value [%s] is not between %d and %d"
                            % (req.arg("max_results"), lo, hi)}],
                "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                "type": PROBLEMS + "invalid-request"}))
        if req.arg("since_id"):
            pool = [it for it in pool if int(it["id"]) > int(req.arg("since_id"))]
        if req.arg("until_id"):
            pool = [it for it in pool if int(it["id"]) < int(req.arg("until_id"))]
        tok = req.arg(token_param) or req.arg("pagination_token")
        if tok:
            last = simbase.unb64(tok)
            if not last or not last.isdigit():
                raise Refused(self.json(400, {
                    "errors": [{"parameters": {token_param: [tok]}, "message": "Invalid pagination token"}],
                    "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                    "type": PROBLEMS + "invalid-request"}))
            pool = [it for it in pool if int(it["id"]) < int(last)]
        page = pool[:mx]
        self.charge(len(page))
        meta = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if len(pool) > mx:
            meta["next_token"] = simbase.b64(page[-1]["id"])
        out = {}
        if page:
            out["data"] = [self.tweet(req, it) for it in page]
            if "author_id" in (req.arg("expansions") or "").split(","):
                seen, users = set(), []
                for it in page:
                    u = self.user(it["author"])
                    if u["id"] not in seen:
                        seen.add(u["id"])
                        users.append(u)
                out["includes"] = {"users": users}
        out["meta"] = {k: meta[k] for k in meta_order if k in meta}
        return out

    def uid_key(self, uid):
        for k, a in self.state["authors"].items():
            if a.get("id") == uid:
                return k
        return None

    # ---- handlers -----------------------------------------------------

    def mentions(self, req, uid):
        key = self.uid_key(uid)
        if key is None:
            return self.json(200, {"errors": [{"value": uid, "detail": "Could not find user with id: [%s]." % uid,
                                               "title": "Not Found Error", "resource_type": "user",
                                               "parameter": "id", "resource_id": uid,
                                               "type": PROBLEMS + "resource-not-found"}]})
        uname = self.state["authors"][key].get("username", "").lower()

        def mentions_me(it):
            if it["author"] == key:
                return False
            if "@" + uname in it["text"].lower():
                return True
            par = self.state["items"].get(it.get("parent") or "")
            return par is not None and par["author"] == key
        return self.json(200, self.listing(req, self.items(mentions_me), 5, 100, 10,
                                           ("next_token", "result_count", "newest_id", "oldest_id"),
                                           "pagination_token"))

    def user_tweets(self, req, uid):
        key = self.uid_key(uid)
        return self.json(200, self.listing(req, self.items(author=key), 5, 100, 10,
                                           ("next_token", "result_count", "newest_id", "oldest_id"),
                                           "pagination_token"))

    def search(self, req):
        q = req.arg("query") or ""
        if not q:
            return self.json(400, {"errors": [{"parameters": {"query": []}, "message": "The `query` query "
                                               "parameter can not be empty"}],
                                   "title": "Invalid Request", "detail": "One or more parameters to your "
                                   "request was invalid.", "type": PROBLEMS + "invalid-request"})
        conds = []
        for term in q.split():
            neg = term.startswith("-")
            t = term.lstrip("-")
            if t.startswith("conversation_id:"):
                v = t.split(":", 1)[1]
                conds.append((neg, lambda it, v=v: self.root_of(it) == v))
            elif t.startswith("from:"):
                v = t.split(":", 1)[1].lower()
                conds.append((neg, lambda it, v=v: v in (self.user(it["author"])["username"] or "").lower()
                              .split() + [self.user(it["author"])["id"]]))
            else:
                conds.append((neg, lambda it, t=t: t.lower() in it["text"].lower()))
        horizon = simbase.now_ms() - 7 * 86400000

        def want(it):
            return it["created"] >= horizon and all(c(it) != neg for neg, c in conds)
        return self.json(200, self.listing(req, self.items(want), 10, 100, 10,
                                           ("newest_id", "oldest_id", "result_count", "next_token"),
                                           "next_token"))

    def lookup_ids(self, req):
        ids = [i for i in (req.arg("ids") or "").split(",") if i]
        found = [self.item(i) for i in ids if self.item(i)]
        self.charge(len(found))
        out = {}
        if found:
            out["data"] = [self.tweet(req, it) for it in found]
            if "author_id" in (req.arg("expansions") or "").split(","):
                users = []
                for it in found:
                    u = self.user(it["author"])
                    if u not in users:
                        users.append(u)
                out["includes"] = {"users": users}
        errs = [{"value": i, "detail": "Could not find tweet with ids: [%s]." % i, "title": "Not Found Error",
                 "resource_type": "tweet", "parameter": "ids", "resource_id": i,
                 "type": PROBLEMS + "resource-not-found"} for i in ids if not self.item(i)]
        if errs:
            out["errors"] = errs
        return self.json(200, out)

    def act(self, resp, **a):
        resp.action = a
        return resp

    def hide(self, req, tid):
        if req.tok.get("user") is None:
            return self.act(self.problem(
                403, "Unsupported Authentication", "Authenticating with OAuth 2.0 Application-Only is "
                "forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User "
                "Context, OAuth 2.0 User Context].", "unsupported-authentication"),
                op="hide", id=tid, result="refused")
        if "tweet.moderate.write" not in req.tok.get("scopes", []):
            return self.act(self.error_token(req, "permission"), op="hide", id=tid, result="refused")
        body = req.json if isinstance(req.json, dict) else None
        if body is None or not isinstance(body.get("hidden"), bool):
            return self.json(400, {"errors": [{"parameters": {"hidden": []}, "message": "JSON doesn't match "
                                               "expected schema"}], "title": "Invalid Request",
                                   "detail": "One or more parameters to your request was invalid.",
                                   "type": PROBLEMS + "invalid-request"})
        it = self.item(tid)
        op = "hide" if body["hidden"] else "unhide"
        if it is None:
            return self.act(self.problem(404, "Not Found Error", "Could not find tweet with id: [%s]." % tid,
                                         "resource-not-found"), op=op, id=tid, result="gone")
        root = self.state["items"].get(self.root_of(it))
        if not it.get("parent") or root is None or root["author"] != req.tok["user"]:
            return self.act(self.problem(403, "Forbidden", "You can only hide or unhide replies to "
                                         "conversations you authored.", "client-forbidden"),
                            op=op, id=tid, result="refused")
        it["hidden"] = body["hidden"]
        return self.act(self.json(200, {"data": {"hidden": body["hidden"]}}), op=op, id=tid, result="ok")

    def delete(self, req, tid):
        it = self.item(tid)
        if it is None:
            return self.act(self.problem(404, "Not Found Error", "Could not find tweet with id: [%s]." % tid,
                                         "resource-not-found"), op="delete", id=tid, result="gone")
        if it["author"] != req.tok.get("user"):
            return self.act(self.problem(403, "Forbidden", "You are not allowed to delete this Tweet.",
                                         "client-forbidden"), op="delete", id=tid, result="refused")
        it["deleted"] = True
        return self.act(self.json(200, {"data": {"deleted": True}}), op="delete", id=tid, result="ok")


if __name__ == "__main__":
    simbase.main(XSim)
