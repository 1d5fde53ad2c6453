#!/usr/bin/env python3
"""Write the group lexicons of the hate net (filters/sv-hate-net.rules,
filters/en-hate-net.rules): every form of a nationality, ethnic or
religious group that the hand-written lexicons do not list.

Swedish: plural, plural definite, singular, singular definite, the
adjective (somalisk/somaliska/somaliskt), the stem of compounds and the
words for people or a herd that the rules join to an adjective or a stem
(somaliska familjer, somalifamiljer, afghangänget). English: the plural,
the adjective and the words for people after it. The products are left to
the rules' patterns: written out they are thousands of words, and a
lexicon of more than 1,024 literals gives the prefilter nothing.

Written in normalised spelling (no å/ä/ö: see docs/filter.md
"Normalisation"). Run from the repository root:
    python3 tools/gen-hate-net-lexicons.py
"""

import os

# (singular, plural, adjective stem or None, compound stem or None)
SV = [
    ("somalier", "somalier", "somalisk", "somali"),
    ("somali", "somalis", None, None),
    ("afghan", "afghaner", "afghansk", "afghan"),
    ("afgan", "afganer", None, "afgan"),
    ("arab", "araber", "arabisk", "arab"),
    ("irakier", "irakier", "irakisk", "irakier"),
    ("iranier", "iranier", "iransk", "iranier"),
    ("perser", "perser", "persisk", None),
    ("syrier", "syrier", "syrisk", "syrier"),
    ("eritrean", "eritreaner", "eritreansk", "eritrean"),
    ("etiopier", "etiopier", "etiopisk", "etiopier"),
    ("nigerian", "nigerianer", "nigeriansk", "nigerian"),
    ("ghanan", "ghananer", "ghanansk", None),
    ("gambier", "gambier", "gambisk", None),
    ("sudanes", "sudaneser", "sudanesisk", None),
    ("kongoles", "kongoleser", "kongolesisk", None),
    ("marockan", "marockaner", "marockansk", "marockan"),
    ("algerier", "algerier", "algerisk", None),
    ("tunisier", "tunisier", "tunisisk", None),
    ("egyptier", "egyptier", "egyptisk", None),
    ("libyer", "libyer", "libysk", None),
    ("libanes", "libaneser", "libanesisk", None),
    ("palestinier", "palestinier", "palestinsk", "palestinier"),
    ("jordanier", "jordanier", "jordansk", None),
    ("jemenit", "jemeniter", "jemenitisk", None),
    ("saudier", "saudier", "saudisk", None),
    ("turk", "turkar", "turkisk", "turk"),
    ("kurd", "kurder", "kurdisk", "kurd"),
    ("pakistanier", "pakistanier", "pakistansk", None),
    ("indier", "indier", "indisk", None),
    ("bangladeshier", "bangladeshier", "bangladeshisk", None),
    ("afrikan", "afrikaner", "afrikansk", "afrikan"),
    ("nordafrikan", "nordafrikaner", "nordafrikansk", None),
    ("asiat", "asiater", "asiatisk", "asiat"),
    ("kines", "kineser", "kinesisk", "kines"),
    ("vietnames", "vietnameser", "vietnamesisk", None),
    ("thailandare", "thailandare", None, None),
    ("filippinier", "filippinier", "filippinsk", None),
    ("polack", "polacker", "polsk", "polack"),
    ("ruman", "rumaner", "rumansk", "ruman"),
    ("bulgar", "bulgarer", "bulgarisk", None),
    ("albanier", "albanier", "albansk", None),
    ("alban", "albaner", None, "alban"),
    ("kosovoalban", "kosovoalbaner", None, None),
    ("bosnier", "bosnier", "bosnisk", None),
    ("bosniak", "bosniaker", None, None),
    ("serb", "serber", "serbisk", None),
    ("rom", "romer", "romsk", None),
    ("zigenare", "zigenare", "zigensk", "zigenar"),
    ("tattare", "tattare", None, "tattar"),
    ("jude", "judar", "judisk", "jude"),
    ("muslim", "muslimer", "muslimsk", "muslim"),
    ("moslem", "moslemer", None, "moslem"),
    ("islamist", "islamister", None, None),
    ("tjetjen", "tjetjener", "tjetjensk", None),
    ("ryss", "ryssar", None, "ryss"),
    ("ukrainare", "ukrainare", None, None),
    ("litauer", "litauer", "litauisk", None),
    ("mexikan", "mexikaner", "mexikansk", None),
    ("latinamerikan", "latinamerikaner", "latinamerikansk", None),
    ("hazar", "hazarer", None, None),
    ("pashtun", "pashtuner", None, None),
    ("uigur", "uigurer", None, None),
    ("tamil", "tamiler", None, None),
    ("assyrier", "assyrier", "assyrisk", None),
    ("syrian", "syrianer", "syriansk", None),
    ("armenier", "armenier", "armenisk", None),
    ("grek", "greker", None, None),
    ("neger", "negrer", None, "neger"),
    ("svarting", "svartingar", None, "svarting"),
    ("blatte", "blattar", None, "blatte"),
    ("svartskalle", "svartskallar", None, "svartskalle"),
    ("invandrare", "invandrare", None, "invandrar"),
    ("flykting", "flyktingar", None, "flykting"),
    ("migrant", "migranter", None, "migrant"),
    ("asylsokare", "asylsokare", None, "asylsokar"),
    ("utlanning", "utlanningar", None, "utlannings"),
    ("nysvensk", "nysvenskar", None, None),
    ("bog", "bogar", None, None),
    ("transperson", "transpersoner", None, None),
    ("hindu", "hinduer", None, None),
]

# Slur stems that only stand in compounds (ziggepacket, muzzjävlar).
SV_SLUR_STEM = ["zigge", "zigg", "muzz", "muzzie", "blatt", "negr",
                "svartskall", "tattar", "homs", "kulturberikar"]

# Words for people or a herd that follow an adjective or a stem.
SV_PEOPLE = ["familjer", "familjerna", "killar", "killarna", "gang",
             "gangen", "ganget", "man", "mannen", "kvinnor", "kvinnorna",
             "ungar", "ungarna", "ungdomar", "ungdomarna", "grabbar",
             "tjejer", "klaner", "klanerna", "horder", "horderna",
             "tiggare", "tiggarna", "pack", "packet", "folk", "folket",
             "slakt", "slakten", "invandrare", "invandrarna", "maffia",
             "maffian", "manniskor", "manniskorna", "personer",
             "befolkning", "befolkningen", "grannar"]


def sv_plural_def(p):
    if p.endswith("are"):
        return p[:-1] + "na"     # ukrainare -> ukrainarna
    if p.endswith("s"):
        return None
    return p + "na"              # somalier -> somalierna, turkar -> turkarna


def sv_singular_def(s):
    if s.endswith("are"):
        return s + "n"           # zigenare -> zigenaren
    if s.endswith("e"):
        return s + "n"           # jude -> juden
    if s.endswith("er") and not s.endswith("ger"):
        return s + "n"           # somalier -> somaliern
    if s == "neger":
        return "negern"
    return s + "en"              # afghan -> afghanen


def sv():
    group, single, adj, stem = set(), set(), set(), set()
    for s, p, a, c in SV:
        group.add(p)
        d = sv_plural_def(p)
        if d:
            group.add(d)
        single.add(s)
        single.add(sv_singular_def(s))
        if a:
            adj.update([a, a + "a", a + "t"])
        if c:
            stem.add(c)
        elif len(s) >= 6 and not s.endswith("are"):
            stem.add(s)          # pakistanier -> pakistaniergänget
    stem.update(SV_SLUR_STEM)
    return group, single, adj, stem


EN = [
    ("somali", "somalis"), ("somalian", "somalians"), ("afghan", "afghans"),
    ("arab", "arabs"), ("iraqi", "iraqis"), ("iranian", "iranians"),
    ("syrian", "syrians"), ("eritrean", "eritreans"),
    ("ethiopian", "ethiopians"), ("nigerian", "nigerians"),
    ("ghanaian", "ghanaians"), ("sudanese", None), ("congolese", None),
    ("moroccan", "moroccans"), ("algerian", "algerians"),
    ("tunisian", "tunisians"), ("egyptian", "egyptians"),
    ("libyan", "libyans"), ("lebanese", None),
    ("palestinian", "palestinians"), ("yemeni", "yemenis"),
    ("saudi", "saudis"), ("turkish", "turks"), ("kurdish", "kurds"),
    ("pakistani", "pakistanis"), ("indian", "indians"),
    ("bangladeshi", "bangladeshis"), ("african", "africans"),
    ("north african", "north africans"), ("asian", "asians"),
    ("chinese", None), ("vietnamese", None), ("filipino", "filipinos"),
    ("polish", None), ("romanian", "romanians"),
    ("bulgarian", "bulgarians"), ("albanian", "albanians"),
    ("bosnian", "bosnians"), ("serbian", "serbs"), ("roma", None),
    ("romani", None), ("gypsy", "gypsies"), ("jewish", "jews"),
    ("muslim", "muslims"), ("moslem", "moslems"), ("islamic", "islamists"),
    ("chechen", "chechens"), ("russian", "russians"),
    ("ukrainian", "ukrainians"), ("mexican", "mexicans"),
    ("latino", "latinos"), ("hispanic", "hispanics"), ("hazara", None),
    ("pashtun", "pashtuns"), ("uyghur", "uyghurs"), ("tamil", "tamils"),
    ("kosovar", "kosovars"), ("black", "blacks"), ("brown", None),
    ("immigrant", "immigrants"), ("migrant", "migrants"),
    ("refugee", "refugees"), ("foreign", "foreigners"),
    ("gay", "gays"), ("lesbian", "lesbians"), ("trans", None),
    ("hindu", "hindus"), ("sikh", "sikhs"), ("catholic", "catholics"),
    ("middle eastern", "middle easterners"), ("non-white", "non-whites"),
]

EN_PEOPLE = ["people", "folks", "men", "women", "families", "kids",
             "children", "youths", "boys", "guys", "gangs", "migrants",
             "immigrants", "refugees", "communities", "community", "hordes",
             "population", "neighbours", "neighbors", "beggars", "clans",
             "lot", "crowd", "mob"]


def en():
    group, adj = set(), set()
    for a, p in EN:
        adj.add(a)
        if p:
            group.add(p)
    return group, adj


def write(name, words, comment):
    path = os.path.join("filters", "lexicon", name + ".txt")
    with open(path, "w") as f:
        f.write("# " + comment + "\n")
        f.write("# Generated by tools/gen-hate-net-lexicons.py: edit that.\n")
        for w in sorted(words):
            f.write(w + "\n")


def main():
    group, single, adj, stem = sv()
    write("sv_net_group", group,
          "Swedish groups, plural and compounds (hate net)")
    write("sv_net_single", single,
          "Swedish groups, singular and singular definite (hate net)")
    write("sv_net_adj", adj,
          "Swedish group adjectives, used before a word for people")
    write("sv_net_stem", stem,
          "Swedish group stems for compounds (somalifamiljer, muslimrattor)")
    write("sv_net_people", SV_PEOPLE,
          "Swedish words for people or a herd after a group adjective or stem")
    g, a = en()
    write("en_net_group", g,
          "English groups, plural and adjective + people (hate net)")
    write("en_net_adj", a,
          "English group adjectives and singulars (hate net)")
    write("en_net_people", EN_PEOPLE,
          "English words for people after a group adjective (hate net)")


if __name__ == "__main__":
    main()
