#!/usr/bin/env python3
"""EXPLAIN QUERY PLAN on every statement the daemon prepares (issue 9).

The statements are not listed by hand: every call of a function that
prepares or executes SQL in daemon/**/*.c (store_prepare, deadline_prepare,
sqlite3_prepare_v2/v3, sqlite3_exec, store_exec, and the per-file wrappers
named in WRAPPERS) is found in the source, its string literals are joined as
the C compiler joins them (with #define'd string macros expanded, and both
arms of a `cond ? "…" : "…"`), and each statement is planned against a
store built through the pipeline (bench-store --build-only), once as the
daemon leaves it and once after ANALYZE.  A call whose SQL is not a literal
must be one of the DYNAMIC sites below, so a new statement cannot hide.

A plan fails when it reads a big table in full: `SCAN items` (or its alias),
not `SCAN … USING INDEX` / `USING COVERING INDEX`, which walk an index in
order (and stop at a LIMIT).  ALLOWED lists the statements that still do,
each with why and when it goes.

  test_query_plans.py            (env: BENCH_STORE, VAKT_SRCDIR)
"""
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get("VAKT_SRCDIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DAEMON = os.path.join(SRCDIR, "daemon")
BENCH_STORE = os.environ.get("BENCH_STORE", "")
ITEMS = os.environ.get("VAKT_PLAN_ITEMS", "4000")

# account_poll_days: 800 rows a day, kept for as long as the polls (migration 10).
BIG = ("items", "item_versions", "verdicts", "polls", "deadlines", "audit_log", "account_poll_days")

# Functions whose second argument is SQL.
PREPARERS = ("store_prepare", "store_prepare_cached", "deadline_prepare", "sqlite3_prepare_v2",
             "sqlite3_prepare_v3", "sqlite3_exec", "store_exec")
# Helpers of one file that take SQL as their second argument.
WRAPPERS = {"daemon/store/counts.c": ("count",), "daemon/store/outbox.c": ("min_of",)}

# Calls whose SQL is a variable, not a literal: the definitions of the
# preparers and wrappers above, the migration runner (schema.c's migrations
# are DDL) and transaction control built with snprintf.  Keyed by file and
# the argument's text.
DYNAMIC = {
    ("daemon/store/store.c", "sql"),          # store_prepare/store_exec, BEGIN/SAVEPOINT
    ("daemon/store/store.c", "pragmas"),      # PRAGMA journal_mode … at open
    ("daemon/store/migrate.c", "m->sql"),     # the migrations (DDL)
    ("daemon/store/migrate.c", "sql"),        # PRAGMA user_version=N
    ("daemon/store/counts.c", "sql"),         # count(): its callers' literals are checked
    ("daemon/store/outbox.c", "sql"),         # min_of(): its callers' literals are checked
    # Migration 15 (DDL of the store's own tables and triggers, once per store):
    ("daemon/store/schema-check-or.c", "drop"),        # DROP TRIGGER "name"
    ("daemon/store/schema-check-or.c", "r.sqls[i]"),   # CREATE TRIGGER, rewritten
    ("daemon/store/schema-check-or.c", "r->sqls[i]"),  # CREATE TABLE, parsed in a scratch db
    ("daemon/store/schema-check-or.c", "bump"),        # PRAGMA schema_version=N
}

# Statements that still read a big table in full, by a fragment of their
# text, each with why and when it goes.  None now: the audit chain's head is
# read by max(seq), and its walk (daemon/store/audit-verify.c, on the
# verification's worker thread) and the export's pages are rowid ranges.
ALLOWED = {}


def c_files():
    for root, _dirs, files in os.walk(DAEMON):
        for f in sorted(files):
            if f.endswith(".c") or f.endswith(".h"):
                yield os.path.join(root, f)


STRING = r'"(?:[^"\\\n]|\\.)*"'


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def unescape(lit):
    body = lit[1:-1]
    return bytes(body, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text[i] == '"':
            m = re.compile(STRING).match(text, i)
            out.append(m.group(0))
            i = m.end()
        elif text[i] == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\.)*'").match(text, i)
            out.append(m.group(0))
            i = m.end()
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def string_macros():
    """#define NAME "…" "…" (continued lines) from every daemon file."""
    macros = {}
    for path in c_files():
        text = strip_comments(read(path)).replace("\\\n", " ")
        for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+((?:\s*" + STRING + r")+)\s*$", text,
                             re.M):
            macros[m.group(1)] = "".join(unescape(s) for s in re.findall(STRING, m.group(2)))
    return macros


def split_args(text, start):
    """The arguments of the call whose '(' is at start, and the end."""
    depth, i, args, cur = 0, start, [], []
    while i < len(text):
        c = text[i]
        if c == '"':
            m = re.compile(STRING).match(text, i)
            cur.append(m.group(0))
            i = m.end()
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    raise ValueError("unbalanced call")


def sql_alternatives(arg, macros):
    """The SQL texts an argument can be: literals and macros joined, the
    arms of ?: apart.  None when it is not made of literals."""
    # cond ? A : B  — the condition holds no literal in this code base.
    if "?" in re.sub(STRING, '""', arg):
        cond, _, rest = re.sub(STRING, lambda m: m.group(0).replace("?", "\x01"),
                               arg).partition("?")
        a, _, b = rest.partition(":")
        alts = []
        for part in (a, b):
            got = sql_alternatives(part.replace("\x01", "?"), macros)
            if got is None:
                return None
            alts += got
        return alts
    out, rest = [], arg
    for tok in re.findall(STRING + r"|[A-Za-z_]\w*|\S", rest):
        if tok.startswith('"'):
            out.append(unescape(tok))
        elif tok in macros:
            out.append(macros[tok])
        else:
            return None
    return ["".join(out)] if out else None


def statements():
    """[(file, line, sql)] and [(file, line, arg)] of non-literal calls."""
    macros = string_macros()
    found, dynamic = [], []
    for path in c_files():
        rel = os.path.relpath(path, SRCDIR)
        text = strip_comments(read(path))
        # Calls are searched with string and character literals blanked
        # (count( inside SQL is not a call); positions stay the same.
        masked = re.sub(STRING + r"|'(?:[^'\\\n]|\\.)*'",
                        lambda q: q.group(0)[0] + "x" * (len(q.group(0)) - 2) + q.group(0)[-1],
                        text)
        names = PREPARERS + WRAPPERS.get(rel, ())
        for m in re.finditer(r"\b(" + "|".join(names) + r")\s*\(", masked):
            line = text.count("\n", 0, m.start()) + 1
            args, _ = split_args(text, m.end() - 1)
            # Definitions and declarations: `const char *sql`.
            if len(args) < 2 or re.match(r"(const\s+)?(char|struct|sqlite3)\b", args[1]):
                continue
            alts = sql_alternatives(args[1], macros)
            if alts is None:
                dynamic.append((rel, line, args[1]))
            else:
                found += [(rel, line, sql) for sql in alts]
    return found, dynamic


def aliases(sql):
    """alias → table for FROM/JOIN/UPDATE/INTO clauses."""
    out = {}
    for m in re.finditer(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql,
                         re.I):
        out[m.group(1)] = m.group(1)
        if m.group(2) and m.group(2).upper() not in (
                "WHERE", "ON", "SET", "JOIN", "ORDER", "GROUP", "LIMIT", "VALUES", "LEFT",
                "INNER", "USING", "DEFAULT", "SELECT"):
            out[m.group(2)] = m.group(1)
    return out


def explain(con, sql):
    """The plan, with every parameter bound to NULL."""
    n = 0
    while True:
        try:
            return con.execute("EXPLAIN QUERY PLAN " + sql, [None] * n).fetchall()
        except sqlite3.ProgrammingError as e:
            m = re.search(r"uses (\d+)", str(e))
            if not m or n == int(m.group(1)):
                raise
            n = int(m.group(1))


def full_scans(con, sql):
    plan = explain(con, sql)
    names = aliases(sql)
    bad = []
    for row in plan:
        detail = row[-1]
        m = re.match(r"SCAN (\w+)(.*)$", detail)
        if not m or "USING INDEX" in m.group(2) or "USING COVERING INDEX" in m.group(2):
            continue
        table = names.get(m.group(1), m.group(1))
        if table in BIG:
            bad.append(detail)
    return bad


def is_query(sql):
    # Migration 15 edits sqlite_schema (small; SQLite refuses to plan it
    # without writable_schema): not a statement on the daemon's data.
    if re.match(r"\s*UPDATE\s+sqlite_schema\b", sql, re.I):
        return False
    return re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE)\b", sql, re.I) is not None


class QueryPlans(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="vakt-plans-")
        out = subprocess.run([BENCH_STORE, os.path.join(SRCDIR, "filters"), ITEMS, cls.tmp.name,
                              "--build-only"], check=True, capture_output=True, text=True,
                             timeout=1200)
        cls.db = out.stdout.strip().splitlines()[-1]
        cls.found, cls.dynamic = statements()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_finds_the_statements(self):
        # A parser that finds nothing would pass everything.
        sqls = [s for _f, _l, s in self.found]
        self.assertGreater(len([s for s in sqls if is_query(s)]), 40)
        self.assertTrue(any("FROM items_unevaluated" in s for s in sqls))
        self.assertTrue(any(s.startswith("SELECT d.id, d.item_id, d.kind") and
                            "FROM deadlines d WHERE d.stopped_at IS NULL" in s for s in sqls),
                        "the queue's SQL with DEADLINE_COLUMNS and QUEUE_FROM expanded")

    def test_deadline_scan_is_a_range_without_a_sort(self):
        # The scan (store_deadlines_due) and its count read migration 14's
        # index on the next event of running clocks: a range up to now, in
        # order.  Before it, every running clock was read and sorted at
        # every tick and every slice of a catch-up.
        scans = [s for _f, _l, s in self.found
                 if "FROM deadlines d INDEXED BY deadlines_next_event" in s]
        self.assertEqual(2, len(scans), scans)
        src = sqlite3.connect(self.db)
        con = sqlite3.connect(":memory:")
        try:
            src.backup(con)
            for sql in scans:
                self.assertIn("USING INDEX deadlines_next_event",
                              " | ".join(r[3] for r in explain(con, sql)), sql)
            # With statistics of the city-scale store (51,395 running
            # clocks), the order comes from the index: no sort of what is due.
            con.execute("ANALYZE")  # makes sqlite_stat1
            con.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'deadlines'")
            con.executemany("INSERT INTO sqlite_stat1 VALUES ('deadlines', ?, ?)",
                            [("deadlines_next_event", "51395 2 1"),
                             ("deadlines_due", "101795 50898 4"),
                             ("sqlite_autoindex_deadlines_1", "101795 1 1")])
            con.commit()
            con.execute("ANALYZE sqlite_schema")  # reload the statistics
            plan = " | ".join(r[3] for r in explain(con, scans[-1] if "LIMIT" in scans[-1]
                                                     else scans[0]))
            self.assertIn("USING INDEX deadlines_next_event", plan)
            self.assertNotIn("TEMP B-TREE", plan)
        finally:
            src.close()
            con.close()

    def test_detects_a_full_scan(self):
        # The start-up query of schema 2 (items × verdicts) must be caught.
        con = sqlite3.connect(self.db)
        try:
            bad = full_scans(con, "SELECT i.id FROM items i WHERE NOT EXISTS (SELECT 1 FROM "
                             "verdicts d WHERE d.version_id = (SELECT max(id) FROM "
                             "item_versions v WHERE v.item_id = i.id)) ORDER BY i.id LIMIT ?")
            self.assertIn("SCAN i", bad)
            self.assertEqual([], full_scans(con, "SELECT count(*) FROM items"))
        finally:
            con.close()

    def test_no_unlisted_dynamic_sql(self):
        unknown = [(f, l, a) for f, l, a in self.dynamic if (f, a) not in DYNAMIC]
        self.assertEqual([], unknown, "SQL that is not a literal: list it in DYNAMIC with why, "
                         "or write it as a literal")
        self.assertEqual(set(), DYNAMIC - {(f, a) for f, _l, a in self.dynamic},
                         "stale DYNAMIC entries")

    def check(self, analyze):
        con = sqlite3.connect(self.db)
        try:
            if analyze:
                con.execute("ANALYZE")
            else:
                con.execute("DROP TABLE IF EXISTS sqlite_stat1")
                con.execute("DROP TABLE IF EXISTS sqlite_stat4")
            con.commit()
            # A fresh connection reads the statistics (or their absence).
            con.close()
            con = sqlite3.connect(self.db)
            failures, used = [], set()
            for f, line, sql in self.found:
                if not is_query(sql):
                    continue
                bad = full_scans(con, sql)
                allowed = [k for k in ALLOWED if k in sql]
                if bad and allowed:
                    used.update(allowed)
                    continue
                if bad:
                    failures.append("%s:%d: %s\n    %s" % (f, line, "; ".join(bad), sql))
            self.assertEqual([], failures, "full scans of big tables")
            # An entry that no longer matches anything is stale: remove it.
            self.assertEqual(set(), set(ALLOWED) - used, "stale ALLOWED entries")
        finally:
            con.close()

    def test_no_full_scans_as_the_daemon_leaves_the_store(self):
        self.check(analyze=False)

    def test_no_full_scans_after_analyze(self):
        self.check(analyze=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
