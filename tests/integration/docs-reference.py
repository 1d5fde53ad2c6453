#!/usr/bin/env python3
"""Every API route and every vaktctl command appears in its reference.

The routes come from the route table in daemon/api/api-route.c (the one
place the daemon routes from); each must appear in docs/api.md as
"`METHOD PATH`" (a query string may follow the path inside the backticks).
The commands come from `vaktctl help` (the one command table); each needs a
section "### `vaktctl NAME ...`" in docs/vaktctl.md whose text mentions
every literal word and --option of the command's usage line, so a new
subcommand or option cannot land undocumented.

usage: docs-reference.py SRCDIR VAKTCTL     (TAP output)"""
import re
import subprocess
import sys

srcdir, vaktctl = sys.argv[1], sys.argv[2]
failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", checks, what))
    if not ok:
        failures.append(what)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# --- API routes ------------------------------------------------------------
route_src = read(srcdir + "/daemon/api/api-route.c")
table = route_src[route_src.index("routes[] = {"):]
table = table[:table.index("};")]
routes = re.findall(r'\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"', table)
api_doc = read(srcdir + "/docs/api.md")
check(len(routes) >= 10, "the route table was found (%d routes)" % len(routes))
for method, path in routes:
    pattern = r"`" + re.escape(method + " " + path) + r"(\?[^`]*)?`"
    check(re.search(pattern, api_doc) is not None,
          "docs/api.md documents `%s %s`" % (method, path))

# --- vaktctl commands --------------------------------------------------------
out = subprocess.run([vaktctl, "help"], capture_output=True, text=True, check=True).stdout
commands = []  # (name, usage)
for line in out.splitlines():
    m = re.match(r"^  (\S+)(.*)$", line)
    if m and not line.startswith("      "):
        commands.append((m.group(1), m.group(2).strip()))
check(len(commands) >= 10, "vaktctl help lists the commands (%d)" % len(commands))

ctl_doc = read(srcdir + "/docs/vaktctl.md")
sections = {}
current = None
for line in ctl_doc.splitlines():
    m = re.match(r"^### `vaktctl ([a-z][a-z-]*)", line)
    if m:
        current = m.group(1)
        sections[current] = ""
    elif line.startswith("## ") or line.startswith("# "):
        current = None
    elif current:
        sections[current] += line + "\n"

for name, usage in commands:
    check(name in sections, "docs/vaktctl.md has a section for `vaktctl %s`" % name)
    if name not in sections:
        continue
    body = sections[name]
    # Literal words of the usage: subcommands (lower case) and --options;
    # placeholders are upper case.
    words = set(re.findall(r"(?<![A-Za-z-])(--[a-z][a-z-]*|[a-z][a-z-]+)", usage))
    for w in sorted(words):
        check(re.search(r"(?<![A-Za-z0-9-])" + re.escape(w) + r"(?![A-Za-z0-9-])", body)
              is not None, "docs/vaktctl.md: `vaktctl %s` mentions %s" % (name, w))

print("1..%d" % checks)
if failures:
    print("# undocumented: " + "; ".join(failures), file=sys.stderr)
sys.exit(1 if failures else 0)
