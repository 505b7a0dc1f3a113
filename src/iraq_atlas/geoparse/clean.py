"""Cleaning scraped text (boilerplate, glued sentences, odd quotes) and sentence spans.

Cleaning keeps an offset map so every span found in the clean text indexes the
original text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

__all__ = ["CleanText", "clean_text", "sentence_spans", "sentence_of"]


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus ``offsets``: ``offsets[i]`` is the original index of clean char ``i``.

    ``offsets`` has one extra sentinel entry (the original length).

    Examples
    --------
    >>> ct = clean_text("Calm.The end")
    >>> ct.text
    'Calm. The end'
    >>> ct.span(6, 9)
    (5, 8)
    """

    text: str
    offsets: list[int]

    @cached_property
    def sentences(self) -> list[tuple[int, int, int]]:
        """``sentence_spans(text)``, computed once per clean text."""
        return sentence_spans(self.text)

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
    r"^[ \t]*(?:Advertisement|ADVERTISEMENT|Skip Advertisement|Story continues[^\n]*|Read more\b[^\n]*|"
    r"Related(?: stories| articles)?:[^\n]*|Also read:[^\n]*|See also:[^\n]*|Share(?: this| on| via)?\b[^\n]{0,40}|"
    r"Tweet|Email|Facebook|Twitter|WhatsApp|Telegram|LinkedIn|Copy link|Print|"
    r"Subscribe\b[^\n]*|Sign up\b[^\n]*|Click here\b[^\n]*|Follow us\b[^\n]*|Image caption:?[^\n]*|Photo:[^\n]*)[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "‛": "'", "`": "'", "´": "'", "“": '"', "”": '"',
                         "„": '"', "«": '"', "»": '"', "\u00a0": " ", "\u200b": " ",
                         "\u200f": " ", "\u200e": " ",
                         # Arabic-Indic and Persian digits → ASCII digits (one char each)
                         **{chr(0x0660 + i): str(i) for i in range(10)},
                         **{chr(0x06F0 + i): str(i) for i in range(10)}, "\u066c": ",", "\u060c": ","})
# the characters _QUOTES changes, in runs (most of a text has none: only the runs are translated)
_TO_TRANSLATE = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]+")
# every match of _BOILER_INLINE holds one of these, lower-cased (letters without the extra case-insensitive
# matches of the regex engine, such as ı for i and ſ for s): texts without them skip the regex
_BOILER_INLINE_WORDS = ("dvert", "read more", "tory co")
# a sentence glued to the next one: "damage.The drone" → "damage. The drone"; a match is the mark
# before the missing space (matching it first lets the regex engine skip to the next mark at once)
_GLUED = re.compile(r"[.!?\"',](?:(?<=[a-z\d)\"'][.!?])(?=[A-Z\"])|(?<=[a-z\d)][.!?][\"'])(?=[A-Za-z])"
                    r"|(?<=[a-z],)(?=[A-Za-z]))")
# "in2019" → "in 2019": the digits first (a fast scan), then the word before them
_GLUED_YEAR = re.compile(r"(?<=[a-z])(?=(?:19|20)\d\d\b)(?:(?<=\bin)|(?<=\bsince)|(?<=\bby)|(?<=\bof)|(?<=\buntil))")
# Arabic short vowels, shadda, sukun and tatweel: dropped (عمّان → عمان); the offset map keeps spans right
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]+")
_CAMEL_GLUE = re.compile(r"(?=[TAIOB])(?<=[a-z]{3})(?=(?:The|A|An|In|On|At|After|Before|Iraqi|Iran)\s)")


class _OffsetRuns:
    """The offset map of a text being rewritten, kept as runs until the text is clean.

    Run ``k`` covers the current text from ``starts[k]`` to the next run's start: copied
    characters (``copied[k]``) map to ``bases[k]``, ``bases[k] + 1`` …, inserted ones all to
    ``bases[k]``. A rewrite costs the number of runs and edits, not the length of the text;
    the map is written out once, at the end (:meth:`offsets`).
    """

    def __init__(self, length: int):
        self.length = length  # of the current text
        self.end = length  # the original length: the map's extra sentinel entry
        self.starts, self.bases, self.copied = ([0], [0], [True]) if length else ([], [], [])

    def original(self, pos: int) -> int:
        """The original index of character ``pos`` of the current text (the sentinel at its end)."""
        if pos >= self.length:
            return self.end
        k = bisect_right(self.starts, pos) - 1
        return self.bases[k] + (pos - self.starts[k]) if self.copied[k] else self.bases[k]

    def rewrite(self, edits: list[tuple[int, int, int]]) -> None:
        """Apply ascending, non-overlapping edits ``(start, end, n)``: [start, end) becomes ``n`` new characters
        (mapped to the original index of ``start``)."""
        starts, bases, copied, length = self.starts, self.bases, self.copied, self.length
        ns: list[int] = []
        nb: list[int] = []
        nc: list[bool] = []
        out = 0

        def keep(a: int, b: int) -> None:
            nonlocal out
            if a >= b:
                return
            k = bisect_right(starts, a) - 1
            while k < len(starts) and starts[k] < b:
                s0 = max(a, starts[k])
                e0 = min(b, starts[k + 1] if k + 1 < len(starts) else length)
                ns.append(out)
                nb.append(bases[k] + (s0 - starts[k]) if copied[k] else bases[k])
                nc.append(copied[k])
                out += e0 - s0
                k += 1

        pos = 0
        for a, b, n in edits:
            keep(pos, a)
            if n:
                ns.append(out)
                nb.append(self.original(a))
                nc.append(False)
                out += n
            pos = b
        keep(pos, length)
        self.starts, self.bases, self.copied, self.length = ns, nb, nc, out

    def offsets(self) -> list[int]:
        """The map: original index of each character of the current text, then the sentinel."""
        out: list[int] = []
        ends = self.starts[1:] + [self.length]
        for s, e, base, copied in zip(self.starts, ends, self.bases, self.copied):
            out.extend(range(base, base + e - s) if copied else [base] * (e - s))
        out.append(self.end)
        return out


def _sub(text: str, runs: _OffsetRuns, pattern: re.Pattern, repl: str) -> str:
    """Regex substitution that keeps the offset map: replacement chars map to the match start."""
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:  # nothing to replace: the text and its map stay as they are
        return text
    out: list[str] = []
    pos = 0
    for a, b in spans:
        out += (text[pos:a], repl)
        pos = b
    out.append(text[pos:])
    runs.rewrite([(a, b, len(repl)) for a, b in spans])
    return "".join(out)


def _insert(text: str, runs: _OffsetRuns, points: list[int], repl: str) -> str:
    """``repl`` inserted at each of the ascending positions ``points``; the inserted chars map to the point."""
    if not points:
        return text
    out: list[str] = []
    pos = 0
    for p in points:
        out += (text[pos:p], repl)
        pos = p
    out.append(text[pos:])
    runs.rewrite([(p, p, len(repl)) for p in points])
    return "".join(out)


def clean_text(text: str) -> CleanText:
    """Strip boilerplate, fix glued sentences and odd quote marks, keeping an offset map.

    Parameters
    ----------
    text : str
        Article text as scraped.

    Returns
    -------
    CleanText
        The clean text and the map back to ``text``.

    Examples
    --------
    >>> clean_text("Calm.Story continues below adThe end").text
    'Calm. The end'
    """
    text = text or ""
    s = _TO_TRANSLATE.sub(lambda m: m.group().translate(_QUOTES), text)  # one char for one char: offsets unchanged
    runs = _OffsetRuns(len(s))
    s = _sub(s, runs, _BOILER_LINE, "")
    low = s.lower()
    if any(w in low for w in _BOILER_INLINE_WORDS):
        s = _sub(s, runs, _BOILER_INLINE, " ")
    s = _sub(s, runs, _GLUED_YEAR, " ")
    s = _insert(s, runs, [m.end() for m in _GLUED.finditer(s)], " ")
    s = _sub(s, runs, _CAMEL_GLUE, ". ")
    s = _sub(s, runs, _HARAKAT, "")
    return CleanText(s, runs.offsets())


_ABBREV = re.compile(r"(?:\b(?:[A-Z]|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mr|Mrs|Ms|Dr|"
                     r"Gen|Lt|Col|Maj|Sgt|Capt|St|No|vs|etc|Gov|Rep|Sen|approx|Fla|Calif)\.)$")
_PARA = re.compile(r"[^\n]+(?:\n(?![ \t]*\n)[^\n]+)*")
_SENT_END = re.compile(r"[.!?][\"']?(?=\s+[\"'(]?[A-Z0-9\u0600-\u06ff])|[\u061f.!?]$|\n")


def sentence_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, paragraph number) of each sentence in ``text``.

    Paragraphs are separated by a blank line; sentences end at . ! ? ؟ before a
    capital, digit or Arabic letter (not after common abbreviations) or at a line break.

    Parameters
    ----------
    text : str
        The (clean) text.

    Returns
    -------
    list of (int, int, int)
        ``(start, end, paragraph)`` per sentence, in text order; a sentence's
        span starts where the previous one ended.

    Examples
    --------
    >>> sentence_spans("One. Two.\\n\\nThree.")
    [(0, 4, 0), (4, 9, 0), (11, 17, 1)]
    >>> t = "Gunmen attacked a checkpoint in Tikrit. Two soldiers were killed.\\n\\nThe army sent troops."
    >>> [(t[a:b].strip(), para) for a, b, para in sentence_spans(t)]
    [('Gunmen attacked a checkpoint in Tikrit.', 0), ('Two soldiers were killed.', 0), ('The army sent troops.', 1)]
    """
    spans: list[tuple[int, int, int]] = []
    para = 0
    for pm in _PARA.finditer(text):
        start = pm.start()
        chunk = pm.group()
        for m in _SENT_END.finditer(chunk):
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


def sentence_of(spans: list[tuple[int, int, int]], starts: list[int], pos: int) -> int:
    """Index of the sentence holding clean offset ``pos`` (``starts`` = the spans' starts); O(log n).

    Examples
    --------
    >>> s = sentence_spans("One. Two.")
    >>> sentence_of(s, [a for a, _, _ in s], 6)
    1
    """
    if not spans:
        return 0
    return max(0, bisect_right(starts, pos) - 1)
