#!/usr/bin/env python3
"""vaktctl filters eval on a tiny corpus and a tiny rule set
(data/filters-eval/), so every figure is known by hand: recall, precision,
false-positive rate, the lists of misses and false alarms, shadow rules,
--merge, the --min-recall/--max-fpr gates and their exit status, and bad
corpora (malformed lines with their line numbers, unknown categories, an
empty file).

usage: filters-eval.py VAKTCTL DATA_DIR     (TAP output)"""
import json
import os
import subprocess
import sys
import tempfile

vaktctl, data = sys.argv[1], sys.argv[2]
rules = os.path.join(data, "rules")
good = os.path.join(data, "good.tsv")
checks = 0
failures = []


def check(ok, what):
    global checks
    checks += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", checks, what))
    if not ok:
        failures.append(what)


def run(*args):
    p = subprocess.run([vaktctl] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def ev(*args):
    return run("filters", "eval", *args)


# --- the figures, as JSON ------------------------------------------------------
rc, out, err = ev(good, "--rules", rules, "--json")
check(rc == 0, "eval --json exits 0 without thresholds (%d, %s)" % (rc, err.strip()))
d = json.loads(out)
check(d["rows"] == 12 and d["ordinary"] == 5,
      "12 rows (a blank line skipped), 5 ordinary (2 of them with only ~CATEGORY)")
th = d["categories"]["threat"]
check((th["labelled"], th["caught"], th["missed"], th["flagged"], th["false_alarms"]) == (3, 2, 1, 4, 2),
      "threat: 3 labelled, 2 caught, 1 missed, 4 flagged, 2 false alarms (one on ~threat at tier obvious)")
check(abs(th["recall"] - 2 / 3) < 1e-9 and th["precision"] == 0.5, "threat: recall 2/3, precision 1/2")
check(th["ordinary_flagged"] == 2 and th["ordinary_obvious"] == 2 and th["fpr"] == 0.4,
      "threat: 2 of 5 ordinary comments flagged (at tier obvious): fpr 0.4")
q = d["categories"]["question"]
check((q["labelled"], q["caught"], q["flagged"], q["ordinary_flagged"], q["ordinary_obvious"]) == (3, 1, 2, 1, 0)
      and q["fpr"] == 0.2,
      "question: 3 labelled, 1 caught, 2 flagged, 1 ordinary flagged at tier possible "
      "(a possible hit on ~question is tolerated)")
h = d["categories"]["hate"]
check(h["labelled"] == 2 and h["caught"] == 0 and h["recall"] == 0 and h["precision"] is None,
      "hate: a shadow rule's hit counts for nothing (recall 0, precision undefined)")
check(d["categories"]["criminal"]["flagged"] == 1 and d["categories"]["criminal"]["recall"] is None,
      "criminal: flagged once, no row labelled: recall undefined")
check("spam" not in d["categories"], "categories neither labelled nor flagged are left out")
check(d["any"]["ordinary_flagged"] == 3 and d["any"]["fpr"] == 0.6,
      "any: 3 of 5 ordinary comments flagged")
misses = {(m["line"], m["category"]) for m in d["misses"]}
check(misses == {(4, "threat"), (6, "question"), (9, "hate"), (11, "hate"), (12, "question")},
      "every miss, by line and category: %s" % sorted(misses))
alarms = {(m["line"], m["category"]) for m in d["false_alarms"]}
check(alarms == {(3, "threat"), (10, "question"), (11, "criminal"), (13, "threat")},
      "every false alarm, by line and category: %s" % sorted(alarms))
m9 = [m for m in d["misses"] if m["line"] == 9][0]
check(m9["shadow"] == ["test.hate.vermin"] and m9["rules"] == [] and m9["form"] == "h/1",
      "a miss lists the shadow rule that matched and the row's form")
a3 = [m for m in d["false_alarms"] if m["line"] == 3][0]
check(a3["rules"] == ["test.threat.kill"] and a3["expected"] == [] and a3["got"] == ["threat"]
      and a3["text"] == "we kill time here", "a false alarm lists text, expected, got and rule ids")
m12 = [m for m in d["misses"] if m["line"] == 12][0]
a13 = [m for m in d["false_alarms"] if m["line"] == 13][0]
check(a13["expected"] == [] and a13["tolerated"] == ["threat"],
      "an obvious hit on a ~threat row is a false alarm, listed with what was tolerated")
check(m12["text"] == "first line\nand then I will kill you" and m12["expected"] == ["threat", "question"],
      "\\n in the text field is a newline; several labels")
check(d["ok"] is True and d["thresholds"] == [], "no thresholds: ok")
check(d["forms"]["h/2"] == {"rows": 1, "missed": 1, "false_alarms": 1}
      and d["forms"]["neg/idiom"] == {"rows": 1, "missed": 0, "false_alarms": 1}
      and d["forms"]["t/1"] == {"rows": 1, "missed": 0, "false_alarms": 0}
      and d["forms"]["neg/tq"] == {"rows": 1, "missed": 0, "false_alarms": 0} and len(d["forms"]) == 12,
      "per form: rows, rows with a miss, rows with a false alarm")

# --- the readable form ---------------------------------------------------------
rc, out, err = ev(good, "--rules", rules)
check(rc == 0, "eval exits 0")
check("threat                3       2   0.667       4     0.500         2        2   40.0%" in out,
      "table line for threat")
check("ordinary comments flagged in any category: 3 of 5 (60.0%)" in out, "overall false-positive rate")
check("neg/idiom                                     1       0            1" in out, "form table line")
check("misses (5):" in out and "false alarms (4):" in out, "counts of misses and false alarms")
check("  %s:9 hate [h/1] expected hate got - shadow=test.hate.vermin | you are vermin" % good in out,
      "a miss line with file:line, category, form, shadow rule, text")
check("  %s:3 threat [neg/idiom] expected - got threat rules=test.threat.kill | we kill time here" % good
      in out, "a false alarm line with rule ids")
check("  %s:13 threat [neg/quote] expected ~threat got threat rules=test.threat.kill" % good in out,
      "a tolerated category is shown with ~")
check("first line\\nand then I will kill you" in out, "a newline in a text is printed as \\n")

# --- --merge ------------------------------------------------------------------------
rc, out, err = ev(good, "--rules", rules, "--merge", "criminal=hate", "--json")
d = json.loads(out)
check(rc == 0 and d["categories"]["hate"]["caught"] == 1 and "criminal" not in d["categories"]
      and d["merged"] == {"criminal": "hate"}, "--merge criminal=hate: the criminal hit counts as hate")

# --- thresholds ------------------------------------------------------------------
rc, _, err = ev(good, "--rules", rules, "--min-recall", "0.3")
check(rc == 1 and "recall of hate is 0.0000, below the minimum 0.3000" in err,
      "--min-recall R applies to every labelled category (hate 0 < 0.3): exit 1")
rc, _, err = ev(good, "--rules", rules, "--min-recall", "threat=0.6", "--min-recall=question=33%")
check(rc == 0, "--min-recall CAT=R met (threat 0.667 >= 0.6, question 0.333 >= 0.33): exit 0 (%s)" % err.strip())
rc, _, err = ev(good, "--rules", rules, "--min-recall", "threat=0.7")
check(rc == 1 and "recall of threat is 0.6667, below the minimum 0.7000" in err, "--min-recall threat=0.7 missed: exit 1")
rc, _, err = ev(good, "--rules", rules, "--max-fpr", "any=0.6", "--max-fpr", "threat=40%")
check(rc == 0, "--max-fpr any=0.6, threat=40%% met: exit 0 (%s)" % err.strip())
rc, out, err = ev(good, "--rules", rules, "--max-fpr", "any=0.5", "--json")
check(rc == 1 and "fpr of any is 0.6000, above the maximum 0.5000" in err
      and json.loads(out)["ok"] is False, "--max-fpr any=0.5 missed: exit 1, ok false in JSON")
rc, _, err = ev(good, "--rules", rules, "--max-fpr", "0.15")
check(rc == 1 and "fpr of threat" in err and "fpr of question" in err and "fpr of any" in err,
      "--max-fpr F applies to every category and any")
rc, _, err = ev(good, "--rules", rules, "--min-recall", "spam=0.1")
check(rc == 1 and "recall of spam: no figure (no row is labelled with it)" in err,
      "a recall gate on a category no row is labelled with fails")
for bad in (["--min-recall", "1.5"], ["--min-recall", "threats=0.5"], ["--max-fpr", "x"],
            ["--min-recall", "any=0.5"], ["--merge", "criminal=hat"], ["--merge", "criminal"]):
    rc, _, err = ev(good, "--rules", rules, *bad)
    check(rc == 2, "usage error for %s: exit 2 (%d)" % (" ".join(bad), rc))
rc, _, err = ev("--rules", rules)
check(rc == 2 and "usage: vaktctl filters" in err, "no FILE: usage, exit 2")

# --- bad corpora -----------------------------------------------------------------
tmp = tempfile.mkdtemp()


def corpus(name, content):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)
    return path


p = corpus("malformed.tsv", "text\tlabels\tform\nok row\t\tneg\nno tabs here\nthree\tthreat\tt\textra\n\tthreat\tt\n")
rc, out, err = ev(p, "--rules", rules)
check(rc == 1 and out == "", "malformed lines: exit 1, no figures")
check("%s:3: 1 tab-separated field, the header has 3" % p in err, "line 3 (one field) reported with its number")
check("%s:4: 4 tab-separated fields, the header has 3" % p in err, "line 4 (four fields) reported too")
check("%s:5: empty text" % p in err, "line 5 (empty text) reported too")
p = corpus("unknown.tsv", "text\tlabels\tform\nhi\tthreat threats\tx\nho\tQuestion\ty\nhu\t~hat\tz\n")
rc, out, err = ev(p, "--rules", rules)
check("%s:4: unknown category '~hat'" % p in err, "an unknown ~category is an error too")
check(rc == 1 and "%s:2: unknown category 'threats' (known: criminal threat harassment hate "
      "personal_data confidential question spam)" % p in err and "%s:3: unknown category 'Question'" % p in err,
      "unknown category labels: error with line number, exit 1")
p = corpus("empty.tsv", "")
rc, out, err = ev(p, "--rules", rules)
check(rc == 1 and "empty file" in err, "empty file: error, exit 1")
p = corpus("header-only.tsv", "text\tlabels\tform\n")
rc, out, err = ev(p, "--rules", rules)
check(rc == 1 and "no rows after the header" in err, "a header without rows: error, exit 1")
p = corpus("bad-header.tsv", "comment\tlabel\nhi\t\n")
rc, out, err = ev(p, "--rules", rules)
check(rc == 1 and "%s:1: the header must be" % p in err, "a wrong header: error, exit 1")
p = corpus("two-columns.tsv", "text\tlabels\r\nI will kill you\tthreat\r\nnice\t\r\n")
rc, out, err = ev(p, "--rules", rules, "--json")
check(rc == 0 and json.loads(out)["categories"]["threat"]["caught"] == 1,
      "text<TAB>labels without form, CRLF line ends: accepted")
rc, out, err = ev(os.path.join(tmp, "missing.tsv"), "--rules", rules)
check(rc == 1 and "missing.tsv" in err, "a missing file: error, exit 1")
rc, out, err = ev(tmp, "--rules", rules)
check(rc == 1 and "is a directory" in err, "a directory: error, exit 1")
rc, out, err = ev(good, "--rules", os.path.join(tmp, "no-rules"))
check(rc == 1, "a rule directory that does not exist: exit 1")
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)

print("1..%d" % checks)
sys.exit(1 if failures else 0)
