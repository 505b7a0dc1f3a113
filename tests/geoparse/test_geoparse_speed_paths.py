"""The geoparser's fast paths give exactly what the straightforward ones give."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from iraq_atlas.geoparse import _rules, clean, places
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


@pytest.mark.slow
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


# --------------------------------------------------------------------------- rule sets behind a start gate
def _rule_sets() -> dict[str, _rules.RuleSet]:
    from iraq_atlas.geoparse import casualties, dates, events

    words = places._word_rules()
    return {"dates": dates._combined(), "casualties": casualties._vocab()["combined"], "events": events._combined(),
            "patterns": places._patterns_combined(), "context": places._context_combined(),
            "trap_suffix": words["trap_suffix"], "speaker": words["speaker"]}


def _alternation_matches(rs: _rules.RuleSet, text: str) -> list[tuple]:
    """(span, rule, named groups) of each match of the plain alternation of the rules, one named group per rule."""
    parts = []
    for i, rx in enumerate(rs.patterns):
        body = re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<r{i}_{m.group(1)}>", rx.pattern)
        parts.append(f"(?P<r{i}>" + ("(?i:" if rx.flags & re.IGNORECASE else "(?-i:") + body + "))")
    out = []
    for m in re.compile("|".join(parts)).finditer(text):
        i = int(m.lastgroup[1:])
        groups = {k.split("_", 1)[1]: v for k, v in m.groupdict().items() if k.startswith(f"r{i}_")}
        out.append((m.span(), i, groups))
    return out


def _gated_matches(rs: _rules.RuleSet, text: str) -> list[tuple]:
    return [(m.span(), i, m.groupdict()) for i, m in rs.finditer(text)]


_TRICKY = _rules.RuleSet([
    ("after_in", r"(?<=\bin\s)(?P<m>May|June)\b", 0),  # a lookbehind first: not a word start
    ("optional_head", r"(?:x\s+)?(?P<n>\d+)\s*km", re.IGNORECASE),  # the first character is in an optional group
    ("no_digit_before", r"(?<!\d)(?P<d>[12]\d|3[01])\s+(?:of\s+)?May", 0),
    ("arabic_clitic", r"(?<![\w])[وبل]?(?:مدينة|قضاء)\s+(?P<name>[\u0621-\u064a]{2,})", 0),
    ("scoped_case", r"\b(?i:the)\s+(?-i:K)\w*", 0),
    ("word", r"\bkm\b", re.IGNORECASE),
])
_TRICKY_WORDS = ["in May", "in June", "May", "x 5 km", "X5KM", "12km", "3", "31 of May", "a31 May", "1", "مدينة",
                 "بمدينة", "قضاء", "الموصل", "the K2", "THE Kx", "the k", "km", "KM", "ـ", "x", "in", "١٢"]
_TEXT_WORDS = sorted({str(w) for ws in _rules.load("calendar")["months"].values() for w in ws}
                     | {str(w) for ws in _rules.load("calendar")["weekdays"].values() for w in ws}
                     | set(_rules.load("casualties")["triggers"]) | set(_rules.load("casualties")["number_words"])
                     | {w for r in _rules.load("events") for w in r["triggers"]}
                     | {"the", "city", "of", "province", "Anbar", "Baghdad", "Green", "Zone", "home", "Prime",
                        "Minister", "people", "were", "killed", "and", "injured", "at least", "2021", "12", "3rd",
                        "last", "next", "week", "ago", "U.S.", "Embassy", "condemns", "Operations", "Command",
                        "north", "refinery", "مقتل", "أشخاص", "في", "محافظة", "نينوى"})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_TEXT_WORDS + _TRICKY_WORDS), st.sampled_from(["", " ", "  ", ", ", ".", "-", "\n", "'s "])),
                max_size=25).map(lambda parts: "".join(w + j for w, j in parts)))
def test_gated_rule_sets_match_what_the_plain_alternation_matches(text):
    for name, rs in {**_rule_sets(), "tricky": _TRICKY}.items():
        assert _gated_matches(rs, text) == _alternation_matches(rs, text), name


def test_gated_rule_sets_on_real_text():
    texts = [p.read_text(encoding="utf-8") for p in sorted(EVAL.rglob("*.txt"))]
    assert len(texts) >= 25
    for name, rs in _rule_sets().items():
        assert rs.gate, name  # every rule kind has a gate: the fast path is the one checked
        found = 0
        for text in texts:
            got = _gated_matches(rs, text)
            assert got == _alternation_matches(rs, text), name
            found += len(got)
        assert found, name


def test_start_gate_bounds_where_rules_begin():
    assert _rules.start_gate([(r"\bkilled", 0)]) == r"(?:(?<!\w)(?=[k]))"
    assert _rules.start_gate([(r"(?<=\bin\s)May", 0)]) == r"(?:(?=[M]))"  # a lookbehind is no word start
    assert _rules.start_gate([(r"\b(?:a|an)?\s*dead", re.IGNORECASE)]) == r"(?:(?<!\w)(?=(?i:[ad]))|(?=(?i:[\s])))"
    for no_gate in (r"x?", r"\b", r"(?=k)", r".dead", r"[^a]dead"):  # empty matches, any first character
        assert _rules.start_gate([(no_gate, 0), (r"\bkilled", 0)]) == ""
    for backref in (r"(a)\1", r"(?P<x>a)(?P=x)"):  # group numbers and names change when rules are joined
        with pytest.raises(ValueError, match="back-reference"):
            _rules.RuleSet([("x", backref, 0)])


# --------------------------------------------------------------------------- cleaning
_PLAIN_GLUED = re.compile(r"(?<=[a-z\d)\"'][.!?])(?=[A-Z\"])|(?<=[a-z\d)][.!?][\"'])(?=[A-Za-z])|(?<=[a-z],)(?=[A-Za-z])")
_PLAIN_CAMEL = re.compile(r"(?<=[a-z]{3})(?=(?:The|A|An|In|On|At|After|Before|Iraqi|Iran)\s)")


def _plain_sub(text: str, offsets: list[int], pattern: re.Pattern, repl: str) -> tuple[str, list[int]]:
    """A substitution that rewrites the whole offset list: replacement chars map to the match start."""
    out, omap, pos = [], [], 0
    for m in pattern.finditer(text):
        out += [text[pos:m.start()], repl]
        omap += offsets[pos:m.start()] + [offsets[m.start()]] * len(repl)
        pos = m.end()
    return "".join(out) + text[pos:], omap + offsets[pos:]


def _plain_clean(text: str) -> clean.CleanText:
    """Every cleaning rule as a plain substitution on the whole text, one after the other."""
    s = text.translate(clean._QUOTES)
    offsets = list(range(len(s) + 1))
    for rx, repl in ((clean._BOILER_LINE, ""), (clean._BOILER_INLINE, " "), (clean._GLUED_YEAR, " "),
                     (_PLAIN_GLUED, " "), (_PLAIN_CAMEL, ". "), (clean._HARAKAT, "")):
        s, offsets = _plain_sub(s, offsets, rx, repl)
    return clean.CleanText(s, offsets)


_CLEAN_PARTS = ["damage", "The", "drone", "A", "In", "Iraqi", "Before", "2019", "in", "since", "x", "1", ")", ".", "!",
                "?", ",", "'", '"', "’", "“", "”", "«", "\u00a0", "٣", "۵", "،", "Story continues below", "ad",
                "READ MORE", "Read more:", "Skip Advertisement", "Advertisement", "advertisement", "Share", "Tweet",
                "عمّان", "ـ", "بغداد", "\n", " ", "  "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CLEAN_PARTS), max_size=30).map("".join))
def test_clean_text_is_the_plain_substitutions(text):
    assert clean.clean_text(text) == _plain_clean(text)


def test_clean_text_is_the_plain_substitutions_on_real_text():
    texts = [p.read_text(encoding="utf-8") for p in sorted(EVAL.rglob("*.txt"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((EVAL.parents[2] / "tests" / "fixtures" / "articles").glob("*.txt"))]
    for text in texts:
        assert clean.clean_text(text) == _plain_clean(text)


# --------------------------------------------------------------------------- word alternations grouped by first letter
_ALT_WORDS = ["kill", "killed", "Killing", "kills", "dead", "Death", "deaths?", "died", "lost\\s+their\\s+lives",
              "police", "Police", "Policemen", "police(?:\\s+officers)?", "a", "an", "abc", "Abc", "Abcde", "abcd", "İd", "ſtay", "stay",
              "قتل", "قتلى", "مقتل", "لقي مصرعه"]
_ALT_TEXT = ["kill", "KILLED", "killing", "Death", "deaths", "died", "lost their lives", "police", "Police officers",
             "abcd", "ABCDE", "abc", "an", "a", "id", "İd", "stay", "ſtay", "قتل", "قتلى", "مقتل", "لقي مصرعه"]


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(_ALT_WORDS), min_size=1, max_size=10),
       text=st.lists(st.tuples(st.sampled_from(_ALT_TEXT), st.sampled_from(["", " ", ", ", "x"])), max_size=12)
       .map(lambda parts: "".join(w + j for w, j in parts)),
       ignorecase=st.booleans())
@example(words=["Abcde", "abcd", "Abc"], text="abcd", ignorecase=True)  # "a" and "A" words are one group
@example(words=["Policemen", "police(?:\\s+officers)?", "Police"], text="Police officers", ignorecase=True)
def test_grouped_alternation_matches_what_the_plain_one_matches(words, text, ignorecase):
    flags = re.IGNORECASE if ignorecase else 0
    for tail in ("", r"\b", r"\s+\w", r"(?=s)"):  # what follows the words makes the engine try them in order
        plain = re.compile("(" + _rules.alternation(words) + ")" + tail, flags)
        grouped = re.compile("(" + _rules.alternation(words, ignorecase=ignorecase) + ")" + tail, flags)
        assert [m.span(1) for m in grouped.finditer(text)] == [m.span(1) for m in plain.finditer(text)]


# --------------------------------------------------------------------------- spans
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=40))
def test_spans_answer_what_a_list_of_the_stored_intervals_answers(queries):
    spans, stored = places.Spans(), []
    for s, n in queries:
        e = s + n
        want = any(a <= s < b for a, b in stored) if n == 0 else any(a < e and s < b for a, b in stored)
        assert spans.overlaps(s, e) == want
        if n and not want:
            spans.add(s, e)
            stored.append((s, e))


def test_parsing_leaves_the_cycle_collector_as_it_was():
    import gc

    from iraq_atlas import geoparse as gp

    assert gc.isenabled()
    assert len(gp.parse_text("Clashes in Basra on Friday.", "2021-11-07")) == 3
    assert gc.isenabled()
    gc.disable()
    try:
        gp.parse_text("Clashes in Basra on Friday.", "2021-11-07")
        assert not gc.isenabled()
    finally:
        gc.enable()
