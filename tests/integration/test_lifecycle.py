#!/usr/bin/env python3
"""vaktd's life cycle under a fake systemd: READY/STATUS/STOPPING on the
notify socket, vaktctl status against it, SIGTERM, the watchdog, socket
activation and the test clock."""
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import time

from vakttest import VaktTestCase, VAKTCTL, VAKTD, TEST_RULES, PATIENCE, main, wait_for


class Lifecycle(VaktTestCase):
    def test_ready_status_and_stopping(self):
        d = self.vaktd().start()
        ready = d.notify.wait_for("READY=1")
        st = d.notify.wait_for("STATUS=", after=ready)
        self.assertIn("watching 3 of 4 accounts", d.notify.messages[st])
        self.assertIn("0 actions waiting, 0 proposed", d.notify.messages[st])
        self.assertTrue(os.path.exists(d.socket))
        self.assertEqual(0o660, os.stat(d.socket).st_mode & 0o777)

        s = d.status()
        self.assertEqual("running", s["state"])
        self.assertEqual(4, s["accounts"])
        self.assertEqual(3, s["accounts_enabled"])
        self.assertEqual(15, s["schema_version"])  # the newest migration (daemon/store/schema.c)
        self.assertIn("pending", s)

        human = d.ctl("status").stdout
        self.assertIn("accounts:   4 configured, 3 enabled", human)

        d.signal(signal.SIGTERM)
        self.assertEqual(0, d.wait_exit())
        d.notify.drain()
        d.notify.wait_for("STOPPING=1", after=ready)
        self.assertFalse(os.path.exists(d.socket), "socket file left behind")

    def test_sigint_also_stops_cleanly(self):
        d = self.vaktd().start()
        d.signal(signal.SIGINT)
        self.assertEqual(0, d.wait_exit())

    def test_vaktctl_exit_codes(self):
        d = self.vaktd().start()
        self.assertEqual(2, d.ctl("status", "extra", check=False).returncode)
        self.assertEqual(2, d.ctl("no-such-command", check=False).returncode)
        d.stop()
        r = d.ctl("status", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("cannot reach vaktd", r.stderr)

    def test_api_errors_are_json_over_the_socket(self):
        d = self.vaktd().start()
        out = subprocess.run(["curl", "-s", "--unix-socket", d.socket, "-w", "\n%{http_code}",
                              "http://localhost/v1/nope"], capture_output=True, text=True)
        if out.returncode != 0:
            self.skipTest("curl not available")
        body, code = out.stdout.rsplit("\n", 1)
        self.assertEqual("404", code)
        self.assertEqual("not_found", json.loads(body)["error"]["code"])

    def test_watchdog_pings_while_ticking(self):
        d = self.vaktd(env={"WATCHDOG_USEC": "400000"}).start()
        ready = d.notify.wait_for("READY=1")
        d.notify.wait_for("WATCHDOG=1", after=ready)

    def test_watchdog_pings_on_the_manual_clock(self):
        # Simulated time stands still, yet the loop is alive: ping.
        d = self.vaktd("--test-clock", "2026-06-18T07:00:00+02:00,manual",
                       env={"WATCHDOG_USEC": "400000"}).start()
        ready = d.notify.wait_for("READY=1")
        d.notify.wait_for("WATCHDOG=1", after=ready)

    def test_refuses_to_start_on_broken_config(self):
        self.write("accounts.d/broken.conf", "[Account]\nPlatform=fax\n")
        d = self.vaktd().start(wait_ready=False)
        self.assertEqual(1, d.wait_exit())
        self.assertIn("broken.conf:2: unknown Platform 'fax'", d.log())
        d.notify.drain()
        self.assertNotIn("READY=1", d.notify.messages)

    def test_socket_activation_is_adopted(self):
        path = os.path.join(self.tmp, "activated.sock")
        lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lst.bind(path)
        lst.listen(8)
        d = self.vaktd()
        # LISTEN_PID must be the daemon's own pid: exec from a shell keeps it.
        d.env["LISTEN_FDS"] = "1"
        argv = " ".join("'%s'" % a for a in d.argv())
        d.argv = lambda: ["/bin/sh", "-c", "LISTEN_PID=$$ exec %s 3<&%d" % (argv, lst.fileno())]
        d.start(pass_fds=(lst.fileno(),))
        lst.close()
        self.assertFalse(os.path.exists(d.socket), "bound its own socket despite activation")
        r = subprocess.run([VAKTCTL, "--socket", path, "status", "--json"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertEqual("running", json.loads(r.stdout)["state"])

    def test_test_clock_runs_simulated_time(self):
        # The sped-up clock (for demos): simulated time runs 3600 times as
        # fast as the real time that passed, however long that was.
        start = 1781758800  # 2026-06-18T07:00:00+02:00
        t0 = time.monotonic()
        d = self.vaktd("--test-clock", "2026-06-18T07:00:00+02:00,x3600").start()
        s = d.status()
        elapsed = time.monotonic() - t0
        self.assertTrue(s["test_clock"])
        self.assertEqual(3600, s["test_clock_factor"])
        now = dt.datetime.fromisoformat(s["now"].replace("Z", "+00:00")).timestamp()
        self.assertGreaterEqual(now, start)
        self.assertLessEqual(now, start + (elapsed + 1) * 3600)
        self.assertIn("test clock", d.log())
        r = d.ctl("testclock", "advance", "1h", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("409", r.stderr)
        self.assertIn("not on the manual test clock", r.stderr)
        self.assertIn("sped-up test clock", d.ctl("testclock").stdout)

    def test_manual_clock_stands_still_until_moved(self):
        d = self.vaktd("--test-clock", "2026-06-18T07:00:00+02:00,manual").start()
        s = d.status()
        self.assertEqual("manual", s["test_clock_mode"])
        self.assertEqual("2026-06-18T05:00:00.000Z", s["now"])
        self.assertEqual("2026-06-18T07:00:00+02:00 (manual test clock)\n",
                         d.ctl("testclock").stdout)
        self.assertEqual("2026-06-18T07:00:00+02:00 (manual test clock)\n",
                         d.ctl("testclock", "show").stdout)
        r = d.advance("90min")
        self.assertEqual("2026-06-18T06:30:00.000Z", r["now"])
        self.assertEqual("2026-06-18T08:30:00+02:00", r["local"])
        self.assertEqual("manual", r["mode"])
        # 1,080 ticks of 5 s plus the polls: the count proves they fired.
        self.assertGreater(r["fired"], 1080)
        self.assertEqual("2026-06-18T06:30:00.000Z", d.status()["now"])
        r = d.set_clock("2026-06-18T09:00:00+02:00")
        self.assertEqual("2026-06-18T07:00:00.000Z", r["now"])
        out = d.ctl("testclock", "advance", "0s").stdout
        self.assertEqual("2026-06-18T09:00:00+02:00 (manual test clock; 0 timers fired)\n", out)
        # Refused: backwards, garbage, no instant offset, wrong usage.
        for args, code, msg in ((("set", "2026-06-18T08:00:00+02:00"), 1, "backwards"),
                                (("advance", "soon"), 1, "time span"),
                                (("advance", "-1h"), 1, "time span"),
                                (("set", "2026-06-18T10:00:00"), 1, "ISO 8601"),
                                (("advance",), 2, "usage"),
                                (("rewind", "1h"), 2, "usage")):
            r = d.ctl("testclock", *args, check=False)
            self.assertEqual(code, r.returncode, (args, r.stderr))
            self.assertIn(msg, r.stderr, args)
        self.assertEqual("2026-06-18T07:00:00.000Z", d.status()["now"])

    def test_real_clock_refuses_testclock_moves(self):
        d = self.vaktd().start()
        self.assertFalse(d.status()["test_clock"])
        r = d.ctl("testclock", "set", "2030-01-01T00:00:00Z", check=False)
        self.assertEqual(1, r.returncode)
        self.assertIn("409", r.stderr)
        self.assertIn("real time", d.ctl("testclock").stdout)
        out = subprocess.run(["curl", "-s", "--unix-socket", d.socket, "-w", "\n%{http_code}",
                              "-X", "POST", "-d", '{"advance":"1h"}',
                              "http://localhost/v1/testclock"], capture_output=True, text=True)
        if out.returncode != 0:
            self.skipTest("curl not available")
        body, code = out.stdout.rsplit("\n", 1)
        self.assertEqual("409", code)
        self.assertEqual("not_manual", json.loads(body)["error"]["code"])

    def test_check_config(self):
        env = dict(os.environ, VAKT_RULES_DIR=TEST_RULES)
        r = subprocess.run([VAKTD, "--check-config", "--config", self.config_dir],
                           capture_output=True, text=True, env=env)
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertIn("configuration OK", r.stdout)
        self.write("vaktd.conf.d/50-typo.conf", "[Api]\nMaxConections=5\n")
        self.write("accounts.d/x.conf", "[Account]\nPlatform=x\nUnit=ghost\nExternalId=1\n")
        r = subprocess.run([VAKTD, "--check-config", "--config", self.config_dir],
                           capture_output=True, text=True, env=env)
        self.assertEqual(1, r.returncode)
        self.assertIn("50-typo.conf:2: unknown key 'MaxConections' in [Api]", r.stderr)
        self.assertIn("x.conf:3: account 'x' names unit 'ghost'", r.stderr)

    def test_vaktctl_prints_json_or_a_table(self):
        """Every online command goes through one "call the API, print JSON
        or a table" path (ctl_api_show)."""
        d = self.vaktd().start()
        for args, header in ((("queue",), "CLOCK"), (("accounts",), "ACCOUNT"),
                             (("schedule", "trafik-x"), "trafik-x: "),
                             (("filters", "stats"), "RULE"),
                             (("status",), "accounts:")):
            human = d.ctl(*args).stdout
            self.assertIn(header, human, args)
            machine = d.ctl(*args, "--json").stdout
            self.assertEqual(1, len(machine.splitlines()), args)
            json.loads(machine)
        r = d.ctl("queue", "--account", "no such", check=False)
        self.assertEqual(2, r.returncode)


if __name__ == "__main__":
    main()
