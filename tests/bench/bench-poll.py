#!/usr/bin/env python3
"""One full poll cycle of many accounts against the platform simulators.

  VAKTD=build/daemon/vaktd/vaktd VAKTCTL=build/daemon/ctl/vaktctl \\
  tests/bench/bench-poll.py [--accounts 800] [--posts 20] [--comments 3] \\
                            [--latency-ms 100]

The accounts are spread evenly over the six platforms and split between
--sims-per-platform simulator processes per platform (tests/sim/sim_*.py;
a simulator's listings scan its whole item store, so fewer accounts per
process keep it from being the bottleneck; children come from an index),
with --latency-ms added to every API request.  Each account has --posts
recent posts with --comments comments each.  Facebook pages, Instagram users, X users and LinkedIn
organisations are separate accounts on their simulator; the YouTube and
Mastodon simulators serve one account (the channel, the token's user), so
their vakt accounts all read that one account's posts (the same requests
and the same amount of data per account; the store keys items per account).

vaktd runs in a private temporary directory with its own socket on the
manual test clock (started at the real present), with the shipped rules.
Measured: the wall time of `vaktctl poll --all` (every account polled once,
the first time: everything is new), the same for a second cycle with
nothing changed, the requests per account in each cycle (from the
simulators' /_sim/log), the CPU seconds of vaktd and of the simulators per
cycle (per platform; the simulators run on the same cores, so the floor a
cycle cannot beat on this machine is printed too), and vaktd's peak RSS
(VmHWM).  --in-flight sets [Schedule] RequestsInFlight=.  Figures: docs/hacking.md#benchmarks.  Every process it
starts is stopped by its pid, also on failure.
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, os.path.join(HERE, "..", "sim"))
import vakttest  # noqa: E402
from simtest import SimProc  # noqa: E402

PLATFORMS = ("facebook", "instagram", "youtube", "x", "mastodon", "linkedin")
UNITS = ("stadsledning", "kultur", "trafik")
BIG = 10 ** 9
WORDS = ("Tack för informationen", "När öppnar badhuset igen?", "Bra jobbat!",
         "Varför har ni inte svarat på mitt mejl", "Gäller det även Södra Ängby?",
         "Håller med", "Vilken tid börjar det?", "Snälla laga gatlyset på Ringvägen")


def text(i):
    return "%s (%d)" % (WORDS[i % len(WORDS)], i)


def minutes(m):
    return "-%dm" % m


# --------------------------------------------------------------- scenarios
# Each returns (scenario, [(external_id, token, api_base_suffix)]).


def sc_graph(n, posts, comments, ig, first):
    perms = (["instagram_basic", "instagram_manage_comments", "pages_read_engagement"] if ig else
             ["pages_read_engagement", "pages_read_user_content", "pages_manage_engagement"])
    sc = {"config": {"default_version": 22, "usage": 2}, "tokens": {}, "accounts": [],
          "authors": {}, "items": []}
    for k in range(5):
        sc["authors"]["u%d" % k] = {"id": "1784140000000%04d" % k, "name": "Person %d" % k,
                                    "username": "person%d" % k}
    accs = []
    seq = first * posts * (comments + 1)
    for a in range(first, first + n):
        aid = ("178414063%08d" if ig else "1048576%08d") % a
        tok = "tok-%s-%d" % ("ig" if ig else "fb", a)
        sc["tokens"][tok] = {"account": aid, "type": "page", "permissions": perms}
        sc["accounts"].append({"id": aid, "name": "Konto %d" % a, "username": "konto%d" % a})
        sc["authors"][aid] = {"id": aid, "name": "Konto %d" % a, "username": "konto%d" % a}
        for p in range(posts):
            seq += 1
            pid = ("1789%013d" % seq) if ig else ("%s_%d" % (aid, 10158400000000000 + seq))
            post = {"id": pid, "kind": "media" if ig else "post", "account": aid, "author": aid,
                    "created": minutes(30 + 60 * p), "text": text(seq)}
            if ig:
                post.update(media_type="IMAGE", permalink="https://www.instagram.com/p/sim%d/" % seq,
                            media_url="https://scontent.example/%d.jpg" % seq)
            sc["items"].append(post)
            for c in range(comments):
                seq += 1
                cid = ("1789%013d" % seq) if ig else ("%d_%d" % (10158400000000000 + seq - c - 1,
                                                                 10158500000000000 + seq))
                sc["items"].append({"id": cid, "kind": "comment", "parent": pid,
                                    "author": "u%d" % (seq % 5),
                                    "created": minutes(30 + 60 * p - 5 * (c + 1)), "text": text(seq)})
        accs.append((aid, tok, "/v22.0"))
    return sc, accs


def sc_youtube(n, posts, comments, first):
    chan = "UCa-vrCLQHviTOVnEKDOdetQ"
    sc = {"config": {"quota_limit": BIG, "api_keys": ["AIza-sim-key"]},
          "tokens": {}, "accounts": [{"id": chan, "name": "Exempelby kommun"}],
          "authors": {chan: {"id": chan, "name": "Exempelby kommun"}},
          "extra": {"videos": {}}, "items": []}
    for k in range(5):
        sc["authors"]["u%d" % k] = {"id": "UCsimauthor%013d" % k, "name": "Person %d" % k}
    # A YouTube "post" is a top-level comment thread on one of the
    # channel's videos; its replies are the comments.
    for p in range(posts):
        vid = "simVid%05d" % p
        sc["extra"]["videos"][vid] = {}
        tid = "UgySimThread%08dAaABAg" % p
        sc["items"].append({"id": tid, "video": vid, "author": "u%d" % (p % 5),
                            "created": minutes(30 + 60 * p), "text": text(p)})
        for c in range(comments):
            sc["items"].append({"id": "%s.sim%04d" % (tid, c), "parent": tid, "video": vid,
                                "author": "u%d" % ((p + c + 1) % 5),
                                "created": minutes(30 + 60 * p - 5 * (c + 1)), "text": text(p * 10 + c)})
    accs = []
    for a in range(first, first + n):
        tok = "tok-yt-%d" % a
        sc["tokens"][tok] = {"account": chan, "scopes": ["https://www.googleapis.com/auth/youtube.force-ssl"]}
        accs.append((chan, tok, ""))
    return sc, accs


def sc_x(n, posts, comments, first):
    sc = {"config": {"credits": BIG, "limits": {k: BIG for k in
                                                ("mentions", "search", "tweets", "lookup", "hide")}},
          "tokens": {}, "accounts": [], "authors": {}, "items": []}
    for k in range(5):
        sc["authors"]["u%d" % k] = {"id": "22449949%02d" % k, "name": "Person %d" % k,
                                    "username": "person%d" % k}
    accs = []
    seq = first * posts * (comments + 1)
    for a in range(first, first + n):
        key = "acc%d" % a
        uid = "12340000000%08d" % a
        sc["authors"][key] = {"id": uid, "name": "Konto %d" % a, "username": "konto%d" % a}
        sc["accounts"].append({"id": uid, "username": "konto%d" % a})
        tok = "tok-x-%d" % a
        sc["tokens"][tok] = {"user": key, "scopes": ["tweet.read", "users.read", "tweet.moderate.write"]}
        for p in range(posts):
            seq += 1
            tid = str(1865000000000000000 + seq)
            sc["items"].append({"id": tid, "author": key, "created": minutes(30 + 60 * p),
                                "text": text(seq)})
            for c in range(comments):
                seq += 1
                sc["items"].append({"id": str(1865000000000000000 + seq), "parent": tid,
                                    "author": "u%d" % (seq % 5),
                                    "created": minutes(30 + 60 * p - 5 * (c + 1)),
                                    "text": "@konto%d %s" % (a, text(seq))})
        accs.append((uid, tok, ""))
    return sc, accs


def sc_mastodon(n, posts, comments, first):
    me = "117020565966271181"
    sc = {"config": {"locale": "en", "rate_limit": BIG}, "tokens": {},
          "accounts": [{"id": me, "username": "exempelby"}],
          "authors": {"me": {"id": me, "username": "exempelby", "display_name": "Exempelby kommun"}},
          "items": []}
    for k in range(5):
        sc["authors"]["u%d" % k] = {"id": "11702056609221%04d" % k, "username": "person%d" % k,
                                    "acct": "person%d@social.example" % k, "display_name": "Person %d" % k}
    seq = first * posts * (comments + 1)
    for p in range(posts):
        seq += 1
        sid = str(117020577157690000 + seq)
        sc["items"].append({"id": sid, "author": "me", "created": minutes(30 + 60 * p), "text": text(seq)})
        for c in range(comments):
            seq += 1
            sc["items"].append({"id": str(117020577157690000 + seq), "parent": sid,
                                "author": "u%d" % (seq % 5), "created": minutes(30 + 60 * p - 5 * (c + 1)),
                                "text": "@exempelby %s" % text(seq)})
    accs = []
    for a in range(first, first + n):
        tok = "tok-masto-%d" % a
        sc["tokens"][tok] = {"scopes": ["read", "write"]}
        accs.append((me, tok, ""))
    return sc, accs


def sc_linkedin(n, posts, comments, first):
    sc = {"config": {}, "tokens": {}, "accounts": [], "authors": {},
          "items": []}
    for k in range(5):
        sc["authors"]["u%d" % k] = {"id": "urn:li:person:sim%07d" % k}
    accs = []
    seq = first * posts * (comments + 1)
    for a in range(first, first + n):
        key = "org%d" % a
        urn = "urn:li:organization:%d" % (2414183 + a)
        sc["authors"][key] = {"id": urn}
        sc["accounts"].append({"id": urn, "name": "Konto %d" % a})
        tok = "tok-li-%d" % a
        sc["tokens"][tok] = {"org": key, "permissions": ["r_organization_social_feed",
                                                         "w_organization_social_feed"]}
        for p in range(posts):
            seq += 1
            pid = "urn:li:share:%d" % (6844785523593134080 + seq)
            sc["items"].append({"id": pid, "activity": "urn:li:activity:%d" % (6844785524083892224 + seq),
                                "kind": "post", "author": key, "created": minutes(30 + 60 * p),
                                "text": text(seq)})
            for c in range(comments):
                seq += 1
                sc["items"].append({"id": str(6844790000000000000 + seq), "parent": pid,
                                    "author": "u%d" % (seq % 5),
                                    "created": minutes(30 + 60 * p - 5 * (c + 1)), "text": text(seq)})
        accs.append((urn, tok, ""))
    return sc, accs


def scenario(platform, n, posts, comments, first):
    if platform in ("facebook", "instagram"):
        return sc_graph(n, posts, comments, platform == "instagram", first)
    return {"youtube": sc_youtube, "x": sc_x, "mastodon": sc_mastodon,
            "linkedin": sc_linkedin}[platform](n, posts, comments, first)


# --------------------------------------------------------------- helpers


def sim_call(sim, method, path):
    c = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=60)
    try:
        c.request(method, path)
        r = c.getresponse()
        return json.loads(r.read().decode("utf-8"))
    finally:
        c.close()


def hwm_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k] = int(v.split()[0])
    return out


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cycle(d, sims, per_platform, label):
    for s in sims.values():
        sim_call(s, "DELETE", "/_sim/log")
    cpu0 = cpu_s(d.pid)
    sim0 = {k: cpu_s(s.proc.pid) for k, s in sims.items()}
    t0 = time.monotonic()
    wall0_ms = time.time() * 1000
    r = subprocess.run([vakttest.VAKTCTL, "--socket", d.socket, "poll", "--all", "--json"],
                       capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - t0
    cpu = cpu_s(d.pid) - cpu0
    sim_plat = {}
    for k, s in sims.items():
        sim_plat[k[0]] = sim_plat.get(k[0], 0) + cpu_s(s.proc.pid) - sim0[k]
    sim_cpu = sum(sim_plat.values())
    try:
        polls = json.loads(r.stdout)["polls"]
    except (ValueError, KeyError):
        raise SystemExit("vaktctl poll --all: rc %d\n%s\n%s" % (r.returncode, r.stdout[-2000:], r.stderr))
    results = {}
    for p in polls:
        results[p.get("result")] = results.get(p.get("result"), 0) + 1
    new = sum(p.get("items_new", 0) or 0 for p in polls)
    print("%s: %d polls in %.2f s (vaktctl rc %d), results %s, %d new items"
          % (label, len(polls), wall, r.returncode, results, new))
    # The simulators share the machine with vaktd: on N cores the cycle
    # cannot take less than their CPU and vaktd's together over N, nor
    # less than vaktd's alone (one event loop).
    ncpu = os.cpu_count() or 1
    print("  CPU: vaktd %.2f s, simulators %.2f s (%s); load %s"
          % (cpu, sim_cpu, ", ".join("%s %.2f" % (p, sim_plat.get(p, 0)) for p in PLATFORMS),
             open("/proc/loadavg").read().split()[0]))
    print("  CPU-bound floor on %d cores (the machine to ourselves): %.2f s; vaktd + simulators "
          "used %.0f %% of the cores during the cycle"
          % (ncpu, max(cpu, (cpu + sim_cpu) / ncpu), 100 * (cpu + sim_cpu) / (ncpu * wall)))
    bad = [p for p in polls if p.get("result") != "ok"]
    for p in bad[:5]:
        print("  not ok: %s" % json.dumps(p)[:400])
    total = 0
    for plat in PLATFORMS:
        log = []
        for (p, _), s in sims.items():
            if p == plat:
                log += sim_call(s, "GET", "/_sim/log")["requests"]
        total += len(log)
        statuses = {}
        for e in log:
            statuses[e["status"]] = statuses.get(e["status"], 0) + 1
        # When the platform's requests arrived, from the cycle's start: the
        # last one bounds when its polls could end.
        span = ""
        if log:
            span = ", arrived %.2f-%.2f s" % ((min(e["t"] for e in log) - wall0_ms) / 1000,
                                              (max(e["t"] for e in log) - wall0_ms) / 1000)
        print("  %-9s %4d accounts %6d requests (%.2f per account) statuses %s%s"
              % (plat, per_platform[plat], len(log), len(log) / max(1, per_platform[plat]), statuses,
                 span))
    n = sum(per_platform.values())
    print("  all       %4d accounts %6d requests (%.2f per account)" % (n, total, total / max(1, n)))
    mem = hwm_kib(d.pid)
    print("  vaktd VmHWM %.1f MiB, VmRSS %.1f MiB" % (mem["VmHWM"] / 1024, mem["VmRSS"] / 1024))
    return wall, total / max(1, n), mem


def add_accounts(config, tokdir, plat, sim, accs, first):
    for i, (ext, tok, suffix) in enumerate(accs, first):
        name = "%s-%04d" % (plat, i)
        tf = os.path.join(tokdir, name)
        with open(tf, "w") as f:
            f.write(tok + "\n")
        os.chmod(tf, 0o600)
        with open(os.path.join(config, "accounts.d", name + ".conf"), "w") as f:
            f.write("[Account]\nPlatform=%s\nUnit=%s\nExternalId=%s\nApiBaseUrl=%s%s\n"
                    "TokenFile=%s\n" % (plat, UNITS[i % len(UNITS)], ext, sim.base, suffix, tf))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=800)
    ap.add_argument("--posts", type=int, default=20)
    ap.add_argument("--comments", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--cycles", type=int, default=2, help="cycles after the first one")
    ap.add_argument("--sims-per-platform", type=int, default=8,
                    help="simulator processes per platform (the accounts split between them)")
    ap.add_argument("--in-flight", type=int, default=None,
                    help="[Schedule] RequestsInFlight= (default: vaktd's own)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--perf", metavar="FILE", default=None,
                    help="perf record vaktd's first cycle (call graphs) into FILE")
    ap.add_argument("--callgrind", action="store_true",
                    help="VAKTD runs under valgrind --tool=callgrind: zero its counts before "
                         "the first cycle, dump them after it (instruction counts, steady under load)")
    a = ap.parse_args()

    per_platform = {p: a.accounts // len(PLATFORMS) + (1 if i < a.accounts % len(PLATFORMS) else 0)
                    for i, p in enumerate(PLATFORMS)}
    work = tempfile.mkdtemp(prefix="vakt-bench-poll-")
    sims, d = {}, None
    try:
        config = os.path.join(work, "config")
        os.makedirs(os.path.join(config, "accounts.d"))
        os.makedirs(os.path.join(config, "vaktd.conf.d"))
        shutil.copy(os.path.join(vakttest.DEMO_CONFIG, "vaktd.conf"), config)
        with open(os.path.join(config, "vaktd.conf.d", "90-bench.conf"), "w") as f:
            f.write("[Daemon]\nLogLevel=warning\nTickSec=60\n")
            if a.in_flight:
                f.write("[Schedule]\nRequestsInFlight=%d\n" % a.in_flight)
        tokdir = os.path.join(work, "tokens")
        os.makedirs(tokdir)
        t0 = time.monotonic()
        for plat in PLATFORMS:
            n = per_platform[plat]
            for shard in range(a.sims_per_platform):
                lo = n * shard // a.sims_per_platform
                hi = n * (shard + 1) // a.sims_per_platform
                sc, accs = scenario(plat, hi - lo, a.posts, a.comments, lo)
                path = os.path.join(work, "%s-%d.json" % (plat, shard))
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(sc, f)
                s = SimProc("sim_%s.py" % plat, path)
                sims[(plat, shard)] = s
                s.start()
                add_accounts(config, tokdir, plat, s, accs, lo)
        # The latency goes in after setup: the simulators' own start is not measured.
        for s in sims.values():
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
            c.request("POST", "/_sim/config", body=json.dumps({"latency_ms": a.latency_ms}),
                      headers={"Content-Type": "application/json"})
            c.getresponse().read()
            c.close()
        print("setup: %d accounts (%s), %d posts x %d comments, latency %d ms, "
              "RequestsInFlight=%s, %.1f s"
              % (a.accounts, ", ".join("%s %d" % kv for kv in per_platform.items()), a.posts,
                 a.comments, a.latency_ms, a.in_flight or "default", time.monotonic() - t0))
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        d = vakttest.Vaktd(work, config, ("--test-clock", start + ",manual"),
                           env={"VAKT_RULES_DIR": vakttest.SHIPPED_RULES})
        t0 = time.monotonic()
        d.start(wait_ready=False)
        d.notify.wait_for("READY=1", timeout=600)
        print("vaktd READY in %.2f s, VmHWM %.1f MiB" % (time.monotonic() - t0, hwm_kib(d.pid)["VmHWM"] / 1024))
        perf = None
        if a.perf:
            perf = subprocess.Popen(["perf", "record", "-q", "-F", "499", "--call-graph", "dwarf,16384",
                                     "-p", str(d.pid), "-o", a.perf], stdout=subprocess.DEVNULL)
            time.sleep(1)  # perf attaches asynchronously; a second covers it on a slow machine
        if a.callgrind:
            subprocess.run(["callgrind_control", "-z", str(d.pid)], check=True,
                           stdout=subprocess.DEVNULL)
        try:
            cycle(d, sims, per_platform, "cycle 1 (all new)")
        finally:
            if perf is not None:
                perf.send_signal(signal.SIGINT)
                perf.wait(timeout=600)
            if a.callgrind:
                subprocess.run(["callgrind_control", "-d", str(d.pid)], stdout=subprocess.DEVNULL)
        for i in range(a.cycles):
            cycle(d, sims, per_platform, "cycle %d (nothing changed)" % (i + 2))
        print("load: %s" % open("/proc/loadavg").read().strip())
    except BaseException:
        if d is not None:
            sys.stderr.write("---- vaktd log (tail) ----\n%s\n" % d.log()[-4000:])
        raise
    finally:
        if d is not None:
            d.stop()
            if d.notify:
                d.notify.close()
        for s in sims.values():
            s.stop()
        if a.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
