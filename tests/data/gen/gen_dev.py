#!/usr/bin/env python3
"""Generates tests/data/filters-dev.tsv (the development corpus the rules
are written against).

    python3 tests/data/gen/gen_dev.py > tests/data/filters-dev.tsv

Deterministic (fixed seed, Python's random module, stdlib only).  The
hand-written rows live in dev-hand.tsv next to this script and are appended
after the generated ones.  The held-back corpus has its own
generator (gen_heldback.py) with different templates and word lists; this
one must not import from it, and rule authors must not read that one.

Personnummer come only from Skatteverket's official test numbers
(tests/data/skatteverket/); phone numbers only from the ranges PTS reserves
for fiction (08-46 500 4xx, 031-390 06 xx, 040-628 04 xx, 0980-319 2xx,
070-17 406 xx); e-mail domains are example.* / exempel.se."""
import os
import random
import sys

R = random.Random(120012)
HERE = os.path.dirname(os.path.abspath(__file__))
SKV = os.path.join(HERE, "..", "skatteverket")

rows = []


def add(text, labels, form):
    assert "\t" not in text and "\n" not in text and "\\" not in text, text
    rows.append((text, labels, form))


def pick(xs):
    return R.choice(xs)


def cap(s):
    return s[:1].upper() + s[1:]


# --- Swedish threats ----------------------------------------------------------
SV_SUBJ_INTENT = ["jag ska", "jag kommer att", "jag kommer", "jag tänker", "jag ska fan",
                  "vi ska", "vi kommer att", "jag ska banne mig", "snart ska jag"]
# (infinitive, present, past) with the object after the verb
SV_VERBS = [("döda", "dödar", "dödade"), ("mörda", "mördar", "mördade"),
            ("skjuta", "skjuter", "sköt"), ("slå ihjäl", "slår ihjäl", "slog ihjäl"),
            ("sparka ihjäl", "sparkar ihjäl", "sparkade ihjäl"),
            ("knivhugga", "knivhugger", "knivhögg"), ("strypa", "stryper", "ströp"),
            ("hänga", "hänger", "hängde"), ("misshandla", "misshandlar", "misshandlade"),
            ("köra över", "kör över", "körde över")]
SV_VERBS_OBJ_MID = [("sticka ner {o}", "sticker ner {o}"), ("ge {o} stryk", "ger {o} stryk"),
                    ("slå sönder {o}", "slår sönder {o}")]
SV_STAFF = ["busschauffören", "läraren", "handläggaren", "p-vakten", "parkeringsvakten",
            "bibliotekarien", "socialsekreteraren", "kommunalrådet", "din chef",
            "den där handläggaren på socialtjänsten"]
SV_POLS = ["kommunalrådet Eva Strand", "borgarrådet Nils Hedén", "finansborgarrådet"]
SV_PERSONAL = ["dig", "er", "honom", "henne", "er alla", "hela familjen"]
SV_GROUP = ["alla ni på kontoret", "hela nämnden", "alla på socialtjänsten",
            "alla politiker i stadshuset", "varenda tjänsteman"]
SV_PLACES_BURN = ["skolan", "stadshuset", "badhuset", "biblioteket", "kontoret",
                  "fritidsgården"]
SV_TAIL = ["", "", "", " imorgon", " nästa gång", " när jag ser dig", " efter jobbet",
           " på måndag", " din jävel", "!!", " det lovar jag"]


def sv_target():
    r = R.random()
    if r < 0.35:
        return pick(SV_PERSONAL)
    if r < 0.75:
        return pick(SV_STAFF)
    if r < 0.85:
        return pick(SV_POLS)
    return pick(SV_GROUP)


def sv_threats():
    out = []
    for _ in range(150):
        inf, pres, past = pick(SV_VERBS)
        tgt = sv_target()
        form = "threat/direct" if tgt in SV_PERSONAL else \
            "threat/group" if tgt in SV_GROUP else "threat/staff"
        t = R.random()
        if t < 0.6:
            s = "%s %s %s%s" % (pick(SV_SUBJ_INTENT), inf, tgt, pick(SV_TAIL))
        elif t < 0.8:
            s = "imorgon %s jag %s%s" % (pres, tgt, pick(SV_TAIL))
            form = "threat/present-future"
        else:
            o_inf, _ = pick(SV_VERBS_OBJ_MID)
            s = "%s %s%s" % (pick(SV_SUBJ_INTENT), o_inf.format(o=tgt), pick(SV_TAIL))
        out.append((cap(s), form))
    for _ in range(25):
        out.append((cap("%s %s %s" % (pick(SV_SUBJ_INTENT), pick(["bränna ner", "spränga",
                                                                       "tända eld på"]),
                                      pick(SV_PLACES_BURN))) + pick(["", ".", "!"]),
                    "threat/place"))
    passive = ["{p} ska sprängas", "{p} kommer brinna", "{p} kommer att brinna i natt",
               "{s} ska skjutas", "{s} kommer att hängas", "{s} ska dö", "{s} kommer dö snart"]
    for _ in range(25):
        s = pick(passive).format(p=pick(SV_PLACES_BURN), s=pick(SV_STAFF + SV_POLS))
        out.append((cap(s), "threat/passive"))
    wishes = ["någon borde skjuta {s}", "{s} borde skjutas", "{s} borde hängas",
              "någon borde slå ihjäl {s}", "{s} förtjänar en kula", "hoppas någon knivhugger {s}"]
    for _ in range(25):
        out.append((cap(pick(wishes).format(s=pick(SV_STAFF + SV_POLS))), "threat/wish"))
    cond = ["om ni stänger {p} så bränner jag ner det", "om ni tar mitt bygglov så skjuter jag {s}",
            "stänger ni {p} så kommer det smälla", "om ni inte ändrar beslutet kommer {s} få lida"]
    for _ in range(20):
        out.append((cap(pick(cond).format(p=pick(SV_PLACES_BURN), s=pick(SV_STAFF))),
                    "threat/conditional"))
    weap = ["har skaffat en pistol, vi ses på mötet", "tar med mig en kniv till mötet på {p}",
            "jag har ett gevär hemma och vet var {s} jobbar", "har köpt ammunition, {s} vet varför"]
    for _ in range(15):
        out.append((cap(pick(weap).format(p=pick(SV_PLACES_BURN), s=pick(SV_STAFF))),
                    "threat/weapon"))
    bomb = ["det ligger en bomb i {p}", "bomben i {p} går av klockan tre",
            "ni kommer hitta en bomb i {p}"]
    for _ in range(12):
        out.append((cap(pick(bomb).format(p=pick(SV_PLACES_BURN))), "threat/bomb"))
    coll = ["vi ska ta dom en efter en", "vi kommer att ta er en efter en",
            "vi är många och vi kommer för er"]
    for c in coll:
        out.append((cap(c), "threat/collective"))
    veiled = ["vi vet var du bor", "jag vet var dina barn går i skolan", "synd om något skulle hända din bil",
              "kolla bakom dig när du går hem", "tänk på vad som hände Anna Lindh",
              "vore synd om något hände dina barn", "jag vet vilken väg du går hem",
              "fint hus du har, synd om det skulle brinna"]
    for v in veiled:
        out.append((cap(v), "threat/veiled"))
    return out


# --- English threats ----------------------------------------------------------
EN_INTENT = ["I'm going to", "I will", "I'm gonna", "I'll", "gonna", "we will", "I am going to"]
EN_VERBS = ["kill", "shoot", "stab", "strangle", "run over", "beat up", "murder"]
EN_STAFF = ["the bus driver", "the teacher", "the case officer", "the parking attendant",
            "the librarian", "the mayor", "your manager", "the councillor"]
EN_PERSONAL = ["you", "you all", "him", "her"]
EN_PLACES = ["the school", "city hall", "the pool", "the library", "your office"]


def en_threats():
    out = []
    for _ in range(90):
        tgt = pick(EN_PERSONAL) if R.random() < 0.4 else pick(EN_STAFF)
        form = "threat/direct" if tgt in EN_PERSONAL else "threat/staff"
        s = "%s %s %s%s" % (pick(EN_INTENT), pick(EN_VERBS), tgt,
                            pick(["", "", " tomorrow", " next time", " after work", "!"]))
        out.append((cap(s), form))
    for _ in range(15):
        out.append(("%s %s %s" % (pick(["I'm going to", "I'll"]), pick(["burn down", "blow up"]),
                                  pick(EN_PLACES)), "threat/place"))
    for _ in range(15):
        out.append((cap(pick(["{s} will be shot", "{p} is going to burn", "{s} will die soon"])
                        .format(s=pick(EN_STAFF), p=pick(EN_PLACES))), "threat/passive"))
    for _ in range(12):
        out.append((cap(pick(["someone should shoot {s}", "{s} deserves a bullet",
                              "{s} should be hanged"]).format(s=pick(EN_STAFF))), "threat/wish"))
    for s in ["There is a bomb in city hall", "We know where you live",
              "Watch your back on the way home", "Nice car, shame if something happened to it",
              "I bought a gun, see you at the meeting"]:
        out.append((s, "threat/veiled" if "bomb" not in s else "threat/bomb"))
    return out


# --- hate -----------------------------------------------------------------------
SV_GROUPS = ["invandrare", "muslimer", "judar", "romer", "somalier", "homosexuella",
             "afghaner", "svarta"]
SV_DEHUM = ["råttor", "parasiter", "ohyra", "kackerlackor", "djur", "apor", "en pest", "smuts"]
EN_GROUPS = ["immigrants", "muslims", "jews", "gypsies", "refugees", "gays"]
EN_DEHUM = ["vermin", "parasites", "rats", "cockroaches", "animals", "a plague", "filth"]


def hate():
    out = []
    for _ in range(70):
        g = pick(SV_GROUPS)
        t = R.random()
        if t < 0.5:
            s = "%s är %s" % (g, pick(SV_DEHUM))
            f = "hate/dehumanise"
        elif t < 0.7:
            s = "%s borde %s" % (g, pick(["utvisas", "kastas ut", "rensas ut", "utrotas"]))
            f = "hate/expel"
        elif t < 0.85:
            s = "%s är en lägre stående ras" % g
            f = "hate/race"
        else:
            s = "%s är ett underlägset folk" % g
            f = "hate/race"
        out.append((cap(s) + pick(["", ".", "!", " punkt slut"]), f))
    for _ in range(40):
        g = pick(EN_GROUPS)
        if R.random() < 0.6:
            s = "%s are %s" % (g, pick(EN_DEHUM))
            f = "hate/dehumanise"
        else:
            s = "%s should be %s" % (g, pick(["deported", "exterminated", "wiped out"]))
            f = "hate/expel"
        out.append((cap(s), f))
    return out


# --- obfuscation ----------------------------------------------------------------
def spaced(w):
    return " ".join(w)


def dotted(w):
    return ".".join(w)


def masked(w):
    vs = [i for i, c in enumerate(w) if c in "aeiouyåäö"]
    if not vs:
        return w
    i = pick(vs)
    return w[:i] + "*" + w[i + 1:]


LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}


def digits(w):
    return "".join(LEET.get(c, c) if R.random() < 0.7 else c for c in w)


def strip_diacritics(s):
    return s.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("Å", "A") \
        .replace("Ä", "A").replace("Ö", "O")


def stretched(w):
    vs = [i for i, c in enumerate(w) if c in "aeiouyåäö"]
    if not vs:
        return w
    i = pick(vs)
    return w[:i] + w[i] * R.randint(3, 6) + w[i + 1:]


def obfuscated(base):
    out = []
    keys = ["döda", "mörda", "skjuta", "spränga", "knivhugga", "kill", "shoot", "stab",
            "råttor", "parasiter", "ohyra", "vermin"]
    for text, lab in base:
        words = [k for k in keys if k in text]
        if not words:
            continue
        w = words[0]
        kind = pick(["spaced", "dotted", "masked", "digits", "no-diacritics", "stretched"])
        fn = {"spaced": spaced, "dotted": dotted, "masked": masked, "digits": digits,
              "stretched": stretched}.get(kind)
        if kind == "no-diacritics":
            t = strip_diacritics(text)
            if t == text:
                continue
        else:
            t = text.replace(w, fn(w), 1)
        out.append((t, lab, "obf/" + kind))
    return out


# --- personal data ------------------------------------------------------------
def skv(name):
    with open(os.path.join(SKV, name)) as f:
        return [line.strip() for line in f if line.strip()]


PNR = skv("skatteverket_testpersonnummer.txt")[0::2]  # the held-back set uses others
SAM = skv("skatteverket_testsamordningsnummer.txt")[0::2]
NAMES = ["Anna Lindqvist", "Erik Johansson", "Maria Nilsson", "Johan Berg", "Sara Ek",
         "Lars Holm", "Fatima Ali", "Mohammed Hassan", "Emma Sjöberg", "Karl Dahl"]


def pnr_form(p):
    k = R.randint(0, 3)
    if k == 0:
        return p[2:8] + "-" + p[8:], "pnr/dash"
    if k == 1:
        return p, "pnr/12digit"
    if k == 2:
        return p[:8] + "-" + p[8:], "pnr/12dash"
    return p[2:8] + " " + p[8:], "pnr/spaced"


# PTS's numbers for fiction: (area code, local number without its last digits, digits to add)
PHONE_BASES = [("08", "465004", 2), ("031", "39006", 2), ("040", "62804", 2), ("0980", "3192", 2),
               ("070", "17406", 2)]


def phone():
    area, pre, n = pick(PHONE_BASES)
    local = pre + "".join(str(R.randint(0, 9)) for _ in range(n))
    if area == "070" and local < "1740605":
        local = "1740655"
    digits_ = area + local
    k = R.randint(0, 7)
    if k == 0:
        return area + "-" + local, "phone/dash"
    if k == 1:
        return area + "-" + " ".join([local[:3], local[3:5], local[5:]]), "phone/dash-spaced"
    if k == 2:
        return "+46 " + area[1:] + " " + local, "phone/plus46"
    if k == 3:
        return " ".join(digits_), "phone/every-digit"
    if k == 4:
        return area + "/" + local, "phone/slash"
    if k == 5:
        return area + "\u2013" + local, "phone/en-dash"
    if k == 6:
        return area + "." + local[:3] + "." + local[3:], "phone/dots"
    return digits_, "phone/plain"


STREETS = ["Ringvägen", "Hornsgatan", "Sveavägen", "Götgatan", "Fleminggatan", "Odengatan",
           "Valhallavägen", "Bondegatan", "Katarina Bangata", "Drottninggatan"]
DIAG = ["har schizofreni", "är gravid", "har hiv", "är bipolär", "går på metadon",
        "har cancer", "är alkoholist", "har ADHD", "tar antidepressiva", "sitter i rullstol"]


def personal():
    out = []
    for _ in range(60):
        p, f = pnr_form(pick(PNR))
        s = pick(["Mitt personnummer är {p}", "min son har pnr {p}, kan ni kolla",
                  "{n} {p} har inte fått sitt beslut", "Personnr: {p}", "skickar mitt nummer {p}"])
        out.append((s.format(p=p, n=pick(NAMES)), f))
    for _ in range(15):
        s = pick(SAM)
        out.append(("Samordningsnummer %s-%s, vad händer med ansökan" % (s[2:8], s[8:]),
                    "pnr/samordning"))
    for _ in range(60):
        ph, f = phone()
        s = pick(["Ring mig på {p}", "ring {n} på {p} hon vet", "mitt nummer: {p}",
                  "Call me at {p}", "{n}s mobil {p}", "nås på {p} efter 17"])
        out.append((s.format(p=ph, n=pick(NAMES)), f))
    for _ in range(30):
        user = pick(["anna.lindqvist", "erik.j", "maria_n", "johan.berg77"])
        dom = pick(["exempel", "example"])
        tld = pick(["se", "com", "org"])
        k = R.randint(0, 3)
        if k == 0:
            e = "%s (at) %s (punkt) %s" % (user, dom, tld)
        elif k == 1:
            e = "%s[at]%s.%s" % (user, dom, tld)
        elif k == 2:
            e = "%s snabel-a %s punkt %s" % (user, dom, tld)
        else:
            e = "%s@%s.%s" % (user, dom, tld)
        out.append((pick(["Maila mig på {e}", "mejla {e}", "email me at {e}", "kontakt: {e}"])
                    .format(e=e), "email/obfuscated" if "@" not in e else "email/plain"))
    for _ in range(45):
        st = pick(STREETS)
        nr = R.randint(1, 140)
        t = R.random()
        if t < 0.4:
            s = "%s bor på %s %d" % (pick(NAMES), st, nr)
        elif t < 0.7:
            s = "Han bor på %s %d, lgh %d" % (st, nr, R.randint(1001, 1405))
        else:
            s = "%s %d%s, portkod %d" % (st, nr, pick(["", " B", "A"]), R.randint(1000, 9999))
        out.append((s, "address/street"))
    for _ in range(50):
        n = pick(NAMES + ["min granne Eva", "läraren Johan", "handläggaren Sara"])
        out.append(("%s %s" % (n, pick(DIAG)), "health/identifiable"))
    for _ in range(15):
        out.append((pick(["My neighbour John Smith has HIV", "Teacher Anna is pregnant",
                          "Erik at the office is on methadone", "her son Tom has schizophrenia",
                          "Mr Berg is an alcoholic"]), "health/identifiable"))
    return out


# --- questions ------------------------------------------------------------------
SV_SERVICES = ["biblioteket", "simhallen", "återvinningscentralen", "medborgarkontoret",
               "parkeringsautomaten", "kontaktcenter", "förskolan"]


def questions():
    out = []
    vf = ["Har ni öppet på {d}?", "Är {s} öppet på {d}?", "Gäller boendeparkeringen även på {d}?",
          "Räknas {d} som helgdag?", "Kan man boka tid på {s}?", "Finns det parkering vid {s}?",
          "Tar ni emot grovsopor på {d}"]
    days = ["lördag", "söndag", "julafton", "midsommarafton", "trettondagen", "helgen"]
    vf += ["Stämmer det att {s} stänger?", "Måste man boka innan man kommer till {s}?",
           "Behöver jag ta med legitimation till {s}?", "Går det att betala med kort på {s}?",
           "Får man ta med hund till {s}?", "Kommer {s} vara öppet på {d}?"]
    for _ in range(160):
        out.append((pick(vf).format(d=pick(days), s=pick(SV_SERVICES)), "question/verb-first"))
    nq = ["hur återställer man lösenordet till e-tjänsten", "vilka tider är {s} öppet",
          "var lämnar man farligt avfall", "när kommer beslutet", "vem ska man kontakta om {s}",
          "hur ansöker man om bygglov", "vart vänder man sig om snöröjning",
          "hur lång tid tar det att få svar från {s}", "vilka dagar har {s} öppet",
          "när är sista dag att söka plats på {s}", "hur gör man för att säga upp platsen på {s}"]
    for _ in range(90):
        out.append((pick(nq).format(s=pick(SV_SERVICES)), "question/no-qmark"))
    rem = ["fortfarande inget svar på mitt mejl från förra veckan", "väntar fortfarande på svar",
           "har frågat tre gånger nu utan svar", "still no reply to my message",
           "hallå? ingen som svarar?"]
    for _ in range(25):
        out.append((pick(rem), "question/reminder"))
    ind = ["jag undrar när {s} öppnar igen", "undrar vilka regler som gäller för {s}",
           "wondering when the pool reopens", "I wonder if the library is open on Sunday",
           "skulle vilja veta hur man anmäler sig"]
    for _ in range(35):
        out.append((pick(ind).format(s=pick(SV_SERVICES)), "question/indirect"))
    en = ["Does the library open on Sundays?", "Is the pool open today?", "Can I pay the fine online?",
          "How do I apply for a parking permit", "When does the recycling centre close?",
          "Where can I find the timetable?"]
    places = ["the library", "the pool", "the recycling centre", "city hall", "the service centre"]
    en += ["Is {p} open on {d}?", "Does {p} accept card payments?", "Can I bring my dog to {p}?",
           "what are the opening hours of {p}", "Do I need to book before visiting {p}?",
           "how do I get to {p} by bus"]
    for _ in range(70):
        out.append((pick(en).format(p=pick(places), d=pick(["Sunday", "Christmas Eve", "Easter Monday"])),
                    "question/en"))
    wh = ["Varför har ni stängt {s}?", "När öppnar {s}?", "Hur lång är kön till {s}?",
          "Vad kostar det att hyra lokal?"]
    for _ in range(30):
        out.append((pick(wh).format(s=pick(SV_SERVICES)), "question/wh"))
    return out


# --- ordinary and hard negatives ----------------------------------------------
def negatives():
    out = []
    quote = ["Någon skrev \"jag ska döda dig\" till min dotter, jag har polisanmält",
             "Fick meddelandet \"vi vet var du bor\" igår och har anmält det till polisen",
             "Enligt domen sa mannen att han skulle skjuta handläggaren, han dömdes för olaga hot",
             "Det är olagligt att skriva att man ska döda någon, tänk på det",
             "Someone wrote 'I will kill you' under the post, please remove it",
             "Jag vill anmäla en kommentar där någon hotar att spränga skolan",
             "Citat från tingsrätten: \"jag ska sticka ner dig\" räckte för olaga hot",
             "Rapporterar: en användare skriver att invandrare är råttor. Ta bort!"]
    for q in quote:
        out.append((q, "neg/quote-report"))
    news = ["Mannen som sköt mot polisen i Rinkeby är häktad", "Polisen utreder mordet i Hässelby",
            "Bombhotet mot skolan i Vällingby var falskt larm enligt polisen",
            "Police say the man who stabbed two people has been arrested",
            "Branden i Husby i natt utreds som mordbrand"]
    hist = ["Gustav III sköts på operan 1792", "Olof Palme mördades på Sveavägen 1986",
            "Stockholms blodbad 1520 då över åttio personer avrättades",
            "Anna Lindh knivhöggs på NK 2003, en mörk dag för Sverige"]
    for s in news:
        out.append((s, "neg/news"))
    for s in hist:
        out.append((s, "neg/history"))
    idioms = ["Vi fick döda tiden i kön i en timme", "Kan vi skjuta upp mötet till torsdag?",
              "Det här kommer spränga budgeten", "Föreläsningen var mördande tråkig",
              "I'm dying to know when the pool opens", "Ni är grymma, ni dödar det!",
              "Vi skjuter på beslutet en vecka", "Skolan slog rekord i läsning",
              "Priserna har exploderat", "That concert killed it", "Han är helt död i huvudet av trötthet",
              "Jag dör av skratt", "Vi slog ihjäl några timmar på biblioteket"]
    for s in idioms:
        out.append((s, "neg/idiom"))
    games = ["Hur dödar man bossen på nivå tre?", "Han sköt straffen i krysset",
             "Skjut bollen i mål!", "Kill the lights when you leave", "Beat the eggs and add sugar",
             "Slakta inte min favoritlag nu", "Vi brände ner kalorierna på spinningpasset",
             "Låt degen vila och skär den sedan i bitar"]
    for s in games:
        out.append((s, "neg/game-sport-cooking"))
    prof = ["Fan vad kallt det är idag", "Jävla väder, bussen kom inte", "Skit också, glömde kortet",
            "What the hell happened to the bike lane", "Helvete vad kön är lång"]
    for s in prof:
        out.append((s, "neg/profanity"))
    negn = ["Jag skulle aldrig hota någon, men jag är arg", "Ingen vill skada personalen, vi vill bara ha svar",
            "Jag hotar ingen, jag kräver bara ett svar"]
    for s in negn:
        out.append((s, "neg/negation"))
    homo = ["Det finns råttor i källaren på Bondegatan, kan ni skicka saneringen",
            "Kackerlackor i skolköket igen", "Apan på Skansen är söt", "Ohyra i lägenheten efter renoveringen",
            "Hunden har parasiter, var finns närmaste veterinär", "Det är pest med alla elsparkcyklar",
            "Svarta sopsäckar ska läggas i containern", "Djuren på 4H-gården mår bra"]
    for s in homo:
        out.append((s, "neg/homonym"))
    nonpd = ["Ärendet har diarienummer T2019-01088", "Org nr 212000-0142 står på fakturan",
             "Bokningsnummer 4455-2211-08", "Mötet är 2019-06-13 kl 13", "Vi var 1 200 personer på festivalen",
             "Kampanjkod 2024 1105 gäller till fredag", "Beslutet KS 2018/1303 finns på webben"]
    for s in nonpd:
        out.append((s, "neg/number-not-personal"))
    health = ["Vårdcentralen har influensavaccin nu", "Diabetes är vanligt hos äldre",
              "Kommunen erbjuder stöd vid missbruk", "Hur många i Stockholm har cancer varje år",
              "Det finns ramper för rullstol vid entrén"]
    for s in health:
        out.append((s, "neg/health-general"))
    streets = ["Sveavägen är avstängd vid Odenplan", "Cykelbanan på Ringvägen är ett skämt",
               "Snöröjningen på Götgatan har inte kommit"]
    for s in streets:
        out.append((s, "neg/street-no-address"))
    stmts = ["Tack för snabbt svar!", "Biblioteket har öppet till 20 idag.", "Bra jobbat med parken",
             "Fick svar direkt, toppen", "Skolan gör ett fantastiskt jobb", "Vi ses på invigningen",
             "Jag har redan fått svar, tack", "Trevligt med nya bänkar i Tantolunden"]
    for s in stmts:
        out.append((s, "neg/statement"))
    # hard negatives from parts: everyday violent words, pests, sport, news
    idiom_subj = ["Vi", "Nämnden", "Jag", "Förvaltningen", "Kollegorna", "We"]
    idiom_pred = ["dödade tiden med korsord i kön", "sköt upp mötet en vecka", "sprängde budgeten med nya bänkar",
                  "slog ihjäl en timme på biblioteket", "skjuter på beslutet till hösten",
                  "brände alla pengar på fyrverkeriet", "dör av skratt åt skylten vid Slussen",
                  "killed two hours at the museum", "are dying to see the new park"]
    sport = ["{t} sköt {n} mål mot {u}", "{t} slaktade {u} med {n}-0", "Vi dödade bossen i {g} till slut",
             "Straffen sköts rakt på målvakten", "{t} krossade {u} i går", "Jag dog tre gånger i {g} innan jag klarade banan",
             "{t} killed it against {u} last night"]
    teams = ["Hammarby", "Djurgården", "AIK", "Bajen", "Brommapojkarna"]
    games = ["Minecraft", "Zelda", "Fortnite", "Elden Ring"]
    cook = ["Hacka löken fint och fräs den", "Krossa vitlöken med kniven", "Vispa äggen hårt", "Skär köttet i tärningar",
            "Slå sönder chokladen i bitar", "Beat the eggs and fold in the flour", "Kill the heat after ten minutes"]
    pests = ["råttor", "möss", "kackerlackor", "vägglöss", "silverfiskar", "ohyra", "mördarsniglar"]
    pest_places = ["källaren", "tvättstugan", "skolköket", "förrådet", "soprummet", "parken"]
    news = ["Polisen utreder skottlossningen i {d}", "Mannen som knivhögg en väktare i {d} döms till fängelse",
            "En person skadad efter bråk vid tunnelbanan i {d}", "Branden i {d} i natt var anlagd enligt polisen",
            "Rättegången om mordet i {d} börjar i dag"]
    districts = ["Rinkeby", "Hässelby", "Farsta", "Skärholmen", "Vällingby", "Husby", "Bagarmossen"]
    profan = ["Fan vad {a} det är i dag", "Jävlar vad {a} det blev", "Skit också, {x}", "Helvete, {x}"]
    adjs = ["kallt", "fint", "blåsigt", "trångt", "varmt"]
    xs = ["bussen kom aldrig", "glömde SL-kortet", "regnet förstörde picknicken", "automaten är trasig"]
    for _ in range(60):
        pr = pick(idiom_pred)
        sj = "We" if pr.startswith(("killed", "are")) else pick(idiom_subj[:-1])
        out.append(("%s %s" % (sj, pr), "neg/idiom"))
    for _ in range(40):
        t, u = R.sample(teams, 2)
        out.append((pick(sport).format(t=t, u=u, n=R.randint(2, 6), g=pick(games)),
                    "neg/game-sport-cooking"))
    for c in cook:
        out.append((c, "neg/game-sport-cooking"))
    for _ in range(35):
        out.append(("Vi har problem med %s i %s igen." % (pick(pests), pick(pest_places)), "neg/homonym"))
    for _ in range(25):
        out.append((pick(news).format(d=pick(districts)), "neg/news"))
    for _ in range(25):
        out.append((pick(profan).format(a=pick(adjs), x=pick(xs)), "neg/profanity"))
    # ordinary comments from parts
    subj = ["Parken", "Lekplatsen", "Nya cykelbanan", "Simhallen", "Biblioteket", "Kulturhuset",
            "Sophämtningen", "Tunnelbanan", "Förskolan", "Fritidsgården", "Julbelysningen"]
    pred = ["är jättefin", "var stängd i helgen", "har blivit mycket bättre", "behöver ses över",
            "fungerar bra", "är smutsig igen", "blev så fin", "är full av folk", "var en besvikelse",
            "har för korta öppettider", "är värd ett besök"]
    extra = ["", "", ".", "!", " tycker jag.", " 👍", " ❤️", " enligt mig", ", tack till personalen",
             " men det kan bli bättre"]
    seen = set()
    while len(seen) < 520:
        s = "%s %s%s" % (pick(subj), pick(pred), pick(extra))
        if s not in seen:
            seen.add(s)
            out.append((s, "neg/ordinary"))
    en_subj = ["The park", "The new bike lane", "The library", "The playground", "City hall",
               "The swimming pool", "The snow clearing"]
    en_pred = ["looks great", "was closed on Sunday", "is much better now", "needs some work",
               "is always crowded", "was a nice surprise"]
    for _ in range(90):
        out.append(("%s %s%s" % (pick(en_subj), pick(en_pred), pick(["", ".", "!", " :)"])),
                    "neg/ordinary-en"))
    return out


def main():
    th = sv_threats() + en_threats()
    for s, f in th:
        add(s, "threat", f)
    hs = hate()
    for s, f in hs:
        add(s, "hate", f)
    for s, lab, f in obfuscated([(s, "threat") for s, _ in th] + [(s, "hate") for s, _ in hs]):
        add(s, lab, f)
    for s, f in personal():
        add(s, "personal_data question" if ", kan ni" in s else "personal_data", f)
    for s, f in questions():
        add(s, "question", f)
    # A hard negative for one category may still be a question (an idiom
    # asked as a question): label it so; it is then not an ordinary comment.
    # A quoted or reported threat may be flagged `possible` (issue 12), not
    # `obvious`: labelled ~threat / ~hate.
    asks = ("kan ni skicka saneringen", "har cancer varje år")
    hateful = ("råttor", "vermin")
    for s, f in negatives():
        lab = ["question"] if s.endswith("?") or s.endswith(asks) else []
        if f == "neg/quote-report":
            lab.append("~hate" if any(w in s for w in hateful) else "~threat")
        add(s, " ".join(lab), f)
    with open(os.path.join(HERE, "dev-hand.tsv"), encoding="utf-8") as f:
        # A line without a tab is a comment (a row always has two): it names
        # the block below it.  A leading "#" cannot mark comments, since
        # hashtag rows begin with one.
        for i, line in enumerate(f):
            if i and "\t" in line:
                rows.append(tuple(line.rstrip("\n").split("\t")))
    seen = set()
    sys.stdout.write("text\tlabels\tform\n")
    for text, lab, form in rows:
        if text in seen:
            continue
        seen.add(text)
        sys.stdout.write("%s\t%s\t%s\n" % (text, lab, form))


main()
