#!/usr/bin/env python3
"""Long lookbehinds over plain words as a reversed trie, and back.

Several threat rules recognise a staff role or a place as the *end* of a
word of any length ("finansborgarrådet", "idrottshallen"):
`[a-z-]++(?<=chefen|lararen|…)`. PCRE2 tries every alternative of such a
lookbehind at every word the pattern is tried on, which is what made those
rules cost 60-120 µs per comment they ran on. The same set of endings
written as a reversed trie of lookbehinds, `(?:(?<=n)(?:(?<=e.)(?:…`,
rejects a word after one or two character checks and accepts exactly the
same words (docs/rules-sv.md, "Eighth round").

  tools/lookbehind-trie.py words 'chefen|lararen|…'   -> the trie
  tools/lookbehind-trie.py list  '(?:(?<=n)(?:…'      -> chefen|lararen|…
  tools/lookbehind-trie.py rules RULE,RULE FILE…      -> rewrite in place

`rules` rewrites every lookbehind of 21 or more plain-word alternatives in
the patterns of the named rules. `list` may leave out a word that ends in
another listed word ("finansborgarradet" after "borgarradet"): the shorter
one already accepts it. To add a word: `list` the trie, add the
word, `words` the list and put the result back (PCRE2 refuses a pattern
whose compiled form passes 64 KB; the trie is larger than the flat list,
so the largest patterns keep the flat form).
"""
import re
import sys
from collections import defaultdict


def _lb(word, known):
    """A lookbehind for word whose last `known` characters already matched."""
    if known == 0:
        return "(?<=%s)" % word
    head = word[:-known]
    return "(?<=%s.)" % head if known == 1 else "(?<=%s.{%d})" % (head, known)


def _build(words, k):
    if any(len(w) == k for w in words):
        return ""  # the shared ending is itself a word: any longer word matches too
    if len(words) <= 2:
        return "(?:" + "|".join(_lb(w, k) for w in words) + ")"
    groups = defaultdict(list)
    for w in words:
        groups[w[-(k + 1)]].append(w)
    alts = []
    for c in sorted(groups):
        g = groups[c]
        alts.append(_lb(g[0], k) if len(g) == 1 else _lb(c + "x" * k, k) + _build(g, k + 1))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def trie(words):
    words = sorted(set(words))
    if not all(re.fullmatch(r"[a-z]+", w) for w in words):
        raise ValueError("only plain words a-z")
    return _build(words, 0)


def words_of(t):
    """The words a trie accepts (the inverse of trie())."""
    out = set()

    def walk(s, i, suffix):
        # s[i:] starts a sequence of lookbehinds and groups; returns the end index
        while i < len(s) and s[i] != ")" and s[i] != "|":
            if s.startswith("(?<=", i):
                j = s.index(")", i)
                body = s[i + 4:j]
                m = re.fullmatch(r"([a-z]+)(?:\.|\.\{(\d+)\})?", body)
                known = 0 if body.isalpha() else (int(m.group(2)) if m.group(2) else 1)
                head = m.group(1)
                suffix = head + suffix[len(suffix) - known:] if known else head
                i = j + 1
                nxt = s[i] if i < len(s) else ""
                if nxt in ("", ")", "|"):
                    out.add(suffix)
            elif s.startswith("(?:", i):
                i += 3
                while True:
                    i = walk(s, i, suffix)
                    if s[i] == "|":
                        i += 1
                        continue
                    i += 1  # the group's ")"
                    break
                if i >= len(s) or s[i] in ")|":
                    return i
            else:
                raise ValueError("unexpected %r at %d" % (s[i], i))
        return i

    walk(t, 0, "")
    return sorted(out)


def _rewrite(line):
    out, i = [], 0
    for m in re.finditer(r"\(\?<=", line):
        if m.start() < i:
            continue
        depth = 0
        for j in range(m.start(), len(line)):
            if line[j] == "(" and line[j - 1] != "\\":
                depth += 1
            elif line[j] == ")" and line[j - 1] != "\\":
                depth -= 1
                if depth == 0:
                    break
        body = line[m.start() + 4:j]
        if body.count("|") >= 20 and re.fullmatch(r"[a-z|]+", body):
            out += [line[i:m.start()], trie(body.split("|"))]
            i = j + 1
    out.append(line[i:])
    return "".join(out)


def rewrite_rules(rules, files):
    for f in files:
        rule, lines = None, open(f, encoding="utf-8").read().split("\n")
        for n, line in enumerate(lines):
            if line.startswith("rule "):
                rule = line.split()[1]
            if rule in rules and line.startswith("  pattern"):
                lines[n] = _rewrite(line)
        open(f, "w", encoding="utf-8").write("\n".join(lines))


def main(argv):
    if len(argv) >= 3 and argv[1] == "words":
        print(trie(argv[2].split("|")))
    elif len(argv) >= 3 and argv[1] == "list":
        print("|".join(words_of(argv[2])))
    elif len(argv) >= 4 and argv[1] == "rules":
        rewrite_rules(set(argv[2].split(",")), argv[3:])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
