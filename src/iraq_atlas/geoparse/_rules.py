"""Rule data (word lists, event phrases, month names) read once from ``rules/*.yaml``."""

from __future__ import annotations

import re
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


def alternation(words: list[str], *, escape: bool = False) -> str:
    """``(?:w1|w2|…)`` with the longest alternatives first so the regex prefers them."""
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    if escape:
        items = [re.escape(w).replace(r"\ ", r"\s+") for w in items]
    return "(?:" + "|".join(items) + ")"


_NAMED = re.compile(r"\(\?P<([A-Za-z_]\w*)>")


def combine(rules: list[tuple[str, str, int]]) -> re.Pattern:
    """One regex for many rules (name, pattern, flags): scanned once, leftmost match first,
    the earlier rule first at the same position. Group ``x`` of rule ``i`` is named ``r{i}_x``;
    read a match with :func:`which`.

    Examples
    --------
    >>> rx = combine([("a", r"(?P<n>\\d+) km", 0), ("b", r"(?P<n>\\d+) days", re.IGNORECASE)])
    >>> which(rx.search("in 3 DAYS"))
    (1, {'n': '3'})
    """
    parts = []
    for i, (_, pattern, flags) in enumerate(rules):
        body = _NAMED.sub(lambda m: f"(?P<r{i}_{m.group(1)}>", pattern)
        scoped = "(?i:" + body + ")" if flags & re.IGNORECASE else "(?-i:" + body + ")"
        parts.append(f"(?P<r{i}>{scoped})")
    return re.compile("|".join(parts))


def which(m: re.Match) -> tuple[int, dict[str, str | None]]:
    """(rule index, that rule's named groups) of a match of a :func:`combine` regex."""
    i = int(m.lastgroup[1:])
    prefix = f"r{i}_"
    return i, {k[len(prefix):]: v for k, v in m.groupdict().items() if k.startswith(prefix)}


class Trigger:
    """Trigger words found in one pass of an Aho-Corasick automaton (pyahocorasick).

    Reports what the regex alternation of the words, longest first, would match
    scanning left to right: at each position the longest word that starts there,
    then on from its end (optionally any decimal digit, ``\\d``, is a one-character
    trigger too). One automaton pass costs a small fraction of the regex scan,
    which tries every alternative at every position.
    """

    def __init__(self, forms: set[str], digits: bool = False):
        self.forms = frozenset(forms)
        self.digits = digits
        self._auto = ahocorasick.Automaton()
        for f in self.forms:
            self._auto.add_word(f, len(f))
        if self.forms:
            self._auto.make_automaton()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each trigger in ``text``, in order, never overlapping."""
        longest: dict[int, int] = {}
        if self.forms:
            for end, n in self._auto.iter(text):
                s = end + 1 - n
                if longest.get(s, 0) < n:
                    longest[s] = n
        if self.digits:
            for m in _DIGIT.finditer(text):
                longest[m.start()] = 1  # no word starts with a digit: never a longer word here
        out = []
        pos = 0
        for s in sorted(longest):
            if s >= pos:
                pos = s + longest[s]
                out.append((s, pos))
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


def windowed(rx: re.Pattern, trig: Trigger, text: str, back: int, fwd: int):
    """Matches of ``rx`` in ``text``, searched only in windows around matches of ``trig``.

    A window runs from ``back`` characters before a trigger to ``fwd`` after it;
    windows that touch are merged, so a match is never found twice. A Latin-script trigger
    counts only at the start of a word (Arabic ones anywhere: clitics are written onto words).

    Examples
    --------
    >>> [m.group() for m in windowed(re.compile(r"\\d+ killed"), trigger(["killed"]), "x 3 killed y", 10, 10)]
    ['3 killed']
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
        yield from rx.finditer(text, a, b)
