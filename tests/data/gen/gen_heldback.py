#!/usr/bin/env python3
"""Generates tests/data/filters-heldback.tsv, the HELD-BACK corpus.

    python3 tests/data/gen/gen_heldback.py > tests/data/filters-heldback.tsv

RULE AUTHORS: do not read this file, its hand-written rows
(heldback-hand.tsv) or the corpus it writes.  The figures it measures only
mean something for rules that were not written from it.  Work from
filters-dev.tsv and look at the held-back corpus only through the per
category figures of `vaktctl filters eval`.

Written independently of gen_dev.py: its own templates, word lists, names,
staff roles, places and phrasings, and its own obfuscation functions;
nothing is imported from the development generator.  Deterministic (fixed
seed, stdlib only).  Personnummer: only Skatteverket's official test
numbers (tests/data/skatteverket/, the lines gen_dev.py does not use);
phone numbers: only PTS's ranges for fiction; e-mail domains example.* /
exempel.se."""
import os
import random
import sys

RNG = random.Random(0x5EED12)
HERE = os.path.dirname(os.path.abspath(__file__))

out = []


def emit(text, label, form):
    text = " ".join(text.split())
    assert "\t" not in text and "\\" not in text
    out.append((text, label, form))


def one(seq):
    return RNG.choice(seq)


def chance(p):
    return RNG.random() < p


def upfirst(s):
    return s[0].upper() + s[1:] if s else s


# ---------------------------------------------------------------- Swedish threats
# Who intends: (subject, modal phrase) with the verb in the infinitive after it.
HB_INTENT_SV = [
    "jag ska", "jag kommer att", "jag kommer", "jag tänker", "jag ska fan i mig",
    "jag har bestämt mig för att", "jag lovar att jag ska", "vi kommer", "vi tänker",
    "min bror ska", "mina grabbar kommer att", "jag ska jävlar i mig", "jag skall",
    "ja ska", "jag e på väg att", "jag ämnar", "nu ska jag",
]
# (infinitive phrase with {t} for the target, present tense phrase with {t})
HB_VERBS_SV = [
    ("ha ihjäl {t}", "har ihjäl {t}"), ("ta livet av {t}", "tar livet av {t}"),
    ("skjuta ihjäl {t}", "skjuter ihjäl {t}"), ("skjuta skallen av {t}", "skjuter skallen av {t}"),
    ("slakta {t}", "slaktar {t}"), ("avrätta {t}", "avrättar {t}"),
    ("skära halsen av {t}", "skär halsen av {t}"), ("dränka {t}", "dränker {t}"),
    ("sticka ner {t}", "sticker ner {t}"), ("knivhugga {t}", "knivhugger {t}"),
    ("spöa skiten ur {t}", "spöar skiten ur {t}"), ("krossa skallen på {t}", "krossar skallen på {t}"),
    ("strypa {t}", "stryper {t}"), ("hänga {t} i närmaste träd", "hänger {t} i närmaste träd"),
    ("köra över {t}", "kör över {t}"), ("sparka ihjäl {t}", "sparkar ihjäl {t}"),
    ("misshandla {t} så {t} aldrig går igen", "misshandlar {t}"), ("ge {t} stryk", "ger {t} stryk"),
    ("mörda {t}", "mördar {t}"), ("döda {t}", "dödar {t}"), ("slå ihjäl {t}", "slår ihjäl {t}"),
    ("skjuta {t}", "skjuter {t}"), ("stampa ihjäl {t}", "stampar ihjäl {t}"),
]
HB_ROLES_SV = [
    "spärrvakten", "rektorn", "kuratorn", "biståndshandläggaren", "förskolläraren",
    "badvakten", "bygglovshandläggaren", "stadsdirektören", "kontrollanten", "miljöinspektören",
    "skolsköterskan", "vaktmästaren", "receptionisten på servicekontoret", "trafikkontorets chef",
    "nämndens ordförande", "borgarrådet Lena Ståhl", "kommunalrådet Per Axelsson",
    "oppositionsborgarrådet", "den där feta tjänstemannen", "hemtjänstchefen",
    "chauffören på 4:an", "lärarinnan", "fröken på förskolan", "socialtanten",
]
HB_YOU_SV = ["dig", "er", "dej", "henne", "honom", "hela din familj", "er jävlar"]
HB_GROUPS_SV = [
    "hela socialförvaltningen", "varenda en av er på bygglovsenheten", "er byråkrater",
    "alla som jobbar på servicekontoret", "hela stadsdelsförvaltningen", "alla i fullmäktige",
    "varenda politiker i rådhuset",
]
HB_PLACES_SV = [
    "förskolan Ekorren", "Medborgarhuset", "simhallen", "servicekontoret", "Kulturhuset",
    "tunnelbanestationen", "stadsdelsförvaltningen", "rådhuset", "ert kontor", "fritidsgården i Tensta",
    "Eriksdalsbadet", "skolan i Farsta",
]
HB_WHEN_SV = ["i kväll", "på fredag", "efter stängning", "när ni minst anar det", "snart", "i morgon bitti",
              "nästa vecka", "på nästa möte"]
HB_TAIL_SV = ["", "", "", " era svin", " det är ett löfte", " 🔪", " 💀", " jag skämtar inte", " räkna med det",
              " vänta bara", " ha ha"]


def hb_target_sv():
    r = RNG.random()
    if r < 0.25:
        return one(HB_YOU_SV), "threat/direct"
    if r < 0.8:
        return one(HB_ROLES_SV), "threat/staff"
    return one(HB_GROUPS_SV), "threat/group"


def hb_threats_sv():
    res = []
    for _ in range(170):
        tgt, form = hb_target_sv()
        inf, pres = one(HB_VERBS_SV)
        shape = RNG.randint(0, 5)
        if shape <= 2:  # subject + modal + verb + target (+ when)
            s = "%s %s%s" % (one(HB_INTENT_SV), inf.format(t=tgt),
                             (" " + one(HB_WHEN_SV)) if chance(0.4) else "")
        elif shape == 3:  # inverted word order: time first, present tense as future
            s = "%s %s jag %s" % (one(HB_WHEN_SV), pres.split(" ", 1)[0],
                                  pres.split(" ", 1)[1].format(t=tgt))
            form = "threat/inverted"
        elif shape == 4:  # second person future
            s = "%s, du kommer %s" % (tgt if form != "threat/direct" else "hör här",
                                      one(["att dö", "dö", "få en kula i skallen",
                                           "ligga i en grop", "inte överleva veckan"]))
            form = "threat/you-will-die"
        else:  # "ska fan" without "att", stacked
            s = "ska fan %s" % inf.format(t=tgt)
            form = "threat/no-subject"
        res.append((upfirst(s) + one(HB_TAIL_SV), form))
    for _ in range(40):
        p = one(HB_PLACES_SV)
        s = one(["jag tänker tända på {p}", "{p} ska brinna", "{p} kommer att brinna ner",
                 "vi spränger {p} i luften", "jag ska bränna ner {p} med er i",
                 "{p} kommer gå upp i rök {w}", "{w} smäller det på {p}",
                 "sätter eld på {p} {w}"]).format(p=p, w=one(HB_WHEN_SV))
        res.append((upfirst(s), "threat/place"))
    for _ in range(45):
        t = one(HB_ROLES_SV + HB_GROUPS_SV)
        s = one(["{t} ska skjutas", "{t} kommer att skjutas ihjäl", "{t} kommer hittas död",
                 "{t} kommer få en kniv i ryggen", "{t} ska hängas på torget",
                 "{t} kommer sprängas i bitar", "{t} blir skjuten {w}",
                 "det kommer sluta med att {t} blir knivhuggen"]).format(t=t, w=one(HB_WHEN_SV))
        res.append((upfirst(s), "threat/passive"))
    for _ in range(45):
        t = one(HB_ROLES_SV)
        s = one(["någon borde ta livet av {t}", "någon måste sätta stopp för {t} för gott, en kula räcker",
                 "{t} borde dränkas", "{t} borde avrättas offentligt", "hoppas {t} blir överkörd",
                 "vore skönt om någon sköt {t}", "{t} förtjänar att dö", "nån borde elda upp {t}",
                 "{t} ska ha en kula"]).format(t=t)
        res.append((upfirst(s), "threat/wish"))
    for _ in range(35):
        s = one(["om ni drar in hemtjänsten kommer {t} få betala med livet",
                 "stänger ni {p} så kommer jag med bensin",
                 "nekar ni mig bygglov en gång till så skjuter jag {t}",
                 "om {t} inte ringer tillbaka i dag så slår jag ihjäl {t}",
                 "får jag inte tillbaka min plats på {p} kommer folk att dö",
                 "en gång till och {t} är död"]).format(t=one(HB_ROLES_SV), p=one(HB_PLACES_SV))
        res.append((upfirst(s), "threat/conditional"))
    for _ in range(30):
        s = one(["har köpt en kniv och vet var {t} parkerar", "tar med mig hagelbössan till {p} i morgon",
                 "pistolen är laddad och {t} står först på listan", "har skaffat en machete, vi ses på {p}",
                 "jag har sprängmedel hemma och {p} ligger nära", "har vässat kniven inför mötet med {t}"]
                ).format(t=one(HB_ROLES_SV), p=one(HB_PLACES_SV))
        res.append((upfirst(s), "threat/weapon"))
    for _ in range(20):
        s = one(["det finns en bomb på {p}", "en väska med sprängämnen står i {p}",
                 "bomben på {p} är inställd på klockan 14", "utrym {p} innan det smäller",
                 "ni har en timme på er att tömma {p}"]).format(p=one(HB_PLACES_SV))
        res.append((upfirst(s), "threat/bomb"))
    for s in ["vi tar er en och en", "en efter en ska ni falla", "vi är fler än ni tror och vi kommer",
              "ni ska få se, vi kommer att plocka er en i taget", "snart är det er tur allihop",
              "vi kommer för er alla på stadsdelsförvaltningen", "er tid är ute, vi kommer"]:
        res.append((upfirst(s), "threat/collective"))
    for s in ["vi vet vilken förskola din dotter går på", "fin Volvo du har, vore tråkigt om den började brinna",
              "du borde se dig om när du går från jobbet", "jag vet vilken buss du tar hem",
              "hälsa barnen från mig, jag såg dem vid skolan i dag", "kom ihåg vad som hände med Anna Lindh",
              "det är lätt hänt att något händer en sån som du", "vi har koll på din adress nu",
              "tänk om någon väntade på dig i trapphuset", "sov gott i natt om du kan",
              "minns du vad som hände med politikern i Almedalen", "det vore synd om ditt hus fattade eld",
              "vi ses när du minst anar det", "din fru borde vara försiktig i kväll"]:
        res.append((upfirst(s), "threat/veiled"))
    return res


# ---------------------------------------------------------------- English threats
HB_INTENT_EN = ["I'm about to", "I'm fixing to", "I shall", "imma", "we're gonna", "I intend to",
                "I have decided to", "I'll make sure to", "I will personally", "me and my mates will",
                "I'm gonna", "I'm going to", "i will", "Ima"]
HB_VERBS_EN = ["slaughter {t}", "drown {t}", "hang {t}", "torture {t}", "burn {t} alive",
               "run over {t}", "snap the neck of {t}", "gut {t}", "strangle {t}", "beat {t} to death",
               "put a bullet in {t}", "slit the throat of {t}", "butcher {t}", "choke {t} out",
               "kill {t}", "shoot {t}", "stab {t}", "murder {t}", "bash {t}'s head in"]
HB_ROLES_EN = ["the ticket inspector", "the headteacher", "the social worker", "the lifeguard",
               "the planning officer", "councillor Jane Doe", "the deputy mayor", "the caretaker",
               "that useless case worker", "the school nurse", "the receptionist", "the traffic warden",
               "the bus driver on route 4", "the youth worker"]
HB_YOU_EN = ["you", "u", "ya", "all of you", "your whole family"]
HB_PLACES_EN = ["the nursery", "the community centre", "the leisure centre", "the service office",
                "the council building", "the metro station", "the youth club"]


def hb_threats_en():
    res = []
    for _ in range(100):
        if chance(0.3):
            tgt, form = one(HB_YOU_EN), "threat/direct"
        else:
            tgt, form = one(HB_ROLES_EN), "threat/staff"
        s = "%s %s%s" % (one(HB_INTENT_EN), one(HB_VERBS_EN).format(t=tgt),
                         one(["", "", " tonight", " this friday", " when I see them", " mark my words",
                              " 🔫", " no joke"]))
        res.append((upfirst(s), form))
    for _ in range(20):
        res.append((upfirst(one(["gonna torch {p}", "{p} is gonna burn tonight", "I will blow {p} up",
                                 "I'll set fire to {p} with everyone inside"]).format(p=one(HB_PLACES_EN))),
                    "threat/place"))
    for _ in range(25):
        res.append((upfirst(one(["{t} is going to get shot", "{t} will be found dead", "{t} will be hanged",
                                 "{t} is gonna get stabbed one of these days"]).format(t=one(HB_ROLES_EN))),
                    "threat/passive"))
    for _ in range(25):
        res.append((upfirst(one(["somebody needs to put {t} down", "{t} should hang",
                                 "I hope {t} gets run over", "someone ought to shoot {t}",
                                 "{t} deserves to be drowned"]).format(t=one(HB_ROLES_EN))),
                    "threat/wish"))
    for s in ["if you close the youth club I will come with a gun", "cut my benefits again and the social worker dies",
              "I've got a knife with the caretaker's name on it", "bought a shotgun today, see you at the council meeting",
              "there's a bomb in the community centre", "evacuate the metro station, it goes off at noon",
              "we know which school your kids go to", "lovely house, would be a shame if it burned down",
              "watch yourself walking home tonight", "remember what happened to Jo Cox",
              "we'll get you one by one", "your days are numbered"]:
        form = ("threat/conditional" if s.startswith(("if", "cut")) else "threat/weapon" if "knife" in s or "shotgun" in s
                else "threat/bomb" if "bomb" in s or "goes off" in s else "threat/collective" if "one by one" in s
                else "threat/veiled")
        res.append((upfirst(s), form))
    return res


# ---------------------------------------------------------------- hate
HB_PEOPLES_SV = ["utlänningar", "araber", "zigenare", "kurder", "polacker", "eritreaner",
                "transpersoner", "bögar", "samer", "judarna", "muslimerna", "afrikaner", "invandrarna"]
HB_DEHUM_SV = ["skadedjur", "löss", "gräshoppor", "boskap", "avskum", "en cancer", "en smitta",
               "ogräs", "vildar", "råttorna", "parasiterna", "ohyran", "kackerlackor", "djur",
               "apor", "pesten", "smutsen", "kryp", "odjur"]
HB_GROUPS_EN = ["migrants", "arabs", "africans", "muslims", "jews", "roma", "trans people",
                "somalis", "asylum seekers", "foreigners"]
HB_DEHUM_EN = ["vermin", "parasites", "rats", "cockroaches", "animals", "apes", "a plague",
               "filth", "a disease", "locusts", "subhuman", "savages", "a cancer"]


def hb_hate():
    res = []
    for _ in range(110):
        g = one(HB_PEOPLES_SV)
        d = one(HB_DEHUM_SV)
        s, f = one([
            ("{g} är inget annat än {d}", "hate/dehumanise"),
            ("{g} beter sig som {d}", "hate/simile"),
            ("de där {g} är {d} allihop", "hate/dehumanise"),
            ("{g}, dessa {d}, förstör allt", "hate/apposition"),
            ("Stockholm har blivit fullt av {d}, alltså {g}", "hate/dehumanise"),
            ("rensa landet från {g}", "hate/cleanse"), ("skicka hem varenda en av {g}", "hate/expel"),
            ("{g} ska bort ur Sverige", "hate/expel"), ("utrota {g} innan de förökar sig", "hate/exterminate"),
            ("{g} är en lägre stående ras", "hate/race"), ("{g} tillhör ett underlägset folk", "hate/race"),
            ("{g} föder barn som {d}", "hate/simile"), ("gasa {g}", "hate/exterminate"),
        ])
        res.append((upfirst(s.format(g=g, d=d)) + one(["", ".", "!!", " 🤮", " 🐀"]), f))
    for _ in range(60):
        g = one(HB_GROUPS_EN)
        d = one(HB_DEHUM_EN)
        s, f = one([("{g} are nothing but {d}", "hate/dehumanise"), ("these {g} breed like {d}", "hate/simile"),
                    ("cleanse the city of {g}", "hate/cleanse"), ("send every one of the {g} back", "hate/expel"),
                    ("exterminate the {g}", "hate/exterminate"), ("{g} are an inferior race", "hate/race"),
                    ("{g} are {d}, plain and simple", "hate/dehumanise")])
        res.append((upfirst(s.format(g=g, d=d)), f))
    return res


# ---------------------------------------------------------------- obfuscations
def o_spaced(w):
    return " ".join(w.upper() if chance(0.3) else w)


def o_dotted(w):
    return one([".", "-", "_", "·"]).join(w)


def o_mask(w):
    idx = [i for i, c in enumerate(w) if c.lower() in "aeiouyåäö"]
    if not idx:
        return w
    s = list(w)
    for i in RNG.sample(idx, max(1, len(idx) // 2)):
        s[i] = one("*@#")
    return "".join(s)


SUB = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "l": "1", "g": "9", "å": "4", "ö": "0"}


def o_digits(w):
    s = "".join(SUB[c] if c in SUB and chance(0.5) else c for c in w)
    return s if s != w else w[:-1] + SUB.get(w[-1], w[-1])


def o_ocr(text):  # å/ä/ö as a scan without Swedish letters writes them
    return text.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))


def o_stretch(w):
    i = RNG.randrange(len(w))
    return w[:i] + w[i] * RNG.randint(3, 8) + w[i + 1:]


EMOJI = ["🔪", "💣", "🔥", "😡", "👊", "☠️", "🤬", "💥"]


def o_emoji(text):
    ws = text.split(" ")
    for _ in range(RNG.randint(1, 3)):
        ws.insert(RNG.randint(1, len(ws)), one(EMOJI))
    return " ".join(ws)


def hb_obfuscate(items):
    res = []
    for text, label in items:
        ws = [w for w in text.split(" ") if len(w) >= 4 and w.isalpha()]
        if not ws:
            continue
        kind = one(["spaced", "dotted", "mask", "digits", "ocr", "stretch", "emoji", "mixed"])
        if kind == "ocr":
            t = o_ocr(text)
            if t == text:
                continue
        elif kind == "emoji":
            t = o_emoji(text)
        else:
            fn = {"spaced": o_spaced, "dotted": o_dotted, "mask": o_mask, "digits": o_digits,
                  "stretch": o_stretch, "mixed": lambda w: o_digits(o_stretch(w))}[kind]
            targets = RNG.sample(ws, min(len(ws), RNG.randint(1, 2)))
            t = text
            for w in targets:
                t = t.replace(w, fn(w), 1)
        res.append((t, label, "obf/" + kind))
    return res


# ---------------------------------------------------------------- personal data
def numbers(name):
    with open(os.path.join(HERE, "..", "skatteverket", name)) as f:
        return [l.strip() for l in f if l.strip()]


HB_PNR = numbers("skatteverket_testpersonnummer.txt")[1::2]
HB_SAM = numbers("skatteverket_testsamordningsnummer.txt")[1::2]
HB_PEOPLE = ["Lisa Holmgren", "Ahmed Yusuf", "Birgitta Öberg", "Jonas Wikström", "Leila Karimi",
             "Per-Olof Sandberg", "Nora Lundh", "Tomas Ekdahl", "Sofia Petrović", "Gunnar Falk",
             "Hanna Åberg", "Ali Rezaei"]


def pnr_written(p):
    yy, rest = p[2:8], p[8:]
    old = p[:2] == "18" or (p[:2] == "19" and int(p[2:4]) < 26)
    k = RNG.randint(0, 5)
    if k == 0:
        return yy + ("+" if old else "-") + rest, "pnr/short"
    if k == 1:
        return p[:8] + " " + rest, "pnr/12space"
    if k == 2:
        return yy + rest, "pnr/10digit"
    if k == 3:
        return "%s %s %s-%s" % (yy[:2], yy[2:4], yy[4:], rest), "pnr/grouped"
    if k == 4:
        return p, "pnr/12digit"
    return p[:8] + "-" + rest, "pnr/12dash"


def hb_phone():
    area, local = one([("08", "465004%02d" % RNG.randint(0, 99)), ("070", "17406%02d" % RNG.randint(5, 99)),
                       ("031", "39006%02d" % RNG.randint(0, 99)), ("040", "62804%02d" % RNG.randint(0, 99)),
                       ("0980", "3192%02d" % RNG.randint(0, 99))])
    k = RNG.randint(0, 9)
    grp = local[:3] + " " + local[3:5] + " " + local[5:]
    forms = [("+46 (0)%s %s" % (area[1:], grp), "phone/plus46-paren"),
             ("0046 %s %s" % (area[1:], local), "phone/0046"),
             ("%s - %s" % (area, grp), "phone/spaced-dash"),
             ("(%s) %s" % (area, grp), "phone/paren"),
             ("%s %s" % (area, " ".join(local[i:i + 2] for i in range(0, len(local), 2))), "phone/pairs"),
             ("%s–%s" % (area, grp), "phone/en-dash"),
             ("%s/%s" % (area, grp), "phone/slash"),
             ("%s.%s" % (area, local.replace("", ".")[1:-1]), "phone/dots"),
             (" ".join(area + local), "phone/every-digit"),
             ("+46%s%s" % (area[1:], local), "phone/plus46-compact")]
    return forms[k]


HB_STREET_STEMS = ["Rosen", "Björk", "Tall", "Ekorr", "Sjö", "Kvarn", "Smed", "Fisk", "Lönn", "Hägern",
                   "Kyrk", "Mälar", "Skol", "Väster", "Solnedgångs"]
HB_SUFFIXES = ["gången", "gränd", "backe", "torg", "plan", "stigen", "svängen", "gatan", "vägen", "slingan", "allén"]


def hb_personal():
    res = []
    for _ in range(70):
        p, f = pnr_written(one(HB_PNR))
        res.append((one(["hej, jag heter {n} och mitt pnr är {p}", "{p} {n}, beslutet har inte kommit",
                         "personnumret till min mamma: {p}", "{n} ({p}) har fått fel faktura",
                         "pers.nr {p} om ni behöver det", "my personal number is {p}"])
                    .format(n=one(HB_PEOPLE), p=p), f))
    for _ in range(15):
        s = one(HB_SAM)
        res.append(("mitt samordningsnr är %s-%s" % (s[2:8], s[8:]), "pnr/samordning"))
    for _ in range(75):
        ph, f = hb_phone()
        res.append((one(["sms:a {n} på {p}", "här är numret till {n}: {p}", "hennes mobil är {p}",
                         "text me on {p}", "{p} ring efter 18", "nummer till rektorn privat: {p}"])
                    .format(n=one(HB_PEOPLE), p=ph), f))
    for _ in range(40):
        u = one(["lisa.holmgren", "ahmed_y", "birgitta.oberg", "jonas.w", "leila.karimi84"])
        d = one(["exempel", "example"])
        e, f = one([("%s at %s dot se" % (u, d), "email/at-dot"), ("%s {at} %s.se" % (u, d), "email/braces"),
                    ("%s (snabel-a) %s.com" % (u, d), "email/snabel-a"), ("%s @ %s . org" % (u, d), "email/spaced"),
                    ("%s AT %s PUNKT se" % (u, d), "email/caps-words"), ("%s[@]%s[.]se" % (u, d), "email/brackets")])
        res.append((one(["skriv till {e}", "hennes mejl: {e}", "reach her at {e}", "maila {e} direkt"]).format(e=e), f))
    for _ in range(55):
        st = one(HB_STREET_STEMS) + one(HB_SUFFIXES)
        nr = RNG.randint(1, 99)
        s, f = one([("{n} bor på {st} {nr}, {tr} tr", "address/floor"),
                    ("{st} {nr}{b}, lgh {lgh}, där bor {n}", "address/lgh"),
                    ("portkoden till {st} {nr} är {pk}", "address/portkod"),
                    ("hon har flyttat till {st} {nr} i Bagarmossen", "address/district"),
                    ("{n} c/o Andersson, {st} {nr}", "address/co")])
        res.append((s.format(n=one(HB_PEOPLE), st=st, nr=nr, tr=RNG.randint(1, 6), b=one(["", "A", " B"]),
                             lgh=RNG.randint(1001, 1603), pk=RNG.randint(1000, 9999)), f))
    HB_HEALTH = [("har diabetes typ 1", "health/diagnosis"), ("har epilepsi", "health/diagnosis"),
                 ("fick MS-diagnosen i fjol", "health/diagnosis"), ("är dement", "health/diagnosis"),
                 ("har autism", "health/diagnosis"), ("väntar barn i mars", "health/pregnancy"),
                 ("är med barn igen", "health/pregnancy"), ("är blind sedan födseln", "health/disability"),
                 ("har en utvecklingsstörning", "health/disability"), ("äter Sertralin", "health/medication"),
                 ("får Subutex varje dag", "health/medication"), ("är spelberoende", "health/addiction"),
                 ("knarkar", "health/addiction"), ("är heroinist", "health/addiction"),
                 ("har borderline", "health/mental"), ("lades in på psyket förra veckan", "health/mental"),
                 ("lider av svår depression", "health/mental"), ("har anorexi", "health/mental")]
    for _ in range(60):
        who = one(HB_PEOPLE + ["rektorn på Ekorrens förskola", "kuratorn Maja", "vår granne på tredje våningen, Lisa",
                               "biståndshandläggaren Ahmed"])
        h, f = one(HB_HEALTH)
        res.append(("%s %s" % (who, h), f))
    for _ in range(20):
        res.append((one(["my neighbour Lisa Holmgren is on antidepressants", "the headteacher Tom Reed has epilepsy",
                         "Ahmed Yusuf from the council is a recovering alcoholic", "councillor Jane Doe is pregnant",
                         "Nora Lundh has bipolar disorder", "Gunnar Falk is in a wheelchair since the accident"]),
                    "health/en"))
    return res


# ---------------------------------------------------------------- questions
HB_PLACES_Q = ["Eriksdalsbadet", "Stadsbiblioteket", "återvinningscentralen i Bromma", "servicekontoret i Skärholmen",
               "Kulturhuset", "parklekarna", "isbanan i Kungsträdgården", "fritidsgården", "e-tjänsten för förskola"]
HB_DAYS = ["annandag påsk", "Kristi himmelfärdsdag", "nationaldagen", "alla helgons dag", "sportlovet",
           "nyårsafton", "påskafton"]


def hb_questions():
    res = []
    vf = ["Hinner man simma på {p} efter jobbet?", "Ska man anmäla sig innan till {p}?", "Brukar {p} vara öppet på {d}?",
          "Blir det något fyrverkeri på {d}?", "Måste jag ha bankid för {p}?", "Funkar {p} i mobilen",
          "Stämmer det att {p} stänger för gott?", "Ingår skridskouthyrning på {p}?", "Gäller sommartider på {p} redan nu?",
          "Räknas {d} som röd dag för sophämtningen?", "Är {p} tillgängligt med rullator?",
          "Finns det lediga tider på {p} i helgen?", "Hjälper ni till med ansökan om färdtjänst",
          "Kostar det något att låna lokal på {p}?", "Tar {p} emot elektronik?"]
    for _ in range(170):
        res.append((one(vf).format(p=one(HB_PLACES_Q), d=one(HB_DAYS)), "question/verb-first"))
    nq = ["hur gör jag för att byta förskola", "var hittar jag blanketten för parkeringstillstånd",
          "vad gäller för grillning i parkerna.", "vilken blankett ska jag använda för {p}",
          "när får vi besked om skolplaceringen", "hur länge är {p} öppet på {d}",
          "vem ansvarar för snöröjningen på vår gata", "vart ska man ringa om ett trasigt gatljus",
          "hur mycket kostar simkort på {p}", "vilka regler gäller för {p} under {d}."]
    for _ in range(100):
        res.append((one(nq).format(p=one(HB_PLACES_Q), d=one(HB_DAYS)), "question/no-qmark"))
    rem = ["påminnelse: har fortfarande inte fått något svar", "har ni glömt bort mig? skrev för två veckor sen",
           "tredje gången jag skriver nu", "ingen återkoppling än på min fråga om {p}",
           "any update on my request?", "still waiting to hear back from you", "hallå, svara gärna någon gång",
           "bump, inget svar ännu"]
    for _ in range(40):
        res.append((one(rem).format(p=one(HB_PLACES_Q)), "question/reminder"))
    ind = ["jag skulle vilja veta hur man bokar {p}", "undrar om {p} har öppet på {d}", "någon som vet om {p} är öppet",
           "would love to know whether {p} opens on {d}", "curious when the new playground opens",
           "vore tacksam för info om öppettider på {d}", "jag funderar på om man får ha hund på {p}"]
    for _ in range(60):
        res.append((one(ind).format(p=one(HB_PLACES_Q), d=one(HB_DAYS)), "question/indirect"))
    en = ["Are the playgrounds open during the holidays?", "Will {p} be open on Easter Monday?",
          "Has anyone heard when {p} reopens?", "Could someone tell me how to renew my parking permit",
          "Who do I talk to about a broken streetlight?", "Is there step-free access to {p}?",
          "why is the bin collection late again?", "How long does it take to get a reply from {p}"]
    for _ in range(50):
        res.append((one(en).format(p=one(["the leisure centre", "the main library", "the ice rink", "the nursery"])),
                    "question/en"))
    return res


# ---------------------------------------------------------------- ordinary comments and hard negatives
def hb_negatives():
    res = []
    for s in ["Jag fick ett sms där det stod 'du ska dö' och har gjort en polisanmälan",
              "Min kollega fick höra 'vi vet var du bor' i receptionen, det är så fel",
              "Tingsrätten dömde mannen som skrev att han skulle spränga rådhuset",
              "Att skriva att man ska skjuta någon är olaga hot, var försiktiga med vad ni skriver",
              "Anmäler härmed kommentaren ovan som hotar rektorn",
              "He told the lifeguard 'I'll drown you' and got banned, good",
              "Enligt åklagaren hade den åtalade skrivit 'jag ska ha ihjäl dig' i ett mejl",
              "Någon klottrade 'utrota alla zigenare' på tunneln, kan ni sanera?",
              "Kommentaren om att invandrare är skadedjur borde tas bort, den är hets mot folkgrupp",
              "Reported the post saying refugees are vermin. Please act."]:
        res.append((s, "neg/quote-report"))
    for s in ["Tre skadade efter skottlossningen i Skärholmen i natt", "Mannen som knivhögg en väktare dömdes till fängelse",
              "Polisen: branden i förskolan var anlagd", "Bombhotet mot Kulturhuset avblåst efter två timmar",
              "Police confirm the stabbing near the metro station", "Åtal väcks för mordförsöket i Husby"]:
        res.append((s, "neg/news"))
    for s in ["Karl XII sköts vid Fredriksten 1718", "Attentatet på Drottninggatan 2017 får aldrig glömmas",
              "Digerdöden tog livet av en tredjedel av befolkningen", "Under Stockholms blodbad halshöggs stadens borgare",
              "The Great Plague killed many in 1665", "Minnesstunden för Anna Lindh hölls vid NK"]:
        res.append((s, "neg/history"))
    for s in ["Kan ni skjuta till lite pengar till parklekarna?", "Vi slog ihjäl en timme på Stadsbiblioteket",
              "Det här projektet skjuts på framtiden igen", "Ni bombar oss med mejl om enkäten",
              "Dödsskönt med nya bastun på Eriksdalsbadet", "Jag håller på att dö av värmen i bussen",
              "Den kön tar livet av mig", "Killer deal on the summer pass!", "Shoot me an email when it's ready",
              "Could you blow up the photo of the map?", "The comedian absolutely killed it at Kulturhuset",
              "Den nya lekplatsen slår allt", "Konserten var knäckande bra", "Han skrattade ihjäl sig åt skylten",
              "Sälj inte skinnet innan björnen är skjuten"]:
        res.append((s, "neg/idiom"))
    for s in ["Hur tar man livet av mördarsniglar utan gift?", "Jägarna sköt tre vildsvin i Järvafältet",
              "Hacka löken och bryn färsen", "I Fortnite sköt jag hela laget", "Headshot i Counter-Strike igår haha",
              "Slakta kycklingen? Nej köp färdig filé", "Take down the boss in the last level first",
              "Hammarby krossade AIK i derbyt", "Målvakten räddade en straff i sista minuten",
              "Bränn inte vitlöken när du steker"]:
        res.append((s, "neg/game-sport-cooking"))
    for s in ["Satan vad det regnar", "Fy fan för förseningarna på gröna linjen", "Jävlar vad fint det blev i parken!",
              "Shit, missade bussen igen", "Bloody hell, the ticket machine is broken again", "Åh helvete, glömde matlådan"]:
        res.append((s, "neg/profanity"))
    for s in ["Ingen här har hotat någon, vi ber bara om svar", "Jag har aldrig velat skada någon på förvaltningen",
              "Vi är arga men vi tänker inte hota någon", "Nobody is threatening staff, calm down"]:
        res.append((s, "neg/negation"))
    for s in ["Det springer råttor på gården på Smedgränd, när kommer skadedjursbekämparen",
              "Vi har fått löss på förskolan, ska barnen vara hemma", "Ogräset på kyrkogården växer vilt",
              "Grisarna på Skansen är så gulliga", "Pesten var ett stort ämne i skolans historiekurs",
              "Smutsen vid busshållplatsen är äcklig", "Kackerlackor i tvättstugan, vem ringer jag",
              "Apornas dag på Skansen var succé", "Boskapen på Hägerstensåsen betar igen", "Vildsvinen har förstört gräsmattan"]:
        res.append((s, "neg/homonym"))
    def luhn_ok(d):
        tot = 0
        for i, c in enumerate(d):
            v = int(c) * (2 if i % 2 == 0 else 1)
            tot += v - 9 if v > 9 else v
        return tot % 10 == 0
    for _ in range(12):
        while True:
            d = "%02d%02d%02d%04d" % (RNG.randint(40, 99), RNG.randint(1, 12), RNG.randint(1, 28), RNG.randint(0, 9999))
            if not luhn_ok(d):
                break
        res.append((one(["Fakturanummer %s-%s", "Ordernr %s-%s på beställningen", "Ärende %s-%s hos kundtjänst"])
                    % (d[:6], d[6:]), "neg/number-not-personal"))
    for s in ["Dnr T2019-01088 gäller remissen", "Org nr 212000-0142", "Ärende KS 2018/1303 bordlades",
              "Sida 1 (5) saknas i pdf:en", "Vi var 2 400 besökare på lördagen", "Linje 4 går var 7:e minut",
              "Öppet 07.00-21.00 vardagar"]:
        res.append((s, "neg/number-not-personal"))
    for s in ["Stöd för anhöriga till personer med demens finns i stadsdelen", "Många barn har astma i stan",
              "Beroendemottagningen har drop-in på tisdagar", "Depression är vanligt under vintern",
              "Bra att det finns ledsagning för blinda", "Influensan har kommit tidigt i år"]:
        res.append((s, "neg/health-general"))
    for s in ["Hornsgatan borde bli gågata", "Trafiken på Essingeleden är ett helvete", "Kvarnbacken är för brant för barnvagn",
              "Mälartorget är så fint i kvällsljus"]:
        res.append((s, "neg/street-no-address"))
    for s in ["Har varit på Eriksdalsbadet idag, jättefint", "Är så glad över nya lekparken", "Kan inte nog tacka personalen",
              "Gäller det mig så är jag nöjd", "Undrade samma sak men har fått svar nu, tack", "Vilken fin dag i Kungsträdgården",
              "Hur härligt som helst på skridskobanan!", "Tack, nu vet jag var blanketten finns", "Did it, thanks for the help!",
              "Vad bra att ni svarar så snabbt"]:
        res.append((s, "neg/statement-looks-like-question"))
    # generated hard negatives: violent words used for time, money, sport,
    # games, food, pests and news; statements that open like questions
    who = ["Hela klassen", "Min sambo", "Vi i föreningen", "Pensionärsgruppen", "Our team", "Styrelsen"]
    did = ["har slagit ihjäl eftermiddagen på Medborgarhuset", "skjuter upp flytten till efter sommaren",
           "tog kål på hela tårtan på fikat", "håller på att dö av tristess i väntrummet",
           "sprängde alla rekord på loppet", "har bränt hela semesterkassan", "is dying to try the new sauna",
           "skjuter till pengar till julmarknaden", "dödar tid i kön till passkontoret"]
    for _ in range(70):
        d = one(did)
        w = one(["Our team", "My daughter"]) if d.startswith("is ") else one(who[:3] + who[5:])
        res.append(("%s %s" % (w, d), "neg/idiom"))
    clubs = ["Hammarby IF", "Djurgårdens damer", "IK Göta", "Spånga IS", "Enskede IK"]
    play = ["{c} sköt in tre mål på tio minuter", "{c} körde över {d} totalt i går", "{c} mördade {d} på hemmaplan, 5-0",
            "Jag sköt ner alla zombies i {g}", "Vi sprängde bron i {g} och vann", "Min karaktär dog i {g} igen",
            "{c} knockade {d} i kvartsfinalen", "{c} slaughtered {d} in the cup final"]
    for _ in range(50):
        c, d = RNG.sample(clubs, 2)
        res.append((one(play).format(c=c, d=d, g=one(["Valheim", "Call of Duty", "Roblox", "The Sims"])),
                    "neg/game-sport-cooking"))
    for s_ in ["Strimla purjolöken och fräs i smör", "Dunka köttet tunt med en kastrull", "Mosa potatisen med lite mjölk",
               "Skålla tomaterna och dra av skalet", "Bryn färsen på hög värme", "Chop the onions and crush the garlic"]:
        res.append((s_, "neg/game-sport-cooking"))
    vermin = ["skadedjur", "råttor", "löss", "mjölbaggar", "myror", "duvor", "kackerlackor", "getingar"]
    spots = ["cykelrummet", "förskolans sandlåda", "matsalen på skolan", "vinden", "gården", "trapphuset"]
    for _ in range(40):
        res.append(("Det har kommit %s i %s, saneringsfirman är kontaktad." % (one(vermin), one(spots)),
                    "neg/homonym"))
    crimes = ["Man häktad för mordförsök i {d}", "Kvinna rånad och knivhuggen i {d}, polisen söker vittnen",
              "Två gripna efter sprängningen i {d} i natt", "Tingsrätten friar mannen som åtalades för mordbrand i {d}",
              "Police: shots fired near the square in {d}"]
    for _ in range(30):
        res.append((one(crimes).format(d=one(["Tensta", "Rågsved", "Kista", "Sätra", "Hjulsta", "Aspudden"])),
                    "neg/news"))
    openers = ["Har precis varit på {p}, så fint", "Är så nöjd med {p}", "Kan inte sluta tänka på hur bra {p} var",
               "Vill bara säga tack till personalen på {p}", "Blir glad varje gång jag går förbi {p}",
               "Undrade länge hur {p} skulle bli, nu vet jag: toppen"]
    for _ in range(40):
        res.append((one(openers).format(p=one(["Eriksdalsbadet", "Stadsbiblioteket", "isbanan", "Kulturhuset",
                                               "parkleken i Vasaparken"])), "neg/statement-looks-like-question"))
    swear = ["Satan vad {a} det var på {p}", "Fy fan vilken {n} det blev", "Jäklar, {x}", "Shit vad {a} det är"]
    for _ in range(30):
        res.append((one(swear).format(a=one(["kallt", "halt", "mycket folk", "bra"]), p=one(["perrongen", "torget"]),
                                      n=one(["kö", "snöstorm", "fest"]), x=one(["nu regnar det igen", "tappade mössan"])),
                    "neg/profanity"))
    subj = ["Slussen", "Nya Stadsbiblioteket", "Skridskobanan", "Hemtjänsten i Bromma", "Kolonilotterna",
            "Julmarknaden i Gamla stan", "Kulturnatten", "Gångtunneln vid Tensta", "Återvinningen",
            "Vattenlekparken", "Pendelbåten", "Tantolunden", "Belysningen på Norr Mälarstrand", "Stadens Instagram",
            "E-tjänsten för bygglov", "Sommarjobben för unga"]
    pred = ["blev riktigt lyckad", "behöver bättre skyltning", "har fått en ansiktslyftning", "borde marknadsföras mer",
            "är stadens bästa satsning", "är stängd för renovering", "har tappat i kvalitet", "känns trygg igen",
            "är ett föredöme", "har saknats länge", "är perfekt för barnfamiljer", "var välbesökt i år"]
    tail = ["", ".", "!", " 🌞", " 👏", " heja Stockholm", " tack alla som jobbar där", ", kör på så!",
            " men parkeringen är ett problem", " enligt mig och mina grannar"]
    seen = set()
    while len(seen) < 600:
        s = "%s %s%s" % (one(subj), one(pred), one(tail))
        if s not in seen:
            seen.add(s)
            res.append((s, "neg/ordinary"))
    esub = ["The new ferry line", "Kulturnatten", "The Christmas market", "The allotments", "The water playground",
            "Stockholm's Instagram", "The summer jobs programme"]
    epred = ["was brilliant", "could use better signs", "is a great initiative", "was packed this year",
             "deserves more funding", "is my favourite thing about the city"]
    for _ in range(200):
        res.append(("%s %s%s" % (one(esub), one(epred), one(["", "!", ".", " ❤️", " well done"])), "neg/ordinary-en"))
    return res


def hand(name):
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if i == 0 or not line:
                continue
            rows.append(tuple(line.split("\t")))
    return rows


def main():
    th = hb_threats_sv() + hb_threats_en()
    hs = hb_hate()
    for s, f in th:
        emit(s, "threat", f)
    for s, f in hs:
        emit(s, "hate", f)
    for s, lab, f in hb_obfuscate([(s, "threat") for s, _ in RNG.sample(th, 120)] +
                                  [(s, "hate") for s, _ in RNG.sample(hs, 60)]):
        emit(s, lab, f)
    for s, f in hb_personal():
        emit(s, "personal_data", f)
    for s, f in hb_questions():
        emit(s, "question", f)
    # Hard negatives for threats and hate that ask something are questions,
    # so they are labelled and no longer count as ordinary comments.
    # Counter-speech (a quoted or reported threat or hate) may be flagged
    # `possible` but never `obvious` (issue 12): labelled ~threat / ~hate.
    asking = ("när kommer skadedjursbekämparen", "ska barnen vara hemma", "vem ringer jag")
    hate_words = ("zigenare", "skadedjur", "vermin")
    for s, f in hb_negatives():
        labs = ["question"] if s.endswith("?") or s.endswith(asking) else []
        if f == "neg/quote-report":
            labs.append("~hate" if any(w in s for w in hate_words) else "~threat")
        emit(s, " ".join(labs), f)
    for row in hand("heldback-hand.tsv"):
        out.append(row)
    sys.stdout.write("text\tlabels\tform\n")
    seen = set()
    for text, label, form in out:
        if text in seen:
            continue
        seen.add(text)
        sys.stdout.write("%s\t%s\t%s\n" % (text, label, form))


main()
