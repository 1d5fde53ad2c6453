#!/usr/bin/env python3
"""How long API requests wait while vaktd reloads a changed rule set.

  VAKTD=build-release/daemon/vaktd/vaktd VAKTCTL=build-release/daemon/ctl/vaktctl \\
  tests/bench/reload-loop.py [ROUNDS]

vaktd runs on the demo configuration (its e-mail pointed at a refusing
port) and a copy of the shipped rules.  Each round adds one rule with a
new word to the copy, so the reload proves a rule set this vaktd has not
seen (every pattern compiled, the prefilter's plan built, every example
run), asks for it with POST /v1/reload, and meanwhile sends GET /v1/status
one after the other on a second connection each time.  Printed per round:
the reload's wall time as its caller saw it, and the status requests
answered while it ran (their number, p50 and worst wall time); then the
same requests on the idle daemon for comparison.  A daemon that reloads
on its event loop answers none during the reload but the one it held for
the reload's whole length.
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import importlib.util

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("vaktd_ready", os.path.join(HERE, "vaktd-ready.py"))
ready = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ready)
vakttest = ready.vakttest

RULE = """rule sv.spam.bench-reload-{w}
  title     A rule the benchmark adds ({w})
  category  spam
  statute   kommentarsregler
  tier      possible
  severity  1
  actions   review
  pattern   \\bbenchord{w}\\b
  match     benchord{w} har
  match     se benchord{w}
  match     BENCHORD{w}!
  nomatch   benchord
  nomatch   ord{w}
  nomatch   inget har
end
"""


def word(n):
    """A new word per round, in letters only: normalisation reads digits
    as the letters they stand for (docs/filter.md)."""
    w = ""
    while True:
        w = chr(ord("a") + n % 26) + w
        n //= 26
        if not n:
            return w


def post_reload(sock_path):
    data = ready.request("POST", "/v1/reload", sock_path)
    body = json.loads(data.split(b"\r\n\r\n", 1)[1])
    if not body.get("reloaded"):
        raise AssertionError("reload refused: %r" % body)


def status_latencies(sock_path, stop):
    """GET /v1/status back to back until stop is set: wall times, s."""
    out = []
    while not stop.is_set():
        t0 = time.monotonic()
        ready.get("/v1/status", sock_path)
        out.append(time.monotonic() - t0)
    return out


def summary(lat):
    lat = sorted(lat)
    if not lat:
        return "none answered"
    return "%d answered, p50 %.2f ms, worst %.2f ms" % (len(lat), lat[len(lat) // 2] * 1e3,
                                                        lat[-1] * 1e3)


def main():
    if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    vaktd = os.environ.get("VAKTD", "vaktd")
    if not shutil.which(vaktd):
        print(f"reload-loop: no vaktd at {vaktd!r}: set VAKTD (and VAKTCTL), see --help",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vakt-reload-") as work:
        store_dir = ready.demo_store(work)
        os.symlink(store_dir, os.path.join(work, "state"))
        rules = os.path.join(work, "rules")
        shutil.copytree(os.path.join(vakttest.SRCDIR, "filters"), rules)
        d = vakttest.Vaktd(work, os.path.join(store_dir, "config"),
                           env={"VAKT_RULES_DIR": rules})
        try:
            d.start(wait_ready=False)
            d.notify.wait_for("READY=1", timeout=600)
            for n in range(1, rounds + 1):
                with open(os.path.join(rules, "zz-bench-%d.rules" % n), "w") as f:
                    f.write(RULE.format(w=word(n)))
                stop = threading.Event()
                lat = []
                t = threading.Thread(target=lambda: lat.extend(status_latencies(d.socket, stop)))
                t.start()
                time.sleep(0.05)  # the status stream is running
                t0 = time.monotonic()
                post_reload(d.socket)
                wall = time.monotonic() - t0
                stop.set()
                t.join()
                print("round %d: reload %.0f ms; GET /v1/status during it: %s"
                      % (n, wall * 1e3, summary(lat)))
            stop = threading.Event()
            lat = []
            t = threading.Thread(target=lambda: lat.extend(status_latencies(d.socket, stop)))
            t.start()
            time.sleep(1.0)
            stop.set()
            t.join()
            print("idle, 1 s: GET /v1/status: %s" % summary(lat))
        finally:
            d.stop()
            d.notify.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
