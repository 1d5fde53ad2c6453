#!/usr/bin/env python3
"""Enumerate masked forms of the rules' threat and hate words (issue 12).

Takes words from the lexicons the rules use, puts each in a short carrier
sentence the rules catch unobfuscated, and applies every mask family
systematically.  Writes TSV (text, labels, form) to stdout; the form is
mask2-FAMILY, so `vaktctl filters eval --by-form`-style grouping or a
small awk over the verdicts gives the catch rate per family.

    python3 tests/data/gen/gen_masks.py > /tmp/masks.tsv
    python3 tests/data/gen/gen_masks.py --plain > /tmp/plain.tsv   # carriers only

--sample N prints at most N rows, spread over the families (seeded), for
dev-hand.tsv.  Words are written with å/ä/ö where Swedish has them (the
lexicons list them folded); family names ending in -fold use the folded
spelling.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LEX = os.path.join(HERE, "..", "..", "..", "filters", "lexicon")

MASKS = "*#@_.$!?+-%"
LEET = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5", "t": "7", "b": "8"}
VOWELS = set("aeiouyåäö")

# Swedish spelling of folded lexicon words (the lexicons fold å ä ö).
ACCENT = {
    "morda": "mörda", "doda": "döda", "hanga": "hänga", "spranga": "spränga",
    "branna": "bränna", "avratta": "avrätta", "kvava": "kväva",
    "dranka": "dränka", "knivskara": "knivskära", "rattor": "råttor",
    "kackerlackor": "kackerlackor", "lopor": "löpor", "mordar": "mördar",
    "dodar": "dödar", "hanger": "hänger", "spranger": "spränger",
    "stryper": "stryper",
}

# (lexicon, carrier with X for the word, labels, words to take at most)
CARRIERS = [
    ("sv_kill_inf", "jag ska X dig", "threat", 14),
    ("sv_harm_inf", "jag ska X dig", "threat", 10),
    ("en_violent_verb", "I will X you", "threat", 14),
    ("sv_dehumanising", "invandrarna är X", "hate", 12),
    ("en_dehumanising", "immigrants are X", "hate", 12),
]


def lexicon(name):
    words = []
    with open(os.path.join(LEX, name + ".txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("%"):
                continue
            if " " in line or len(line) < 4 or not line.isalpha():
                continue
            words.append(line)
    return words


def spell(w):
    return ACCENT.get(w, w)


def fold(w):
    return w.replace("å", "a").replace("ä", "a").replace("ö", "o")


def one_mask(w):
    for i in range(len(w)):
        for m in MASKS:
            yield "m1-" + ("vowel" if w[i] in VOWELS else "cons") + ("-edge" if i in (0, len(w) - 1) else ""), w[:i] + m + w[i + 1:]


def two_masks(w):
    for m in "*#@_":
        for i in range(len(w) - 1):
            yield "m2-adjacent", w[:i] + m + m + w[i + 2:]
            for j in range(i + 2, len(w)):
                yield "m2-apart", w[:i] + m + w[i + 1:j] + m + w[j + 1:]


def mask_for_two(w):
    for m in "*#@_":
        for i in range(len(w) - 1):
            yield "m1for2", w[:i] + m + w[i + 2:]


def leet_mask(w):
    for i, c in enumerate(w):
        if c not in LEET:
            continue
        for j in range(len(w)):
            if j == i:
                continue
            for m in "*#@":
                v = list(w)
                v[i] = LEET[c]
                v[j] = m
                yield "leet+mask", "".join(v)


def stretch_mask(w):
    for i, c in enumerate(w):
        if c not in VOWELS:
            continue
        for j in range(len(w)):
            if j == i:
                continue
            for m in "*#@":
                v = list(w)
                v[j] = m
                v[i] = c * 4
                yield "stretch+mask", "".join(v)


def spaced_mask(w):
    for j in range(len(w)):
        for m in "*#@":
            v = list(w)
            v[j] = m
            yield "spaced+mask", " ".join(v)


FAMILIES = [one_mask, two_masks, mask_for_two, leet_mask, stretch_mask, spaced_mask]


def rows(plain=False):
    seen = set()
    for lex, carrier, lab, n in CARRIERS:
        words = lexicon(lex)[:n]
        for w in words:
            sw = spell(w)
            variants = [(sw, "")]
            if sw != w:
                variants.append((w, "-fold"))
            for word, suffix in variants:
                if plain:
                    text = carrier.replace("X", word)
                    if text not in seen:
                        seen.add(text)
                        yield text, lab, "mask2-plain" + suffix
                    continue
                for fam in FAMILIES:
                    for name, form in fam(word):
                        text = carrier.replace("X", form)
                        if text in seen:
                            continue
                        seen.add(text)
                        yield text, lab, "mask2-" + name + suffix


def main():
    plain = "--plain" in sys.argv
    out = list(rows(plain))
    if "--sample" in sys.argv:
        n = int(sys.argv[sys.argv.index("--sample") + 1])
        rnd = random.Random(12)
        rnd.shuffle(out)
        out = out[:n]
    for text, lab, form in out:
        sys.stdout.write("%s\t%s\t%s\n" % (text, lab, form))


main()
