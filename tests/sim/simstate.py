#!/usr/bin/env python3
"""Print what a running simulator holds, for scripts (scripts/demo.sh):

    simstate.py BASE_URL hidden     one line per hidden live item: ID TEXT

BASE_URL is the simulator's http://127.0.0.1:PORT; the state comes from its
control endpoint (/_sim/state).  Exit 1 when the simulator cannot be read."""
import json
import sys
import urllib.request


def main():
    if len(sys.argv) != 3 or sys.argv[2] != "hidden":
        sys.exit(__doc__)
    try:
        with urllib.request.urlopen(sys.argv[1] + "/_sim/state", timeout=10) as r:
            state = json.load(r)
    except OSError as e:
        print("simstate: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        sys.exit(1)
    for it in state.get("items", {}).values():
        if it.get("hidden") and not it.get("deleted"):
            print("%s %s" % (it["id"], it.get("text", "")))


if __name__ == "__main__":
    main()
