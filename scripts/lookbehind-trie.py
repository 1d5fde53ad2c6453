#!/usr/bin/env python3
"""Rewrite plain-word lookbehinds `(?<=w1|(?:w2|w3)|...)` of MIN or more
words (words of [a-z] only) into a reversed trie of lookbehinds:
`(?<=n)(?:(?<=e.)(?:...)|...)`. A lookbehind holds where any of its words
ends; the trie tests the last character first, so the same places are
accepted. Usage: scripts/lookbehind-trie.py MIN [--rule ID]... FILE... (in place); only
the pattern and except lines (of the rules named, if any) are touched."""
import re, sys

def parse_group(s, i):
    """s[i] is just after '(?<='; return (end index of matching ')', body)."""
    depth, j = 1, i
    while j < len(s):
        c = s[j]
        if c == '\\': j += 2; continue
        if c == '(': depth += 1
        elif c == ')':
            depth -= 1
            if depth == 0: return j, s[i:j]
        j += 1
    raise ValueError('unbalanced')

def words_of(body):
    flat = body.replace('(?:', '').replace(')', '')
    ws = flat.split('|')
    if all(re.fullmatch(r'[a-z]+', w) for w in ws): return ws
    return None

def trie(words, k):
    """words all end with the same k known chars; test char -k-1."""
    # group by char at position len-1-k
    out, groups = [], {}
    order = []
    for w in words:
        c = w[len(w) - 1 - k]
        if c not in groups: groups[c] = []; order.append(c)
        groups[c].append(w)
    for c in order:
        ws = groups[c]
        dot = '' if k == 0 else ('.' if k == 1 else '.{%d}' % k)
        if any(len(w) == k + 1 for w in ws):
            out.append('(?<=%s%s)' % (c, dot))   # a word ends here: accepted
            continue
        if len(ws) == 1:
            w = ws[0]
            out.append('(?<=%s%s)' % (w[:len(w) - k], dot))
            continue
        # common chars further back shared by all: extend while one branch
        sub = trie(ws, k + 1)
        out.append('(?<=%s%s)%s' % (c, dot, sub))
    if len(out) == 1:
        return out[0]
    return '(?:' + '|'.join(out) + ')'

def rewrite(line, mn):
    res, i, n = [], 0, 0
    while True:
        j = line.find('(?<=', i)
        if j < 0: res.append(line[i:]); break
        end, body = parse_group(line, j + 4)
        ws = words_of(body)
        if ws and len(ws) >= mn:
            # dedupe, keep order
            seen = []
            for w in ws:
                if w not in seen: seen.append(w)
            # a word that ends with another word is redundant for a lookbehind
            res.append(line[i:j]); res.append(trie(seen, 0)); n += 1
        else:
            res.append(line[i:end + 1])
        i = end + 1
    return ''.join(res), n

if __name__ == '__main__':
    mn, args, only = int(sys.argv[1]), sys.argv[2:], set()
    while args and args[0] == '--rule':
        only.add(args[1]); args = args[2:]
    for fn in args:
        src = open(fn).read().split('\n')
        tot, rule = 0, None
        for idx, l in enumerate(src):
            if l.startswith('rule '):
                rule = l.split()[1]
            if only and rule not in only:
                continue
            if l.startswith('  pattern') or l.startswith('  except'):
                src[idx], n = rewrite(l, mn); tot += n
        open(fn, 'w').write('\n'.join(src))
        print(fn, tot, file=sys.stderr)
