"""The geoparser's fast paths give exactly what the straightforward ones give."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from iraq_atlas.geoparse import _rules, places
from iraq_atlas.places.gazetteer import expand_aliases, gazetteer

EVAL = Path(__file__).resolve().parents[2] / "geodata" / "articles" / "eval"


def _reference_geocode(name: str) -> tuple[str, str, float, str]:
    """The Geocoder's public answer for one name, read off its result table."""
    r = places._geocoder().geocode_names([name]).iloc[0]
    pid = r.place_id if isinstance(r.place_id, str) else ""
    return str(r.status), pid, float(r.confidence or 0), str(r.candidates)


def _names() -> list[str]:
    sp = expand_aliases(gazetteer()).spelling.astype(str).tolist()
    odd = [w[:-1] for w in sp[::23]] + [w + "a" for w in sp[::29]] + [w.upper() for w in sp[::31]]
    hints = ["Hit, Anbar", "Anbar province", "Mosul district", "Baghdad airport", "Tehran", "Damascus",
             "Kataib Hezbollah", "Riyadh", "Qaim", "Nowhere Village", "", " ", "Al-", "x\ny"]
    return sp[::10] + odd + hints


def test_one_name_answer_is_the_geocoders_answer_for_gazetteer_names():
    names = _names()
    got = [places._geocode_one.__wrapped__(n) for n in names]
    want = [_reference_geocode(n) for n in names]
    diff = [(n, g, w) for n, g, w in zip(names, got, want) if g != w]
    assert not diff, diff[:5]
    statuses = {w[0] for w in want}
    assert {"matched", "fuzzy", "unresolved"} <= statuses  # the names reach every path that matters


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abdhiklmnorstuAHKMBTQ -'،ابةدرسقلمنوي")), min_size=1, max_size=18))
def test_one_name_answer_is_the_geocoders_answer_for_any_text(name):
    assert places._geocode_one.__wrapped__(name) == _reference_geocode(name)


def _reference_spans(words: list[str], digits: bool, text: str) -> list[tuple[int, int]]:
    """What a regex alternation of the trigger forms (longest first) finds, scanning left to right."""
    forms = {f for w in words for f in (w, w[:1].upper() + w[1:], w.upper()) if f}
    alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    rx = re.compile((r"\d|" if digits else "") + alt) if alt else re.compile(r"\d" if digits else r"(?!)")
    return [m.span() for m in rx.finditer(text)]


_TRIGGER_WORDS = ["kill", "killed", "ill", "day", "today", "mon", "month", "Green", "قتل", "مقتل", "اب", "آب",
                  "air", "airstrike", "strike"]


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(_TRIGGER_WORDS), min_size=1, max_size=8),
       text=st.lists(st.sampled_from(_TRIGGER_WORDS + [" ", "s", "K", "ILL", "1", "٣", "x", "ed", "AIR", "ا"]),
                     max_size=40).map("".join),
       digits=st.booleans())
def test_trigger_spans_are_the_regex_alternations_matches(words, text, digits):
    assert _rules.trigger(words, digits=digits).spans(text) == _reference_spans(words, digits, text)


def test_trigger_spans_on_real_text():
    text = (EVAL / "dev" / "dod_qaim_offensive_2017.txt").read_text(encoding="utf-8")
    words = _rules.load("casualties")["triggers"] + _rules.load("calendar")["triggers"]
    got = _rules.trigger(words, digits=True).spans(text)
    assert got == _reference_spans(words, True, text) and len(got) > 20


class _Everything:
    """A set that holds everything: with it as the prefix sets, the matcher tries every window."""

    def __contains__(self, item) -> bool:
        return True


_SPELLINGS = expand_aliases(gazetteer()).spelling.astype(str).tolist()
# whole names of several words and their starts ("Camp" of "Camp Taji"): where windows of tokens matter
_PHRASES = sorted({s for s in _SPELLINGS if " " in s.strip()} | {s.rsplit(" ", 1)[0] for s in _SPELLINGS if " " in s})


def _words() -> list[str]:
    words = sorted({w for s in _SPELLINGS[::4] for w in s.replace("-", " ").split()})
    return words + ["Kataib", "Hezbollah", "Popular", "Mobilization", "Forces", "Tehran", "Iraq", "Al", "al",
                    "in", "the", "of", "city", "province", "district", "U.S.", "Embassy", "Camp", "Sadr", "City"]


_JOINS = [" ", " ", " ", ", ", "-", "'s ", ". ", " and ", "\n"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(_PHRASES), st.sampled_from(_words())), st.sampled_from(_JOINS)),
                min_size=1, max_size=30))
def test_gazetteer_matcher_finds_what_trying_every_window_finds(parts):
    text = "".join(w + j for w, j in parts)
    idx = places._place_index()
    brute = dataclasses.replace(idx, prefixes=_Everything(), loose_prefixes=_Everything())
    fast = places._gazetteer_places(text)
    original = places._place_index
    places._place_index = lambda: brute
    try:
        slow = places._gazetteer_places(text)
    finally:
        places._place_index = original
    assert fast == slow


def test_gazetteer_matcher_prunes_nothing_on_real_text():
    idx = places._place_index()
    brute = dataclasses.replace(idx, prefixes=_Everything(), loose_prefixes=_Everything())
    for txt in sorted(EVAL.rglob("*.txt")):
        text = txt.read_text(encoding="utf-8")
        fast = places._gazetteer_places(text)
        original = places._place_index
        places._place_index = lambda: brute
        try:
            slow = places._gazetteer_places(text)
        finally:
            places._place_index = original
        assert fast == slow, txt.name
        assert fast or txt.name.startswith("embassy_sadr")  # the texts name places: the check is not vacuous
