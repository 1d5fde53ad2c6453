#!/usr/bin/env python3
"""Print 'N passed, N failed[, N skipped]' from meson's testlog.json files.

CI reads only this closing line, not meson's own summary.  Exit status 1
when anything failed or no test ran at all."""
import json
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                result = json.loads(line).get("result", "")
                if result in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif result == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        print("test-summary: %s is missing (the build or the test run failed)" % path,
              file=sys.stderr)
        failed += 1
line = "%d passed, %d failed" % (passed, failed)
if skipped:
    line += ", %d skipped" % skipped
print(line)
sys.exit(1 if failed or passed == 0 else 0)
