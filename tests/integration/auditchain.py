"""The audit log's hash chain in Python (standard library only): what a
reader of `vaktctl audit export` needs to check the log on their own, and
a quick way for tests and benchmarks to grow a store's chain.

An entry's hash is SHA-256 over length-prefixed fields ("N:" then the N
bytes of UTF-8): the previous entry's hash, seq, at (decimal), actor,
action, subject, detail; when the entry has a caller, then "caller", uid,
gid, pid (decimal), "1"/"0" and the user name, "1"/"0" and the claim (a
missing name is "0" and the empty string).  The first entry's previous
hash is 64 zeros.  docs/store.md#the-audit-log says the same.
"""
import hashlib
import sqlite3

GENESIS = "0" * 64


def _field(h, s):
    b = s.encode("utf-8") if s is not None else b""
    h.update(b"%d:" % len(b))
    h.update(b)


def entry_hash(prev, seq, at, actor, action, subject, detail, caller=None):
    h = hashlib.sha256()
    for f in (prev, str(seq), str(at), actor, action, subject, detail):
        _field(h, f)
    if caller is not None:
        _field(h, "caller")
        for k in ("uid", "gid", "pid"):
            _field(h, str(caller[k]))
        for k in ("user", "claim"):
            _field(h, "1" if caller.get(k) is not None else "0")
            _field(h, caller.get(k))
    return h.hexdigest()


def verify(entries):
    """(intact entries, first bad seq or None) for exported entries (dicts
    as `vaktctl audit export` writes them), from the first one on.  The
    first entry's prev_hash is taken as given when it is not seq 1."""
    prev = None
    n = 0
    expect = None
    for e in entries:
        if prev is None:
            prev = GENESIS if e["seq"] == 1 else e["prev_hash"]
            expect = e["seq"]
        h = entry_hash(prev, e["seq"], e["at"], e["actor"], e["action"], e["subject"],
                       e["detail"], e.get("caller"))
        if e["seq"] != expect or e["prev_hash"] != prev or e["hash"] != h:
            return n, e["seq"]
        prev, expect = h, e["seq"] + 1
        n += 1
    return n, None


def append(db_path, count, at_start=1764800000000000, actor="test:chain"):
    """Append count valid entries to the store at db_path (no vaktd may
    run on it), in one transaction; returns the last seq."""
    con = sqlite3.connect(db_path)
    try:
        row = con.execute("SELECT seq, hash, at FROM audit_log "
                          "WHERE seq = (SELECT max(seq) FROM audit_log)").fetchone()
        seq, prev, at = row if row else (0, GENESIS, at_start)
        rows = []
        for i in range(count):
            seq += 1
            at += 1000
            subject = "item:%d" % (seq % 100000)
            detail = '{"n":%d}' % i
            h = entry_hash(prev, seq, at, actor, "test.entry", subject, detail)
            rows.append((seq, at, actor, "test.entry", subject, detail, prev, h))
            prev = h
        con.executemany("INSERT INTO audit_log(seq, at, actor, action, subject, detail, "
                        "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)", rows)
        con.commit()
        return seq
    finally:
        con.close()


def tamper(db_path, seq, detail='{"tampered":true}'):
    """Change one entry's detail behind the triggers' back, as someone with
    the database file could (no vaktd may run on it)."""
    con = sqlite3.connect(db_path)
    try:
        sql = con.execute("SELECT sql FROM sqlite_master WHERE name='audit_log_no_update'"
                          ).fetchone()[0]
        con.execute("DROP TRIGGER audit_log_no_update")
        con.execute("UPDATE audit_log SET detail=? WHERE seq=?", (detail, seq))
        con.execute(sql)
        con.commit()
    finally:
        con.close()
