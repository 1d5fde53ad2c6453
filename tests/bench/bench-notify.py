"""The notify benchmark: bench-notify against a local SMTP server.

    BENCH_NOTIFY=build/tests/bench/bench-notify python3 tests/bench/bench-notify.py [N]

Starts tests/integration/smtpsink.py (aiosmtpd; it keeps nothing) on
127.0.0.1, writes a configuration with [Email] pointing at it, and sends N
messages (default 1000) at once through notify_send; bench-notify prints
p50/p99 of the time from the call to the server's acceptance (target: p99
at most 2 s).  The server runs by its pid and is stopped by it.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(HERE, "..", "integration", "smtpsink.py")
BENCH = os.environ.get("BENCH_NOTIFY", "bench-notify")


def aiosmtpd_python():
    for exe in (sys.executable, "/usr/bin/python3"):
        if exe and os.path.exists(exe) and subprocess.run(
                [exe, "-c", "import aiosmtpd"], capture_output=True).returncode == 0:
            return exe
    sys.exit("bench-notify.py: no python3 with aiosmtpd (apt-get install python3-aiosmtpd)")


def main():
    n = sys.argv[1] if len(sys.argv) > 1 else "1000"
    sink = subprocess.Popen([aiosmtpd_python(), SINK, "-"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(sink.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="vakt-bench-notify-") as d:
            with open(os.path.join(d, "vaktd.conf"), "w") as f:
                f.write("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\n"
                        "From=vakt@stad.example.se\nTimeoutSec=60\n" % port)
            r = subprocess.run([BENCH, d, "oncall@example.se", n])
        return r.returncode
    finally:
        sink.terminate()
        sink.wait()
        sink.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
