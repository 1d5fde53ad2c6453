"""Shared machinery of vakt's platform simulators (tests/sim/sim_*.py).

One simulator is one process serving one platform's API on 127.0.0.1 only,
from a scripted state loaded from a JSON scenario file.  This module holds
what every platform shares: the HTTP server, routing, the state store, the
request log, fault injection, triggers and the control endpoint under
/_sim/.  A platform module subclasses Sim, declares its routes and renders
the store's items in its own API's shapes.

Python standard library only.  See docs/hacking.md, "Platform simulators".
"""
import argparse
import base64
import copy
import datetime
import gzip
import http.server
import json
import re
import sys
import threading
import time
import traceback
import urllib.parse

# ---------------------------------------------------------------- time


def now_ms():
    return int(time.time() * 1000)


_REL = re.compile(r"^-(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1000, "m": 60000, "h": 3600000, "d": 86400000}


def parse_time(v, base_ms):
    """Scenario time to epoch ms: ISO 8601, unix seconds (int), "now" or a
    time relative to the simulator's start ("-90m", "-2h", "-3d")."""
    if v is None or v == "now":
        return base_ms
    if isinstance(v, (int, float)):
        return int(v * 1000)
    m = _REL.match(v)
    if m:
        return base_ms - int(float(m.group(1)) * _UNIT[m.group(2)])
    s = v.replace("Z", "+00:00")
    # Graph's "+0000" has no colon; fromisoformat wants one before 3.11.
    s = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", s)
    d = datetime.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


def utc(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)


def fmt_graph(ms):
    """Graph API: 2019-06-13T08:15:30+0000 (no colon, no fraction)."""
    return utc(ms).strftime("%Y-%m-%dT%H:%M:%S+0000")


def fmt_iso_ms(ms):
    """X, Mastodon: 2021-02-24T02:13:43.000Z."""
    return utc(ms).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def fmt_iso_s(ms):
    """YouTube (new responses): 2022-11-14T10:23:02Z."""
    return utc(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- JSON


def dumps(obj, php=False):
    """JSON text.  php=True escapes like PHP's json_encode (Graph API):
    every non-ASCII character as \\uXXXX (surrogate pairs beyond the BMP)
    and "/" as "\\/"."""
    if php:
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def b64(s):
    return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")


def unb64(s):
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)).decode()
    except Exception:  # noqa: BLE001 - a bad cursor is the client's error
        return None


# ---------------------------------------------------------------- request / response


ANY = object()  # items(): no condition on that field


class Request:
    def __init__(self, method, target, headers, body):
        self.method = method
        u = urllib.parse.urlsplit(target)
        self.path = urllib.parse.unquote(u.path)
        self.raw_query = u.query
        self.query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.form = {}
        self.json = None
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body:
            if ctype == "application/json":
                try:
                    self.json = json.loads(body.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    self.json = None
            elif ctype in ("application/x-www-form-urlencoded", ""):
                self.form = urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                  keep_blank_values=True)
        self.match = None

    def arg(self, name, default=None):
        """A parameter from the query string or a form body (last wins)."""
        for src in (self.form, self.query):
            if name in src:
                return src[name][-1]
        return default

    def args(self, name):
        return self.form.get(name, []) + self.query.get(name, [])

    def bearer(self):
        h = self.headers.get("Authorization") or ""
        parts = h.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in ("bearer", "oauth"):
            return parts[1].strip()
        return None


class Response:
    def __init__(self, status, body=b"", headers=None, ctype="application/json; charset=UTF-8"):
        self.status = status
        self.headers = list(headers or [])
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.body = body
        if ctype and body is not None and not any(k.lower() == "content-type" for k, _ in self.headers):
            self.headers.append(("Content-Type", ctype))
        self.action = None  # set by action handlers: what the request did

    def header(self, name, value):
        self.headers.append((name, str(value)))
        return self


class Refused(Exception):
    """Raised inside a handler: answer with this response."""

    def __init__(self, response):
        super().__init__("refused")
        self.response = response


# ---------------------------------------------------------------- the simulator


class Sim:
    """Base of a platform simulator.  Subclasses set `platform`, fill
    `routes` in setup_routes() and implement the hooks below."""

    platform = "generic"
    php_json = False

    def __init__(self, scenario):
        self.lock = threading.RLock()
        self.start_ms = now_ms()
        self.log = []
        self.faults = []
        self.triggers = []
        self.seq = 0
        self.routes = []
        self.stopping = threading.Event()
        self.load(scenario)
        self.setup_routes()

    # ---- state ------------------------------------------------------

    def load(self, scenario):
        sc = copy.deepcopy(scenario)
        if self.platform in sc and isinstance(sc[self.platform], dict):
            sc = sc[self.platform]  # a multi-platform scenario (the lively demo)
        self.state = {
            "tokens": sc.get("tokens", {}),
            "accounts": sc.get("accounts", []),
            "authors": sc.get("authors", {}),
            "items": {},
            "config": sc.get("config", {}),
            "extra": sc.get("extra", {}),
        }
        # field -> {value -> item ids in insertion order}, for items(parent=,
        # author=); built when first asked, dropped when a field changes.
        self.by = {}
        for it in sc.get("items", []):
            self.add_item(it)

    def norm_item(self, it):
        it = dict(it)
        if "id" not in it or not it["id"]:
            it["id"] = self.new_id(it)
        it["id"] = str(it["id"])
        it.setdefault("kind", "comment")
        it.setdefault("parent", None)
        it.setdefault("author", None)
        it.setdefault("text", "")
        # "appear_after_s": the item exists on the platform only from that
        # many seconds after the simulator started (a scripted stream).
        if it.get("appear_after_s") is not None:
            it["appear_ms"] = self.start_ms + int(float(it["appear_after_s"]) * 1000)
            if it.get("created") is None:
                it["created"] = it["appear_ms"] / 1000
        it["created"] = parse_time(it.get("created"), self.start_ms)
        it["updated"] = parse_time(it["updated"], self.start_ms) if it.get("updated") else it["created"]
        it.setdefault("hidden", False)
        it.setdefault("deleted", False)
        it.setdefault("edits", 0)
        return it

    def add_item(self, it):
        it = self.norm_item(it)
        if it["id"] in self.state["items"]:
            raise ValueError("duplicate item id %s" % it["id"])
        self.state["items"][it["id"]] = it
        for field, idx in self.by.items():
            idx.setdefault(it[field], []).append(it["id"])
        return it

    def new_id(self, it):
        self.seq += 1
        return "%d%06d" % (int(time.time()), self.seq)

    def item(self, iid, include_deleted=False):
        it = self.state["items"].get(iid)
        if it is None or (it["deleted"] and not include_deleted) or not self.arrived(it):
            return None
        return it

    @staticmethod
    def arrived(it):
        return it.get("appear_ms") is None or now_ms() >= it["appear_ms"]

    def items(self, pred=None, parent=ANY, author=ANY):
        """Live items (not deleted, arrived) for which pred holds, in the
        order they were added.  parent: only the children of that id (None:
        top level); author: only that author's; both from an index (the
        same answer as testing it["parent"] or it["author"] in pred, without
        scanning every item: a benchmark's simulator holds thousands)."""
        pool = None
        for field, value in (("parent", parent), ("author", author)):
            if value is ANY:
                continue
            ids = self.index(field).get(value, ())
            if pool is None:
                pool = [self.state["items"][i] for i in ids]
            else:
                keep = set(ids)
                pool = [it for it in pool if it["id"] in keep]
        if pool is None:
            pool = self.state["items"].values()
        now = now_ms()
        return [it for it in pool
                if not it["deleted"] and (it.get("appear_ms") is None or now >= it["appear_ms"])
                and (pred is None or pred(it))]

    def index(self, field):
        idx = self.by.get(field)
        if idx is None:
            idx = {}
            for it in self.state["items"].values():
                idx.setdefault(it[field], []).append(it["id"])
            self.by[field] = idx
        return idx

    def author(self, key):
        if key is None:
            return None
        return self.state["authors"].get(key, {"id": key, "name": key})

    def token_info(self, tok):
        if tok is None:
            return None
        return self.state["tokens"].get(tok)

    def cfg(self, key, default=None):
        return self.state["config"].get(key, default)

    # ---- control-side edits (platform "what happened on its own") ----

    def edit_item(self, iid, changes):
        it = self.state["items"].get(iid)
        if it is None:
            return None
        if "text" in changes:
            it["text"] = changes["text"]
            it["edits"] += 1
            it["updated"] = now_ms()
        for k, v in changes.items():
            if k in ("id", "text"):
                continue
            if k in ("created", "updated"):
                v = parse_time(v, self.start_ms)
            self.by.pop(k, None)  # an indexed field: rebuilt when next asked
            it[k] = v
        return it

    def apply_op(self, op):
        kind = op.get("op")
        if kind == "add":
            return {"added": self.add_item(op["item"])["id"]}
        if kind == "edit":
            return {"edited": bool(self.edit_item(op["id"], op.get("changes", {})))}
        if kind in ("delete", "hide", "unhide", "restore"):
            field, val = {"delete": ("deleted", True), "restore": ("deleted", False),
                          "hide": ("hidden", True), "unhide": ("hidden", False)}[kind]
            return {kind: bool(self.edit_item(op["id"], {field: val}))}
        raise ValueError("unknown op %r" % kind)

    # ---- hooks a platform overrides -----------------------------------

    def setup_routes(self):
        pass

    def route(self, method, pattern, fn):
        self.routes.append((method, re.compile("^" + pattern + "$"), fn))

    def json(self, status, obj, headers=None):
        return Response(status, dumps(obj, self.php_json), headers)

    def common_headers(self, req, resp):
        """Headers every answer carries (usage, rate limits)."""

    def not_found(self, req):
        return self.json(404, {"error": "not found"})

    def error_token(self, req, kind):
        """kind: missing, invalid, expired, permission."""
        return self.json(401, {"error": kind})

    def error_throttle(self, req, fault):
        return self.error_429(req, fault)

    def error_429(self, req, fault):
        return self.json(429, {"error": "Too Many Requests"})

    def error_server(self, req, status):
        return Response(status, "<html><body><h1>%d</h1></body></html>" % status,
                        ctype="text/html; charset=utf-8")

    def check_token(self, req):
        """Return None if the request's token is good, else an error
        Response.  Platforms override to read the token their way."""
        return None

    # ---- dispatch -----------------------------------------------------

    def dispatch(self, req):
        err = self.check_token(req)
        if err is not None:
            return err
        allowed = False
        for method, rx, fn in self.routes:
            m = rx.match(req.path)
            if not m:
                continue
            allowed = True
            if method != req.method:
                continue
            req.match = m
            try:
                return fn(req, *m.groups())
            except Refused as r:
                return r.response
        if allowed:
            return self.method_not_allowed(req)
        return self.not_found(req)

    def method_not_allowed(self, req):
        return self.not_found(req)

    # ---- faults and triggers -----------------------------------------

    def take_fault(self, req):
        for f in list(self.faults):
            if f.get("path") and not re.search(f["path"], req.path):
                continue
            if f.get("method") and f["method"] != req.method:
                continue
            if f.get("skip", 0) > 0:
                f["skip"] -= 1
                continue
            if f.get("count") is not None:
                f["count"] -= 1
                if f["count"] <= 0:
                    self.faults.remove(f)
            f["hits"] = f.get("hits", 0) + 1
            return f
        return None

    def run_triggers(self, req):
        done = []
        for t in list(self.triggers):
            if t.get("path") and not re.search(t["path"], req.path):
                continue
            t["seen"] = t.get("seen", 0) + 1
            if t["seen"] < t.get("at", 1):
                continue
            self.triggers.remove(t)
            for op in t.get("ops", []):
                done.append(self.apply_op(op))
        return done

    # ---- control endpoint ---------------------------------------------

    def control(self, req):
        p = req.path[len("/_sim"):]
        body = req.json if req.json is not None else {}
        if p == "/log" and req.method == "GET":
            since = int(req.arg("since", "0"))
            return self.ctl_ok({"requests": [e for e in self.log if e["n"] > since]})
        if p == "/log" and req.method == "DELETE":
            self.log.clear()
            return self.ctl_ok({})
        if p == "/state" and req.method == "GET":
            return self.ctl_ok(self.state)
        if p == "/items" and req.method == "POST":
            its = body.get("items", [body] if body else [])
            return self.ctl_ok({"ids": [self.add_item(it)["id"] for it in its]})
        m = re.match(r"^/items/([^/]+)$", p)
        if m and req.method in ("POST", "PATCH"):
            it = self.edit_item(m.group(1), body)
            return self.ctl_ok(it) if it else self.ctl_err(404, "no such item")
        if m and req.method == "DELETE":
            it = self.edit_item(m.group(1), {"deleted": True})
            return self.ctl_ok(it) if it else self.ctl_err(404, "no such item")
        if p == "/faults" and req.method == "POST":
            fs = body.get("faults", [body])
            for f in fs:
                if "mode" not in f:
                    return self.ctl_err(400, "fault needs a mode")
                f.setdefault("count", 1)
                self.faults.append(f)
            return self.ctl_ok({"faults": self.faults})
        if p == "/faults" and req.method == "GET":
            return self.ctl_ok({"faults": self.faults})
        if p == "/faults" and req.method == "DELETE":
            self.faults.clear()
            return self.ctl_ok({})
        if p == "/triggers" and req.method == "POST":
            self.triggers.append(body)
            return self.ctl_ok({"triggers": self.triggers})
        m = re.match(r"^/tokens/([^/]+)$", p)
        if m and req.method in ("POST", "PATCH"):
            # e.g. {"expired": true}: the token dies mid-poll
            tok = urllib.parse.unquote(m.group(1))
            self.state["tokens"].setdefault(tok, {}).update(body)
            return self.ctl_ok(self.state["tokens"][tok])
        if m and req.method == "DELETE":
            self.state["tokens"].pop(urllib.parse.unquote(m.group(1)), None)
            return self.ctl_ok({})
        if p == "/config" and req.method == "POST":
            self.state["config"].update(body)
            return self.ctl_ok(self.state["config"])
        return self.ctl_err(404, "unknown control request")

    def ctl_ok(self, obj):
        return Response(200, json.dumps(obj, ensure_ascii=False))

    def ctl_err(self, status, msg):
        return Response(status, json.dumps({"sim_error": msg}))


# ---------------------------------------------------------------- HTTP


def make_handler(sim):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "vakt-sim"
        sys_version = ""
        # TCP_NODELAY, as real servers set it (nginx: tcp_nodelay on): the
        # headers and the body go out in two writes, and with Nagle the
        # body waited for the client's delayed ACK of the headers, about
        # 40 ms on every request of a kept-alive connection after its first
        # few (48.8 ms a request with latency_ms 0, 1.6 ms without Nagle).
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # quiet: the log is /_sim/log
            pass

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
            req = Request(self.command, self.path, self.headers, body)
            if req.path.startswith("/_sim/"):
                with sim.lock:
                    try:
                        resp = sim.control(req)
                    except (ValueError, KeyError, TypeError) as e:
                        resp = sim.ctl_err(400, "%s: %s" % (type(e).__name__, e))
                return self.send(resp)
            with sim.lock:
                sim.seq += 1
                entry = {"n": len(sim.log) + 1, "t": now_ms(), "method": req.method,
                         "path": req.path, "query": req.query, "status": None,
                         "fault": None, "action": None}
                if req.form:
                    entry["form"] = req.form
                if req.json is not None:
                    entry["json"] = req.json
                sim.log.append(entry)
                trig = sim.run_triggers(req)
                if trig:
                    entry["triggers"] = trig
                fault = sim.take_fault(req)
            if fault:
                entry["fault"] = fault["mode"]
            mode = fault["mode"] if fault else None
            # The network's round trip (config "latency_ms", --latency-ms):
            # slept outside the lock, so requests overlap as on the wire.
            latency = sim.cfg("latency_ms", 0)
            if latency:
                sim.stopping.wait(latency / 1000)
            if mode == "slow" or (fault and fault.get("delay_ms")):
                sim.stopping.wait(fault.get("delay_ms", 1000) / 1000)
            if mode == "timeout":
                # Hold the connection without answering, then drop it.
                sim.stopping.wait(fault.get("hold_s", 3600))
                entry["status"] = "timeout"
                self.close_connection = True
                return
            with sim.lock:
                if mode in ("500", "502", "503", "status"):
                    resp = sim.error_server(req, int(fault.get("status", mode if mode != "status" else 500)))
                elif mode == "429":
                    resp = sim.error_429(req, fault)
                    resp.header("Retry-After", fault.get("retry_after", 30))
                elif mode == "throttle":
                    resp = sim.error_throttle(req, fault)
                elif mode == "token":
                    resp = sim.error_token(req, fault.get("kind", "invalid"))
                else:
                    try:
                        resp = sim.dispatch(req)
                    except Exception:  # noqa: BLE001 - a simulator bug must not look like a hang
                        traceback.print_exc()
                        resp = Response(500, json.dumps({"sim_error": "simulator bug, see its stderr"}))
                        resp.sim_bug = True
                try:
                    sim.common_headers(req, resp)
                except Exception:  # noqa: BLE001
                    traceback.print_exc()
                entry["status"] = resp.status
                if resp.action is not None:
                    entry["action"] = resp.action
            if mode == "malformed":
                resp.body = b'{"data":[{"id":"1",,"message":}]'
                resp.headers = [(k, v) for k, v in resp.headers if k.lower() != "content-length"]
            if mode == "truncate":
                return self.send(resp, truncate=True)
            self.send(resp)

        def send(self, resp, truncate=False):
            # gzip when the client offers it, as the real APIs do.
            if (resp.body and "gzip" in (self.headers.get("Accept-Encoding") or "")
                    and not any(k.lower() == "content-encoding" for k, _ in resp.headers)):
                resp.body = gzip.compress(resp.body)
                resp.headers.append(("Content-Encoding", "gzip"))
            self.send_response(resp.status)
            for k, v in resp.headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(resp.body)))
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if truncate:
                # The full length was announced; half the body arrives and
                # the connection closes, as on a dropped transfer.
                self.wfile.write(resp.body[: max(1, len(resp.body) // 2)])
                self.wfile.flush()
                self.close_connection = True
                return
            if self.command != "HEAD":
                self.wfile.write(resp.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # a benchmark opens many connections at once

    def handle_error(self, request, client_address):
        # A client that closes a kept-alive connection or gives up on an
        # answer is the client's business, not a simulator bug.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main(sim_class, argv=None):
    ap = argparse.ArgumentParser(description="vakt %s simulator" % sim_class.platform)
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one, printed)")
    ap.add_argument("--scenario", required=True, help="scenario JSON file")
    ap.add_argument("--latency-ms", type=int, default=None,
                    help="added to every API request (not /_sim/); overrides config latency_ms")
    a = ap.parse_args(argv)
    with open(a.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    sim = sim_class(scenario)
    if a.latency_ms is not None:
        sim.state["config"]["latency_ms"] = a.latency_ms
    srv = Server(("127.0.0.1", a.port), make_handler(sim))
    sim.base_url = "http://127.0.0.1:%d" % srv.server_address[1]
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stopping.set()
        srv.server_close()
