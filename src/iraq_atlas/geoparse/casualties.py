"""Casualty figures: killed/injured counts with a lower bound and a qualifier.

English ("more than 125 people were injured", "killing two", "a protester was
killed") and Arabic ("مقتل 5 أشخاص", "إصابة ٣ آخرين", "قتل وجرح 20") phrases.
Vocabulary lives in ``rules/casualties.yaml``; Arabic-Indic digits are read as
digits (the cleaner maps them one to one).
"""

from __future__ import annotations

import re
from functools import lru_cache

from iraq_atlas.geoparse import _rules
from iraq_atlas.geoparse.places import Spans

__all__ = ["casualty_mentions"]


@lru_cache(maxsize=1)
def _vocab() -> dict:
    v = _rules.load("casualties")
    alt = _rules.alternation
    words = dict(v["number_words"])
    num = r"(?:\d[\d,]*|" + alt([re.escape(w).replace(r"\ ", r"\s+") for w in list(words) + list(v["vague"])
                                 if w not in ("a", "an")]) + ")"
    qual = alt(v["qualifiers"]["at_least"] + v["qualifiers"]["approx"])
    kill, hurt, people, person = alt(v["killed"]), alt(v["injured"]), alt(v["people"]), alt(v["person"])
    ar = v["arabic"]
    ar_num = r"(?:\d[\d,]*|" + alt(list(ar["number_words"])) + ")"
    ar_kill, ar_hurt = alt(ar["killed"]), alt(ar["injured"])
    ar_qual = alt([re.escape(q).replace(r"\ ", r"\s+") for q in ar["at_least"]])
    rules = [
        ("verb_then_count", re.compile(r"\b(" + kill + "|" + hurt + r")\s+(" + qual + r"\s+)?(" + num + r")\b"
                                       r"(?!\s*(?:km|kilomet|miles|metres|meters|rockets|drones|days|hours|years|%|percent))",
                                       re.IGNORECASE)),
        ("count_then_verb", re.compile(r"\b(" + qual + r"\s+)?(" + num + r")\s+(?:of\s+)?(?:[\w'-]+\s+){0,3}?"
                                       + people + r"\b[^.;]{0,60}?\b(" + kill + "|" + hurt + r")\b", re.IGNORECASE)),
        ("noun_of_count", re.compile(r"\b(killing|slaying|deaths?|murder)\s+of\s+(" + qual + r"\s+)?(" + num + r")\b",
                                     re.IGNORECASE)),
        ("one_person", re.compile(r"\b(?:a|one)\s+(?:young\s+)?" + person + r"\s+(?:who\s+)?(?:was\s+|had\s+been\s+)?"
                                  r"(?:shot\s+)?(" + kill + "|" + hurt + r")\b", re.IGNORECASE)),
        ("verb_one_person", re.compile(r"\b(" + kill + "|" + hurt + r")\s+(?:a|an|one)\s+(?:[\w.-]+\s+){0,2}?"
                                       + person + r"\b", re.IGNORECASE)),
        ("people_count", re.compile(r"\b(" + qual + r"\s+)?(?<![\d,])(one|two|three|four|five|six|seven|eight|nine|ten|\d{1,4})\s+"
                                    r"(?:[\w-]+\s+)?(?:guards|bodyguards|soldiers|protesters|civilians|contractors|"
                                    r"service\s*members|Americans|policemen|fighters)\b", re.IGNORECASE)),
        # Arabic: "مقتل 5 أشخاص", "إصابة ما لا يقل عن 12", "قتل وجرح 20 شخصا"
        ("ar_verb_then_count", re.compile(r"(?<!\w)[وبل]?(" + ar_kill + "|" + ar_hurt + r")(?:\s+و[\u0621-\u064a]+)?\s+("
                                          + ar_qual + r"\s+)?(" + ar_num + r")(?!\w)")),
        # "5 قتلى", "عشرة جرحى", "20 شخصا بين قتيل وجريح"
        ("ar_count_then_noun", re.compile(r"(?<!\w)(" + ar_num + r")\s+(?:[\u0621-\u064a]+\s+){0,2}?("
                                          + ar_kill + "|" + ar_hurt + r")(?!\w)")),
    ]
    return dict(rules=rules, words=words, vague=v["vague"], at_least=v["qualifiers"]["at_least"],
                kill=kill, hurt=hurt, ar_kill=ar_kill, ar_hurt=ar_hurt, ar_words=ar["number_words"])


def _number(token: str) -> tuple[int | None, str]:
    """(lower bound, qualifier) of a count word or figure."""
    v = _vocab()
    t = re.sub(r"\s+", " ", token.lower().strip())
    if re.fullmatch(r"\d[\d,]*", t):
        return int(t.replace(",", "")), "exact"
    if t in v["vague"]:
        low, q = v["vague"][t]
        return int(low), str(q)
    if t in v["words"]:
        return int(v["words"][t]), "approx" if "dozen" in t else "exact"
    if token.strip() in v["ar_words"]:
        return int(v["ar_words"][token.strip()]), "exact"
    return None, "exact"


def _qualifier(q: str | None, base: str) -> str:
    if not q:
        return base
    q = re.sub(r"\s+", " ", q.lower().strip())
    at_least = {re.sub(r"\\s\+", " ", w) for w in _vocab()["at_least"]}
    if q in at_least or re.search(r"[\u0600-\u06ff]", q):
        return "at_least" if base != "several" else "several"
    return "approx" if base == "exact" else base


def _what(verb: str) -> str:
    v = _vocab()
    if re.fullmatch(v["kill"], verb, re.IGNORECASE) or re.fullmatch(v["ar_kill"], verb):
        return "killed"
    if re.fullmatch(v["hurt"], verb, re.IGNORECASE) or re.fullmatch(v["ar_hurt"], verb):
        return "injured"
    return "count"


def casualty_mentions(text: str) -> list[dict]:
    """Casualty mentions of a clean text: ``value`` (lower bound), ``qualifier``, ``casualty``.

    ``casualty`` is "killed", "injured" or "count" (people counted with no verb
    nearby); ``qualifier`` is exact, at_least, approx or several.

    Examples
    --------
    >>> [(m["value"], m["casualty"]) for m in casualty_mentions("One protester was killed.")]
    [(1, 'killed')]
    >>> [(m["value"], m["casualty"]) for m in casualty_mentions("أسفر الهجوم عن مقتل 5 أشخاص")]
    [(5, 'killed')]
    """
    out: list[dict] = []
    taken = Spans()
    v = _vocab()
    for rule, pattern in v["rules"]:
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            g = m.groups()
            if rule == "count_then_verb":
                qual, num, verb = g
            elif rule in ("verb_then_count", "noun_of_count", "ar_verb_then_count"):
                verb, qual, num = g
            elif rule in ("one_person", "verb_one_person"):
                qual, num, verb = None, "one", g[0]
            elif rule == "ar_count_then_noun":
                qual, num, verb = None, g[0], g[1]
            else:
                qual, num, verb = g[0], g[1], ""
            value, base = _number(num)
            if value is None:
                continue
            if rule == "people_count":
                a = text.rfind(".", max(0, m.start() - 300), m.start()) + 1
                b = text.find(".", m.end(), m.end() + 300)
                sent = text[max(a, m.start() - 300):b if b >= 0 else m.end() + 300]
                vm = re.search(r"\b(" + v["kill"] + "|" + v["hurt"] + r")\b", sent, re.IGNORECASE)
                verb = vm.group(1) if vm else ""
            what = _what(verb)
            out.append(dict(kind="casualty", start=m.start(), end=m.end(), value=value,
                            qualifier=_qualifier(qual, base), casualty=what,
                            confidence=0.8 if what != "count" else 0.5, rule=f"casualty:{rule}"))
            taken.add(m.start(), m.end())
    return out
