"""Geoparsing of news text: places, dates, casualty figures and draft incidents.

An article goes in; a table of *mentions* comes out, each with a character
span into the ORIGINAL text (so a reviewer can highlight it), what it resolves
to and the rule that fired:

- ``place``     gazetteer names, aliases and Arabic names (longest phrase wins)
                and contextual phrases ("the home of Prime Minister …" → PM residence);
- ``candidate`` capitalised names after "in", "near", "at" … that the gazetteer
                does not know, or names that fit two places: listed, never dropped;
- ``date``      absolute and relative dates resolved against the publication date
                (a calendar date in Asia/Baghdad) into a range with a precision;
- ``casualty``  killed/injured counts with a lower bound and a qualifier;
- ``event``     phrases such as "drone attack", "clashes", "funeral march".

:func:`draft_incidents` links each event phrase to the nearest place and date
in its sentence (else its paragraph) and writes rows in the incident schema
marked ``draft``; :func:`accept_drafts` turns the reviewed ones into rows for
the incident data.

Scraped text is cleaned first (boilerplate such as "Story continues below ad",
glued sentences, curly quotes) through an offset map, so cleaning never moves
a span. Nothing here touches the network.
"""

from __future__ import annotations

import calendar
import html
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from iraq_atlas.errors import DataError, Problem
from iraq_atlas.places.gazetteer import expand_aliases, gazetteer
from iraq_atlas.places.names import is_arabic, normalise

TZ = ZoneInfo("Asia/Baghdad")
KINDS = ("place", "candidate", "date", "casualty", "event")
MENTION_COLUMNS = ["source", "kind", "text", "start", "end", "place_id", "confidence", "rule",
                   "date_start", "date_end", "precision", "value", "qualifier", "casualty",
                   "event_type", "sub_event_type", "sentence", "paragraph"]
CLI_COLUMNS = ["file", "kind", "text", "start", "end", "place_id", "lat", "lon",
               "date_start", "date_end", "confidence"]
INCIDENT_COLUMNS = ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
                    "actor1", "assoc_actor_1", "actor2", "admin1", "admin2", "location", "latitude",
                    "longitude", "geo_precision", "source", "notes", "fatalities", "fatalities_low",
                    "fatalities_high", "injuries", "injuries_low", "injuries_high", "target",
                    "place_id", "time_local", "source_url"]
DRAFT_COLUMNS = INCIDENT_COLUMNS + ["status", "evidence", "evidence_start", "evidence_end",
                                    "date_start", "date_end", "confidence"]


# --------------------------------------------------------------------------- cleaning
@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus ``offsets``: ``offsets[i]`` is the original index of clean char ``i``.

    ``offsets`` has one extra sentinel entry (the original length).
    """

    text: str
    offsets: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original (start, end) of the clean span [start, end)."""
        if end <= start:
            o = self.offsets[start]
            return o, o
        return self.offsets[start], self.offsets[end - 1] + 1


_BOILER_INLINE = re.compile(
    r"Story continues (?:below|listed below|under|beneath)(?: (?:the )?(?:ad(?:vertisement)?))?"
    r"|\bRead More\b(?![ \t]*:)|\bSkip Advertisement\b|(?<=[.!?\"”])Advertisement(?=[A-Z\s])",
    re.IGNORECASE)
_BOILER_LINE = re.compile(
    r"^[ \t]*(?:Advertisement|ADVERTISEMENT|Skip Advertisement|Story continues.*|Read more\b.*|"
    r"Related(?: stories| articles)?:.*|Also read:.*|See also:.*|Share(?: this| on| via)?\b.{0,40}|"
    r"Tweet|Email|Facebook|Twitter|WhatsApp|Telegram|LinkedIn|Copy link|Print|"
    r"Subscribe\b.*|Sign up\b.*|Click here\b.*|Follow us\b.*|Image caption:?.*|Photo:.*)[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'", "´": "'", "“": '"', "”": '"',
                         "„": '"', "«": '"', "»": '"', "\u00a0": " ", "\u200b": " "})
# a sentence glued to the next one: "damage.The drone" → "damage. The drone"
_GLUED = re.compile(r"(?<=[a-z\d)\"'][.!?])(?=[A-Z\"])|(?<=[a-z\d)][.!?][\"'])(?=[A-Za-z])"
                    r"|(?<=[a-z],)(?=[A-Za-z])")
_GLUED_YEAR = re.compile(r"(?:(?<=\bin)|(?<=\bsince)|(?<=\bby)|(?<=\bof)|(?<=\buntil))(?=(?:19|20)\d\d\b)")
_CAMEL_GLUE = re.compile(r"(?<=[a-z]{3})(?=(?:The|A|An|In|On|At|After|Before|Iraqi|Iran)\s)")


def _sub(text: str, offsets: list[int], pattern: re.Pattern, repl: str) -> tuple[str, list[int]]:
    """Regex substitution that keeps the offset map: replacement chars map to the match start."""
    out: list[str] = []
    omap: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        omap.extend(offsets[pos:m.start()])
        out.append(repl)
        omap.extend([offsets[m.start()]] * len(repl))
        pos = m.end()
    out.append(text[pos:])
    omap.extend(offsets[pos:len(text)])
    omap.append(offsets[len(text)])
    return "".join(out), omap


def clean_text(text: str) -> CleanText:
    """Strip boilerplate, fix glued sentences and odd quote marks, keeping an offset map."""
    text = text or ""
    s = text.translate(_QUOTES)  # one char for one char: offsets unchanged
    offsets = list(range(len(s) + 1))
    s, offsets = _sub(s, offsets, _BOILER_LINE, "")
    s, offsets = _sub(s, offsets, _BOILER_INLINE, " ")
    s, offsets = _sub(s, offsets, _GLUED_YEAR, " ")
    s, offsets = _sub(s, offsets, _GLUED, " ")
    s, offsets = _sub(s, offsets, _CAMEL_GLUE, ". ")
    return CleanText(s, offsets)


# --------------------------------------------------------------------------- sentences
_ABBREV = re.compile(r"(?:\b(?:[A-Z]|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|"
                     r"Gen|Lt|Col|Maj|Sgt|Capt|St|No|vs|etc|Gov|Rep|Sen|approx)\.)$")


def sentence_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph number) of each sentence in ``text``."""
    spans: list[tuple[int, int, int]] = []
    para = 0
    for pm in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        start = pm.start()
        chunk = pm.group()
        for m in re.finditer(r"[.!?][\"']?(?=\s+[\"'(]?[A-Z0-9\u0600-\u06ff])|[\u061f.!?]$|\n", chunk):
            end = pm.start() + m.end()
            if _ABBREV.search(text[max(start, end - 6):end].rstrip("\"'")):
                continue
            if text[start:end].strip():
                spans.append((start, end, para))
            start = end
        if text[start:pm.end()].strip():
            spans.append((start, pm.end(), para))
        para += 1
    return spans


# --------------------------------------------------------------------------- places
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_BREAK = re.compile(r"[,;:()\[\]\"!?\n]|[.](?=\s)|\s[-–—]\s")
# single-word aliases that are mostly something else in news text
_AMBIGUOUS_KEYS = {"sadr", "parliament", "asad", "thawra", "tamim", "babel", "sadr city sadr"}
_ARABIC_PREFIXES = ("وب", "وال", "بال", "لل", "فال", "و", "ب", "ل", "ف")


@dataclass(frozen=True)
class _Token:
    key: str
    start: int
    end: int
    raw: str
    joined: bool  # True when nothing but spaces/hyphens/apostrophes separate it from the previous token


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        raw = m.group()
        gap = text[prev_end:m.start()]
        if raw in ("s", "S") and gap in ("'", "’"):  # possessive: Baghdad's
            prev_end = m.end()
            continue
        joined = bool(out) and not _BREAK.search(gap) and len(gap) <= 3
        if not joined and gap.strip() == "." and out and len(out[-1].raw) == 1:
            joined = True  # U.S. Embassy
        if gap.endswith(". ") and out and len(out[-1].raw) == 1:
            joined = True
        out.append(_Token(normalise(raw), m.start(), m.end(), raw, joined))
        prev_end = m.end()
    return out


def _phrase_key(spelling: str) -> tuple[str, ...]:
    return tuple(t.key for t in _tokens(spelling) if t.key)


@dataclass
class _PlaceIndex:
    phrases: dict[tuple[str, ...], dict[str, tuple[str, str]]]  # key → {place_id: (how, spelling)}
    max_len: int
    places: pd.DataFrame


@lru_cache(maxsize=4)
def _place_index(_token: int = 0) -> _PlaceIndex:
    places = pd.DataFrame(gazetteer().drop(columns="geometry"))
    spell = expand_aliases(places)
    phrases: dict[tuple[str, ...], dict[str, tuple[str, str]]] = {}
    rank = {"name": 0, "name_ar": 0, "alias": 1}
    for pid, spelling, how in zip(spell.place_id, spell.spelling, spell.how):
        key = _phrase_key(spelling)
        if not key or " ".join(key) in _AMBIGUOUS_KEYS:
            continue
        slot = phrases.setdefault(key, {})
        if pid not in slot or rank[how] < rank[slot[pid][0]]:
            slot[pid] = (how, spelling)
    return _PlaceIndex(phrases, max(len(k) for k in phrases), places.set_index("place_id"))


def _prefer(pids: list[str], places: pd.DataFrame) -> list[str]:
    """A city and the governorate named after it: the city wins (news usage)."""
    if len(pids) < 2:
        return pids
    kinds = places.loc[pids, "kind"]
    non_gov = [p for p in pids if kinds[p] != "governorate"]
    govs = [p for p in pids if kinds[p] == "governorate"]
    if len(non_gov) == 1 and all(places.loc[g, "governorate_iso"] == places.loc[non_gov[0], "governorate_iso"]
                                 for g in govs):
        return non_gov
    return pids


def _arabic_variants(key: str) -> list[str]:
    out = [key]
    for p in _ARABIC_PREFIXES:
        if key.startswith(p) and len(key) - len(p) >= 3:
            out.append(normalise(key[len(p):]))
    return out


def _gazetteer_places(text: str) -> list[dict]:
    """Longest-match phrase lookup of gazetteer names/aliases over the token stream."""
    idx = _place_index()
    toks = [t for t in _tokens(text) if t.key]
    out: list[dict] = []
    i = 0
    while i < len(toks):
        hit = None
        for n in range(min(idx.max_len, len(toks) - i), 0, -1):
            window = toks[i:i + n]
            if any(not t.joined for t in window[1:]):
                continue
            keys = [t.key for t in window]
            options = [tuple(keys)]
            if n == 1 and is_arabic(window[0].raw):
                options = [(k,) for k in _arabic_variants(keys[0])]
            for key in options:
                slot = idx.phrases.get(key)
                if not slot:
                    continue
                first = window[0].raw
                if not is_arabic(first) and not first[0].isupper() and not first[0].isdigit():
                    continue  # proper nouns only
                acronym = [s for _, s in slot.values() if s.isupper() and len(s) <= 5]
                if acronym and not all(t.raw.isupper() for t in window):
                    continue
                hit = (n, slot)
                break
            if hit:
                break
        if not hit:
            i += 1
            continue
        n, slot = hit
        window = toks[i:i + n]
        pids = _prefer(sorted(slot), idx.places)
        start, end = window[0].start, window[-1].end
        if len(pids) == 1:
            how = slot[pids[0]][0]
            out.append(dict(kind="place", start=start, end=end, place_id=pids[0],
                            confidence=1.0 if how in ("name", "name_ar") else 0.95,
                            rule=f"gazetteer:{how}"))
        else:
            out.append(dict(kind="candidate", start=start, end=end, place_id="", confidence=0.3,
                            rule="ambiguous:" + "|".join(pids)))
        i += n
    return out


_PM = r"(?:Iraq(?:i|'s)\s+)?(?:Prime\s+Minister|Premier|PM)"
_PERSON = r"(?-i:(?:\s+(?:Mustafa\s+al-Kadhimi|Mustafa\s+Kadhimi|al-Kadhimi|Kadhimi|[A-Z][a-z]+\s+al-[A-Z][a-z]+|[A-Z][a-z]+)))?"
_CONTEXT_RULES: list[tuple[str, re.Pattern, str, float]] = [
    ("pm_residence", re.compile(r"\b(?:home|house|residence|villa)\s+of\s+(?:the\s+)?" + _PM + _PERSON,
                                re.IGNORECASE), "context:home_of_pm", 0.9),
    ("pm_residence", re.compile(r"\b(?:the\s+)?(?:Iraqi\s+)?(?:prime\s+minister|premier|PM|"
                                r"(?:al-)?Kadhimi)'s\s+(?:official\s+)?(?:home|house|residence)\b",
                                re.IGNORECASE), "context:pm_possessive", 0.9),
    ("pm_residence", re.compile(r"\bhis\s+(?:official\s+)?(?:residence|home|house)\b", re.IGNORECASE),
     "context:his_residence", 0.6),
    ("green_zone", re.compile(r"\bBaghdad's\s+(?:heavily\s+fortified\s+|fortified\s+)?Green\s+Zone\b"),
     "context:baghdads_green_zone", 1.0),
    ("green_zone", re.compile(r"\b(?:Western|foreign)\s+embassies\b", re.IGNORECASE),
     "context:western_embassies", 0.6),
    ("green_zone", re.compile(r"\b(?:the\s+)?(?:heavily\s+)?fortified\s+(?:government\s+)?(?:district|zone|enclave)\b"
                              r"|\bthe\s+government\s+(?:district|zone|quarter|enclave)\b", re.IGNORECASE),
     "context:fortified_district", 0.6),
    ("us_embassy_baghdad", re.compile(r"\b(?:the\s+)?(?:U\.S\.|US|American|United\s+States)\s+"
                                      r"[Ee]mbassy\b"), "context:us_embassy", 0.9),
]


def _context_places(text: str) -> list[dict]:
    out = []
    for pid, pattern, rule, conf in _CONTEXT_RULES:
        for m in pattern.finditer(text):
            out.append(dict(kind="place", start=m.start(), end=m.end(), place_id=pid,
                            confidence=conf, rule=rule))
    return out


_CANDIDATE = re.compile(r"\b(?:in|near|at|on|outside|inside|around|from|towards?)\s+(?:the\s+)?"
                        r"((?:al-|Al-|el-)?[A-Z][\w'-]*(?:[ \t]+(?:al-|of[ \t]+|Al-)?[A-Z][\w'-]*)*)")
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NOT_PLACES = set(_MONTHS) | set(_WEEKDAYS) | {
    "iraq", "iraqi", "iran", "iranian", "america", "american", "u", "us", "the", "a", "an", "this", "that",
    "his", "her", "their", "its", "twitter", "facebook", "telegram", "first", "last", "least", "most",
    "story", "read", "reuters", "ap", "afp", "syria", "kurdistan", "kurdish", "one", "two", "some",
    "which", "what", "dawn", "noon", "night", "midnight", "christmas", "ramadan", "eid", "oct", "nov", "dec",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "islamic", "shiite", "sunni", "pm",
    "parliament", "prime", "minister", "president", "washington", "tehran", "time", "times", "press",
    "arabic", "english", "kurdish", "persian", "god", "power", "office", "charge"}


@lru_cache(maxsize=1)
def _geocoder():
    from iraq_atlas.places.geocoding import Geocoder

    return Geocoder()


def _resolve_candidates(cands: list[dict], text: str) -> list[dict]:
    """Give candidates the offline geocoder's fuzzy/exact answer when it has one (misspellings)."""
    if not cands:
        return cands
    res = _geocoder().geocode_names([text[c["start"]:c["end"]] for c in cands])
    out = []
    for c, status, pid, conf, alts in zip(cands, res.status, res.place_id, res.confidence, res.candidates):
        if status in ("matched", "fuzzy") and isinstance(pid, str):
            c = {**c, "kind": "place", "place_id": pid, "confidence": round(float(conf) * 0.9, 3),
                 "rule": f"geocoder:{status}"}
        elif status == "ambiguous":
            c = {**c, "rule": f"ambiguous:{alts}"}
        out.append(c)
    return out


def _candidate_places(text: str, taken: list[tuple[int, int]]) -> list[dict]:
    out = []
    for m in _CANDIDATE.finditer(text):
        start, end = m.start(1), m.end(1)
        name = m.group(1).rstrip("'")
        lead = re.match(r"[A-Z][a-z]+'s\s+(?=[A-Z])", name)  # "Iraq's Camp Taji" → "Camp Taji"
        if lead:
            start += lead.end()
            name = name[lead.end():]
        if name.endswith("'s"):
            name = name[:-2]
        end = start + len(name)
        first = normalise(name.split()[0]) or name.split()[0].lower()
        if first in _NOT_PLACES or normalise(name) in _NOT_PLACES or re.fullmatch(r"[A-Z]", name):
            continue
        if any(s < end and start < e for s, e in taken):
            continue
        out.append(dict(kind="candidate", start=start, end=end, place_id="", confidence=0.2,
                        rule="candidate:after_preposition"))
    return out


# --------------------------------------------------------------------------- dates
_MON = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|"
        r"Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
_DAYN = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_DATE_RULES: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(" + _YEAR + r")-(0[1-9]|1[0-2])-([0-2]\d|3[01])\b")),
    ("day_month_year", re.compile(r"\b" + _DAYN + r"\s+" + _MON + r",?\s+" + _YEAR + r"\b")),
    ("month_day_year", re.compile(r"\b" + _MON + r"\s+" + _DAYN + r",?\s+" + _YEAR + r"\b")),
    ("month_day", re.compile(r"\b" + _MON + r"\s+" + _DAYN + r"\b(?![\d,])")),
    ("day_month", re.compile(r"\b" + _DAYN + r"\s+" + _MON + r"\b")),
    ("month_rel_year", re.compile(r"\b" + _MON + r"\s+(?:of\s+)?(last|this|next|the\s+previous|the\s+same)\s+year\b")),
    ("month_year", re.compile(r"\b" + _MON + r",?\s+(?:of\s+)?(?:in\s+)?" + _YEAR + r"\b")),
    ("weekday", re.compile(r"\b(?:(?:early|late|on|last|this|past)\s+)?" + _WD
                           + r"(?:\s+(?:morning|night|evening|afternoon))?\b")),
    ("relative_day", re.compile(r"\b(?:today|tonight|yesterday|this\s+morning|last\s+night|"
                                r"earlier\s+today|the\s+day\s+before|the\s+next\s+day|a\s+day\s+(?:later|earlier)|"
                                r"(?:a\s+few\s+|several\s+|two\s+|three\s+)?hours\s+(?:after|before|later|earlier)|within\s+hours|"
                                r"later\s+that\s+day|(?:on\s+)?the\s+same\s+day|that\s+day)\b",
                                re.IGNORECASE)),
    ("days_ago", re.compile(r"\b(two|three|four|five|six|a\s+few|several|\d)\s+days\s+(?:ago|earlier|before)\b",
                            re.IGNORECASE)),
    ("weekend", re.compile(r"\b(?:(?:over|during)\s+)?(?:the|this|last)\s+weekend\b", re.IGNORECASE)),
    ("relative_week", re.compile(r"\b(last|this|next|earlier\s+this)\s+week\b", re.IGNORECASE)),
    ("relative_month", re.compile(r"\b(last|this|next|earlier\s+this|later\s+this)\s+month\b", re.IGNORECASE)),
    ("relative_year", re.compile(r"\b(last|this|next|earlier\s+this)\s+year\b", re.IGNORECASE)),
    ("season", re.compile(r"\b(last|this|next|earlier\s+this)\s+(spring|summer|autumn|fall|winter)\b",
                          re.IGNORECASE)),
    ("month", re.compile(r"(?:(?<=\bin\s)|(?<=\bsince\s)|(?<=\bearly\s)|(?<=\blate\s)|(?<=\bmid-)|(?<=\bby\s)"
                         r"|(?<=\buntil\s)|(?<=\bduring\s)|(?<=\bsince\s))"
                         r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
                         r"\b(?!\s+\d)")),
    ("year", re.compile(r"(?<![\d,.$£€-])\b" + _YEAR + r"\b(?![\d,]|\s*(?:people|rockets|troops|soldiers|members))")),
]
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
              "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
              "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12, "a dozen": 12, "two dozen": 24,
              "a few": 2, "several": 2, "few": 2}


def as_published(published: date | datetime | str) -> date:
    """The publication date as a calendar date in Asia/Baghdad (aware datetimes are converted)."""
    if isinstance(published, str):
        try:
            published = datetime.fromisoformat(published.strip())
        except ValueError as exc:
            raise ValueError(f"published: not a YYYY-MM-DD date: {published!r}") from exc
    if isinstance(published, datetime):
        if published.tzinfo is not None:
            published = published.astimezone(TZ)
        return published.date()
    if isinstance(published, date):
        return published
    raise TypeError(f"published: expected a date, got {type(published).__name__}")


def _month_range(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def _month_num(token: str) -> int:
    t = token.lower().rstrip(".")[:3]
    return [m[:3] for m in _MONTHS].index(t) + 1


def _dateparse(s: str, pub: date) -> date | None:
    import dateparser

    s = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    s = re.sub(r"\bSept\b", "Sep", s)
    base = datetime(pub.year, pub.month, pub.day, 12, 0)
    try:
        d = dateparser.parse(s, languages=["en"], settings={
            "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "PREFER_DAY_OF_MONTH": "first",
            "TIMEZONE": "Asia/Baghdad", "RETURN_AS_TIMEZONE_AWARE": False})
    except Exception:  # dateparser raises assorted errors on garbage; treat as unparsed
        return None
    return d.date() if d else None


def _resolve_date(rule: str, m: re.Match, pub: date, ref: date) -> tuple[date, date, str] | None:
    s = m.group(0)
    low = s.lower()
    if rule == "iso":
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return d, d, "day"
    if rule in ("day_month_year", "month_day_year", "month_day", "day_month"):
        d = _dateparse(s, pub)
        if d is None:
            return None
        if rule in ("month_day", "day_month") and d > pub + timedelta(days=1):
            d = d.replace(year=d.year - 1)
        return d, d, "day"
    if rule == "month_year":
        mon = _month_num(s.split()[0])
        y = int(re.search(_YEAR, s).group())
        return (*_month_range(y, mon), "month")
    if rule == "month_rel_year":
        mon = _month_num(s.split()[0])
        rel = m.group(1).lower()
        y = pub.year + {"last": -1, "the previous": -1, "next": 1}.get(re.sub(r"\s+", " ", rel), 0)
        return (*_month_range(y, mon), "month")
    if rule == "month":
        mon = _month_num(s)
        y = pub.year if mon <= pub.month else pub.year - 1
        return (*_month_range(y, mon), "month")
    if rule == "weekday":
        wd = next(i for i, w in enumerate(_WEEKDAYS) if w in low)
        back = (pub.weekday() - wd) % 7
        if low.startswith("last") and back == 0:
            back = 7
        d = pub - timedelta(days=back)
        return d, d, "day"
    if rule == "relative_day":
        if "yesterday" in low or "last night" in low or "day before" in low or "day earlier" in low:
            d = (ref if "day" in low and "yesterday" not in low else pub) - timedelta(days=1)
            return d, d, "day"
        if "next day" in low or "day later" in low:
            d = ref + timedelta(days=1)
            return d, d, "day"
        if "hours" in low:  # within a day of the last dated thing, never after publication
            if "before" in low or "earlier" in low:
                return ref - timedelta(days=1), ref, "day"
            return ref, min(ref + timedelta(days=1), max(ref, pub)), "day"
        if "day" in low:  # "later that day", "the same day"
            return ref, ref, "day"
        return pub, pub, "day"
    if rule == "days_ago":
        n = m.group(1).lower()
        k = int(n) if n.isdigit() else _NUM_WORDS.get(re.sub(r"\s+", " ", n), 2)
        d = (pub if "ago" in low else ref) - timedelta(days=k)
        return d, d, "day"
    if rule == "weekend":  # Iraq's weekend is Friday–Saturday
        back = (pub.weekday() - 4) % 7
        if low.strip().startswith("last") and back < 2:
            back += 7
        fri = pub - timedelta(days=back)
        return fri, fri + timedelta(days=1), "week"
    if rule == "relative_week":
        monday = pub - timedelta(days=pub.weekday())
        if m.group(1).lower() == "last":
            monday -= timedelta(days=7)
        elif m.group(1).lower() == "next":
            monday += timedelta(days=7)
        return monday, monday + timedelta(days=6), "week"
    if rule == "relative_month":
        rel = m.group(1).lower()
        y, mon = pub.year, pub.month
        if rel == "last":
            y, mon = (y - 1, 12) if mon == 1 else (y, mon - 1)
        elif rel == "next":
            y, mon = (y + 1, 1) if mon == 12 else (y, mon + 1)
        return (*_month_range(y, mon), "month")
    if rule == "relative_year":
        rel = m.group(1).lower()
        y = pub.year + {"last": -1, "next": 1}.get(rel, 0)
        return date(y, 1, 1), date(y, 12, 31), "year"
    if rule == "season":
        rel, season = m.group(1).lower(), m.group(2).lower()
        a, b = _SEASONS[season]
        y = pub.year
        if season == "winter":  # December to February, named by the year it starts in
            y = pub.year if pub.month == 12 else pub.year - 1
        if rel == "last":
            start_this = date(y, a, 1)
            y = y - 1 if start_this > pub or (season != "winter" and pub.month <= b) else y
        elif rel == "next":
            y += 1
        end_y = y + 1 if season == "winter" else y
        return date(y, a, 1), _month_range(end_y, b)[1], "season"
    if rule == "year":
        y = int(s)
        return date(y, 1, 1), date(y, 12, 31), "year"
    return None


def _date_mentions(text: str, pub: date) -> list[dict]:
    found: list[tuple[int, int, str, re.Match]] = []
    taken: list[tuple[int, int]] = []
    for rule, pattern in _DATE_RULES:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            found.append((m.start(), m.end(), rule, m))
            taken.append((m.start(), m.end()))
    found.sort()
    out = []
    ref = pub
    for start, end, rule, m in found:
        res = _resolve_date(rule, m, pub, ref)
        if res is None:
            continue
        d0, d1, precision = res
        if precision == "day" and d0 == d1:
            ref = d0
        conf = 0.9 if rule in ("iso", "day_month_year", "month_day_year", "month_year") else 0.75
        if rule == "year":
            conf = 0.6
        out.append(dict(kind="date", start=start, end=end, date_start=d0.isoformat(),
                        date_end=d1.isoformat(), precision=precision, confidence=conf,
                        rule=f"date:{rule}"))
    return out


# --------------------------------------------------------------------------- casualties
_NUM = (r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
        r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|a\s+dozen|two\s+dozen|"
        r"dozens|scores|hundreds|several|numerous|many|a\s+few|a\s+number|some)")
_QUAL = r"(?:more\s+than|over|at\s+least|nearly|almost|about|around|some|up\s+to|roughly|approximately|an\s+estimated)"
_PEOPLE = (r"(?:people|persons|individuals|civilians|protesters|demonstrators|members|guards|bodyguards|soldiers|"
           r"troops|officers|policemen|police(?:\s+officers)?|fighters|militants|contractors|service\s*members|"
           r"personnel|Americans|Iraqis|staff|employees|children|boys|girls|men|women|ladies|others|"
           r"of\s+them|security\s+(?:forces|personnel|members)|(?:his\s+)?security\s+(?:detail|guards|information))")
_KILL = r"(?:killed|killing|kills|dead|died|slain|eliminated|murdered|lost\s+their\s+lives|deaths?|fatalities|slaying)"
_HURT = r"(?:injured|injuring|injuries|injures|wounded|wounding|wounds|hurt|casualties)"
_CASUALTY_RULES: list[tuple[str, re.Pattern]] = [
    # "more than 125 people were injured", "several members … light injuries"
    ("count_then_verb", re.compile(r"\b(" + _QUAL + r"\s+)?(" + _NUM + r")\s+(?:of\s+)?(?:[\w'-]+\s+){0,3}?"
                                   + _PEOPLE + r"\b[^.;]{0,60}?\b(" + _KILL + "|" + _HURT + r")\b", re.IGNORECASE)),
    # "killed two", "wounding at least five"
    ("verb_then_count", re.compile(r"\b(" + _KILL + "|" + _HURT + r")\s+(" + _QUAL + r"\s+)?(" + _NUM + r")\b"
                                   r"(?!\s*(?:km|kilomet|miles|metres|meters|rockets|drones|days|hours|years|%|percent))",
                                   re.IGNORECASE)),
    # "the killing of numerous boys", "deaths of two"
    ("noun_of_count", re.compile(r"\b(killing|slaying|deaths?|murder)\s+of\s+(" + _QUAL + r"\s+)?(" + _NUM + r")\b",
                                 re.IGNORECASE)),
    # "a man killed by", "a protester was shot dead"
    ("one_person", re.compile(r"\b(?:a|one)\s+(?:young\s+)?(?:man|guy|woman|person|protester|demonstrator|soldier|"
                              r"contractor|civilian|child|boy|girl|guard|officer)\s+(?:who\s+)?(?:was\s+|had\s+been\s+)?"
                              r"(?:shot\s+)?(" + _KILL + "|" + _HURT + r")\b", re.IGNORECASE)),
    # "killing a civilian contractor", "killed a US contractor"
    ("verb_one_person", re.compile(r"\b(" + _KILL + "|" + _HURT + r")\s+(?:a|an|one)\s+(?:[\w.-]+\s+){0,2}?"
                                   r"(?:man|woman|person|protester|demonstrator|soldier|contractor|civilian|child|boy|"
                                   r"girl|guard|officer|policeman|service\s*member|American|Briton)\b", re.IGNORECASE)),
    # "seven guards" as a bare count of people
    ("people_count", re.compile(r"\b(" + _QUAL + r"\s+)?(one|two|three|four|five|six|seven|eight|nine|ten|\d{1,4})\s+"
                                r"(?:[\w-]+\s+)?(?:guards|bodyguards|soldiers|protesters|civilians|contractors|"
                                r"service\s*members|Americans|policemen|fighters)\b", re.IGNORECASE)),
]


def _number(token: str) -> tuple[int | None, str]:
    """(lower bound, qualifier) of a count word."""
    t = re.sub(r"\s+", " ", token.lower().strip())
    if re.fullmatch(r"\d[\d,]*", t):
        return int(t.replace(",", "")), "exact"
    if t in ("several", "numerous", "many", "a few", "a number", "some"):
        return 2, "several"
    if t == "dozens":
        return 24, "at_least"
    if t == "scores":
        return 40, "at_least"
    if t == "hundreds":
        return 200, "at_least"
    if t in _NUM_WORDS:
        return _NUM_WORDS[t], "approx" if "dozen" in t else "exact"
    return None, "exact"


def _qualifier(q: str | None, base: str) -> str:
    if not q:
        return base
    q = re.sub(r"\s+", " ", q.lower().strip())
    if q in ("more than", "over", "at least"):
        return "at_least" if base != "several" else "several"
    return "approx" if base == "exact" else base


def _casualty_mentions(text: str) -> list[dict]:
    out: list[dict] = []
    taken: list[tuple[int, int]] = []
    for rule, pattern in _CASUALTY_RULES:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groups()
            if rule == "count_then_verb":
                qual, num, verb = g[0], g[1], g[2]
            elif rule == "verb_then_count":
                verb, qual, num = g
            elif rule == "noun_of_count":
                verb, qual, num = g
            elif rule == "one_person":
                qual, num, verb = None, "one", g[0]
            elif rule == "verb_one_person":
                qual, num, verb = None, "one", g[0]
            else:
                qual, num, verb = g[0], g[1], ""
            value, base = _number(num)
            if value is None:
                continue
            if rule == "people_count":
                sent = text[max(0, text.rfind(".", 0, m.start()) + 1):text.find(".", m.end()) % (len(text) + 1)]
                vm = re.search(r"\b(" + _KILL + "|" + _HURT + r")\b", sent, re.IGNORECASE)
                verb = vm.group(1) if vm else ""
            low = verb.lower()
            what = ("killed" if re.fullmatch(_KILL, low, re.IGNORECASE) else
                    "injured" if re.fullmatch(_HURT, low, re.IGNORECASE) else "count")
            out.append(dict(kind="casualty", start=m.start(), end=m.end(), value=value,
                            qualifier=_qualifier(qual, base), casualty=what,
                            confidence=0.8 if what != "count" else 0.5, rule=f"casualty:{rule}"))
            taken.append((m.start(), m.end()))
    return out


# --------------------------------------------------------------------------- events
_EVENT_RULES: list[tuple[str, str, str, re.Pattern]] = [
    ("drone", "Explosions/Remote violence", "Air/drone strike",
     re.compile(r"\b(?:explosive-laden\s+|armed\s+|booby-trapped\s+)?drones?\s+(?:attacks?|strikes?|assault)\b"
                r"|\bdrones?\s+(?:targeted|struck|hit|attacked|bombed)\b|\b(?:air|drone)\s*strikes?\b", re.IGNORECASE)),
    ("rocket", "Explosions/Remote violence", "Shelling/artillery/missile attack",
     re.compile(r"\b(?:rocket|mortar|missile|Katyusha)s?\s+(?:and\s+drone\s+)?(?:attacks?|strikes?|fire|barrage)\b"
                r"|\b(?:rockets?|mortars?|missiles?)\s+(?:hit|struck|landed|slammed|targeted|were\s+fired)\b",
                re.IGNORECASE)),
    ("clashes", "Battles", "Armed clash",
     re.compile(r"\b(?:clashes|clashed|clash|skirmish(?:es)?|gunfight|firefight|exchange\s+of\s+fire)\b", re.IGNORECASE)),
    ("funeral", "Protests", "Peaceful protest",
     re.compile(r"\bfuneral\s+(?:march|procession|cortege|parade)\b", re.IGNORECASE)),
    ("storming", "Riots", "Violent demonstration",
     re.compile(r"\b(?:storm(?:ed|ing)?|besieg(?:ed|ing)|siege\s+of|ransack(?:ed|ing)?)\b", re.IGNORECASE)),
    ("arrest", "Strategic developments", "Arrests",
     re.compile(r"\b(?:arrest(?:ed|s|ing)?|detain(?:ed|ing)?|detention)\b", re.IGNORECASE)),
    ("protest", "Protests", "Peaceful protest",
     re.compile(r"\b(?:protests?|protested|sit-ins?|demonstrations?|rall(?:y|ies)|uprising|presentations)\b",
                re.IGNORECASE)),
    ("assassination", "Violence against civilians", "Attack",
     re.compile(r"\bassassination\s+(?:attempt|effort|bid|try|plot)\b|\battempt(?:ed)?\s+(?:to\s+)?assassinat\w*",
                re.IGNORECASE)),
]
_RIOT_WORDS = re.compile(r"\b(?:protesters|demonstrators|supporters|crowds?|fans|stones|tear\s+gas|storm)\b",
                         re.IGNORECASE)
_DRONE_WORD = re.compile(r"\bdrones?\b", re.IGNORECASE)


def _event_mentions(text: str) -> list[dict]:
    out = []
    for name, etype, sub, pattern in _EVENT_RULES:
        for m in pattern.finditer(text):
            out.append(dict(kind="event", start=m.start(), end=m.end(), event_type=etype,
                            sub_event_type=sub, confidence=0.7, rule=f"event:{name}"))
    return out


# --------------------------------------------------------------------------- assembly
def _non_overlapping(cands: list[dict]) -> list[dict]:
    """Keep the longest (then most confident) of overlapping mentions."""
    keep: list[dict] = []
    for c in sorted(cands, key=lambda c: (-(c["end"] - c["start"]), -c["confidence"], c["start"])):
        if all(c["end"] <= k["start"] or k["end"] <= c["start"] for k in keep):
            keep.append(c)
    return sorted(keep, key=lambda c: c["start"])


_GENERIC_AFTER = re.compile(r"[ \t]+(airport|air\s*base|airbase|base|bridge|square|palace|hotel|embassy)\b", re.IGNORECASE)


def _extend_places(places: list[dict], text: str) -> list[dict]:
    """"Bagdad airport": a city followed by a generic noun is re-geocoded as one name."""
    out = []
    for p in places:
        m = _GENERIC_AFTER.match(text, p["end"])
        if p["kind"] == "place" and m and p["rule"].startswith("gazetteer"):
            phrase = text[p["start"]:m.end()]
            res = _geocoder().geocode_names([phrase]).iloc[0]
            if res.status in ("matched", "fuzzy") and res.place_id != p["place_id"]:
                p = {**p, "end": m.end(), "place_id": res.place_id,
                     "confidence": round(float(res.confidence) * 0.9, 3), "rule": f"geocoder:{res.status}"}
        out.append(p)
    return out


_ANAPHORA = re.compile(r"\bthe\s+(airport|air\s*base|base|embassy)\b(?!\s+of\b)")
_ANAPHORA_KINDS = {"airport": {"airport"}, "base": {"base", "airport"}, "airbase": {"base"},
                   "embassy": {"embassy"}}


def _anaphora_places(places: list[dict], text: str) -> list[dict]:
    """"the airport", "the base": the last place of that kind named before, in the same text."""
    kinds = _place_index().places["kind"]
    out = []
    for m in _ANAPHORA.finditer(text):
        if any(p["start"] < m.end() and m.start() < p["end"] for p in places):
            continue
        want = _ANAPHORA_KINDS[re.sub(r"\s+", "", m.group(1).lower())]
        before = [p for p in places if p["end"] <= m.start() and p["kind"] == "place"
                  and kinds.get(p["place_id"]) in want]
        if before:
            prev = max(before, key=lambda p: p["end"])
            out.append(dict(kind="place", start=m.start(), end=m.end(), place_id=prev["place_id"],
                            confidence=0.6, rule="context:anaphora"))
    return out


def _mentions_clean(clean: str, pub: date) -> list[dict]:
    places = _extend_places(_non_overlapping(_context_places(clean) + _gazetteer_places(clean)), clean)
    places = sorted(places + _anaphora_places(places, clean), key=lambda p: p["start"])
    dates = _date_mentions(clean, pub)
    cands = _resolve_candidates(_candidate_places(clean, [(p["start"], p["end"]) for p in places + dates]), clean)
    cas = _casualty_mentions(clean)
    events = _non_overlapping(_event_mentions(clean))
    return places + cands + dates + cas + events


def parse_text(text: str, published: date | datetime | str, source: str = "") -> pd.DataFrame:
    """All mentions in ``text`` (spans index the original text), sorted by start.

    ``published`` is the publication date (a date, ISO string or datetime; aware
    datetimes are converted to Asia/Baghdad). Relative dates resolve against it.
    """
    pub = as_published(published)
    ct = clean_text(text)
    sents = sentence_spans(ct.text)
    rows = []
    for m in _mentions_clean(ct.text, pub):
        s, e = ct.span(m["start"], m["end"])
        # the clean span may start on an inserted space; trim to real characters
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        sent = next((i for i, (a, b, _) in enumerate(sents) if a <= m["start"] < b), len(sents) - 1)
        para = sents[sent][2] if sents else 0
        rows.append({**dict.fromkeys(MENTION_COLUMNS), **m, "source": source, "text": text[s:e],
                     "start": s, "end": e, "sentence": sent, "paragraph": para})
    df = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for col in ("place_id", "date_start", "date_end", "precision", "qualifier", "casualty", "event_type",
                "sub_event_type", "rule", "source"):
        df[col] = df[col].fillna("").astype(str)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("Int64")
    df["confidence"] = df["confidence"].astype(float)
    order = {k: i for i, k in enumerate(KINDS)}
    return df.sort_values(["start", "kind"], key=lambda s: s.map(order) if s.name == "kind" else s,
                          kind="stable").reset_index(drop=True)


def expand_paths(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        parts = [p for p in str(paths).split(",") if p.strip()] if isinstance(paths, str) else [paths]
    else:
        parts = list(paths)
    files: list[Path] = []
    problems = []
    for p in parts:
        p = Path(str(p).strip())
        if p.is_dir():
            files.extend(sorted(p.glob("*.txt")))
        elif p.is_file():
            files.append(p)
        else:
            problems.append(Problem(str(p), None, None, "no such file or folder"))
    if problems:
        raise DataError(problems)
    return files


def read_article(path: str | os.PathLike) -> str:
    """An article's text (UTF-8, BOM tolerated; undecodable bytes replaced, never a crash)."""
    return Path(path).read_bytes().decode("utf-8-sig", errors="replace")


def parse_files(paths: str | os.PathLike | Iterable[str | os.PathLike],
                published: date | datetime | str) -> pd.DataFrame:
    """Mentions of each file (a folder means its ``*.txt`` files); ``file`` column first."""
    frames = []
    for f in expand_paths(paths):
        df = parse_text(read_article(f), published, source=f.name)
        df.insert(0, "file", str(f))
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["file"] + MENTION_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def cli_table(paths: str | os.PathLike | Iterable[str | os.PathLike],
              published: date | datetime | str) -> pd.DataFrame:
    """The CLI's table: file,kind,text,start,end,place_id,lat,lon,date_start,date_end,confidence."""
    df = parse_files(paths, published)
    places = _place_index().places
    lat = df["place_id"].map(lambda p: places.at[p, "lat"] if p in places.index else np.nan)
    lon = df["place_id"].map(lambda p: places.at[p, "lon"] if p in places.index else np.nan)
    out = df.assign(lat=lat.astype(float), lon=lon.astype(float))
    return out[CLI_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- drafts
CONTEXT_SENTENCES = 2  # "paragraph" fallback: at most this many sentences away, same paragraph
_ELECTION_AFTER = re.compile(r"['’]?s?\s+(?:parliamentary\s+|general\s+|early\s+|national\s+)*"
                             r"(?:elections?|polls?|vote|ballot)\b", re.IGNORECASE)


def _link_place(cands: pd.DataFrame, ev, places: pd.DataFrame) -> pd.Series | None:
    """Same sentence first (a specific place beats a city), then the nearest sentence."""
    if cands.empty:
        return None
    cands = cands.assign(_gap=(cands.sentence - ev.sentence).abs(),
                         _coarse=~cands.place_id.map(lambda p: _specific(p, places)),
                         _dist=(cands.start - ev.start).abs())
    return cands.sort_values(["_gap", "_coarse", "_dist"]).iloc[0]


def _link_date(cands: pd.DataFrame, ev) -> pd.Series | None:
    """Same sentence: nearest; else day-precision dates before the event first, then nearest."""
    if cands.empty:
        return None
    cands = cands.assign(_gap=(cands.sentence - ev.sentence).abs(),
                         _vague=cands.precision != "day",
                         _after=cands.start > ev.start,
                         _dist=(cands.start - ev.start).abs())
    same = cands[cands._gap == 0]
    if not same.empty:
        return same.sort_values("_dist").iloc[0]
    return cands.sort_values(["_vague", "_gap", "_after", "_dist"]).iloc[0]


def _specific(pid: str, places: pd.DataFrame) -> bool:
    return places.at[pid, "kind"] not in ("city", "governorate")


def draft_incidents(text: str, published: date | datetime | str, source: str = "") -> pd.DataFrame:
    """Draft incident rows: each event phrase linked to the nearest place and date.

    Places and dates are taken from the event's sentence, else its paragraph
    (at most ``CONTEXT_SENTENCES`` sentences away); a specific place (residence,
    base, zone …) beats a city or governorate in the same sentence; a date just
    before "elections"/"vote" is not taken for a non-election event; an event
    with no date nearby gets the story's lead date (noted, lower confidence);
    plural generic phrases ("rocket attacks") only take a date from their own
    sentence. Drafts of the same event type at the same or a nested
    place on overlapping dates are merged. Every row keeps its evidence text
    and span (into the original text) and has ``status`` "draft".
    """
    pub = as_published(published)
    m = parse_text(text, pub, source=source)
    places_tab = _place_index().places
    pl = m[(m.kind == "place") & (m.place_id != "")]
    dt = m[m.kind == "date"]
    cas = m[m.kind == "casualty"]
    ct = clean_text(text)
    sents = sentence_spans(ct.text)
    drafts: list[dict] = []
    events = m[m.kind == "event"]
    # the story's own date: the first day-precision date not after publication, in the first paragraphs
    lede_c = dt[(dt.precision == "day") & (dt.date_start == dt.date_end) & (dt.paragraph <= 2)
                & (dt.date_start <= pub.isoformat())]
    lede = lede_c.iloc[0] if not lede_c.empty else None
    for ev in events.itertuples():
        near_p = pl[(pl.paragraph == ev.paragraph) & ((pl.sentence - ev.sentence).abs() <= CONTEXT_SENTENCES)]
        near_d = dt[(dt.paragraph == ev.paragraph) & ((dt.sentence - ev.sentence).abs() <= CONTEXT_SENTENCES)]
        near_d = near_d.loc[np.array([not _ELECTION_AFTER.match(text, int(e)) for e in near_d.end], dtype=bool)]
        chosen = _link_place(near_p, ev, places_tab)
        generic = ev.text.lower().endswith("s") and ev.rule in ("event:drone", "event:rocket")
        dchosen = _link_date(near_d[near_d.sentence == ev.sentence] if generic else near_d, ev)
        lede_used = False
        if dchosen is None and not generic and lede is not None:
            dchosen, lede_used = lede, True
        etype, sub = ev.event_type, ev.sub_event_type
        a, b, _ = sents[ev.sentence] if sents else (0, len(ct.text), 0)
        ev_start, ev_end = ct.span(a, b)
        while ev_start < ev_end and text[ev_start].isspace():
            ev_start += 1
        while ev_end > ev_start and text[ev_end - 1].isspace():
            ev_end -= 1
        sent_text = text[ev_start:ev_end]
        window = text[ct.span(*sents[max(0, ev.sentence - 2)][:2])[0]:ev_end] if sents else sent_text
        if etype == "Battles" and _RIOT_WORDS.search(window):
            etype, sub = "Riots", "Violent demonstration"
        if sub == "Peaceful protest" and re.search(r"\bstorm|stones|burn|tear\s+gas", sent_text, re.IGNORECASE):
            etype, sub = "Riots", "Violent demonstration"
        if ev.rule == "event:assassination" and _DRONE_WORD.search(window):
            etype, sub = "Explosions/Remote violence", "Air/drone strike"
        row = dict.fromkeys(DRAFT_COLUMNS, "")
        row.update(event_type=etype, sub_event_type=sub, source=source, status="draft",
                   evidence=sent_text or ev.text, evidence_start=int(ev_start), evidence_end=int(ev_end),
                   notes=f"draft from text: {ev.text!r}", confidence=0.3)
        if chosen is not None:
            p = places_tab.loc[chosen.place_id]
            row.update(place_id=chosen.place_id, location=p["name"], admin1=p["governorate_iso"],
                       latitude=p["lat"], longitude=p["lon"], geo_precision=p["geo_precision"],
                       confidence=round(0.4 + 0.2 * float(chosen.confidence)
                                        + (0.1 if chosen.sentence == ev.sentence else 0), 3))
        if dchosen is not None:
            single = dchosen.date_start == dchosen.date_end
            row.update(date_start=dchosen.date_start, date_end=dchosen.date_end,
                       event_date=dchosen.date_start,
                       time_precision=(1 if single else 2) if dchosen.precision == "day"
                       else {"week": 2}.get(dchosen.precision, 3))
            if lede_used:
                row["notes"] += "; date taken from the story's lead"
                row["confidence"] = round(row["confidence"] - 0.1, 3)
        if (events.sentence == ev.sentence).sum() == 1:  # numbers only when the sentence has one event
            sc = cas[cas.sentence == ev.sentence]
            for kind, col in (("killed", "fatalities"), ("injured", "injuries")):
                hit = sc[sc.casualty == kind]
                if not hit.empty:
                    v = int(hit.value.max())
                    row.update({col: v, f"{col}_low": v})
        drafts.append(row)
    drafts = _merge_drafts(drafts, places_tab)
    df = pd.DataFrame(drafts, columns=DRAFT_COLUMNS)
    stem = re.sub(r"[^A-Za-z0-9]+", "_", Path(source).stem).strip("_").upper() or "TEXT"
    df["event_id_cnty"] = [f"DRAFT-{stem}-{i + 1:03d}" for i in range(len(df))]
    return df


def _related(a: str, b: str, places: pd.DataFrame) -> bool:
    if not a or not b:
        return True  # a place-less mention (a headline) joins a twin of the same type
    if a == b:
        return True
    pa, pb = places.at[a, "parent_id"], places.at[b, "parent_id"]
    return pa == b or pb == a


def _overlap(a: dict, b: dict) -> bool:
    if not a["date_start"] or not b["date_start"]:
        return True  # an undated mention (a headline) joins a dated twin
    return a["date_start"] <= b["date_end"] and b["date_start"] <= a["date_end"]


def _merge_drafts(drafts: list[dict], places: pd.DataFrame) -> list[dict]:
    out: list[dict] = []
    for d in drafts:
        twin = next((o for o in out if o["sub_event_type"] == d["sub_event_type"]
                     and _related(o["place_id"], d["place_id"], places) and _overlap(o, d)), None)
        if twin is None:
            out.append(d)
            continue
        # keep the finer place and the narrower date; add the evidence
        if d["place_id"] and (not twin["place_id"] or places.at[d["place_id"], "parent_id"] == twin["place_id"]):
            for k in ("place_id", "location", "admin1", "latitude", "longitude", "geo_precision"):
                twin[k] = d[k]
        if d["date_start"] and (not twin["date_start"] or (d["date_start"] == d["date_end"]
                                                           and twin["date_start"] != twin["date_end"])):
            for k in ("date_start", "date_end", "event_date", "time_precision"):
                twin[k] = d[k]
        for col in ("fatalities", "fatalities_low", "injuries", "injuries_low"):
            if twin[col] == "" and d[col] != "":
                twin[col] = d[col]
        if d["evidence"] not in twin["evidence"]:
            twin["evidence"] += " … " + d["evidence"]
        twin["confidence"] = max(twin["confidence"], d["confidence"])
    return out


def accept_drafts(drafts: pd.DataFrame, ids: Sequence[str], existing: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows ready to append to the incident data for the accepted draft ``ids``.

    latitude/longitude/admin1/location/geo_precision come from the gazetteer.
    With ``existing`` incident rows, new ids continue their IRQIA numbering.
    Raises KeyError naming unknown ids and DataError for drafts without a date
    or place.
    """
    ids = list(ids)
    missing = [i for i in ids if i not in set(drafts["event_id_cnty"])]
    if missing:
        raise KeyError(f"no draft with id(s) {missing}")
    chosen = drafts.set_index("event_id_cnty").loc[ids].reset_index()
    problems = []
    for n, r in enumerate(chosen.itertuples(), start=1):
        if not r.event_date:
            problems.append(Problem(str(r.event_id_cnty), n, "event_date", "draft has no date; set one before accepting"))
        if not r.place_id:
            problems.append(Problem(str(r.event_id_cnty), n, "place_id", "draft has no place; set one before accepting"))
    if problems:
        raise DataError(problems)
    places = _place_index().places
    start = 1
    if existing is not None and len(existing):
        nums = existing["event_id_cnty"].astype(str).str.extract(r"IRQIA(\d+)")[0].dropna().astype(int)
        start = int(nums.max()) + 1 if len(nums) else 1
    rows = []
    for k, r in enumerate(chosen.to_dict("records")):
        p = places.loc[r["place_id"]]
        row = {c: r.get(c, "") for c in INCIDENT_COLUMNS}
        row.update(latitude=p["lat"], longitude=p["lon"], admin1=p["governorate_iso"],
                   location=p["name"], geo_precision=p["geo_precision"],
                   notes=f"{r.get('notes', '')} Evidence: {r.get('evidence', '')}".strip())
        if existing is not None:
            row["event_id_cnty"] = f"IRQIA{start + k:04d}"
        rows.append(row)
    return pd.DataFrame(rows, columns=INCIDENT_COLUMNS)


# --------------------------------------------------------------------------- output
_STYLE = ("<style>.ia-geoparse{white-space:pre-wrap;line-height:1.6;font-family:serif}"
          ".ia-geoparse mark{padding:0 2px;border-radius:3px}.ia-place{background:#b3e5fc}"
          ".ia-candidate{background:#eeeeee;outline:1px dashed #999}.ia-date{background:#fff59d}"
          ".ia-casualty{background:#ffcdd2}.ia-event{background:#c8e6c9}</style>")


def _title(r: pd.Series) -> str:
    parts = [str(r["kind"])]
    if r.get("place_id"):
        parts.append(str(r["place_id"]))
    if r.get("date_start"):
        parts.append(f"{r['date_start']}..{r['date_end']}")
    if pd.notna(r.get("value")) and r.get("value") != "" and r.get("kind") == "casualty":
        parts.append(f"{r.get('casualty', '')} ≥{r['value']} ({r.get('qualifier', '')})")
    if r.get("sub_event_type"):
        parts.append(str(r["sub_event_type"]))
    if r.get("rule"):
        parts.append(str(r["rule"]))
    return " · ".join(parts)


def highlight_html(text: str, mentions: pd.DataFrame) -> str:
    """The text as HTML with each mention wrapped in ``<mark class="ia-KIND" title=…>``.

    All text is escaped. Overlapping mentions: the earlier (then longer) wins.
    """
    spans = []
    if mentions is not None and len(mentions):
        ms = mentions.sort_values(["start", "end"], ascending=[True, False])
        last = -1
        for _, r in ms.iterrows():
            s, e = int(r["start"]), int(r["end"])
            if s < last or e <= s or e > len(text):
                continue
            spans.append((s, e, r))
            last = e
    out = [_STYLE, '<div class="ia-geoparse">']
    pos = 0
    for s, e, r in spans:
        out.append(html.escape(text[pos:s]))
        kind = re.sub(r"[^a-z]", "", str(r["kind"]))
        out.append(f'<mark class="ia-{kind}" title="{html.escape(_title(r), quote=True)}">'
                   f"{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    out.append("</div>")
    return "".join(out)


# --------------------------------------------------------------------------- evaluation
def read_labels(path: str | os.PathLike) -> pd.DataFrame:
    """A labels CSV (kind,start,end,text,place_id,date_start,date_end,value) with int spans."""
    from iraq_atlas.files import read_csv

    df = read_csv(path, required=["kind", "start", "end", "text", "place_id", "date_start", "date_end", "value"])
    problems = [Problem(Path(path).name, int(r._row), "start", "start/end must be whole numbers")
                for r in df.itertuples() if not (r.start.isdigit() and r.end.isdigit())]
    if problems:
        raise DataError(problems)
    df["start"] = df["start"].astype(int)
    df["end"] = df["end"].astype(int)
    return df.drop(columns="_row")


def _matches(p: pd.Series, lab: pd.Series) -> bool:
    if p["kind"] != lab["kind"] or not (p["start"] < lab["end"] and lab["start"] < p["end"]):
        return False
    if p.get("file", None) is not None and lab.get("file", None) is not None and p["file"] != lab["file"]:
        return False
    if lab["kind"] == "place":
        return str(p["place_id"]) == str(lab["place_id"])
    if lab["kind"] == "date":
        return str(p["date_start"]) == str(lab["date_start"])
    return True


def evaluate(predicted: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and F1 per mention kind.

    A prediction matches a label when the spans overlap (and, when both tables
    have a ``file`` column, the files agree); places must also agree on
    place_id, dates on date_start. Kinds are those present in the labels.
    """
    rows = []
    kinds = [k for k in KINDS if k in set(labels["kind"])]
    for kind in kinds:
        P = predicted[predicted["kind"] == kind].reset_index(drop=True)
        L = labels[labels["kind"] == kind].reset_index(drop=True)
        hit_l = sum(any(_matches(p, lab) for _, p in P.iterrows()) for _, lab in L.iterrows())
        hit_p = sum(any(_matches(p, lab) for _, lab in L.iterrows()) for _, p in P.iterrows())
        prec = hit_p / len(P) if len(P) else 0.0
        rec = hit_l / len(L) if len(L) else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append(dict(kind=kind, labels=len(L), predicted=len(P), matched_labels=hit_l,
                         matched_predictions=hit_p, precision=round(prec, 3), recall=round(rec, 3),
                         f1=round(f1, 3)))
    return pd.DataFrame(rows, columns=["kind", "labels", "predicted", "matched_labels",
                                       "matched_predictions", "precision", "recall", "f1"])
