#!/usr/bin/env python3
"""Start to READY of the real vaktd on a store built by bench-store.

  VAKTD=build/daemon/vaktd/vaktd VAKTCTL=build/daemon/ctl/vaktctl \\
  tests/bench/vaktd-ready.py /var/tmp/vakt-bench-store/store-1000000-s3-g1 [RUNS [REQUESTS]]
  VAKTD=build-release/daemon/vaktd/vaktd VAKTCTL=build-release/daemon/ctl/vaktctl \\
  tests/bench/vaktd-ready.py --demo [RUNS]
  VAKTD=... VAKTCTL=... tests/bench/vaktd-ready.py --cold --demo [RUNS]
  VAKTD=... VAKTCTL=... tests/bench/vaktd-ready.py [--no-thp] ...

--demo runs on the demo configuration (config/demo, its e-mail pointed at
a refusing port) and a new, empty store in a temporary directory; its
first start (which creates the store, compiles every pattern and runs the
rules' examples) is printed on its own and not counted: the later starts
do neither (docs/filter.md, "Compile checks at start").

The directory is one bench-store made (vakt.db and config/ with 800
accounts; bench-store writes an [Email] section pointing at a refusing
port, and a configuration written before it did needs one added, e.g.
SmtpUrl=smtp://127.0.0.1:1, StartTls=no and From=).  The first start on a fresh copy
migrates and catches up overdue deadline clocks in slices after READY;
with REQUESTS the status requests run during that catch-up and its
progress is printed.  Work on a copy: the store is written.  vaktd runs on it with a private socket, is stopped by its pid
after READY=1, and the wall time from exec to READY=1 is printed (p50 and
max over the runs), with the daemon's CPU time and its time waiting for a
CPU up to then (the kernel's schedstat, summed over its threads; read just
after READY=1 arrives): on a shared machine the wall time is the CPU time
plus the wait for a turn.  Its resident memory at READY=1 (VmRSS) and the
peak up to then (VmHWM) are printed too.  Connectors point at a closed local port: polls fail fast
and never leave the machine.

vaktd runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, as vaktd.service
starts it (its heap asks for transparent huge pages: the engine's build
takes about a quarter less CPU); --no-thp runs it without.

--cold gives every start a new, empty cache directory (CACHE_DIRECTORY):
no plan cache file is there, so each counted start builds the prefilter's
plan in full and writes the file, as the first start after a rule change
or an upgrade does (docs/filter.md, "plan cache").  Without it a later
start reads the file the start before wrote.

A start whose rules the store vouches for (every counted start) is READY
before its rules' engine is built: the engine is built on a thread while
vaktd runs, and fetched items wait for their verdict until it is in
(docs/operations.md, "Start").  So the time until vaktd filters (the log's
"filtering with rule set", watched from outside) is printed too, with the
daemon's CPU time by then (every thread: the build's included; from
/proc/PID/stat, whose clock ticks count 10 ms each).

With REQUESTS, the last run's daemon then answers that many GET /v1/status,
GET /v1/accounts and GET /v1/audit/export pages (500 entries from seq
1000, vaktctl's page size), one connection each, and their wall time and the
daemon's CPU time per request (its schedstat before and after) are printed
as p50 and p99.
"""
import json
import os
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "integration"))
import vakttest  # noqa: E402


def schedstat(pid):
    """(ns on a CPU, ns waiting for one) of every thread of pid."""
    run = wait = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            a, b, _ = f.read().split()
            run += int(a)
            wait += int(b)
    return run, wait


def process_cpu(pid):
    """CPU seconds of pid, threads that ended included (/proc/PID/stat's
    utime + stime: clock ticks, 10 ms on most kernels)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid):
    """(VmRSS, VmHWM) of pid, MiB: resident at READY and the peak so far."""
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                v[k] = int(rest.split()[0]) / 1024.0
    return v.get("VmRSS", 0.0), v.get("VmHWM", 0.0)


def request(method, path, sock_path):
    """One request without a body on its own connection: the raw answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock_path)
        s.sendall(("%s %s HTTP/1.1\r\nHost: vakt\r\nContent-Length: 0\r\n"
                   "Connection: close\r\n\r\n" % (method, path)).encode())
        data = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    return data


def get(path, sock_path):
    data = request("GET", path, sock_path)
    if not data.startswith(b"HTTP/1.1 200"):
        raise AssertionError("%s: %r" % (path, data[:200]))
    return data


def requests(d, n):
    for path in ("/v1/status", "/v1/accounts", "/v1/audit/export?from=1000&limit=500"):
        walls, cpus = [], []
        size = 0
        for _ in range(n):
            c0 = schedstat(d.pid)[0]
            t0 = time.monotonic()
            data = get(path, d.socket)
            size = len(data)
            walls.append(time.monotonic() - t0)
            cpus.append((schedstat(d.pid)[0] - c0) / 1e9)
        walls.sort()
        cpus.sort()
        p99 = min(n - 1, int(n * 0.99))
        print("GET %s (%d, %d bytes): wall p50 %.2f ms, p99 %.2f ms; daemon CPU p50 %.2f ms, "
              "p99 %.2f ms" % (path, n, size, walls[n // 2] * 1e3, walls[p99] * 1e3,
                               cpus[n // 2] * 1e3, cpus[p99] * 1e3))
        if path == "/v1/status":
            # The deadline scan's catch-up after a long pause (slices
            # between these requests; docs/store.md).
            body = json.loads(data.split(b"\r\n\r\n", 1)[1])
            print("deadline catch-up: %s" % json.dumps(body.get("deadline_catchup")))


def wait_filtering(d, timeout=600):
    """Wait until the daemon filters (its rules' engine is in): the time."""
    end = time.monotonic() + timeout
    while "filtering with rule set" not in d.log():
        if time.monotonic() > end:
            raise AssertionError("vaktd did not start filtering: %s" % d.log()[-2000:])
        time.sleep(0.002)
    return time.monotonic()


def demo_store(where):
    """A store directory for --demo: config/demo with a refusing SMTP port."""
    store = os.path.join(where, "demo-store")
    os.mkdir(store)
    shutil.copytree(vakttest.DEMO_CONFIG, os.path.join(store, "config"))
    conf = os.path.join(store, "config", "vaktd.conf")
    with open(conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write("\n".join("SmtpUrl=smtp://127.0.0.1:1" if line.startswith("SmtpUrl=") else line
                          for line in text.split("\n")))
    return store


def main():
    argv = [a for a in sys.argv if a not in ("--cold", "--no-thp")]
    cold = "--cold" in sys.argv
    thp = "--no-thp" not in sys.argv
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        return 2
    vaktd = os.environ.get("VAKTD", "vaktd")
    if not shutil.which(vaktd):
        print(f"vaktd-ready: no vaktd at {vaktd!r}: set VAKTD (and VAKTCTL), see --help",
              file=sys.stderr)
        return 2
    demo = argv[1] == "--demo"
    runs = int(argv[2]) if len(argv) > 2 else 3
    n_requests = int(argv[3]) if len(argv) > 3 and not demo else 0
    times, cpus, waits, rss, hwm = [], [], [], [], []
    ftimes, fcpus = [], []
    with tempfile.TemporaryDirectory(prefix="vakt-ready-") as work:
        store_dir = demo_store(work) if demo else os.path.abspath(argv[1])
        os.symlink(store_dir, os.path.join(work, "state"))
        for i in range(runs + demo):
            env = {"VAKT_RULES_DIR": os.path.join(vakttest.SRCDIR, "filters")}
            if thp:
                env["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1"
            if cold:
                env["CACHE_DIRECTORY"] = tempfile.mkdtemp(prefix="cache-", dir=work)
            d = vakttest.Vaktd(work, os.path.join(store_dir, "config"), env=env)
            t0 = time.monotonic()
            try:
                d.start(wait_ready=False)
                d.notify.wait_for("READY=1", timeout=600)
                t = time.monotonic() - t0
                run, wait = schedstat(d.pid)
                res, peak = memory(d.pid)
                if demo and i == 0:
                    print("first start (new store, the rules' examples run): %.0f ms, CPU %.0f ms; "
                          "resident at READY %.1f MiB, peak %.1f MiB"
                          % (t * 1e3, run / 1e6, res, peak))
                    continue
                if "being built" in d.log():
                    ftimes.append(wait_filtering(d) - t0)
                    fcpus.append(process_cpu(d.pid))
                rss.append(res)
                hwm.append(peak)
                times.append(t)
                cpus.append(run / 1e9)
                waits.append(wait / 1e9)
                if n_requests and len(times) == runs:
                    requests(d, n_requests)
            finally:
                d.stop()
                d.notify.close()
    for v in (times, cpus, waits, rss, hwm, ftimes, fcpus):
        v.sort()
    m = len(times) // 2
    print("vaktd start to READY%s%s on %s (%d runs): wall p50 %.0f ms, max %.0f ms; "
          "CPU p50 %.0f ms, max %.0f ms; waiting for a CPU p50 %.0f ms"
          % (" (cold: no plan cache file)" if cold else "",
             "" if thp else " (no huge pages)",
             "the demo configuration" if demo else store_dir, len(times), times[m] * 1e3,
             times[-1] * 1e3, cpus[m] * 1e3, cpus[-1] * 1e3, waits[m] * 1e3))
    print("resident memory at READY p50 %.1f MiB, max %.1f MiB; peak (VmHWM) p50 %.1f MiB"
          % (rss[m], rss[-1], hwm[m]))
    if ftimes:
        f = len(ftimes) // 2
        print("start to filtering (%d of the runs: the engine built after READY): wall p50 "
              "%.0f ms, max %.0f ms; CPU p50 %.0f ms, max %.0f ms (every thread, to 10 ms)"
              % (len(ftimes), ftimes[f] * 1e3, ftimes[-1] * 1e3, fcpus[f] * 1e3,
                 fcpus[-1] * 1e3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
