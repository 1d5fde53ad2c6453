#!/usr/bin/env python3
"""The audit log at scale (issue 9): verification on vaktd's worker thread
while the daemon keeps answering, a tampered entry found, a stop while a
verification runs, and the export checked entry by entry against the
chain's own rule (auditchain.py).

The chain is grown once per run to BIG valid entries with Python's sqlite3
before vaktd starts on a copy; nothing waits for a window of time: every
ordering asserted is one the test observes (an answer that came while the
job still said `running`)."""
import http.client
import json
import os
import pty
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile

import auditchain
from vakttest import PATIENCE, VAKTCTL, VaktTestCase, Vaktd, main, wait_for, DEMO_CONFIG

BIG = 300000


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30 * PATIENCE)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30 * PATIENCE)
        self.sock.connect(self.unix_path)


def call(conn, method, path):
    conn.request(method, path)
    r = conn.getresponse()
    return r.status, json.loads(r.read())


class Audit(VaktTestCase):
    @classmethod
    def setUpClass(cls):
        # One store with a long chain, copied by every test.
        cls.base = tempfile.mkdtemp(prefix="vakt-audit-base-")
        config = os.path.join(cls.base, "config")
        shutil.copytree(DEMO_CONFIG, config)
        d = Vaktd(cls.base, config)
        try:
            d.start()
        finally:
            d.stop()
            d.notify.close()
        cls.last = auditchain.append(os.path.join(d.state_dir, "vakt.db"), BIG)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, ignore_errors=True)

    def daemon(self, tamper=None):
        shutil.copytree(os.path.join(self.base, "state"), os.path.join(self.tmp, "state"))
        if tamper:
            auditchain.tamper(os.path.join(self.tmp, "state", "vakt.db"), tamper)
        d = self.vaktd().start()
        self.conns = []
        return d

    def conn(self, d):
        c = UnixHTTP(d.socket)
        self.conns.append(c)
        return c

    def tearDown(self):
        for c in getattr(self, "conns", []):
            c.close()
        super().tearDown()

    def db_rows(self, d, sql):
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def raw_request(self, d, text):
        """A request on a connection of its own, sent and not yet read."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30 * PATIENCE)
        s.connect(d.socket)
        s.sendall(text)
        self.addCleanup(s.close)
        return s

    def started(self, c):
        """The job once the waiting request has started it."""
        def job():
            j = call(c, "GET", "/v1/audit/verify/status")[1]["job"]
            return j if j["state"] != "none" else None
        return wait_for(job, "the verification to start")

    def read_all(self, s):
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b

    def test_other_requests_are_answered_while_verifying(self):
        d = self.daemon()
        total = self.last + 1  # daemon.started of this start
        # The old route starts the job and waits for its end on its own
        # connection (asked to close after the answer).
        waiting = self.raw_request(d, b"GET /v1/audit/verify HTTP/1.1\r\nConnection: close"
                                      b"\r\n\r\n")
        c = self.conn(d)
        self.started(c)
        # A second start joins the running job.
        st, again = call(c, "POST", "/v1/audit/verify")
        self.assertEqual(202, st, again)
        answered_while_running, seen = 0, []
        while True:
            st, status = call(c, "GET", "/v1/status")
            self.assertEqual(200, st)
            _, body = call(c, "GET", "/v1/audit/verify/status")
            job = body["job"]
            if job["state"] != "running":
                break
            answered_while_running += 1
            seen.append(job["checked"])
        # Requests were answered while the worker walked the chain, and
        # its progress only grew.
        self.assertGreater(answered_while_running, 0)
        self.assertEqual(sorted(seen), seen)
        self.assertEqual("ok", job["state"], job)
        self.assertEqual(total, job["checked"])
        self.assertEqual(total, job["total"])
        self.assertTrue(job["started_by"].startswith("api:"), job)
        self.assertIsNotNone(job["finished_at"])
        if not again["started"]:
            self.assertEqual(job["id"], again["job"]["id"])
        # The waiting connection got the old answer, with the job.
        resp = self.read_all(waiting).decode()
        self.assertTrue(resp.startswith("HTTP/1.1 200 "), resp)
        body = json.loads(resp.split("\r\n\r\n", 1)[1])
        self.assertEqual(True, body["intact"], body)
        self.assertEqual(total, body["entries"])
        self.assertEqual(job["id"], body["job"]["id"])

    def test_status_wait_answers_as_the_job_moves_on(self):
        d = self.daemon()
        c = self.conn(d)
        st, body = call(c, "POST", "/v1/audit/verify")
        self.assertEqual(202, st, body)
        self.assertTrue(body["started"])
        answers = 0
        while body["job"]["state"] == "running":
            st, body = call(c, "GET", "/v1/audit/verify/status?wait=1")
            self.assertEqual(200, st)
            answers += 1
        self.assertEqual("ok", body["job"]["state"])
        self.assertGreater(answers, 0)
        # Nothing running: wait=1 answers at once.
        st, again = call(c, "GET", "/v1/audit/verify/status?wait=1")
        self.assertEqual(body["job"], again["job"])
        # Cancelling when nothing runs changes nothing.
        st, cancel = call(c, "DELETE", "/v1/audit/verify")
        self.assertEqual((200, False), (st, cancel["cancelling"]))

    def test_vaktctl_shows_progress_on_a_terminal(self):
        d = self.daemon()
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([VAKTCTL, "--socket", d.socket, "audit", "verify"],
                                 stdout=subprocess.PIPE, stderr=slave, text=True)
            os.close(slave)
            slave = None
            out, _ = p.communicate(timeout=30 * PATIENCE)
            err = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the terminal's other side closed
                    break
                if not chunk:
                    break
                err += chunk
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        self.assertEqual(0, p.returncode, out)
        # The start answers while the job runs, so at least one progress
        # line comes before the result.
        self.assertIn(b"verifying the audit log: ", err)
        self.assertIn("audit log intact: %d entries" % (self.last + 1), out)

    def test_tampered_entry_is_reported(self):
        bad = 123457
        d = self.daemon(tamper=bad)
        r = d.ctl("audit", "verify", check=False, timeout=30 * PATIENCE)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("entry %d does not verify" % bad, r.stderr)
        r = d.ctl("--json", "audit", "verify", check=False, timeout=30 * PATIENCE)
        job = json.loads(r.stdout)
        self.assertEqual(("broken", bad, bad - 1), (job["state"], job["first_bad_seq"],
                                                    job["checked"]))
        st, body = call(self.conn(d), "GET", "/v1/audit/verify")
        self.assertEqual(200, st)
        self.assertEqual((False, bad), (body["intact"], body["first_bad_seq"]))
        # The export shows the same: the chain's rule, recomputed from the
        # file alone, fails at the same entry.
        r = d.ctl("audit", "export", "--from", "1", "--to", str(bad + 5),
                  timeout=30 * PATIENCE)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual((bad - 1, bad), auditchain.verify(lines))
        self.assertEqual('{"tampered":true}', lines[bad - 1]["detail"])

    def test_export_round_trips(self):
        d = self.daemon()
        r = d.ctl("audit", "verify", timeout=30 * PATIENCE)
        self.assertIn("audit log intact: %d entries" % (self.last + 1), r.stdout)
        r = d.ctl("audit", "export", timeout=30 * PATIENCE)
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        stored = self.db_rows(d, "SELECT seq, hash FROM audit_log ORDER BY seq")
        # Entries appended after the export began (none here) are not in it.
        self.assertEqual(stored[:len(lines)], [(e["seq"], e["hash"]) for e in lines])
        self.assertEqual(self.last + 1, len(lines))
        # Every hash recomputed from the exported fields, as the verifier does.
        self.assertEqual((len(lines), None), auditchain.verify(lines))
        # The daemon's own entries (caller null) and the test's are both there.
        self.assertIsNone(lines[0]["caller"])
        self.assertEqual("test.entry", lines[-2]["action"])
        # A range: exactly those entries, and it verifies from its first
        # entry's prev_hash on.
        r = d.ctl("audit", "export", "--from", "1000", "--to", "3500")
        part = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(list(range(1000, 3501)), [e["seq"] for e in part])
        self.assertEqual((2501, None), auditchain.verify(part))
        self.assertEqual(lines[999:3500], part)
        # Bad options are refused before anything is asked.
        self.assertEqual(2, d.ctl("audit", "export", "--from", "x", check=False).returncode)
        self.assertEqual(2, d.ctl("audit", "export", "--to", check=False).returncode)

    def test_export_with_caller_fields(self):
        d = self.daemon()
        d.ctl("crisis", "kultur-ig", "on")
        r = d.ctl("audit", "export", "--from", str(self.last + 1))
        lines = [json.loads(l) for l in r.stdout.splitlines()]
        with_caller = [e for e in lines if e["caller"] is not None]
        self.assertTrue(with_caller, lines)
        self.assertEqual(os.getuid(), with_caller[0]["caller"]["uid"])
        self.assertEqual((len(lines), None), auditchain.verify(lines))

    def test_stop_while_verifying(self):
        d = self.daemon()
        waiting = self.raw_request(d, b"GET /v1/audit/verify HTTP/1.1\r\n\r\n")
        c = self.conn(d)
        job = self.started(c)
        self.assertEqual("running", job["state"], job)
        d.signal(signal.SIGTERM)
        # vaktd stops cleanly, and within the test's patience, with the
        # walk cancelled rather than finished.
        self.assertEqual(0, d.wait_exit(timeout=PATIENCE))
        self.assertIn("cancelling the audit verification", d.log())
        # The waiting client is told nothing false: its connection closes.
        self.assertEqual(b"", self.read_all(waiting))


if __name__ == "__main__":
    main()
