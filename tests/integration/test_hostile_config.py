#!/usr/bin/env python3
"""Hostile configuration directories: a FIFO drop-in, an account file that
is a link to /dev/zero, a FIFO rule file or a directory named vaktd.conf
is refused at once with a clear error, by --check-config and by a reload
(which keeps the daemon answering and SIGTERM working); vaktctl's offline
commands read no token."""
import os
import pwd
import shutil
import signal
import subprocess

from vakttest import PATIENCE, TEST_RULES, VAKTCTL, VAKTD, VaktTestCase, main

# A hang shows up as this timeout expiring (subprocess.run then kills the
# process by its pid); a working vaktd answers in milliseconds.
GENEROUS = 6 * PATIENCE


class HostileConfig(VaktTestCase):
    def check_config(self, env=None):
        e = dict(os.environ)
        e["VAKT_RULES_DIR"] = TEST_RULES
        e.update(env or {})
        return subprocess.run([VAKTD, "--config", self.config_dir, "--check-config"],
                              capture_output=True, text=True, env=e, timeout=GENEROUS)

    def test_check_config_refuses_a_fifo_dropin_promptly(self):
        os.makedirs(os.path.join(self.config_dir, "vaktd.conf.d"), exist_ok=True)
        fifo = os.path.join(self.config_dir, "vaktd.conf.d", "50-fifo.conf")
        os.mkfifo(fifo)
        r = self.check_config()
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn(fifo + ": cannot open: not a regular file", r.stderr)

    def test_check_config_refuses_an_account_linked_to_dev_zero(self):
        link = os.path.join(self.config_dir, "accounts.d", "zero.conf")
        os.symlink("/dev/zero", link)
        r = self.check_config()
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn(link + ": cannot open: not a regular file", r.stderr)

    def test_check_config_refuses_a_fifo_rule_file_promptly(self):
        rules = os.path.join(self.tmp, "rules")
        shutil.copytree(TEST_RULES, rules)
        fifo = os.path.join(rules, "zz-fifo.rules")
        os.mkfifo(fifo)
        r = self.check_config({"VAKT_RULES_DIR": rules})
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn(fifo + ": cannot open: not a regular file", r.stderr)

    def test_check_config_refuses_a_directory_named_vaktd_conf(self):
        main_file = os.path.join(self.config_dir, "vaktd.conf")
        os.unlink(main_file)
        os.mkdir(main_file)
        r = self.check_config()
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertNotIn("configuration OK", r.stdout)
        self.assertIn(main_file + ": cannot open: is a directory", r.stderr)

    def test_reload_with_a_fifo_dropin_keeps_answering(self):
        d = self.vaktd().start()
        gen = d.status()["config_generation"]
        os.makedirs(os.path.join(self.config_dir, "vaktd.conf.d"), exist_ok=True)
        fifo = os.path.join(self.config_dir, "vaktd.conf.d", "50-fifo.conf")
        os.mkfifo(fifo)
        os.symlink("/dev/urandom", os.path.join(self.config_dir, "accounts.d", "rnd.conf"))
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        rel = d.notify.wait_for("RELOADING=1", after=mark, timeout=GENEROUS)
        d.notify.wait_for("READY=1", after=rel, timeout=GENEROUS)
        st = d.status()
        self.assertEqual("running", st["state"])
        self.assertEqual(gen, st["config_generation"])
        log = d.log()
        self.assertIn(fifo + ": cannot open: not a regular file", log)
        self.assertIn("rnd.conf: cannot open: not a regular file", log)
        self.assertIn("keeping previous configuration", log)
        d.signal(signal.SIGTERM)
        self.assertEqual(0, d.wait_exit(timeout=GENEROUS))

    def offline_config(self):
        """The demo configuration with one account whose token file has
        mode 000 and one whose token file does not exist."""
        token = os.path.join(self.tmp, "token-000")
        with open(token, "w") as f:
            f.write("s3cret\n")
        os.chmod(token, 0)
        self.write("accounts.d/locked.conf",
                   "[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=1\n"
                   "TokenFile=%s\n" % token)
        self.write("accounts.d/gone.conf",
                   "[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=2\n"
                   "TokenFile=%s\n" % os.path.join(self.tmp, "no-such-token"))

    def run_calendar(self, **kw):
        return subprocess.run([VAKTCTL, "--config", self.config_dir, "calendar", "2026"],
                              capture_output=True, text=True, timeout=GENEROUS, **kw)

    def test_offline_command_reads_no_token(self):
        self.offline_config()
        r = self.run_calendar()
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertIn("2026-06-19 midsommarafton", r.stdout)
        self.assertNotIn("TokenFile", r.stderr)
        # --check-config does read them: the missing one is an error.
        c = self.check_config()
        self.assertEqual(1, c.returncode, c.stdout + c.stderr)
        self.assertIn("gone.conf:5: TokenFile=: cannot read", c.stderr)

    def test_offline_command_as_an_unprivileged_user(self):
        if os.geteuid() != 0:
            self.offline_config()
            r = self.run_calendar()
            self.assertEqual(0, r.returncode, r.stderr)
            return
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            self.skipTest("no user 'nobody' to drop to")
        self.offline_config()
        for root, dirs, files in os.walk(self.config_dir):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        os.chmod(self.tmp, 0o755)
        probe = subprocess.run([VAKTCTL, "--help"], capture_output=True,
                               user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[],
                               timeout=GENEROUS)
        if probe.returncode not in (0, 2):
            self.skipTest("vaktctl cannot be run as 'nobody' from this build directory")
        r = self.run_calendar(user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[])
        self.assertEqual(0, r.returncode, r.stderr)
        self.assertIn("2026-06-19 midsommarafton", r.stdout)


if __name__ == "__main__":
    main()
