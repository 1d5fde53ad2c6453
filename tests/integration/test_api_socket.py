#!/usr/bin/env python3
"""The API socket under pressure and abuse: slow and silent clients, a
keep-alive flood, requests that never finish, malformed HTTP, and the
caller's identity in the audit log.  Everything runs on the daemon's
private Unix socket; every client socket is closed by the test."""
import json
import os
import pwd
import resource
import select
import socket
import sqlite3
import subprocess
import threading
import time

from vakttest import PATIENCE, VAKTCTL, VaktTestCase, main


_leftover = {}  # bytes read past one response, per socket (pipelining)


def read_response(sock, head_only=False, timeout=PATIENCE):
    """(status, headers, body bytes) of one response, or None at EOF."""
    sock.settimeout(timeout)
    data = _leftover.pop(sock, b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            if data:
                raise AssertionError("connection closed mid-response: %r" % data)
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        headers[k.strip().lower().decode()] = v.strip().decode()
    length = 0 if head_only or status == 100 else int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    if body[length:]:
        _leftover[sock] = body[length:]
    return status, headers, body[:length]


def eof_within(sock, timeout):
    """True when the peer closes within timeout (data before it is read)."""
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


class Api(VaktTestCase):
    def setUp(self):
        super().setUp()
        self.socks = []

    def tearDown(self):
        for s in self.socks:
            s.close()
        super().tearDown()

    def connect(self, d):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.socks.append(s)
        s.connect(d.socket)
        return s

    def exchange(self, d, raw, head_only=False):
        s = self.connect(d)
        s.sendall(raw)
        return read_response(s, head_only=head_only)

    def assert_json_error(self, resp, status, code=None):
        self.assertIsNotNone(resp, "no response")
        st, headers, body = resp
        self.assertEqual(status, st, body)
        self.assertEqual("application/json", headers.get("content-type"))
        err = json.loads(body)["error"]
        self.assertEqual(status, err["status"])
        if code:
            self.assertEqual(code, err["code"])
        self.assertTrue(err["message"])
        return err

    # --- errors are JSON ---------------------------------------------------

    def test_head_and_options_are_json_errors(self):
        d = self.vaktd().start()
        st, headers, body = self.exchange(
            d, b"HEAD /v1/status HTTP/1.1\r\nHost: x\r\n\r\n", head_only=True)
        self.assertEqual(405, st)
        self.assertEqual("application/json", headers["content-type"])
        self.assertGreater(int(headers["content-length"]), 0)
        # No body followed the headers: the next answer on the same
        # connection starts right after them.
        s = self.socks[-1]
        s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(200, read_response(s)[0])
        self.assert_json_error(
            self.exchange(d, b"OPTIONS /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"),
            405, "method_not_allowed")
        self.assert_json_error(
            self.exchange(d, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 400)

    def test_parse_errors_are_json(self):
        self.write("vaktd.conf.d/10-api.conf", "[Api]\nMaxHeaderSize=1K\nMaxBodySize=1K\n")
        d = self.vaktd().start()
        cases = [
            (b"garbage\r\n\r\n", 400, "bad_request"),
            (b"GET /v1/status HTTP/2.0\r\n\r\n", 505, "http_version"),
            (b"GET /v1/status HTTP/1.1\r\nX: " + b"a" * 2000 + b"\r\n\r\n",
             431, "header_too_large"),
            (b"GET /v1/status HTTP/1.1\r\nHost : x\r\n\r\n", 400, "bad_header"),
            (b"POST /v1/deadlines/1/pause HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"zz\r\n{}\r\n0\r\n\r\n", 400, "bad_chunk"),
            (b"POST /v1/deadlines/1/pause HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
             413, "too_large"),
            (b"POST /v1/deadlines/1/pause HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
             + b"100\r\n" + b"x" * 256 + b"\r\n" + b"400\r\n", 413, "too_large"),
        ]
        for raw, status, code in cases:
            with self.subTest(raw=raw[:40]):
                resp = self.exchange(d, raw)
                self.assert_json_error(resp, status, code)
                self.assertEqual("close", resp[1].get("connection"))
        self.assertEqual("running", d.status()["state"])

    def test_conflicting_content_length_is_refused(self):
        d = self.vaktd().start()
        for raw in (b"POST /v1/deadlines/1/pause HTTP/1.1\r\nContent-Length: 2\r\n"
                    b"Content-Length: 40\r\n\r\n{}",
                    b"POST /v1/deadlines/1/pause HTTP/1.1\r\nContent-Length: 2\r\n"
                    b"Content-Length: 2\r\n\r\n{}",
                    b"POST /v1/deadlines/1/pause HTTP/1.1\r\nContent-Length: 5\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"):
            with self.subTest(raw=raw):
                self.assert_json_error(self.exchange(d, raw), 400, "bad_content_length")

    def test_keep_alive_and_pipelining(self):
        d = self.vaktd().start()
        s = self.connect(d)
        req = b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
        for _ in range(3):
            s.sendall(req)
            st, headers, body = read_response(s)
            self.assertEqual(200, st)
            self.assertNotEqual("close", headers.get("connection"))
        # Three at once (one with a stray CRLF after it), answered in
        # order on the same connection.
        s.sendall(req + b"GET /v1/nope HTTP/1.1\r\n\r\n\r\n" + req)
        self.assertEqual([200, 404, 200], [read_response(s)[0] for _ in range(3)])
        # An empty line between requests, in a write of its own.
        s.sendall(b"\r\n")
        s.sendall(req)
        self.assertEqual(200, read_response(s)[0])
        # A chunked body and Expect: 100-continue on the same connection.
        s.sendall(b"POST /v1/deadlines/99/pause HTTP/1.1\r\nExpect: 100-continue\r\n"
                  b"Content-Length: 2\r\n\r\n")
        self.assertEqual(100, read_response(s, head_only=True)[0])
        s.sendall(b"{}")
        self.assertEqual(404, read_response(s)[0])
        s.sendall(b"POST /v1/deadlines/99/pause HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n")
        self.assertEqual(404, read_response(s)[0])
        # A client that half-closes after sending still gets every answer.
        h = self.connect(d)
        h.sendall(req + req)
        h.shutdown(socket.SHUT_WR)
        self.assertEqual(200, read_response(h)[0])
        self.assertEqual(200, read_response(h)[0])
        self.assertTrue(eof_within(h, PATIENCE))
        # HTTP/1.0 closes unless asked not to.
        s.sendall(b"GET /v1/status HTTP/1.0\r\n\r\n")
        st, headers, _ = read_response(s)
        self.assertEqual(200, st)
        self.assertEqual("close", headers.get("connection"))
        self.assertTrue(eof_within(s, PATIENCE))

    # --- a request must arrive whole within the bound -------------------------

    def test_half_sent_request_is_closed_after_the_bound(self):
        self.write("vaktd.conf.d/10-api.conf", "[Api]\nRequestTimeoutSec=1\n")
        d = self.vaktd().start()
        # The bound starts when vaktd sees the connection: the client's
        # clock starts before connecting, so it can only see more.
        start = time.monotonic()
        s = self.connect(d)
        s.sendall(b"GET /v1/status HTTP/1.1\r\nX-Slow: ")
        # Keep trickling a byte every 0.1 s: under the old rule each byte
        # restarted the timeout, so this connection lived for ever.
        data = b""
        deadline = start + 3 * PATIENCE
        closed = False
        while time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], 0.1)
            if r:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    closed = True
                    break
                data += chunk
            else:
                try:
                    s.send(b"a")
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
        self.assertTrue(closed, "a trickling request was never cut off")
        self.assertGreaterEqual(time.monotonic() - start, 1.0)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 408 "), data)
        self.assertEqual("request_timeout", json.loads(body)["error"]["code"])

    def test_idle_connection_is_closed_after_idle_timeout(self):
        self.write("vaktd.conf.d/10-api.conf", "[Api]\nIdleTimeoutSec=1\n")
        d = self.vaktd().start()
        start = time.monotonic()
        silent = self.connect(d)
        kept = self.connect(d)
        kept.sendall(b"GET /v1/status HTTP/1.1\r\n\r\n")
        self.assertEqual(200, read_response(kept)[0])
        # Both are closed, the silent one a second after accept at the
        # earliest, the kept-alive one a second after its answer.
        self.assertTrue(eof_within(silent, 3 * PATIENCE))
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertTrue(eof_within(kept, 3 * PATIENCE))

    # --- the administrator gets through ---------------------------------------

    def fd_count(self, d):
        return len(os.listdir("/proc/%d/fd" % d.pid))

    def test_status_gets_through_a_slowloris(self):
        limit, attackers = 32, 200
        self.write("vaktd.conf.d/10-api.conf",
                   "[Api]\nMaxConnections=%d\nRequestTimeoutSec=30\n" % limit)
        # With 128 file descriptors, 200 connections held open would make
        # accept() fail for everyone, as 1,100 did at 1,024.
        d = self.vaktd().start(preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (128, 128)))
        base_fds = self.fd_count(d)
        stop = threading.Event()
        socks = []
        opened = [0]
        max_fds = [0]
        lock = threading.Lock()

        def attack():
            # Each attacker sends the start of a request and then a byte
            # every 0.2 s, and reconnects when it is cut off.
            while not stop.is_set():
                while len(socks) < attackers and not stop.is_set():
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.setblocking(False)
                    try:
                        s.connect(d.socket)
                        s.send(b"GET /v1/status HTTP/1.1\r\nX: ")
                    except OSError:
                        s.close()
                        break
                    with lock:
                        socks.append(s)
                        opened[0] += 1
                for s in list(socks):
                    try:
                        s.send(b"a")
                    except OSError:
                        s.close()
                        with lock:
                            socks.remove(s)
                max_fds[0] = max(max_fds[0], self.fd_count(d))
                stop.wait(0.2)

        t = threading.Thread(target=attack)
        t.start()
        try:
            # Wait until the attack holds every slot, then ask.
            deadline = time.monotonic() + PATIENCE
            while ((opened[0] < attackers or self.fd_count(d) < base_fds + limit)
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            self.assertGreaterEqual(opened[0], attackers, "the attack did not get going")
            for _ in range(3):
                self.assertEqual("running", d.status()["state"])
        finally:
            stop.set()
            t.join()
            for s in socks:
                s.close()
        # Every accepted connection counted: the daemon never held more
        # than the limit (and a newcomer or two) on top of what it had.
        self.assertLessEqual(max_fds[0], base_fds + limit + 4)
        self.assertGreater(max_fds[0], base_fds + limit // 2, "the attack held no slots")

    def test_status_gets_through_a_keep_alive_flood(self):
        limit = 16
        self.write("vaktd.conf.d/10-api.conf", "[Api]\nMaxConnections=%d\n" % limit)
        d = self.vaktd().start()
        req = b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
        flood = []
        for _ in range(limit):
            s = self.connect(d)
            s.sendall(req)
            self.assertEqual(200, read_response(s)[0])
            flood.append(s)
        # Every slot holds an idle keep-alive connection; the one idle
        # longest gives way to each newcomer, which is served, not
        # refused with 503.
        for i in range(3):
            st, _, _ = self.exchange(d, req)  # stays open, idle
            self.assertEqual(200, st)
            self.assertTrue(eof_within(flood[i], PATIENCE),
                            "idle connection %d was not the one closed" % i)
        self.assertEqual("running", d.status()["state"])
        self.assertTrue(eof_within(flood[3], PATIENCE))
        # The rest are still open and served.
        s = flood[limit - 1]
        s.sendall(req)
        self.assertEqual(200, read_response(s)[0])

    # --- who did it --------------------------------------------------------

    def audit_rows(self, d, action):
        db = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        try:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(
                "SELECT * FROM audit_log WHERE action=? ORDER BY seq", (action,))]
        finally:
            db.close()

    def test_audit_records_the_real_caller(self):
        d = self.vaktd().start()
        env = dict(os.environ, USER="mallory")
        env.pop("SUDO_USER", None)
        r = subprocess.run([VAKTCTL, "--socket", d.socket, "crisis", "kultur-ig", "on", "1h"],
                           env=env, capture_output=True, text=True, timeout=PATIENCE)
        self.assertEqual(0, r.returncode, r.stderr)
        d.ctl("crisis", "kultur-ig", "off")
        uid = os.getuid()
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = None
        on = self.audit_rows(d, "crisis.on")
        off = self.audit_rows(d, "crisis.off")
        self.assertEqual(1, len(on))
        self.assertEqual(1, len(off))
        for row in (on[0], off[0]):
            self.assertEqual(uid, row["caller_uid"])
            self.assertEqual(os.getgid(), row["caller_gid"])
            self.assertGreater(row["caller_pid"], 0)
            self.assertEqual(name, row["caller_user"])
            self.assertEqual("api:" + (name or "uid:%d" % uid), row["actor"])
        # What vaktctl said about itself is only a claim.
        self.assertEqual("mallory", on[0]["claimed_by"])
        # The daemon's own entries name no caller, and the chain, new
        # fields included, holds.
        db = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"))
        try:
            own = db.execute("SELECT count(*), count(caller_uid) FROM audit_log "
                             "WHERE actor NOT LIKE 'api:%'").fetchone()
        finally:
            db.close()
        self.assertGreater(own[0], 0)
        self.assertEqual(0, own[1])
        st, _, body = self.exchange(d, b"GET /v1/audit/verify HTTP/1.1\r\n\r\n")
        self.assertEqual(200, st, body)
        self.assertTrue(json.loads(body)["intact"], body)

    def test_claim_with_control_characters_is_refused(self):
        d = self.vaktd().start()
        body = json.dumps({"by": "anna\u001b[2J\nforged"}).encode()
        resp = self.exchange(d, b"POST /v1/accounts/kultur-ig/crisis HTTP/1.1\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.assert_json_error(resp, 400, "bad_by")
        self.assertEqual([], self.audit_rows(d, "crisis.on"))


if __name__ == "__main__":
    main()
