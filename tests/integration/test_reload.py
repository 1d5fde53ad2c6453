#!/usr/bin/env python3
"""SIGHUP: a broken configuration is refused with file:line and the daemon
keeps running on the old one; a good change is applied."""
import signal

from vakttest import VaktTestCase, main


class Reload(VaktTestCase):
    def test_broken_config_keeps_previous(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=facebook\nUnit=kultur\n"
                   "ExternalId=9\nEnabeld=yes\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)
        after = d.status()
        self.assertEqual("running", after["state"])
        self.assertEqual(before["config_generation"], after["config_generation"])
        self.assertEqual(before["accounts"], after["accounts"])
        log = d.log()
        self.assertIn("accounts.d/new.conf:5: unknown key 'Enabeld' in [Account]; "
                      "keeping previous configuration", log)
        self.assertIsNone(d.proc.poll())

    def test_good_change_is_applied(self):
        d = self.vaktd().start()
        before = d.status()
        self.write("accounts.d/new.conf", "[Account]\nPlatform=youtube\nUnit=trafik\n"
                   "ExternalId=UC123\nApiBaseUrl=http://127.0.0.1:9/yt\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        rel = d.notify.wait_for("RELOADING=1", after=mark)
        d.notify.wait_for("READY=1", after=rel)
        after = d.status()
        self.assertEqual(before["config_generation"] + 1, after["config_generation"])
        self.assertEqual(before["accounts"] + 1, after["accounts"])
        self.assertIn("configuration reloaded", d.log())

    def test_reload_twice_broken_then_fixed(self):
        d = self.vaktd().start()
        path = self.write("vaktd.conf.d/10-limits.conf", "[Api]\nMaxConnections=lots\n")
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        self.assertIn("10-limits.conf:2: MaxConnections=", d.log())
        with open(path, "w") as f:
            f.write("[Api]\nMaxConnections=8\n")
        gen = d.status()["config_generation"]
        mark = len(d.notify.messages)
        d.signal(signal.SIGHUP)
        d.notify.wait_for("READY=1", after=d.notify.wait_for("RELOADING=1", after=mark))
        self.assertEqual(gen + 1, d.status()["config_generation"])


if __name__ == "__main__":
    main()
