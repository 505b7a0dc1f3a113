"""Casualty figures: killed/injured counts with a lower bound and a qualifier.

English ("more than 125 people were injured", "killing two", "a protester was
killed") and Arabic ("مقتل 5 أشخاص", "إصابة ٣ آخرين", "قتل وجرح 20", "مقتل متظاهر") phrases.
Vocabulary lives in ``rules/casualties.yaml``; Arabic-Indic digits are read as
digits (the cleaner maps them one to one).
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

from iraq_atlas.geoparse import _rules

__all__ = ["casualty_mentions"]


@lru_cache(maxsize=1)
def _vocab() -> dict:
    v = _rules.load("casualties")
    alt = partial(_rules.alternation, ignorecase=True)  # every rule here is matched ignoring case
    words = dict(v["number_words"])
    num = r"(?:\d[\d,]*|" + alt([re.escape(w).replace(r"\ ", r"\s+") for w in list(words) + list(v["vague"])
                                 if w not in ("a", "an")]) + ")"
    qual = alt(v["qualifiers"]["at_least"] + v["qualifiers"]["approx"])
    kill, hurt, people, person = alt(v["killed"]), alt(v["injured"]), alt(v["people"]), alt(v["person"])
    ar = v["arabic"]
    ar_num = r"(?:\d[\d,]*|" + alt(list(ar["number_words"])) + ")"
    ar_kill, ar_hurt = alt(ar["killed"]), alt(ar["injured"])
    ar_qual = alt([re.escape(q).replace(r"\ ", r"\s+") for q in ar["at_least"]])
    K = "(?P<v>" + kill + "|" + hurt + ")"
    AK = "(?P<v>" + ar_kill + "|" + ar_hurt + ")"
    rules = [
        # "killed two", "wounding at least five"
        ("verb_then_count", r"\b" + K + r"\s+(?:(?P<q>" + qual + r")\s+)?(?P<n>" + num + r")\b"
                            r"(?!\s*(?:km|kilomet|miles|metres|meters|rockets|drones|days|hours|years|%|percent))"),
        # "more than 125 people were injured", "several members … light injuries"
        ("count_then_verb", r"\b(?:(?P<q>" + qual + r")\s+)?(?P<n>" + num + r")\s+(?:of\s+)?(?:[\w'-]+\s+){0,3}?"
                            + people + r"\b[^.;]{0,60}?\b" + K + r"\b"),
        # "… and 12 were wounded"
        ("count_were_verb", r"\b(?:(?P<q>" + qual + r")\s+)?(?P<n>" + num + r")\s+(?:others\s+|more\s+)?(?:were|have\s+been|had\s+been)"
                            r"\s+(?:also\s+)?(?:seriously\s+|critically\s+|lightly\s+|badly\s+)?" + K + r"\b"),
        # "… were killed and 20 injured", "… and dozens wounded": the second figure of a pair
        ("and_count_verb", r"\band\s+(?:(?P<q>" + qual + r")\s+)?(?!(?:19|20)\d\d\b)(?P<n>" + num + r")\s+(?:others\s+|more\s+|people\s+)?"
                           r"(?:were\s+|have\s+been\s+)?(?:also\s+)?(?:seriously\s+|critically\s+|lightly\s+)?" + K + r"\b"),
        # "the killing of numerous boys", "deaths of two"
        ("noun_of_count", r"\b(?P<v>killing|slaying|deaths?|murder)\s+of\s+(?:(?P<q>" + qual + r")\s+)?(?P<n>" + num + r")\b"),
        # "a man killed by", "a protester was shot dead"
        ("one_person", r"\b(?:a|one)\s+(?:young\s+)?" + person + r"\s+(?:who\s+)?(?:was\s+|had\s+been\s+)?"
                       r"(?:shot\s+)?" + K + r"\b"),
        # "killing a civilian contractor", "killed a US contractor"
        ("verb_one_person", r"\b" + K + r"\s+(?:a|an|one)\s+(?:[\w.-]+\s+){0,2}?" + person + r"\b"),
        # "seven guards" as a bare count of people
        ("people_count", r"\b(?:(?P<q>" + qual + r")\s+)?(?<![\d,])(?P<n>one|two|three|four|five|six|seven|eight|nine|ten|\d{1,4})\s+"
                         r"(?:[\w-]+\s+)?(?:guards|bodyguards|soldiers|protesters|civilians|contractors|"
                         r"service\s*members|Americans|policemen|fighters)\b"),
        # Arabic: "مقتل 5 أشخاص", "إصابة ما لا يقل عن 12", "قتل وجرح 20 شخصا"
        ("ar_verb_then_count", r"(?<!\w)[وبل]?" + AK + r"(?:\s+و[\u0621-\u064a]+)?\s+(?:(?P<q>" + ar_qual
                               + r")\s+)?(?P<n>" + ar_num + r")(?!\w)"),
        # "5 قتلى", "عشرة جرحى"
        ("ar_count_then_noun", r"(?<!\w)(?P<n>" + ar_num + r")\s+(?:[\u0621-\u064a]+\s+){0,2}?" + AK + r"(?!\w)"),
        # "مقتل متظاهر", "إصابة شرطي", "قتل جنديا": one person, no figure
        ("ar_one_person", r"(?<!\w)[وبل]?" + AK + r"\s+(?:ال)?" + alt(ar["person"]) + r"(?:اً|ًا|ا)?(?!\w)"),
    ]
    names = [r for r, _ in rules]
    combined = _rules.RuleSet([(r, p, re.IGNORECASE) for r, p in rules])
    return dict(names=names, combined=combined, trigger=_rules.trigger(v["triggers"]), words=words, vague=v["vague"], at_least=v["qualifiers"]["at_least"],
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

    Parameters
    ----------
    text : str
        A clean text (English or Arabic).

    Returns
    -------
    list of dict
        One per figure: ``kind``, ``start``, ``end``, ``value``, ``qualifier``,
        ``casualty``, ``confidence`` and ``rule``.

    Examples
    --------
    >>> [(m["value"], m["qualifier"]) for m in casualty_mentions("At least 12 people were killed.")]
    [(12, 'at_least')]
    >>> [(m["value"], m["casualty"]) for m in casualty_mentions("One protester was killed.")]
    [(1, 'killed')]
    >>> [(m["value"], m["casualty"]) for m in casualty_mentions("Three people were killed and 20 injured.")]
    [(3, 'killed'), (20, 'injured')]
    >>> [(m["value"], m["casualty"]) for m in casualty_mentions("أسفر الهجوم عن مقتل 5 أشخاص")]
    [(5, 'killed')]
    """
    out: list[dict] = []
    v = _vocab()
    for i, m in _rules.windowed(v["combined"], v["trigger"], text, back=200, fwd=80):
        g = m.groupdict()
        rule = v["names"][i]
        qual, num, verb = g.get("q"), g.get("n") or "one", g.get("v") or ""
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
    return out
