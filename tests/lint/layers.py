#!/usr/bin/env python3
"""Imports run one way: check every #include in daemon/ against
daemon/LAYERS (TAP).  Also checks that the checker itself catches an
include that runs back up, an sqlite3.h outside daemon/store/, and
another folder's internal header."""
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
PRIVATE_TO_STORE = ("sqlite3.h", "store/store-db.h", "store/deadline-row.h")


def read_layers(path):
    """{folder: rank}; peers share a rank."""
    ranks = {}
    with open(path, encoding="utf-8") as f:
        rank = 0
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            for folder in line:
                ranks[folder] = rank
            rank += 1
    return ranks


def check(daemon_dir):
    """A list of "file:line: message" for every include that breaks the
    order written in daemon_dir/LAYERS."""
    ranks = read_layers(os.path.join(daemon_dir, "LAYERS"))
    errors = []
    for root, dirs, files in os.walk(daemon_dir):
        dirs.sort()
        rel = os.path.relpath(root, daemon_dir)
        if rel == ".":
            continue
        folder = rel.split(os.sep)[0]
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            shown = os.path.relpath(path, os.path.dirname(daemon_dir))
            if folder not in ranks:
                errors.append(f"{shown}: folder {folder}/ is not in daemon/LAYERS")
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                for no, text in enumerate(f, 1):
                    m = INCLUDE.match(text)
                    if not m:
                        continue
                    target = m.group(2)
                    where = f"{shown}:{no}"
                    if target in PRIVATE_TO_STORE and folder != "store":
                        errors.append(f"{where}: only daemon/store/ includes {target}")
                        continue
                    if m.group(1) != '"' or "/" not in target:
                        continue
                    tfolder = target.split("/", 1)[0]
                    if tfolder not in ranks:
                        errors.append(f'{where}: "{target}": {tfolder}/ is not in daemon/LAYERS')
                    elif tfolder == folder:
                        pass
                    elif target.endswith("-internal.h"):
                        errors.append(f'{where}: "{target}" is private to {tfolder}/')
                    elif ranks[tfolder] >= ranks[folder]:
                        errors.append(f'{where}: {folder}/ includes "{target}", '
                                      f"which is not below it in daemon/LAYERS")
    return errors


def self_test():
    """The checker must catch each kind of violation in a made-up tree."""
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "daemon")
        for folder in ("low", "high", "store"):
            os.makedirs(os.path.join(d, folder))
        with open(os.path.join(d, "LAYERS"), "w", encoding="utf-8") as f:
            f.write("# test\nlow\nstore\nhigh\n")
        files = {
            "low/a.c": '#include "low/a.h"\n#include "high/b.h"\n',
            "low/ok.c": '#include <stdio.h>\n#include "low/a.h"\n',
            "high/b.c": '#include "low/a.h"\n#include <sqlite3.h>\n#include "low/low-internal.h"\n',
            "store/s.c": "#include <sqlite3.h>\n",
        }
        for name, text in files.items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        errs = check(d)
    want = ["daemon/low/a.c:2:", "daemon/high/b.c:2:", "daemon/high/b.c:3:"]
    return errs, all(any(e.startswith(w) for e in errs) for w in want) and len(errs) == 3


def main():
    src = os.environ.get("VAKT_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    daemon = os.path.join(src, "daemon")
    print("1..2")
    errs, ok = self_test()
    print(("ok" if ok else "not ok") + " 1 - the checker catches includes that run back up")
    if not ok:
        for e in errs:
            print("# found: " + e)
    errors = check(daemon)
    for e in errors:
        print("# " + e)
    print(("ok" if not errors else "not ok") + " 2 - daemon/ follows daemon/LAYERS")
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
