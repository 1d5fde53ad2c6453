#!/usr/bin/env python3
"""The filter corpora in tests/data/ are exactly what their generators
(tests/data/gen/) write: a hand edit of a TSV (or a generator change whose
output was not committed) fails here, so the held-back corpus stays the one
its README describes.  The comparison is done in memory; no file of the
held-back corpus is printed.

usage: corpora-generated.py SRCDIR     (TAP output)"""
import subprocess
import sys

srcdir = sys.argv[1]
n = 0
failed = False
for gen, tsv in (("gen_dev.py", "filters-dev.tsv"), ("gen_heldback.py", "filters-heldback.tsv")):
    n += 1
    made = subprocess.run([sys.executable, "%s/tests/data/gen/%s" % (srcdir, gen)],
                          capture_output=True, check=True).stdout
    with open("%s/tests/data/%s" % (srcdir, tsv), "rb") as f:
        ok = f.read() == made
    failed |= not ok
    print("%s %d - tests/data/%s is the output of gen/%s" % ("ok" if ok else "not ok", n, tsv, gen))
print("1..%d" % n)
sys.exit(1 if failed else 0)
