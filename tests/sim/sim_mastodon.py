#!/usr/bin/env python3
"""Mastodon API simulator for vakt's tests.

Follows ../shared/PLATFORMS.md §5 and the recordings
../shared/data/platform-fixtures/mastodon-*.json:

* GET /api/v1/notifications?types[]=mention with limit (default 40, max
  80), max_id / since_id / min_id, and paging only in the `Link` header
  (rel="next" with max_id while a page is full, rel="prev" with min_id);
* GET /api/v1/accounts/:id/statuses (the account's own statuses: how vakt
  sees its replies), paged like notifications (limit max 40);
  exclude_replies=true leaves out replies to other accounts (as Mastodon
  does: the account's replies to itself, thread continuations, stay),
  exclude_reblogs=true is accepted (the simulator has no boosts);
* GET /api/v1/statuses/:id and /api/v1/statuses/:id/context
  ({"ancestors":[...],"descendants":[...]}, descendants depth-first in
  thread order; replies under a deleted status are not reached, as their
  parent is gone); every status carries replies_count (direct replies
  only, as Mastodon counts them);
* POST /api/v1/reports, POST /api/v1/accounts/:id/block and /mute;
  DELETE /api/v1/statuses/:id only for the account's own statuses (others:
  404, as Mastodon scopes the lookup to the caller); no hide at all;
* X-RateLimit-Limit/-Remaining/-Reset (ISO time with microseconds), 429
  when the 5-minute window is used up;
* errors {"error": "..."} that are localised: with config "locale": "sv"
  or "Accept-Language: sv" every message is Swedish, so a client that
  matches on error text fails here.

Items: kind "status"; parent = in_reply_to_id; authors {id, username,
display_name}; the account is accounts[0] (its author key is "me").
Notification ids are assigned in the order statuses arrive.
"""
import datetime
import html
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simbase  # noqa: E402

MSG = {
    "en": {"invalid": "The access token is invalid", "expired": "The access token expired",
           "missing": "This method requires an authenticated user",
           "scope": "This action is outside the authorized scopes",
           "notfound": "Record not found", "ratelimit": "Too many requests",
           "server": "There was a temporary problem serving your request, please try again",
           "blank": "Validation failed: Text can't be blank"},
    "sv": {"invalid": "Åtkomsttoken är ogiltig", "expired": "Åtkomsttoken har gått ut",
           "missing": "Den här metoden kräver en autentiserad användare",
           "scope": "Den här åtgärden ligger utanför de godkända behörigheterna",
           "notfound": "Posten hittades inte", "ratelimit": "För många förfrågningar",
           "server": "Det uppstod ett tillfälligt problem med din förfrågan, försök igen",
           "blank": "Validering misslyckades: Text får inte vara tomt"},
}
WINDOW = 300


class MastodonSim(simbase.Sim):
    platform = "mastodon"

    def setup_routes(self):
        self.route("GET", r"/api/v1/notifications", self.notifications)
        self.route("GET", r"/api/v1/accounts/(\d+)/statuses", self.account_statuses)
        self.route("GET", r"/api/v1/statuses/(\d+)", self.status_get)
        self.route("DELETE", r"/api/v1/statuses/(\d+)", self.status_delete)
        self.route("GET", r"/api/v1/statuses/(\d+)/context", self.context)
        self.route("POST", r"/api/v1/statuses", self.status_post)
        self.route("POST", r"/api/v1/reports", self.report)
        self.route("POST", r"/api/v1/accounts/(\d+)/(block|mute|unblock|unmute)", self.relationship)

    def load(self, scenario):
        self.notif = {}
        super().load(scenario)
        # Notification ids follow arrival order, whatever the file's order.
        arr = sorted((it for it in self.state["items"].values() if it["id"] in self.notif),
                     key=lambda it: (it.get("appear_ms") or it["created"], it["created"], it["id"]))
        base = int(self.state["config"].get("notif_base", 0))
        self.notif = {it["id"]: str(base + i + 1) for i, it in enumerate(arr)}

    def add_item(self, it):
        it = super().add_item(dict(it, kind="status"))
        if self.is_mention(it):
            self.notif[it["id"]] = str(len(self.notif) + 1 + int(self.state["config"].get("notif_base", 0)))
        return it

    def new_id(self, it):
        self.seq += 1
        ms = simbase.parse_time(it.get("created"), self.start_ms)
        return str((ms << 16) + self.seq)

    def me(self):
        return self.state["authors"]["me"]

    def is_mention(self, it):
        if it.get("author") == "me":
            return False
        if "@" + self.me()["username"].lower() in it["text"].lower():
            return True
        par = self.state["items"].get(it.get("parent") or "")
        return par is not None and par.get("author") == "me"

    # ---- errors -------------------------------------------------------

    def locale(self, req):
        al = (req.headers.get("Accept-Language") or "").split(",")[0].split("-")[0].strip().lower()
        loc = al or self.state["config"].get("locale", "en")
        return loc if loc in MSG else "en"

    def err(self, req, status, key):
        return self.json(status, {"error": MSG[self.locale(req)][key]})

    def error_token(self, req, kind):
        if kind == "permission":
            return self.err(req, 403, "scope")
        return self.err(req, 401, "expired" if kind == "expired" else "invalid")

    def error_429(self, req, fault):
        req.exhausted = True
        return self.err(req, 429, "ratelimit")

    def error_server(self, req, status):
        return self.err(req, status, "server")

    def not_found(self, req):
        return self.err(req, 404, "notfound")

    def check_token(self, req):
        tok = req.bearer() or req.arg("access_token")
        if not tok:
            return self.err(req, 401, "missing")
        info = self.token_info(tok)
        if info is None:
            return self.error_token(req, "invalid")
        if info.get("expired"):
            return self.error_token(req, "expired")
        req.tok = info
        w = self.window()
        if w["remaining"] <= 0:
            req.exhausted = True
            return self.err(req, 429, "ratelimit")
        w["remaining"] -= 1
        return None

    def need_scope(self, req, scope):
        scopes = req.tok.get("scopes", [])
        top = scope.split(":")[0]
        if scope not in scopes and top not in scopes:
            raise simbase.Refused(self.error_token(req, "permission"))

    def window(self):
        w = self.state["config"].get("rate")
        now = time.time()
        if w is None or now >= w["reset"]:
            lim = int(self.state["config"].get("rate_limit", 300))
            w = self.state["config"]["rate"] = {"limit": lim, "remaining": lim,
                                                "reset": (int(now) // WINDOW + 1) * WINDOW + 0.940463}
        return w

    def common_headers(self, req, resp):
        w = self.window()
        resp.header("X-RateLimit-Limit", w["limit"])
        resp.header("X-RateLimit-Remaining", 0 if getattr(req, "exhausted", False) else w["remaining"])
        reset = datetime.datetime.fromtimestamp(w["reset"], datetime.timezone.utc)
        resp.header("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

    # ---- rendering ----------------------------------------------------

    def base(self):
        return self.state["config"].get("instance", getattr(self, "base_url", "http://127.0.0.1"))

    def account(self, key):
        a = self.author(key) or {}
        b = self.base()
        return {
            "id": a.get("id"), "username": a.get("username"), "acct": a.get("acct", a.get("username")),
            "display_name": a.get("display_name", ""), "locked": False, "bot": False, "discoverable": None,
            "indexable": False, "group": False, "created_at": "2026-08-01T00:00:00.000Z", "note": "",
            "url": "%s/@%s" % (b, a.get("username")), "uri": "%s/ap/users/%s" % (b, a.get("id")),
            "avatar": b + "/avatars/original/missing.png", "avatar_static": b + "/avatars/original/missing.png",
            "avatar_description": "", "header": b + "/headers/original/missing.png",
            "header_static": b + "/headers/original/missing.png", "header_description": "",
            "followers_count": 0, "following_count": 0,
            "statuses_count": len(self.items(author=key)),
            "last_status_at": "2026-08-01", "hide_collections": None,
            "show_media": True, "show_media_replies": True, "show_featured": True, "noindex": False,
            "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"}, "emojis": [],
            "roles": [], "fields": []}

    def content(self, text):
        b = self.base()
        esc = html.escape(text, quote=False)

        def mention(m):
            u = m.group(1)
            return ('<span class="h-card" translate="no"><a href="%s/@%s" class="u-url mention">'
                    '@<span>%s</span></a></span>' % (b, u, u))
        return "<p>" + re.sub(r"@([A-Za-z0-9_]+)", mention, esc).replace("\n", "<br />") + "</p>"

    def status(self, it):
        b = self.base()
        a = self.author(it.get("author")) or {}
        par = self.state["items"].get(it.get("parent") or "")
        ments = []
        for u in re.findall(r"@([A-Za-z0-9_]+)", it["text"]):
            for k, au in self.state["authors"].items():
                if au.get("username", "").lower() == u.lower():
                    ments.append({"id": au["id"], "username": au["username"], "url": "%s/@%s" % (b, au["username"]),
                                  "acct": au.get("acct", au["username"])})
        return {
            "id": it["id"], "created_at": simbase.fmt_iso_ms(it["created"]),
            "in_reply_to_id": it.get("parent"),
            "in_reply_to_account_id": (self.author(par["author"]) or {}).get("id") if par else None,
            "sensitive": False, "spoiler_text": it.get("spoiler", ""), "visibility": it.get("visibility", "public"),
            "language": it.get("language", "sv"),
            "uri": "%s/ap/users/%s/statuses/%s" % (b, a.get("id"), it["id"]),
            "url": "%s/@%s/%s" % (b, a.get("username"), it["id"]),
            "replies_count": len(self.items(parent=it["id"])),
            "reblogs_count": 0, "favourites_count": 0, "quotes_count": 0,
            "edited_at": simbase.fmt_iso_ms(it["updated"]) if it["edits"] else None,
            "favourited": False, "reblogged": False, "muted": False, "bookmarked": False,
            "content": self.content(it["text"]), "filtered": [], "reblog": None,
            "application": {"name": "Web", "website": None}, "account": self.account(it.get("author")),
            "media_attachments": [], "mentions": ments, "tags": [], "emojis": [], "tagged_collections": [],
            "quote": None, "card": None, "poll": None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"}}

    def notification(self, it):
        n = self.notif[it["id"]]
        return {"id": n, "type": "mention", "created_at": simbase.fmt_iso_ms(it["created"]),
                "group_key": "ungrouped-%s" % n, "account": self.account(it.get("author")),
                "status": self.status(it)}

    # ---- handlers -----------------------------------------------------

    def notifications(self, req):
        self.need_scope(req, "read:notifications")
        types = req.args("types[]") or req.args("types")
        excl = req.args("exclude_types[]")
        if (types and "mention" not in types) or "mention" in excl:
            pool = []
        else:
            pool = [it for it in self.items(lambda s: s["id"] in self.notif)]
        pool.sort(key=lambda s: int(self.notif[s["id"]]), reverse=True)
        try:
            limit = min(80, max(1, int(req.arg("limit", 40))))
        except ValueError:
            limit = 40
        nid = lambda s: int(self.notif[s["id"]])  # noqa: E731
        if req.arg("max_id"):
            pool = [s for s in pool if nid(s) < int(req.arg("max_id"))]
        if req.arg("since_id"):
            pool = [s for s in pool if nid(s) > int(req.arg("since_id"))]
        if req.arg("min_id"):
            newer = [s for s in reversed(pool) if nid(s) > int(req.arg("min_id"))][:limit]
            page = list(reversed(newer))
        else:
            page = pool[:limit]
        resp = self.json(200, [self.notification(s) for s in page])
        if page:
            extra = [("types[]", t) for t in types] + [("exclude_types[]", t) for t in excl]
            if req.arg("limit"):
                extra.append(("limit", req.arg("limit")))
            url = lambda k, v: "%s/api/v1/notifications?%s" % (  # noqa: E731
                self.base_url, urllib.parse.urlencode([(k, v)] + extra))
            links = []
            if len(page) == limit:
                links.append('<%s>; rel="next"' % url("max_id", self.notif[page[-1]["id"]]))
            links.append('<%s>; rel="prev"' % url("min_id", self.notif[page[0]["id"]]))
            resp.header("Link", ", ".join(links))
        return resp

    def account_statuses(self, req, aid):
        """An account's own statuses, newest first (limit default 20, max
        40), paged like notifications: max_id / since_id / min_id, Link."""
        self.need_scope(req, "read:statuses")
        key = next((k for k, a in self.state["authors"].items() if a.get("id") == aid), None)
        if key is None:
            return self.err(req, 404, "notfound")
        pool = sorted(self.items(author=key),
                      key=lambda s: int(s["id"]), reverse=True)
        if (req.arg("exclude_replies") or "").lower() in ("true", "1"):
            def to_self(s):
                par = self.state["items"].get(s.get("parent") or "")
                return par is not None and par.get("author") == key
            pool = [s for s in pool if not s.get("parent") or to_self(s)]
        try:
            limit = min(40, max(1, int(req.arg("limit", 20))))
        except ValueError:
            limit = 20
        if req.arg("max_id"):
            pool = [s for s in pool if int(s["id"]) < int(req.arg("max_id"))]
        if req.arg("since_id"):
            pool = [s for s in pool if int(s["id"]) > int(req.arg("since_id"))]
        if req.arg("min_id"):
            page = list(reversed([s for s in reversed(pool) if int(s["id"]) > int(req.arg("min_id"))][:limit]))
        else:
            page = pool[:limit]
        resp = self.json(200, [self.status(s) for s in page])
        if page:
            keep = [(k, req.arg(k)) for k in ("exclude_replies", "exclude_reblogs") if req.arg(k)]
            url = lambda k, v: "%s/api/v1/accounts/%s/statuses?%s" % (  # noqa: E731
                self.base_url, aid, urllib.parse.urlencode([(k, v), ("limit", limit)] + keep))
            links = []
            if len(page) == limit:
                links.append('<%s>; rel="next"' % url("max_id", page[-1]["id"]))
            links.append('<%s>; rel="prev"' % url("min_id", page[0]["id"]))
            resp.header("Link", ", ".join(links))
        return resp

    def lookup(self, req, sid):
        it = self.item(sid)
        if it is None:
            raise simbase.Refused(self.err(req, 404, "notfound"))
        return it

    def status_get(self, req, sid):
        self.need_scope(req, "read:statuses")
        return self.json(200, self.status(self.lookup(req, sid)))

    def context(self, req, sid):
        self.need_scope(req, "read:statuses")
        it = self.lookup(req, sid)
        anc, p = [], self.state["items"].get(it.get("parent") or "")
        while p is not None and not p["deleted"]:
            anc.insert(0, p)
            p = self.state["items"].get(p.get("parent") or "")
        desc = []

        def walk(sid):
            for k in sorted(self.items(parent=sid), key=lambda s: (s["created"], s["id"])):
                desc.append(k)
                walk(k["id"])
        walk(it["id"])
        return self.json(200, {"ancestors": [self.status(s) for s in anc],
                               "descendants": [self.status(s) for s in desc]})

    def act(self, resp, **a):
        resp.action = a
        return resp

    def status_delete(self, req, sid):
        self.need_scope(req, "write:statuses")
        it = self.item(sid)
        if it is None or it.get("author") != "me":
            # Mastodon looks the status up among the caller's own.
            return self.act(self.err(req, 404, "notfound"), op="delete", id=sid,
                            result="gone" if it is None else "refused")
        it["deleted"] = True
        return self.act(self.json(200, self.status(it)), op="delete", id=sid, result="ok")

    def status_post(self, req):
        self.need_scope(req, "write:statuses")
        text = req.arg("status") or (req.json or {}).get("status")
        if not text:
            return self.err(req, 422, "blank")
        parent = req.arg("in_reply_to_id") or (req.json or {}).get("in_reply_to_id")
        if parent and self.item(parent) is None:
            return self.err(req, 404, "notfound")
        it = self.add_item({"author": "me", "text": text, "parent": parent, "created": simbase.now_ms() / 1000})
        return self.act(self.json(200, self.status(it)), op="reply", id=parent, result="ok", created=it["id"])

    def report(self, req):
        self.need_scope(req, "write:reports")
        body = req.json or {}
        acct = req.arg("account_id") or body.get("account_id")
        sids = req.args("status_ids[]") or body.get("status_ids", [])
        key = next((k for k, a in self.state["authors"].items() if a.get("id") == acct), None)
        if key is None:
            return self.act(self.err(req, 404, "notfound"), op="report", account=acct, result="gone")
        for s in sids:
            if self.item(s) is None:
                return self.act(self.err(req, 404, "notfound"), op="report", account=acct, result="gone")
        reports = self.state["extra"].setdefault("reports", [])
        rep = {"id": str(len(reports) + 1), "action_taken": False, "action_taken_at": None,
               "category": req.arg("category") or body.get("category", "other"),
               "comment": req.arg("comment") or body.get("comment", ""),
               "forwarded": (req.arg("forward") or str(body.get("forward", "false"))).lower() == "true",
               "created_at": simbase.fmt_iso_ms(simbase.now_ms()), "status_ids": sids,
               "rule_ids": req.args("rule_ids[]") or None, "collection_ids": [],
               "target_account": self.account(key)}
        reports.append(rep)
        return self.act(self.json(200, rep), op="report", account=acct, statuses=sids, result="ok",
                        report=rep["id"])

    def relationship(self, req, aid, verb):
        self.need_scope(req, "write:blocks" if "block" in verb else "write:mutes")
        key = next((k for k, a in self.state["authors"].items() if a.get("id") == aid), None)
        if key is None:
            return self.act(self.err(req, 404, "notfound"), op=verb, account=aid, result="gone")
        rel = self.state["extra"].setdefault("relationships", {}).setdefault(aid, {"blocking": False, "muting": False})
        if verb in ("block", "unblock"):
            rel["blocking"] = verb == "block"
        else:
            rel["muting"] = verb == "mute"
        out = {"id": aid, "following": False, "showing_reblogs": False, "notifying": False, "languages": None,
               "followed_by": False, "blocking": rel["blocking"], "blocked_by": False, "muting": rel["muting"],
               "muting_notifications": rel["muting"], "requested": False, "requested_by": False,
               "domain_blocking": False, "endorsed": False, "note": ""}
        return self.act(self.json(200, out), op=verb, account=aid, result="ok")


if __name__ == "__main__":
    simbase.main(MastodonSim)
