"""The escalation benchmark from trigger to delivery, through the real
vaktd: its outbox (routing, the store's delivery states) and its SMTP
channel, to a local SMTP server.

    VAKTD=build/daemon/vaktd/vaktd VAKTCTL=build/daemon/ctl/vaktctl \\
    python3 tests/bench/bench-notify-outbox.py [N]

Starts tests/integration/smtpsink.py (aiosmtpd; it keeps nothing but the
arrival time of each message) and vaktd on a copy of config/demo with
[Email] pointing at it and a one-person rota, writes N escalations (default
1000; on-call only, no repeats) into the store as the triggers would, and
wakes the outbox (a reload).  Prints p50/p99/max from the wake-up to each
message's arrival at the server (target: p99 at most 2 s).  Every process
is stopped by its pid.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import vakttest  # noqa: E402
from test_notify_channels import PYTHON_SMTPD  # noqa: E402

SINK = os.path.join(HERE, "..", "integration", "smtpsink.py")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if not PYTHON_SMTPD:
        sys.exit("bench-notify-outbox.py: no python3 with aiosmtpd")
    tmp = tempfile.mkdtemp(prefix="vakt-bench-outbox-")
    stamps = os.path.join(tmp, "stamps")
    sink = subprocess.Popen([PYTHON_SMTPD, SINK, "-"], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, SINK_STAMPS=stamps))
    d = None
    try:
        port = int(sink.stdout.readline())
        conf = os.path.join(tmp, "config")
        shutil.copytree(vakttest.DEMO_CONFIG, conf)
        os.makedirs(os.path.join(conf, "vaktd.conf.d"), exist_ok=True)
        with open(os.path.join(conf, "vaktd.conf.d", "90-bench.conf"), "w") as f:
            f.write("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\nTimeoutSec=60\n"
                    "[Escalation]\nThreat=oncall\nRepeatEvery=off\n"
                    "[OnCall]\nRota=oncall@example.se\n" % port)
        d = vakttest.Vaktd(tmp, conf)
        d.start()
        now = int(time.time() * 1e6)
        con = sqlite3.connect(os.path.join(d.state_dir, "vakt.db"), timeout=30)
        con.executemany(
            "INSERT INTO escalations(key, cause, kind, account_id, reason, level, round, "
            "next_at, created_at, updated_at) VALUES (?,'verdict','threat','stockholm-fb',"
            "'criminal',-1,0,?,?,?)", [("bench-%d" % i, now, now, now) for i in range(n)])
        con.commit()
        con.close()
        t0 = time.monotonic()
        d.ctl("reload")

        def arrived():
            try:
                with open(stamps) as f:
                    return [float(x) for x in f.read().split()]
            except FileNotFoundError:
                return []
        deadline = t0 + 300
        while len(arrived()) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        lat = sorted(t - t0 for t in arrived())
        if len(lat) < n:
            print("only %d of %d messages arrived" % (len(lat), n))
            return 1
        print("escalations %d: trigger (outbox woken) to arrival at the SMTP server: "
              "p50 %.3f s, p99 %.3f s, max %.3f s" % (n, lat[n // 2], lat[int((n - 1) * 0.99)],
                                                     lat[-1]))
        return 0
    finally:
        if d:
            d.stop()
            if d.notify:
                d.notify.close()
        sink.terminate()
        sink.wait()
        sink.stdout.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
