#!/usr/bin/env python3
"""The audit log's verification and export on a city-scale store, through
the real vaktd: how long the worker takes, and how long other requests
wait meanwhile (the event loop's worst latency while it runs).

  VAKTD=build-release/daemon/vaktd/vaktd VAKTCTL=build-release/daemon/ctl/vaktctl \\
  tests/bench/audit-verify.py /var/tmp/vakt-bench-store/store-1000000-s3-g1 [ENTRIES]

The store directory is one bench-store made (vakt.db and config/); it is
only read.  vaktd makes a store of this tree's schema with the cache's
800 accounts, whose audit chain is then replaced by the cache's (the
entries the pipeline wrote for its million items, read from the cache
with mode=ro; the cache may be of another schema) and grown to ENTRIES
(default 1,000,000) with valid entries (tests/integration/auditchain.py)
before vaktd starts on it again.  Then: GET /v1/status latency idle (5,000
requests); a verification while the client only waits for it
(status?wait=1); another with GET /v1/status and GET
/v1/audit/verify/status back to back on one connection until the job ends
(every answer's latency); the export's pages; and the whole
export through vaktctl.  Connectors point at a closed local port.
"""
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import auditchain  # noqa: E402
import vakttest  # noqa: E402


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=600)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(600)
        self.sock.connect(self.path)


def call(conn, method, path):
    t0 = time.monotonic()
    conn.request(method, path)
    r = conn.getresponse()
    body = json.loads(r.read())
    return time.monotonic() - t0, r.status, body


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1e3


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = os.path.abspath(sys.argv[1])
    want = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    with tempfile.TemporaryDirectory(prefix="vakt-audit-bench-", dir="/var/tmp") as work:
        # The cached configuration names the rules of the tree that built
        # it: point the copy at this tree's.
        config = os.path.join(work, "config")
        shutil.copytree(os.path.join(src, "config"), config)
        conf = os.path.join(config, "vaktd.conf")
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        rules = os.path.join(vakttest.SRCDIR, "filters")
        text = "\n".join("RulesDirectory=" + rules if line.startswith("RulesDirectory=")
                         else line for line in text.split("\n"))
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)
        env = {"VAKT_RULES_DIR": rules}
        # A store of this tree's schema with the cache's 800 accounts ...
        d = vakttest.Vaktd(work, config, env=env)
        try:
            d.start(wait_ready=False)
            d.notify.wait_for("READY=1", timeout=1800)
        finally:
            d.stop()
            d.notify.close()
        # ... whose chain is the cache's, as the pipeline wrote it (read
        # only: the cache may be of another schema, its audit_log is not),
        # grown to `want` entries.
        db = os.path.join(work, "state", "vakt.db")
        con = sqlite3.connect("file:%s" % db, uri=True)  # so that ATTACH takes mode=ro
        trig = con.execute("SELECT sql FROM sqlite_master WHERE name='audit_log_no_delete'"
                           ).fetchone()[0]
        con.execute("DROP TRIGGER audit_log_no_delete")
        con.execute("DELETE FROM audit_log")
        con.execute(trig)
        con.execute("ATTACH ? AS cache", ("file:%s?mode=ro" % os.path.join(src, "vakt.db"),))
        con.execute("INSERT INTO audit_log(seq, at, actor, action, subject, detail, prev_hash, "
                    "hash) SELECT seq, at, actor, action, subject, detail, prev_hash, hash "
                    "FROM cache.audit_log ORDER BY seq")
        con.commit()
        con.execute("DETACH cache")
        have = con.execute("SELECT max(seq) FROM audit_log").fetchone()[0] or 0
        con.close()
        if want > have + 1:
            auditchain.append(db, want - have - 1)
        con = sqlite3.connect(db)
        con.execute("UPDATE counters SET n = (SELECT count(*) FROM audit_log) "
                    "WHERE name = 'audit_entries'")
        con.commit()
        con.close()
        d = vakttest.Vaktd(work, config, env=env)
        try:
            d.start(wait_ready=False)
            d.notify.wait_for("READY=1", timeout=1800)
            conn = UnixHTTP(d.socket)
            idle = [call(conn, "GET", "/v1/status")[0] for _ in range(5000)]
            # The walk alone: the client only waits (status?wait=1).
            _, st, body = call(conn, "POST", "/v1/audit/verify")
            assert st == 202, body
            while body["job"]["state"] == "running":
                body = call(conn, "GET", "/v1/audit/verify/status?wait=1")[2]
            quiet = body["job"]
            # Again, with requests back to back on one connection.
            _, st, started = call(conn, "POST", "/v1/audit/verify")
            assert st == 202, started
            during, job = [], started["job"]
            while job["state"] == "running":
                dt, _, _ = call(conn, "GET", "/v1/status")
                during.append(dt)
                dt, _, body = call(conn, "GET", "/v1/audit/verify/status")
                during.append(dt)
                job = body["job"]
            pages = []
            for frm in range(1, job["total"], max(1, job["total"] // 50)):
                pages.append(call(conn, "GET", "/v1/audit/export?from=%d&limit=500" % frm)[0])
            conn.close()
            t0 = time.monotonic()
            with open(os.devnull, "w") as null:
                subprocess.run([vakttest.VAKTCTL, "--socket", d.socket, "audit", "export"],
                               stdout=null, check=True)
            export_s = time.monotonic() - t0
        finally:
            d.stop()
            d.notify.close()
    print("audit log of %d entries: verification %s in %.2f s on the worker (client "
          "waiting); %.2f s with requests back to back" % (job["total"], quiet["state"],
                                                           quiet["elapsed_ms"] / 1e3,
                                                           job["elapsed_ms"] / 1e3))
    print("GET /v1/status idle: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d requests)"
          % (pct(idle, 0.5), pct(idle, 0.99), max(idle) * 1e3, len(idle)))
    print("requests while it ran: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms"
          % (len(during), pct(during, 0.5), pct(during, 0.99), max(during) * 1e3))
    print("export pages of 500: p50 %.2f ms, max %.2f ms (%d pages); whole export via "
          "vaktctl %.1f s" % (pct(pages, 0.5), max(pages) * 1e3, len(pages), export_s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
