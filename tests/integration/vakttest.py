"""Helpers for vakt's integration tests: a real vaktd in a private
temporary directory, with its own API socket and a fake NOTIFY_SOCKET.

Every process a test starts is kept by pid and stopped by that pid in
cleanup, also when the test fails.  The daemon's log is printed only when
a test fails.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

VAKTD = os.environ.get("VAKTD", "vaktd")
VAKTCTL = os.environ.get("VAKTCTL", "vaktctl")
SRCDIR = os.environ.get("VAKT_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO_CONFIG = os.path.join(SRCDIR, "config", "demo")
# The daemon's tests run on the small rule set of the unit tests, so that a
# change in the shipped rules cannot break them; test_filters.py runs the
# shipped ones.
TEST_RULES = os.path.join(SRCDIR, "tests", "unit", "data", "filter", "good")
SHIPPED_RULES = os.path.join(SRCDIR, "filters")

# How long a test waits for something the daemon should do at once.
PATIENCE = float(os.environ.get("VAKT_TEST_PATIENCE", "10"))
# How long one move of the manual test clock may take (a simulated week
# fires thousands of timers; under ASan on a slow machine that is slow).
CLOCK_PATIENCE = 30 * PATIENCE


def wait_for(cond, what, timeout=PATIENCE):
    """Poll cond() until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("%s: not within %ss" % (what, timeout))
        time.sleep(0.05)


class Notify:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []

    def drain(self, timeout=0.0):
        self.sock.settimeout(timeout if timeout > 0 else 0.0001)
        try:
            while True:
                data = self.sock.recv(65536).decode()
                self.messages.extend(l for l in data.split("\n") if l)
                self.sock.settimeout(0.0001)
        except (socket.timeout, BlockingIOError):
            pass

    def wait_for(self, prefix, after=0, timeout=PATIENCE):
        """Index of the first message at or after `after` starting with prefix."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(after, len(self.messages)):
                if self.messages[i].startswith(prefix):
                    return i
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r from vaktd within %ss; got %r"
                                     % (prefix, timeout, self.messages[after:]))
            self.drain(min(left, 0.2))

    def close(self):
        self.sock.close()


class Vaktd:
    """One vaktd process with a private state directory and socket."""

    def __init__(self, workdir, config_dir, extra_args=(), env=None, notify=True):
        self.workdir = workdir
        self.config_dir = config_dir
        self.state_dir = os.path.join(workdir, "state")
        self.socket = os.path.join(workdir, "api.sock")
        self.log_path = os.path.join(workdir, "vaktd-%d.log" % time.monotonic_ns())
        self.notify = Notify(os.path.join(workdir, "notify-%d.sock" % time.monotonic_ns())) if notify else None
        self.extra_args = list(extra_args)
        self.env = dict(os.environ)
        self.env.pop("VAKT_RULES_DIR", None)
        self.env.pop("LISTEN_FDS", None)
        self.env.pop("LISTEN_PID", None)
        self.env.pop("WATCHDOG_USEC", None)
        self.env.pop("JOURNAL_STREAM", None)
        self.env.setdefault("VAKT_RULES_DIR", TEST_RULES)
        if self.notify:
            self.env["NOTIFY_SOCKET"] = self.notify.path
        if env:
            self.env.update(env)
        self.proc = None

    def argv(self):
        return [VAKTD, "--config", self.config_dir, "--state-dir", self.state_dir,
                "--socket", self.socket] + self.extra_args

    def start(self, wait_ready=True, **popen):
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv(), env=self.env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **popen)
        if wait_ready:
            self.notify.wait_for("READY=1")
        return self

    @property
    def pid(self):
        return self.proc.pid

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def wait_exit(self, timeout=PATIENCE):
        return self.proc.wait(timeout=timeout)

    def stop(self):
        """Stop by pid: SIGTERM, then SIGKILL if it lingers."""
        if self.proc and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def ctl(self, *args, check=True, timeout=PATIENCE):
        r = subprocess.run([VAKTCTL, "--socket", self.socket] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("vaktctl %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
        return r

    def status(self):
        return json.loads(self.ctl("status", "--json").stdout)

    def settle(self):
        """Wait until the rules' engine is in and no pass over the items
        waiting for a verdict runs: an item a test then writes into the
        store itself is evaluated only when the test asks."""
        def settled():
            st = self.status()
            return st["filters_ready"] and not st["verdict_backlog"]["running"]
        wait_for(settled, "the engine built and the verdict backlog idle")
        return self

    # --- the manual test clock (vaktd --test-clock START,manual) ---------
    # Each call returns when the daemon has fired and handled every timer
    # that fell due, so a test never waits for simulated time to pass.

    def advance(self, span):
        """Move the manual test clock by span ("2h", "1d"): the answer."""
        return json.loads(self.ctl("testclock", "advance", span, "--json",
                                   timeout=CLOCK_PATIENCE).stdout)

    def set_clock(self, instant):
        """Move the manual test clock to an ISO 8601 instant: the answer."""
        return json.loads(self.ctl("testclock", "set", instant, "--json",
                                   timeout=CLOCK_PATIENCE).stdout)


class VaktTestCase(unittest.TestCase):
    """Gives each test a temporary directory and a copy of the demo config,
    and stops every daemon it started, printing their logs on failure."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="vakt-it-")
        self.config_dir = os.path.join(self.tmp, "config")
        shutil.copytree(DEMO_CONFIG, self.config_dir)
        self.daemons = []

    def vaktd(self, *args, **kw):
        d = Vaktd(self.tmp, kw.pop("config_dir", self.config_dir), args, **kw)
        self.daemons.append(d)
        return d

    def tearDown(self):
        failed = self._outcome_failed()
        for d in self.daemons:
            d.stop()
            if d.notify:
                d.notify.close()
            if failed:
                sys.stderr.write("---- vaktd log (%s) ----\n%s\n" % (d.log_path, d.log()))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _outcome_failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return False
        result = getattr(outcome, "result", None)
        if result is not None:
            return any(t is self for t, _ in result.failures + result.errors)
        errors = getattr(outcome, "errors", [])
        return any(exc for _, exc in errors)

    def write(self, rel, content):
        path = os.path.join(self.config_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
        return path


def main():
    unittest.main(verbosity=2)
