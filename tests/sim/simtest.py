"""Helpers for the simulators' own tests: start a simulator on a free port
(it prints the port it chose), talk to it, stop it by its pid."""
import http.client
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")
PATIENCE = float(os.environ.get("VAKT_TEST_PATIENCE", "10"))


def find_fixtures():
    env = os.environ.get("VAKT_PLATFORM_FIXTURES")
    if env:
        return env
    d = HERE
    for _ in range(6):
        d = os.path.dirname(d)
        cand = os.path.join(d, "shared", "data", "platform-fixtures")
        if os.path.isdir(cand):
            return cand
    return None


FIXTURES = find_fixtures()


CONN_POLL = os.environ.get("CONN_POLL")


def conn_lines(args, attempts=1):
    """Run tests/sim/conn-poll (a connector's poll or action against a
    simulator, over the daemon's HTTP engine): its JSON lines."""
    env = dict(os.environ, CONN_POLL_ATTEMPTS=str(attempts))
    p = subprocess.run([CONN_POLL] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=PATIENCE * 6, env=env)
    if p.returncode != 0:
        raise AssertionError("conn-poll %s: rc %d\n%s" % (args, p.returncode, p.stderr))
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def conn_run(platform, base, external_id, token, cursor="-", backfill_usec=0, attempts=1):
    """One poll: the items, and a summary {outcomes, cursor (the last
    one given, absent when none), gone, done, requests}."""
    sec, usec = divmod(int(backfill_usec), 1000000)
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%06dZ" % usec
    items, summary = [], {"outcomes": [], "gone": []}
    for o in conn_lines([platform, base, external_id, token, iso, cursor], attempts):
        if "item" in o:
            items.append(o["item"])
        elif "request" in o:
            summary["outcomes"].append(o["request"]["outcome"])
        elif "gone" in o:
            summary["gone"].append(o["gone"])
        elif "cursor" in o:
            summary["cursor"] = o["cursor"]
        elif "end" in o:
            summary.update(o["end"])
    return items, summary


def conn_action(action, platform, base, external_id, token, platform_id, kind, author="-"):
    """One moderation action: its outcome's name."""
    lines = conn_lines([platform, base, external_id, token, "--action", action, platform_id, kind,
                        author])
    return lines[-1]["request"]["outcome"]


def fixture(name):
    if FIXTURES is None:
        raise unittest.SkipTest("platform fixtures not found (set VAKT_PLATFORM_FIXTURES)")
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def shape(v):
    """The structure of a JSON value without its values: dicts keep their
    keys, lists are described by their first element."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return "string"


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))


class SimProc:
    def __init__(self, script, scenario):
        self.script = os.path.join(HERE, script)
        self.scenario = scenario if os.path.isabs(scenario) else os.path.join(SCENARIOS, scenario)
        self.proc = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, self.script, "--port", "0",
                                      "--scenario", self.scenario],
                                     stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()  # blocks until the port is printed
        if not line.strip().isdigit():
            self.stop()
            raise AssertionError("simulator did not print its port: %r" % line)
        self.port = int(line)
        return self

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc = None

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def request(self, method, path, query=None, body=None, headers=None, timeout=None):
        if query:
            query = {k: v for k, v in query.items() if v is not None}
        if query:
            path += ("&" if "?" in path else "?") + urllib.parse.urlencode(query, doseq=True)
        h = dict(headers or {})
        h.setdefault("Accept-Encoding", "identity")
        if isinstance(body, (dict, list)) and h.get("Content-Type") != "application/x-www-form-urlencoded":
            body = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif isinstance(body, dict):
            body = urllib.parse.urlencode(body, doseq=True).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or PATIENCE)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Reply(r.status, r.getheaders(), data)
        finally:
            conn.close()

    def get_url(self, url, headers=None):
        """Follow a full URL the simulator gave (paging links)."""
        u = urllib.parse.urlsplit(url)
        assert u.hostname == "127.0.0.1" and u.port == self.port, url
        return self.request("GET", u.path + ("?" + u.query if u.query else ""), headers=headers)

    # control endpoint
    def ctl(self, method, path, body=None):
        r = self.request(method, "/_sim" + path, body=body)
        if r.status != 200:
            raise AssertionError("control %s %s: %d %s" % (method, path, r.status, r.body))
        return r.json

    def fault(self, **f):
        return self.ctl("POST", "/faults", f)

    def log(self):
        return self.ctl("GET", "/log")["requests"]

    def state(self):
        return self.ctl("GET", "/state")


class SimTestCase(unittest.TestCase):
    script = None
    scenario = None

    def setUp(self):
        self.sim = SimProc(self.script, self.scenario).start()
        self.addCleanup(self.sim.stop)

    def assertShape(self, served, recorded, what=""):
        """Every key of the recorded element is served with the same type
        (recursively); extra keys served are fine only when listed."""
        self.assertEqual(shape(served), shape(recorded), what)

    def assertKeysCover(self, served, recorded, what=""):
        """The served object has every key of the recorded one, with the same
        shape; it may have more."""
        s, r = shape(served), shape(recorded)

        def walk(a, b, path):
            if isinstance(b, dict):
                self.assertIsInstance(a, dict, "%s %s" % (what, path))
                for k in b:
                    self.assertIn(k, a, "%s: key %s%s missing" % (what, path, k))
                    walk(a[k], b[k], path + k + ".")
            elif isinstance(b, list):
                self.assertIsInstance(a, list, "%s %s" % (what, path))
                if a and b:
                    walk(a[0], b[0], path + "[0].")
            elif b != "null" and a != "null":
                self.assertEqual(a, b, "%s: type of %s" % (what, path))
        walk(s, r, "")


class CommonFaults:
    """Fault modes every simulator serves.  A test class mixes this in and
    defines probe() (a read that normally answers 200) and
    check_token_error(reply, kind) / check_throttle(reply)."""

    def test_fault_5xx(self):
        for st in (500, 502, 503):
            self.sim.fault(mode=str(st))
            self.assertEqual(self.probe().status, st)
        self.assertEqual(self.probe().status, 200)

    def test_fault_429_retry_after(self):
        self.sim.fault(mode="429", retry_after=17, count=2)
        for _ in range(2):
            r = self.probe()
            self.assertEqual((r.status, r.header("Retry-After")), (429, "17"))
        self.assertEqual(self.probe().status, 200)

    def test_fault_token(self):
        for kind in ("invalid", "expired", "permission"):
            self.sim.fault(mode="token", kind=kind)
            self.check_token_error(self.probe(), kind)
        self.assertEqual(self.probe().status, 200)

    def test_fault_throttle(self):
        self.sim.fault(mode="throttle")
        self.check_throttle(self.probe())

    def test_fault_timeout(self):
        import socket
        self.sim.fault(mode="timeout", hold_s=60)
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.probe(timeout=0.5)
        self.assertEqual(self.sim.log()[-1]["fault"], "timeout")
        self.assertEqual(self.probe().status, 200)

    def test_fault_truncate_malformed_slow(self):
        self.sim.fault(mode="truncate")
        with self.assertRaises(http.client.IncompleteRead):
            self.probe()
        self.sim.fault(mode="malformed")
        with self.assertRaises(ValueError):
            self.probe().json
        self.sim.fault(mode="slow", delay_ms=300)
        t = time.monotonic()
        self.assertEqual(self.probe().status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)
