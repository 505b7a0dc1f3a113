"""Rule data (word lists, event phrases, month names) read once from ``rules/*.yaml``."""

from __future__ import annotations

import itertools
import re
import re._constants as _c
import re._parser as _parser
import weakref
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

RULES_DIR = Path(__file__).with_name("rules")


@lru_cache(maxsize=None)
def load(name: str) -> Any:
    """The parsed YAML file ``rules/<name>.yaml`` (cached: each file is read once).

    Examples
    --------
    >>> sorted(load("calendar"))
    ['months', 'triggers', 'weekdays']
    """
    with open(RULES_DIR / f"{name}.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def alternation(words: list[str], *, escape: bool = False, ignorecase: bool | None = None) -> str:
    """``(?:w1|w2|…)`` with the longest alternatives first so the regex prefers them.

    With ``ignorecase`` (how the regex around it is matched), the words are grouped by
    their first letter, ``(?:k(?:illed|ills)|d(?:ead|ied))``: the same matches, but the
    regex engine enters one group instead of every word (words with different first
    letters never match at the same place, and each group keeps its words' order). Words
    that do not all begin with a plain letter are left as they are.

    Examples
    --------
    >>> alternation(["kills", "killed", "dead"])
    '(?:killed|kills|dead)'
    >>> alternation(["kills", "killed", "dead", "Fatalities"], ignorecase=True)
    '(?:f(?:atalities)|k(?:illed|ills)|d(?:ead))'
    """
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    if escape:
        items = [re.escape(w).replace(r"\ ", r"\s+") for w in items]
    if ignorecase is None or not all(_GROUPABLE.match(w) and "|" not in w for w in items):
        return "(?:" + "|".join(items) + ")"
    groups: dict[str, list[str]] = {}
    for w in items:
        groups.setdefault(w[0].lower() if ignorecase else w[0], []).append(w[1:])
    return "(?:" + "|".join(head + "(?:" + "|".join(rests) + ")" for head, rests in groups.items()) + ")"


# a plain first letter (ASCII or Arabic, never quantified): the one a group of words can start with
_GROUPABLE = re.compile(r"[A-Za-z\u0621-\u064a](?![?*+{])")


_NAMED = re.compile(r"\(\?P<([A-Za-z_]\w*)>")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


class RuleSet:
    """Many rules (name, pattern, flags) scanned as one regex: leftmost match first, the
    earlier rule first at the same position, as an alternation of the rules would.

    The scan is one alternation of the rules without their groups, behind a *start gate*:
    a zero-width test of the first character (and, for rules that begin with ``\\b`` or
    ``(?<!\\w)``, of the one before it) that every match must pass (see :func:`start_gate`).
    Most positions fail the gate at once instead of entering every rule, and each rule has
    its own gate inside the alternation, in a group of its own: where the scan matches,
    that group names the rule that matched, which is matched again alone for its groups.

    Examples
    --------
    >>> rs = RuleSet([("km", r"(?P<n>\\d+) km", 0), ("days", r"\\b(?P<n>\\d+) days", re.IGNORECASE)])
    >>> [(rs.names[i], m.group("n")) for i, m in rs.finditer("in 3 DAYS, 40 km")]
    [('days', '3'), ('km', '40')]
    """

    def __init__(self, rules: list[tuple[str, str, int]]):
        self.names = [name for name, _, _ in rules]
        self.patterns = [re.compile(pattern, flags) for _, pattern, flags in rules]
        bodies = []
        for k, (name, pattern, flags) in enumerate(rules):
            if _BACKREF.search(pattern):
                raise ValueError(f"rule {name}: a back-reference cannot be scanned with other rules")
            scope = "(?i:" if flags & re.IGNORECASE else "(?-i:"
            # each rule behind its own gate too: a rule that cannot start here is left after one test;
            # its group (the rules' own groups are not kept) closes last, so it is the match's lastindex
            bodies.append(f"(?P<_{k}>" + start_gate([(pattern, flags)]) + scope + _NAMED.sub("(?:", pattern) + "))")
        self.gate = start_gate([(pattern, flags) for _, pattern, flags in rules])
        self.scan = re.compile(self.gate + "(?:" + "|".join(bodies) + ")")
        self._rule_of_group = {self.scan.groupindex[f"_{k}"]: k for k in range(len(rules))}

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, re.Match]]:
        """(rule index, that rule's match) of each match in ``text[pos:endpos]``, left to right."""
        endpos = len(text) if endpos is None else endpos
        patterns, rule_of_group = self.patterns, self._rule_of_group
        for m in self.scan.finditer(text, pos, endpos):
            i = rule_of_group[m.lastindex]
            yield i, patterns[i].match(text, m.start(), endpos)


class _Unknown(Exception):
    """A pattern whose first character the gate cannot bound (any character, a back-reference…)."""


_CATEGORIES = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_WORD: r"\w",
               _c.CATEGORY_NOT_WORD: r"\W", _c.CATEGORY_SPACE: r"\s", _c.CATEGORY_NOT_SPACE: r"\S"}
_WORD_CHAR = re.compile(r"\w")
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_NOT_AFTER_WORD = [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])]  # (?<!\w), (?<![\w])


def _first(seq, ci: bool, word_start: bool) -> tuple[list[tuple[tuple, bool, bool]], bool]:
    """Possible first characters of a parsed pattern: ([(class item, ignore case, word start)], nullable).

    ``word start``: a ``\\b`` or ``(?<!\\w)`` comes before the character, so (the character
    being a word character) the one before it is not one.
    """
    items: list[tuple[tuple, bool, bool]] = []
    for op, av in seq:
        if op in _ZERO_WIDTH:
            if (op is _c.AT and av is _c.AT_BOUNDARY) or (op is _c.ASSERT_NOT and av[0] == -1
                                                          and list(av[1]) == _NOT_AFTER_WORD):
                word_start = True
            continue  # other assertions only narrow the match: ignoring them keeps the gate wide enough
        if op is _c.LITERAL:
            return items + [((op, av), ci, word_start)], False
        if op is _c.IN:
            if any(o is _c.NEGATE for o, _ in av):
                raise _Unknown
            return items + [(item, ci, word_start) for item in av], False
        if op is _c.SUBPATTERN:
            _, add, drop, sub = av
            found, nullable = _first(sub, (ci or bool(add & re.IGNORECASE)) and not drop & re.IGNORECASE, word_start)
        elif op is _c.ATOMIC_GROUP:
            found, nullable = _first(av, ci, word_start)
        elif op is _c.BRANCH:
            found, nullable = [], False
            for alt in av[1]:
                f, n = _first(alt, ci, word_start)
                found += f
                nullable = nullable or n
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _, sub = av
            found, nullable = _first(sub, ci, word_start)
            nullable = nullable or low == 0
        else:
            raise _Unknown
        items += found
        if not nullable:
            return items, False
    return items, True


def _is_word(item: tuple) -> bool:
    op, av = item
    if op is _c.LITERAL:
        return _WORD_CHAR.match(chr(av)) is not None
    if op is _c.RANGE:
        return av[1] - av[0] < 5000 and all(_WORD_CHAR.match(chr(c)) for c in range(av[0], av[1] + 1))
    return op is _c.CATEGORY and av in (_c.CATEGORY_WORD, _c.CATEGORY_DIGIT)


def _item_text(item: tuple) -> str:
    op, av = item
    if op is _c.LITERAL:
        return re.escape(chr(av))
    if op is _c.RANGE:
        return re.escape(chr(av[0])) + "-" + re.escape(chr(av[1]))
    if op is _c.CATEGORY and av in _CATEGORIES:
        return _CATEGORIES[av]
    raise _Unknown


def _lookahead(items: list[tuple[tuple, bool, bool]]) -> str:
    """``(?=[…])`` of class items, the case-insensitive ones in a class of their own."""
    exact = "".join(dict.fromkeys(_item_text(i) for i, ci, _ in items if not ci))
    folded = "".join(dict.fromkeys(_item_text(i) for i, ci, _ in items if ci))
    return "(?=" + "|".join(([f"[{exact}]"] if exact else []) + ([f"(?i:[{folded}])"] if folded else [])) + ")"


def start_gate(rules: list[tuple[str, int]]) -> str:
    """A zero-width regex that holds wherever one of the patterns (pattern, flags) can start a match.

    Worked out from each pattern's parse: the characters its match can begin with, and
    whether a ``\\b`` or ``(?<!\\w)`` comes first (then a word character there follows a
    non-word one). Assertions other than those are left out, which only makes the gate hold
    in more places. A pattern that could match the empty string, or begin with any
    character, gives no gate (``""``): the scan then tries every position.

    Examples
    --------
    >>> print(start_gate([(r"\\bkilled", 0), (r"\\d+ dead", 0)]))
    (?:(?<!\\w)(?=[k])|(?=[\\d]))
    >>> start_gate([(r"x?", 0)])
    ''
    """
    found: list[tuple[tuple, bool, bool]] = []
    try:
        for pattern, flags in rules:
            tree = _parser.parse(pattern, flags)
            items, nullable = _first(tree, bool(tree.state.flags & re.IGNORECASE), False)
            if nullable:
                return ""
            found += items
        at_word = [f for f in found if f[2] and _is_word(f[0])]
        other = [f for f in found if not (f[2] and _is_word(f[0]))]
        parts = ([r"(?<!\w)" + _lookahead(at_word)] if at_word else []) + ([_lookahead(other)] if other else [])
    except _Unknown:
        return ""
    return "(?:" + "|".join(parts) + ")"


class Trigger:
    """Trigger words found with an Aho-Corasick automaton (pyahocorasick).

    Reports what the regex alternation of the words, longest first, would match
    scanning left to right: at each position the longest word that starts there,
    then on from its end (optionally any decimal digit, ``\\d``, is a one-character
    trigger too). One automaton pass costs a small fraction of the regex scan,
    which tries every alternative at every position, and one pass serves every
    trigger at once (see :func:`_word_starts`): the rules of dates, casualty figures,
    events and places each have their own trigger words, all looked for in the same text.
    """

    def __init__(self, forms: set[str], digits: bool = False):
        self.forms = frozenset(forms)
        self.digits = digits
        self._id = next(_TRIGGER_IDS)
        _TRIGGERS[self._id] = self
        _GENERATION[0] += 1  # the shared automaton is built again, with these words too

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each trigger in ``text``, in order, never overlapping."""
        longest = _word_starts(text, _GENERATION[0]).get(self._id, {}) if self.forms else {}
        if self.digits:
            longest = dict(longest)
            for m in _DIGIT.finditer(text):
                longest[m.start()] = 1  # no word starts with a digit: never a longer word here
        out = []
        pos = 0
        for s in sorted(longest):
            if s >= pos:
                pos = s + longest[s]
                out.append((s, pos))
        return out


_TRIGGERS: weakref.WeakValueDictionary[int, Trigger] = weakref.WeakValueDictionary()  # every trigger in use, by id
_TRIGGER_IDS = itertools.count()
_GENERATION = [0]  # changes whenever a trigger is made


@lru_cache(maxsize=1)
def _automaton(generation: int) -> ahocorasick.Automaton | None:
    """One automaton of the words of every trigger: word → (length, ids of the triggers that have it)."""
    owners: dict[str, list[int]] = {}
    for tid, trig in list(_TRIGGERS.items()):
        for f in trig.forms:
            owners.setdefault(f, []).append(tid)
    if not owners:
        return None
    auto = ahocorasick.Automaton()
    for f, ids in owners.items():
        auto.add_word(f, (len(f), tuple(ids)))
    auto.make_automaton()
    return auto


@lru_cache(maxsize=2)  # a text and the same text with some names blanked out (see places.place_mentions)
def _word_starts(text: str, generation: int) -> dict[int, dict[int, int]]:
    """Trigger id → {start: length of the longest of its words that starts there} in ``text``, in one pass."""
    out: dict[int, dict[int, int]] = {}
    auto = _automaton(generation)
    if auto is None:
        return out
    for end, (n, ids) in auto.iter(text):
        s = end + 1 - n
        for tid in ids:
            longest = out.get(tid)
            if longest is None:
                out[tid] = {s: n}
            elif longest.get(s, 0) < n:
                longest[s] = n
    return out


_DIGIT = re.compile(r"\d")


def trigger(words: list[str], *, digits: bool = False) -> Trigger:
    """A fast case-sensitive finder of trigger words (each also Capitalised and UPPER).

    Plain literal alternations are scanned by the regex engine slowly (every
    alternative at every position), so the trigger words are found with an
    Aho-Corasick automaton and the full rules only run near one (see :func:`windowed`).
    ``digits``: any decimal digit is a trigger too.

    Examples
    --------
    >>> trigger(["killed"]).spans("KILLED and killed")
    [(0, 6), (11, 17)]
    """
    forms = set()
    for w in words:
        w = str(w)
        forms.update({w, w[:1].upper() + w[1:], w.upper()})
    forms.discard("")
    return Trigger(forms, digits)


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def windowed(rules: RuleSet, trig: Trigger, text: str, back: int, fwd: int) -> Iterator[tuple[int, re.Match]]:
    """(rule index, match) of each match of ``rules`` in ``text``, searched only in windows around matches of ``trig``.

    A window runs from ``back`` characters before a trigger to ``fwd`` after it;
    windows that touch are merged, so a match is never found twice. A Latin-script trigger
    counts only at the start of a word (Arabic ones anywhere: clitics are written onto words).

    Examples
    --------
    >>> rs = RuleSet([("count", r"\\d+ killed", 0)])
    >>> [(i, m.group()) for i, m in windowed(rs, trigger(["killed"]), "x 3 killed y", 10, 10)]
    [(0, '3 killed')]
    """
    windows: list[list[int]] = []
    n = len(text)
    for s, e in trig.spans(text):
        if s and text[s - 1] in _ASCII_LETTERS and text[s] in _ASCII_LETTERS:
            continue  # inside a Latin word ("Omar" for "mar", "today" for "day"): not a trigger
        a, b = max(0, s - back), min(n, e + fwd)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    for a, b in windows:
        yield from rules.finditer(text, a, b)
