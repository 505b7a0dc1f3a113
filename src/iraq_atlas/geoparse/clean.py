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


def _sub(text: str, offsets: list[int], pattern: re.Pattern, repl: str) -> tuple[str, list[int]]:
    """Regex substitution that keeps the offset map: replacement chars map to the match start."""
    first = pattern.search(text)
    if first is None:  # nothing to replace: the text and its map stay as they are
        return text, offsets
    out: list[str] = []
    omap: list[int] = []
    pos = 0
    for m in pattern.finditer(text, first.start()):
        out.append(text[pos:m.start()])
        omap.extend(offsets[pos:m.start()])
        out.append(repl)
        omap.extend([offsets[m.start()]] * len(repl))
        pos = m.end()
    out.append(text[pos:])
    omap.extend(offsets[pos:len(text)])
    omap.append(offsets[len(text)])
    return "".join(out), omap


def _insert(text: str, offsets: list[int], points: list[int], repl: str) -> tuple[str, list[int]]:
    """``repl`` inserted at each of the ascending positions ``points``; the inserted chars map to the point."""
    if not points:
        return text, offsets
    out: list[str] = []
    omap: list[int] = []
    pos = 0
    for p in points:
        out += (text[pos:p], repl)
        omap.extend(offsets[pos:p])
        omap.extend([offsets[p]] * len(repl))
        pos = p
    out.append(text[pos:])
    omap.extend(offsets[pos:])
    return "".join(out), omap


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
    offsets = list(range(len(s) + 1))
    s, offsets = _sub(s, offsets, _BOILER_LINE, "")
    low = s.lower()
    if any(w in low for w in _BOILER_INLINE_WORDS):
        s, offsets = _sub(s, offsets, _BOILER_INLINE, " ")
    s, offsets = _sub(s, offsets, _GLUED_YEAR, " ")
    s, offsets = _insert(s, offsets, [m.end() for m in _GLUED.finditer(s)], " ")
    s, offsets = _sub(s, offsets, _CAMEL_GLUE, ". ")
    s, offsets = _sub(s, offsets, _HARAKAT, "")
    return CleanText(s, offsets)


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
